//! Trace replay: arrivals read from a file, streamed (memory does not grow with the file).
//!
//! - `timestamps`: one offset in seconds per line, or a named column of a CSV file with a
//!   header; offsets must not decrease.
//! - `azure2021`: the Azure Functions 2021 invocation trace, `app,func,end_timestamp,
//!   duration` (seconds); each row arrives at `end_timestamp − duration`, rows sorted by
//!   that start. `function` keeps only the rows of one `func` (or `app/func`).
//! - `azure2019`: the per-minute invocation counts of the Azure Functions 2019 trace
//!   (`HashFunction,HashApp,HashOwner,<minute columns>`; columns found by header name, so
//!   both the original `1..1440` and the sample's `minute_1..minute_1440` work).
//!   `function` keeps one `HashFunction`, else every row is summed. The counts of a minute
//!   are spread over it: `uniform` (independent uniform times, sorted) or `even`.
//!
//! `each_function` replays every function of an azure trace as its own scenario function
//! (`EachFunction`): azure2021 by (app, func), azure2019 by row, with the row's durations
//! and memory read from the trace's percentile files (`load_durations`, `load_memory`).
//! With `durations = "trace"`, an azure2021 invocation runs for its own duration.
//!
//! The whole file is checked once at load (`check`), so a malformed row is an input error
//! naming its line; the run then streams it again. Memory stays flat in the number of
//! invocations; an azure2019 trace replayed per function keeps its non-zero per-minute
//! counts (a few bytes per active function-minute), as the file is stored function by
//! function but replayed minute by minute.

use crate::engine::Dist;
use crate::engine::{SimRng, Time};
use rand::RngExt;
use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// `TraceStream::payload` of an arrival that draws its duration from the function.
pub const DRAW: Time = Time::MAX;

/// `TraceStream::payload` of an arrival that goes to the source's own function.
pub const SOURCE_FUNCTION: u32 = u32::MAX;

/// The formats a trace may have.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TraceFormat {
    /// Offsets in seconds: one per line, or the named column of a CSV file.
    Timestamps {
        /// The CSV column holding the offsets; `None`: one number per line.
        column: Option<String>,
    },
    /// Azure Functions 2021 invocations.
    Azure2021,
    /// Azure Functions 2019 per-minute counts.
    Azure2019,
}

/// How the invocations counted in one minute are placed in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Spread {
    /// Independent uniform times within the minute.
    Uniform,
    /// Evenly spaced: the i-th of n at (i + 0.5)/n of the minute.
    Even,
    /// A Poisson process at the minute's rate: the count is drawn from a Poisson
    /// distribution of mean n (so it is reproduced only on average), at uniform times.
    Poisson,
}

/// A validated trace: where, what format, which rows, and how many arrivals it holds.
#[derive(Clone, Debug)]
pub struct Trace {
    /// The file (already resolved against the scenario's folder).
    pub path: PathBuf,
    /// Its format.
    pub format: TraceFormat,
    /// Keep only this function's rows (azure formats).
    pub function: Option<String>,
    /// Placement within a minute (azure2019).
    pub spread: Spread,
    /// Arrivals it holds (all of them, whatever the run's duration).
    pub count: u64,
    /// Time of the last arrival.
    pub last: Time,
    /// Each invocation runs for its own duration in the trace (azure2021).
    pub own_durations: bool,
    /// Every function of the trace replayed as its own scenario function.
    pub each: Option<Arc<EachFunction>>,
}

/// The functions of a trace replayed one scenario function each (`each_function`).
#[derive(Clone, Debug, Default)]
pub struct EachFunction {
    /// The trace's functions: azure2021 in order of first appearance, azure2019 by row.
    pub functions: Vec<TraceFunction>,
    /// azure2019: for each minute, the (function, count) pairs with a count above 0.
    pub by_minute: Vec<Vec<(u32, u32)>>,
    /// The scenario function replaying each of `functions` (set when the scenario expands).
    pub targets: Vec<u32>,
}

