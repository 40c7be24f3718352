//! The Azure Functions 2021 invocation trace (`app,func,end_timestamp,duration`): its
//! columns, which rows a `function` selector keeps, and when each row starts.

use super::{TraceError, bad, column, seconds};
use crate::engine::Time;

/// The columns of an azure2021 trace, found by header name.
pub(super) struct Cols2021 {
    pub(super) app: usize,
    pub(super) func: usize,
    end: usize,
    pub(super) duration: usize,
}

pub(super) fn azure2021_columns(header: &csv::StringRecord) -> Result<Cols2021, TraceError> {
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

pub(super) fn azure2021_keep(
    rec: &csv::StringRecord,
    c: &Cols2021,
    function: Option<&str>,
) -> bool {
    match function {
        None => true,
        Some(f) => match f.split_once('/') {
            Some((app, func)) => rec.get(c.app) == Some(app) && rec.get(c.func) == Some(func),
            None => rec.get(c.func) == Some(f),
        },
    }
}

/// `app/func` of a row, into `key` (reused: no allocation per row once it has grown).
pub(super) fn azure2021_key(rec: &csv::StringRecord, c: &Cols2021, key: &mut String) {
    key.clear();
    key.push_str(rec.get(c.app).unwrap_or(""));
    key.push('/');
    key.push_str(rec.get(c.func).unwrap_or(""));
}

pub(super) fn azure2021_start(
    rec: &csv::StringRecord,
    c: &Cols2021,
    line: u64,
) -> Result<Time, TraceError> {
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
