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
//! The whole file is checked once at load (`check`), so a malformed row is an input error
//! naming its line; the run then streams it again.

use crate::engine::{SimRng, Time};
use rand::RngExt;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

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
}

/// A malformed trace: the line (1-based) and what is wrong.
#[derive(Debug)]
pub struct TraceError {
    /// 1-based line, if the problem is on one.
    pub line: Option<u64>,
    /// What is wrong.
    pub message: String,
}

fn bad(line: u64, message: impl Into<String>) -> TraceError {
    TraceError {
        line: Some(line),
        message: message.into(),
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
            format!("{what} {x} must be a finite number of seconds ≥ 0"),
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

/// Checks a whole trace and counts its arrivals.
pub fn check(
    path: &Path,
    format: &TraceFormat,
    function: Option<&str>,
) -> Result<(u64, Time), TraceError> {
    let mut count = 0u64;
    let mut last = Time::ZERO;
    match format {
        TraceFormat::Timestamps { column: None } => {
            let file = File::open(path).map_err(|e| TraceError {
                line: None,
                message: format!("cannot open the trace {}: {e}", path.display()),
            })?;
            for (i, l) in BufReader::new(file).lines().enumerate() {
                let line = i as u64 + 1;
                let l = l.map_err(|e| bad(line, format!("cannot read: {e}")))?;
                if l.trim().is_empty() || l.trim_start().starts_with('#') {
                    continue;
                }
                let t = seconds(&l, line, "offset")?;
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
                Ok(())
            })?;
        }
        TraceFormat::Azure2019 => {
            let minutes = azure2019_minutes(path, function)?;
            count = minutes.iter().sum();
            last = Time::from_secs(60 * minutes.len() as u64);
            if let Some(f) = function {
                if count == 0 && !azure2019_has(path, f)? {
                    return Err(TraceError {
                        line: None,
                        message: format!("no row has HashFunction `{f}`"),
                    });
                }
            }
        }
    }
    Ok((count, last))
}

fn first_header(path: &Path) -> Result<csv::StringRecord, TraceError> {
    let file = File::open(path).map_err(|e| TraceError {
        line: None,
        message: format!("cannot open the trace {}: {e}", path.display()),
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

fn azure2021_start(rec: &csv::StringRecord, c: &Cols2021, line: u64) -> Result<Time, TraceError> {
    let end = seconds(rec.get(c.end).unwrap_or(""), line, "end_timestamp")?;
    let d = seconds(rec.get(c.duration).unwrap_or(""), line, "duration")?;
    // A start a hair before 0 (rounding in the trace) is clamped to 0.
    Ok(end.saturating_sub(d))
}

/// Per-minute totals of the selected rows of an azure2019 counts file.
fn azure2019_minutes(path: &Path, function: Option<&str>) -> Result<Vec<u64>, TraceError> {
    let header = first_header(path)?;
    let hash = column(&header, &["HashFunction"])
        .ok_or_else(|| bad(1, "an azure2019 trace needs a HashFunction column"))?;
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
    each_csv_row(path, |rec, line| {
        if function.is_some_and(|f| rec.get(hash) != Some(f)) {
            return Ok(());
        }
        for (k, (_, i)) in minute_cols.iter().enumerate() {
            let field = rec.get(*i).unwrap_or("").trim();
            let n: u64 = if field.is_empty() {
                0
            } else {
                field
                    .parse()
                    .map_err(|_| bad(line, format!("minute {}: `{field}` is not a count", k + 1)))?
            };
            totals[k] += n;
        }
        Ok(())
    })?;
    Ok(totals)
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
    },
    Azure2019 {
        minutes: Vec<u64>,
        minute: usize,
        /// Times of the current minute still to hand out, latest first.
        pending: Vec<Time>,
        spread: Spread,
    },
    Done,
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
                        },
                        None => Inner::Done,
                    }
                }
                None => Inner::Done,
            },
            TraceFormat::Azure2019 => {
                match azure2019_minutes(&trace.path, trace.function.as_deref()) {
                    Ok(minutes) => Inner::Azure2019 {
                        minutes,
                        minute: 0,
                        pending: Vec::new(),
                        spread: trace.spread,
                    },
                    Err(_) => Inner::Done,
                }
            }
        };
        TraceStream { inner }
    }

    /// The next arrival, or `None` at the end of the trace.
    pub fn next(&mut self, rng: &mut SimRng) -> Option<Time> {
        match &mut self.inner {
            Inner::Lines(lines) => {
                for l in lines.by_ref() {
                    let l = l.ok()?;
                    let t = l.trim();
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
            } => {
                while rdr.read_record(rec).ok()? {
                    if azure2021_keep(rec, cols, function.as_deref()) {
                        return azure2021_start(rec, cols, 0).ok();
                    }
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
                    let n = *minutes.get(*minute)?;
                    let start = 60_000_000_000u64 * *minute as u64;
                    *minute += 1;
                    for i in 0..n {
                        let off = match spread {
                            Spread::Even => (60e9 * (i as f64 + 0.5) / n as f64) as u64,
                            Spread::Uniform => (60e9 * rng.random::<f64>()) as u64,
                        };
                        pending.push(Time(start + off.min(59_999_999_999)));
                    }
                    // Latest first, so that `pop` hands them out in order.
                    pending.sort_unstable_by(|a, b| b.cmp(a));
                }
                pending.pop()
            }
            Inner::Done => None,
        }
    }
}