/// One function of a trace.
#[derive(Clone, Debug, Default)]
pub struct TraceFunction {
    /// `HashOwner` (azure2019; empty when the file has no such column).
    pub owner: String,
    /// `HashApp` / `app`.
    pub app: String,
    /// `HashFunction` / `func`.
    pub func: String,
    /// Its invocations in the whole trace.
    pub count: u64,
    /// Its duration distribution, from the durations file (azure2019).
    pub duration: Option<Dist>,
    /// Its memory, from the memory file (azure2019), clamped to Lambda's 128–10,240 MB.
    pub memory_mb: Option<u32>,
}

/// A malformed trace: the line (1-based) and what is wrong.
#[derive(Debug)]
pub struct TraceError {
    /// 1-based line, if the problem is on one.
    pub line: Option<u64>,
    /// What is wrong.
    pub message: String,
    /// The problem is the `function` selector, not the file.
    pub on_function: bool,
}

fn bad(line: u64, message: impl Into<String>) -> TraceError {
    TraceError {
        line: Some(line),
        message: message.into(),
        on_function: false,
    }
}

fn seconds(field: &str, line: u64, what: &str) -> Result<Time, TraceError> {
    let x: f64 = field
        .trim()
        .parse()
        .map_err(|_| bad(line, format!("{what} `{field}` is not a number of seconds")))?;
    if !(0.0..=1.8e10).contains(&x) {
        return Err(bad(
            line,
            format!("{what} {x} must be a number of seconds from 0 to 1.8e10 (about 570 years)"),
        ));
    }
    Ok(Time((x * 1e9).round() as u64))
}

/// Reads every record of a CSV file with a header, calling `row` with the line number.
fn each_csv_row(
    path: &Path,
    mut row: impl FnMut(&csv::StringRecord, u64) -> Result<(), TraceError>,
) -> Result<csv::StringRecord, TraceError> {
    let file = File::open(path).map_err(|e| TraceError {
        line: None,
        message: format!("cannot open the trace {}: {e}", path.display()),
        on_function: false,
    })?;
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(BufReader::new(file));
    let header = rdr
        .headers()
        .map_err(|e| bad(1, format!("cannot read the header: {e}")))?
        .clone();
    let mut rec = csv::StringRecord::new();
    loop {
        match rdr.read_record(&mut rec) {
            Ok(true) => {
                let line = rec.position().map_or(0, |p| p.line());
                row(&rec, line)?;
            }
            Ok(false) => break,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                return Err(bad(line, format!("malformed CSV row: {e}")));
            }
        }
    }
    Ok(header)
}

fn column(header: &csv::StringRecord, names: &[&str]) -> Option<usize> {
    header.iter().position(|h| names.contains(&h.trim()))
}

/// What `check` found in a trace.
#[derive(Debug)]
pub struct Checked {
    /// Arrivals it holds.
    pub count: u64,
    /// Time of the last arrival.
    pub last: Time,
    /// Its functions, when asked for (`each`).
    pub each: Option<EachFunction>,
}

