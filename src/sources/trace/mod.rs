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
//!   are spread over it: `uniform` (independent uniform times, sorted), `even`, or
//!   `poisson` (the minute's count as the mean of a Poisson process).
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
//!
//! - `cloudwatch`: the `REPORT` lines of a function's CloudWatch logs, in any export (one
//!   file or several, merged), each invocation at its arrival (the report's time minus its
//!   duration and INIT). With `durations = "trace"` it runs for its logged duration and
//!   ends as logged (success, error or timeout); with `cold_starts = "trace"` it starts
//!   cold, with its logged INIT, exactly when the log says, and warm otherwise.
//!
//! Files: this one holds the public types, `check` and the CSV helpers every format shares;
//! `azure2021.rs` and `azure2019.rs` read those formats, `companions.rs` the azure2019
//! durations and memory files, `stream.rs` is the run-time `TraceStream`, and `minute.rs`
//! draws the arrivals of one azure2019 minute.

mod azure2019;
mod azure2021;
mod cloudwatch;
mod companions;
mod minute;
mod stream;

pub use cloudwatch::check as check_logs;
pub use companions::{load_durations, load_memory};
pub use stream::TraceStream;

use crate::engine::{Dist, Time};
use crate::read::{LineLimit, quote};
use azure2019::{azure2019_has, azure2019_minutes};
use azure2021::{azure2021_columns, azure2021_keep, azure2021_key, azure2021_start};
use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// `Given::duration` of an arrival that draws its duration from the function.
pub const DRAW: Time = Time::MAX;

/// What a trace gives one invocation besides its arrival time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Given {
    /// Its execution time, or `DRAW`.
    pub duration: Time,
    /// Whether it starts cold, as logged.
    pub cold: GivenCold,
    /// How it ends, as logged.
    pub outcome: GivenOutcome,
    /// The tenant it comes from (a source's `tenants`; 0 without).
    pub tenant: u32,
}

impl Given {
    /// Nothing given: everything is drawn from the function.
    pub const NOTHING: Given = Given {
        duration: DRAW,
        cold: GivenCold::Simulate,
        outcome: GivenOutcome::Draw,
        tenant: 0,
    };
}

/// Cold or warm, as a replayed log says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GivenCold {
    /// Simulated: an idle environment if there is one, else a new one.
    Simulate,
    /// Logged warm: an idle environment, or one revived without INIT if none is idle
    /// (the keep-alive of the run retired what the real function kept).
    Warm,
    /// Logged cold: a new environment, with this INIT.
    Cold(Time),
    /// Logged SnapStart restore: a new environment, with this restore time, of which this
    /// many whole ms are billed (`Billed Restore Duration`).
    Restored(Time, u32),
}

/// The end of an invocation, as a replayed log says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GivenOutcome {
    /// Drawn from the function's `error_rate` (a timeout if it runs past `timeout`).
    Draw,
    /// Succeeded (unless it runs past `timeout`).
    Success,
    /// Failed with an error.
    Error,
    /// Timed out.
    Timeout,
}

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
    /// A function's CloudWatch logs (`REPORT` lines, any export).
    CloudWatch,
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
    /// The files after the first, for a log in several files (`cloudwatch`).
    pub more_paths: Vec<PathBuf>,
    /// The time (ns since 1970) of the run's 0: the first logged arrival, to the whole
    /// minute below (`cloudwatch`).
    pub origin: u64,
    /// Each invocation starts cold or warm as logged, with its logged INIT (`cloudwatch`).
    pub copy_cold_starts: bool,
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
    let x: f64 = field.trim().parse().map_err(|_| {
        bad(
            line,
            format!("{what} `{}` is not a number of seconds", quote(field)),
        )
    })?;
    if !(0.0..=1.8e10).contains(&x) {
        return Err(bad(
            line,
            format!("{what} {x} must be a number of seconds from 0 to 1.8e10 (about 570 years)"),
        ));
    }
    Ok(Time((x * 1e9).round() as u64))
}

/// Opens a trace: a regular file only, read through a limit on the length of its lines.
pub(crate) fn open_trace(path: &Path) -> Result<LineLimit<File>, TraceError> {
    crate::read::open_regular(path)
        .map(LineLimit::new)
        .map_err(|e| TraceError {
            line: None,
            message: format!("cannot open the trace {}: {e}", path.display()),
            on_function: false,
        })
}

/// Reads every record of a CSV file with a header, calling `row` with the line number.
fn each_csv_row(
    path: &Path,
    mut row: impl FnMut(&csv::StringRecord, u64) -> Result<(), TraceError>,
) -> Result<csv::StringRecord, TraceError> {
    let file = open_trace(path)?;
    let mut rdr = csv::ReaderBuilder::new().flexible(false).from_reader(file);
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
    /// The run's 0 in the trace's own clock (`cloudwatch`: ns since 1970).
    pub origin: u64,
    /// What the user should know although the trace can be replayed (`cloudwatch`: the
    /// lines that could not be read, skipped).
    pub warnings: Vec<String>,
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
    let mut origin = 0;
    let mut warnings = Vec::new();
    match format {
        TraceFormat::CloudWatch => {
            let c = cloudwatch::check(std::slice::from_ref(&path.to_path_buf()), None)?;
            (count, last, origin) = (c.count, c.last, c.origin);
            warnings = c.warnings;
        }
        TraceFormat::Timestamps { column: None } => {
            let file = open_trace(path)?;
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
                        "no column `{}` in the header ({})",
                        quote(name),
                        quote(&header.iter().collect::<Vec<_>>().join(", "))
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
            if let Some(f) = function
                && count == 0
                && !azure2019_has(path, f)?
            {
                return Err(TraceError {
                    line: None,
                    message: format!("no row has HashFunction `{f}`"),
                    on_function: true,
                });
            }
        }
    }
    Ok(Checked {
        count,
        last,
        each: found,
        origin,
        warnings,
    })
}

fn first_header(path: &Path) -> Result<csv::StringRecord, TraceError> {
    let file = open_trace(path)?;
    let mut rdr = csv::Reader::from_reader(file);
    rdr.headers()
        .cloned()
        .map_err(|e| bad(1, format!("cannot read the header: {e}")))
}