/// Checks a whole trace and counts its arrivals; with `each`, lists its functions (azure
/// formats).
pub fn check(
    path: &Path,
    format: &TraceFormat,
    function: Option<&str>,
    each: bool,
) -> Result<Checked, TraceError> {
    let mut count = 0u64;
    let mut last = Time::ZERO;
    let mut found: Option<EachFunction> = None;
    match format {
        TraceFormat::Timestamps { column: None } => {
            let file = File::open(path).map_err(|e| TraceError {
                line: None,
                message: format!("cannot open the trace {}: {e}", path.display()),
                on_function: false,
            })?;
            for (i, l) in BufReader::new(file).lines().enumerate() {
                let line = i as u64 + 1;
                let l = l.map_err(|e| bad(line, format!("cannot read: {e}")))?;
                let l = l.trim_start_matches('\u{feff}');
                if l.trim().is_empty() || l.trim_start().starts_with('#') {
                    continue;
                }
                let t = seconds(l, line, "offset")?;
                if t < last {
                    return Err(bad(line, "offsets must not decrease"));
                }
                last = t;
                count += 1;
            }
        }
        TraceFormat::Timestamps { column: Some(name) } => {
            let header = first_header(path)?;
            let i = column(&header, &[name.as_str()]).ok_or_else(|| {
                bad(
                    1,
                    format!(
                        "no column `{name}` in the header ({})",
                        header.iter().collect::<Vec<_>>().join(", ")
                    ),
                )
            })?;
            each_csv_row(path, |rec, line| {
                let t = seconds(rec.get(i).unwrap_or(""), line, "offset")?;
                if t < last {
                    return Err(bad(line, "offsets must not decrease"));
                }
                last = t;
                count += 1;
                Ok(())
            })?;
        }
        TraceFormat::Azure2021 => {
            let header = first_header(path)?;
            let cols = azure2021_columns(&header)?;
            let mut fs = EachFunction::default();
            let mut index: HashMap<String, u32> = HashMap::new();
            let mut key = String::new();
            each_csv_row(path, |rec, line| {
                if !azure2021_keep(rec, &cols, function) {
                    return Ok(());
                }
                let t = azure2021_start(rec, &cols, line)?;
                if t < last {
                    return Err(bad(
                        line,
                        "rows must be sorted by start (end_timestamp − duration)",
                    ));
                }
                last = t;
                count += 1;
                if each {
                    azure2021_key(rec, &cols, &mut key);
                    let i = match index.get(key.as_str()) {
                        Some(&i) => i,
                        None => {
                            let i = fs.functions.len() as u32;
                            index.insert(key.clone(), i);
                            fs.functions.push(TraceFunction {
                                app: rec.get(cols.app).unwrap_or("").to_string(),
                                func: rec.get(cols.func).unwrap_or("").to_string(),
                                ..TraceFunction::default()
                            });
                            i
                        }
                    };
                    fs.functions[i as usize].count += 1;
                }
                Ok(())
            })?;
            if let (Some(f), 0) = (function, count) {
                return Err(TraceError {
                    line: None,
                    message: format!("no row has func `{f}` (or app/func, with a `/`)"),
                    on_function: true,
                });
            }
            if each {
                found = Some(fs);
            }
        }
        TraceFormat::Azure2019 => {
            let (minutes, fs) = azure2019_minutes(path, function, each)?;
            count = minutes
                .iter()
                .try_fold(0u64, |a, &n| a.checked_add(n))
                .ok_or_else(|| TraceError {
                    line: None,
                    message: "the counts add up to too many invocations".into(),
                    on_function: false,
                })?;
            last = Time::from_secs(60 * minutes.len() as u64);
            found = fs;
            if let Some(f) = function {
                if count == 0 && !azure2019_has(path, f)? {
                    return Err(TraceError {
                        line: None,
                        message: format!("no row has HashFunction `{f}`"),
                        on_function: true,
                    });
                }
            }
        }
    }
    Ok(Checked {
        count,
        last,
        each: found,
    })
}

fn first_header(path: &Path) -> Result<csv::StringRecord, TraceError> {
    let file = File::open(path).map_err(|e| TraceError {
        line: None,
        message: format!("cannot open the trace {}: {e}", path.display()),
        on_function: false,
    })?;
    let mut rdr = csv::Reader::from_reader(BufReader::new(file));
    rdr.headers()
        .cloned()
        .map_err(|e| bad(1, format!("cannot read the header: {e}")))
}

struct Cols2021 {
    app: usize,
    func: usize,
    end: usize,
    duration: usize,
}

fn azure2021_columns(header: &csv::StringRecord) -> Result<Cols2021, TraceError> {
    let need = |n: &str| {
        column(header, &[n]).ok_or_else(|| {
            bad(1, format!("an azure2021 trace needs the columns app, func, end_timestamp, duration; `{n}` is missing"))
        })
    };
    Ok(Cols2021 {
        app: need("app")?,
        func: need("func")?,
        end: need("end_timestamp")?,
        duration: need("duration")?,
    })
}

fn azure2021_keep(rec: &csv::StringRecord, c: &Cols2021, function: Option<&str>) -> bool {
    match function {
        None => true,
        Some(f) => match f.split_once('/') {
            Some((app, func)) => rec.get(c.app) == Some(app) && rec.get(c.func) == Some(func),
            None => rec.get(c.func) == Some(f),
        },
    }
}

/// `app/func` of a row, into `key` (reused: no allocation per row once it has grown).
fn azure2021_key(rec: &csv::StringRecord, c: &Cols2021, key: &mut String) {
    key.clear();
    key.push_str(rec.get(c.app).unwrap_or(""));
    key.push('/');
    key.push_str(rec.get(c.func).unwrap_or(""));
}

fn azure2021_start(rec: &csv::StringRecord, c: &Cols2021, line: u64) -> Result<Time, TraceError> {
    let end = seconds(rec.get(c.end).unwrap_or(""), line, "end_timestamp")?;
    let d = seconds(rec.get(c.duration).unwrap_or(""), line, "duration")?;
    // A start up to 1 ms before 0 (rounding in the trace) is clamped to 0.
    if d > end + Time::from_millis(1) {
        return Err(bad(
            line,
            format!("the invocation starts before 0: duration {d} exceeds end_timestamp {end}"),
        ));
    }
    Ok(end.saturating_sub(d))
}

/// Per-minute totals of the selected rows of an azure2019 counts file; with `each`, also
/// every selected row as a function, with its non-zero minutes.
fn azure2019_minutes(
    path: &Path,
    function: Option<&str>,
    each: bool,
) -> Result<(Vec<u64>, Option<EachFunction>), TraceError> {
    let header = first_header(path)?;
    let hash = column(&header, &["HashFunction"])
        .ok_or_else(|| bad(1, "an azure2019 trace needs a HashFunction column"))?;
    let app = column(&header, &["HashApp"]);
    let owner = column(&header, &["HashOwner"]);
    // Minute columns: `1`..`1440` or `minute_1`..`minute_1440`, in order of the minute.
    let mut minute_cols: Vec<(u32, usize)> = header
        .iter()
        .enumerate()
        .filter_map(|(i, h)| {
            let h = h.trim();
            h.strip_prefix("minute_")
                .unwrap_or(h)
                .parse::<u32>()
                .ok()
                .filter(|m| *m >= 1)
                .map(|m| (m, i))
        })
        .collect();
    minute_cols.sort_unstable();
    if minute_cols.is_empty() {
        return Err(bad(
            1,
            "an azure2019 trace needs minute columns (`1`… or `minute_1`…)",
        ));
    }
    for (k, (m, _)) in minute_cols.iter().enumerate() {
        if *m as usize != k + 1 {
            return Err(bad(1, format!("minute column {} is missing", k + 1)));
        }
    }
    let mut totals = vec![0u64; minute_cols.len()];
    let mut fs = each.then(|| EachFunction {
        by_minute: vec![Vec::new(); minute_cols.len()],
        ..EachFunction::default()
    });
    each_csv_row(path, |rec, line| {
        if function.is_some_and(|f| rec.get(hash) != Some(f)) {
            return Ok(());
        }
        let row = fs.as_ref().map_or(0, |fs| fs.functions.len() as u32);
        let mut row_total = 0u64;
        for (k, (_, i)) in minute_cols.iter().enumerate() {
            let field = rec.get(*i).unwrap_or("").trim();
            let n: u64 = if field.is_empty() {
                0
            } else {
                field
                    .parse()
                    .map_err(|_| bad(line, format!("minute {}: `{field}` is not a count", k + 1)))?
            };
            let too_many = || {
                bad(
                    line,
                    format!(
                        "minute {}: the counts add up to too many invocations",
                        k + 1
                    ),
                )
            };
            totals[k] = totals[k].checked_add(n).ok_or_else(too_many)?;
            row_total = row_total.checked_add(n).ok_or_else(too_many)?;
            if let (Some(fs), true) = (&mut fs, n > 0) {
                let n = u32::try_from(n).map_err(|_| {
                    bad(
                        line,
                        format!("minute {}: {n} invocations is too many", k + 1),
                    )
                })?;
                fs.by_minute[k].push((row, n));
            }
        }
        if let Some(fs) = &mut fs {
            let field = |c: Option<usize>| c.and_then(|c| rec.get(c)).unwrap_or("").to_string();
            fs.functions.push(TraceFunction {
                owner: field(owner),
                app: field(app),
                func: field(Some(hash)),
                count: row_total,
                ..TraceFunction::default()
            });
        }
        Ok(())
    })?;
    Ok((totals, fs))
}

/// Percentile columns of a file: (quantile in [0, 1], column), by quantile.
fn percentile_columns(header: &csv::StringRecord, prefix: &str) -> Vec<(f64, usize)> {
    let mut cols: Vec<(f64, usize)> = header
        .iter()
        .enumerate()
        .filter_map(|(i, h)| {
            let p: f64 = h.trim().strip_prefix(prefix)?.parse().ok()?;
            (0.0..=100.0).contains(&p).then_some((p / 100.0, i))
        })
        .collect();
    cols.sort_by(|a, b| a.0.total_cmp(&b.0));
    cols
}

/// Index of `fs.functions` by the key columns that a companion file shares with the trace.
fn function_index<'a>(
    fs: &'a EachFunction,
    key: impl Fn(&'a TraceFunction) -> String,
) -> HashMap<String, Vec<usize>> {
    let mut index: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, f) in fs.functions.iter().enumerate() {
        index.entry(key(f)).or_default().push(i);
    }
    index
}

/// Reads an azure2019 `function_durations_percentiles` file (`HashFunction`, optionally
/// `HashOwner` and `HashApp`, and `percentile_Average_<p>` in ms, p0 and p100 among them)
/// into the functions it names; returns how many functions got a duration.
pub fn load_durations(path: &Path, fs: &mut EachFunction) -> Result<usize, TraceError> {
    let header = first_header(path)?;
    let hash = column(&header, &["HashFunction"])
        .ok_or_else(|| bad(1, "a durations file needs a HashFunction column"))?;
    let app = column(&header, &["HashApp"]);
    let owner = column(&header, &["HashOwner"]);
    let cols = percentile_columns(&header, "percentile_Average_");
    if cols.first().map(|c| c.0) != Some(0.0) || cols.last().map(|c| c.0) != Some(1.0) {
        return Err(bad(
            1,
            "a durations file needs percentile columns `percentile_Average_<p>` (ms) from p0 to p100",
        ));
    }
    let key = |o: &str, a: &str, f: &str| {
        format!(
            "{}/{}/{f}",
            if owner.is_some() { o } else { "" },
            if app.is_some() { a } else { "" }
        )
    };
    let index = function_index(fs, |f| key(&f.owner, &f.app, &f.func));
    let mut matched = 0;
    let mut points = Vec::with_capacity(cols.len());
    each_csv_row(path, |rec, line| {
        points.clear();
        for &(q, i) in &cols {
            let field = rec.get(i).unwrap_or("").trim();
            let ms: f64 = field.parse().map_err(|_| {
                bad(
                    line,
                    format!("p{}: `{field}` is not a number of ms", q * 100.0),
                )
            })?;
            if !(0.0..=1e12).contains(&ms) {
                return Err(bad(
                    line,
                    format!("p{}: {ms} ms is not a duration", q * 100.0),
                ));
            }
            if points.last().is_some_and(|&(_, prev)| ms * 1e6 < prev) {
                return Err(bad(
                    line,
                    format!("p{}: the percentiles must not decrease", q * 100.0),
                ));
            }
            points.push((q, ms * 1e6));
        }
        let get = |c: Option<usize>| c.and_then(|c| rec.get(c)).unwrap_or("");
        let Some(rows) = index.get(&key(get(owner), get(app), get(Some(hash)))) else {
            return Ok(());
        };
        for &r in rows {
            if fs.functions[r].duration.is_none() {
                matched += 1;
            }
            fs.functions[r].duration = Some(Dist::Empirical(points.clone()));
        }
        Ok(())
    })?;
    Ok(matched)
}

/// Reads an azure2019 `app_memory_percentiles` file (`HashApp`, optionally `HashOwner`,
/// and `AverageAllocatedMb`) into the functions of the apps it names; returns how many
/// functions got a memory size.
pub fn load_memory(path: &Path, fs: &mut EachFunction) -> Result<usize, TraceError> {
    let header = first_header(path)?;
    let app = column(&header, &["HashApp"])
        .ok_or_else(|| bad(1, "a memory file needs a HashApp column"))?;
    let owner = column(&header, &["HashOwner"]);
    let mb = column(&header, &["AverageAllocatedMb"])
        .ok_or_else(|| bad(1, "a memory file needs an AverageAllocatedMb column"))?;
    let key = |o: &str, a: &str| format!("{}/{a}", if owner.is_some() { o } else { "" });
    let index = function_index(fs, |f| key(&f.owner, &f.app));
    let mut matched = 0;
    each_csv_row(path, |rec, line| {
        let field = rec.get(mb).unwrap_or("").trim();
        let v: f64 = field
            .parse()
            .ok()
            .filter(|v: &f64| v.is_finite() && *v >= 0.0)
            .ok_or_else(|| {
                bad(
                    line,
                    format!("AverageAllocatedMb `{field}` is not a size in MB"),
                )
            })?;
        let v = (v.round().min(1e9) as u32).clamp(128, 10_240);
        let Some(rows) = index.get(&key(
            owner.and_then(|c| rec.get(c)).unwrap_or(""),
            rec.get(app).unwrap_or(""),
        )) else {
            return Ok(());
        };
        for &r in rows {
            if fs.functions[r].memory_mb.is_none() {
                matched += 1;
            }
            fs.functions[r].memory_mb = Some(v);
        }
        Ok(())
    })?;
    Ok(matched)
}

fn azure2019_has(path: &Path, function: &str) -> Result<bool, TraceError> {
    let header = first_header(path)?;
    let hash = column(&header, &["HashFunction"]).unwrap_or(0);
    let mut found = false;
    each_csv_row(path, |rec, _| {
        found |= rec.get(hash) == Some(function);
        Ok(())
    })?;
    Ok(found)
}

/// The run-time reader of a trace.
pub struct TraceStream {
    inner: Inner,
    /// The function of the arrival last returned (`SOURCE_FUNCTION`: the source's own).
    func: u32,
    /// Its duration from the trace, or `DRAW`.
    duration: Time,
}

enum Inner {
    Lines(std::io::Lines<BufReader<File>>),
    Column {
        rdr: csv::Reader<BufReader<File>>,
        rec: csv::StringRecord,
        col: usize,
    },
    Azure2021 {
        rdr: csv::Reader<BufReader<File>>,
        rec: csv::StringRecord,
        cols: Cols2021,
        function: Option<String>,
        own_durations: bool,
        /// `app/func` → scenario function (`each_function`).
        targets: Option<HashMap<String, u32>>,
        /// Scratch key, reused for every row.
        key: String,
    },
    Azure2019 {
        minutes: Minutes,
        minute: usize,
        /// One generator per function with arrivals left in the current minute, the next
        /// arrival first: memory grows with the functions of a minute, not its count.
        pending: std::collections::BinaryHeap<std::cmp::Reverse<MinuteArrivals>>,
        spread: Spread,
    },
    Done,
}

/// The arrivals of one function within one minute, drawn in order one at a time.
#[derive(Clone, Copy, Debug, PartialEq)]
struct MinuteArrivals {
    /// The next arrival.
    next: Time,
    func: u32,
    /// Arrivals handed out so far, and in all.
    i: u64,
    n: u64,
    /// Position of the last one in the minute, in [0, 1) (uniform spread).
    x: f64,
    /// Start of the minute.
    start: Time,
}

impl Eq for MinuteArrivals {}

impl PartialOrd for MinuteArrivals {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for MinuteArrivals {
    /// By time, then function: a deterministic order.
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.next, self.func).cmp(&(other.next, other.func))
    }
}

impl MinuteArrivals {
    const MINUTE_NS: f64 = 60e9;

    /// The first of the arrivals of `func` in the minute from `start` that counts `n` > 0,
    /// or `None` when a Poisson spread draws none.
    fn new(start: Time, func: u32, n: u64, spread: Spread, rng: &mut SimRng) -> Option<Self> {
        let n = if spread == Spread::Poisson {
            let draw: f64 = rand_distr::Poisson::new(n as f64)
                .map_or(n as f64, |p| rand_distr::Distribution::sample(&p, rng));
            draw as u64
        } else {
            n
        };
        if n == 0 {
            return None;
        }
        let mut a = MinuteArrivals {
            next: start,
            func,
            i: 0,
            n,
            x: 0.0,
            start,
        };
        a.draw(spread, rng);
        Some(a)
    }

    /// Sets `next` to arrival `i`: evenly spaced, or the next of `n` sorted uniform times
    /// (the k-th order statistic from the previous one: x' = 1 − (1 − x)·V^(1/(n − k))).
    fn draw(&mut self, spread: Spread, rng: &mut SimRng) {
        let frac = match spread {
            Spread::Even => (self.i as f64 + 0.5) / self.n as f64,
            Spread::Uniform | Spread::Poisson => {
                let left = (self.n - self.i) as f64;
                let v: f64 = rng.random::<f64>();
                self.x = 1.0 - (1.0 - self.x) * v.powf(1.0 / left);
                self.x
            }
        };
        let off = ((Self::MINUTE_NS * frac) as u64).min(59_999_999_999);
        // Never before the previous one (rounding).
        self.next = (self.start + Time(off)).max(self.next);
    }
}

/// The per-minute counts an azure2019 stream replays.
enum Minutes {
    /// Totals, all to the source's function.
    Total(Vec<u64>),
    /// Per function (`each_function`).
    Each(Arc<EachFunction>),
}

impl TraceStream {
    /// Opens `trace` (checked at load); a file that became unreadable ends the trace.
    pub fn open(trace: &Trace) -> TraceStream {
        let open = || File::open(&trace.path).ok().map(BufReader::new);
        let inner = match &trace.format {
            TraceFormat::Timestamps { column: None } => {
                open().map_or(Inner::Done, |r| Inner::Lines(r.lines()))
            }
            TraceFormat::Timestamps { column: Some(name) } => match open() {
                Some(r) => {
                    let mut rdr = csv::Reader::from_reader(r);
                    match rdr.headers().ok().and_then(|h| column(h, &[name.as_str()])) {
                        Some(col) => Inner::Column {
                            rdr,
                            rec: csv::StringRecord::new(),
                            col,
                        },
                        None => Inner::Done,
                    }
                }
                None => Inner::Done,
            },
            TraceFormat::Azure2021 => match open() {
                Some(r) => {
                    let mut rdr = csv::Reader::from_reader(r);
                    match rdr.headers().ok().and_then(|h| azure2021_columns(h).ok()) {
                        Some(cols) => Inner::Azure2021 {
                            rdr,
                            rec: csv::StringRecord::new(),
                            cols,
                            function: trace.function.clone(),
                            own_durations: trace.own_durations,
                            targets: trace.each.as_ref().map(|e| {
                                e.functions
                                    .iter()
                                    .zip(&e.targets)
                                    .map(|(f, &t)| (format!("{}/{}", f.app, f.func), t))
                                    .collect()
                            }),
                            key: String::new(),
                        },
                        None => Inner::Done,
                    }
                }
                None => Inner::Done,
            },
            TraceFormat::Azure2019 => {
                let minutes = match &trace.each {
                    Some(e) => Ok(Minutes::Each(Arc::clone(e))),
                    None => azure2019_minutes(&trace.path, trace.function.as_deref(), false)
                        .map(|(m, _)| Minutes::Total(m)),
                };
                match minutes {
                    Ok(minutes) => Inner::Azure2019 {
                        minutes,
                        minute: 0,
                        pending: std::collections::BinaryHeap::new(),
                        spread: trace.spread,
                    },
                    Err(_) => Inner::Done,
                }
            }
        };
        TraceStream {
            inner,
            func: SOURCE_FUNCTION,
            duration: DRAW,
        }
    }

    /// The function (`SOURCE_FUNCTION`: the source's own) and duration (`DRAW`: drawn
    /// from the function) of the arrival last returned by `next`.
    #[inline]
    pub fn payload(&self) -> (u32, Time) {
        (self.func, self.duration)
    }

    /// The next arrival, or `None` at the end of the trace.
    pub fn next(&mut self, rng: &mut SimRng) -> Option<Time> {
        match &mut self.inner {
            Inner::Lines(lines) => {
                for l in lines.by_ref() {
                    let l = l.ok()?;
                    let t = l.trim_start_matches('\u{feff}').trim();
                    if t.is_empty() || t.starts_with('#') {
                        continue;
                    }
                    return seconds(t, 0, "offset").ok();
                }
                None
            }
            Inner::Column { rdr, rec, col } => {
                if rdr.read_record(rec).ok()? {
                    seconds(rec.get(*col).unwrap_or(""), 0, "offset").ok()
                } else {
                    None
                }
            }
            Inner::Azure2021 {
                rdr,
                rec,
                cols,
                function,
                own_durations,
                targets,
                key,
            } => {
                while rdr.read_record(rec).ok()? {
                    if !azure2021_keep(rec, cols, function.as_deref()) {
                        continue;
                    }
                    if let Some(targets) = targets {
                        azure2021_key(rec, cols, key);
                        self.func = *targets.get(key.as_str())?;
                    }
                    if *own_durations {
                        self.duration =
                            seconds(rec.get(cols.duration).unwrap_or(""), 0, "").ok()?;
                    }
                    return azure2021_start(rec, cols, 0).ok();
                }
                None
            }
            Inner::Azure2019 {
                minutes,
                minute,
                pending,
                spread,
            } => {
                while pending.is_empty() {
                    let start = Time(60_000_000_000u64 * *minute as u64);
                    match minutes {
                        Minutes::Total(m) => {
                            let n = *m.get(*minute)?;
                            if n > 0 {
                                if let Some(a) =
                                    MinuteArrivals::new(start, SOURCE_FUNCTION, n, *spread, rng)
                                {
                                    pending.push(std::cmp::Reverse(a));
                                }
                            }
                        }
                        Minutes::Each(e) => {
                            for &(row, n) in e.by_minute.get(*minute)? {
                                let func = e.targets[row as usize];
                                if let Some(a) =
                                    MinuteArrivals::new(start, func, u64::from(n), *spread, rng)
                                {
                                    pending.push(std::cmp::Reverse(a));
                                }
                            }
                        }
                    }
                    *minute += 1;
                }
                let mut top = pending.peek_mut()?;
                let a = &mut top.0;
                let (t, func) = (a.next, a.func);
                a.i += 1;
                if a.i == a.n {
                    std::collections::binary_heap::PeekMut::pop(top);
                } else {
                    a.draw(*spread, rng);
                }
                self.func = func;
                Some(t)
            }
            Inner::Done => None,
        }
    }
}
