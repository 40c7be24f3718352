//! A function's CloudWatch logs as a trace: checked whole at load (its arrivals, the run's
//! 0), then replayed invocation by invocation, each with what the log gives it.

use super::{Checked, Given, GivenCold, GivenOutcome, TraceError};
use crate::engine::Time;
use crate::sources::cloudwatch::{Invocation, LogError, LogReader, Status};
use std::path::PathBuf;

const MINUTE: u64 = 60_000_000_000;

fn trace_error(e: LogError) -> TraceError {
    TraceError {
        line: None,
        message: e.to_string(),
        on_function: false,
    }
}

/// Reads every file through: the arrivals they hold, the last one, and the run's 0:
/// `start` (ns since 1970) if given, arrivals before it left out, else the first
/// arrival, to the whole minute below.
pub fn check(paths: &[PathBuf], start: Option<u64>) -> Result<Checked, TraceError> {
    let mut r = LogReader::open(paths).map_err(trace_error)?;
    let (mut count, mut first, mut last) = (0u64, None, 0u64);
    while let Some(inv) = r.read().map_err(trace_error)? {
        if start.is_some_and(|s| inv.arrival < s) {
            continue;
        }
        count += 1;
        first.get_or_insert(inv.arrival);
        last = inv.arrival;
    }
    let Some(first) = first else {
        let shown = match r.bad.first.first() {
            Some(b) => format!(" ({} malformed, the first: {b})", r.bad.count),
            None => String::new(),
        };
        return Err(TraceError {
            line: None,
            message: format!("no REPORT line in the log{shown}"),
            on_function: false,
        });
    };
    let origin = start.unwrap_or(first - first % MINUTE);
    let mut warnings = Vec::new();
    if r.bad.count > 0 {
        let mut w = format!(
            "{} line(s) of the log could not be read and are not replayed; the first:",
            r.bad.count
        );
        for b in &r.bad.first {
            w.push_str("\n    ");
            w.push_str(b);
        }
        warnings.push(w);
    }
    Ok(Checked {
        count,
        last: Time(last - origin),
        each: None,
        origin,
        warnings,
    })
}

/// The replay of a log, invocation by invocation.
pub(super) struct LogStream {
    reader: LogReader,
    origin: u64,
    own_durations: bool,
    copy_cold_starts: bool,
}

impl LogStream {
    pub(super) fn open(
        paths: &[PathBuf],
        origin: u64,
        own_durations: bool,
        copy_cold_starts: bool,
    ) -> Option<LogStream> {
        Some(LogStream {
            reader: LogReader::open(paths).ok()?,
            origin,
            own_durations,
            copy_cold_starts,
        })
    }

    /// The next arrival and what the log gives it; `None` at the end (or if the files
    /// changed since they were checked).
    pub(super) fn next(&mut self) -> Option<(Time, Given)> {
        loop {
            let inv = self.reader.read().ok()??;
            // Before the run's 0 (a `start` after the log's first arrival): left out.
            if let Some(t) = inv.arrival.checked_sub(self.origin) {
                return Some((Time(t), self.given(&inv)));
            }
        }
    }

    fn given(&self, inv: &Invocation) -> Given {
        let mut g = Given::NOTHING;
        if self.own_durations {
            g.duration = inv.duration;
            g.outcome = match inv.status {
                Status::Success => GivenOutcome::Success,
                Status::Error => GivenOutcome::Error,
                Status::Timeout => GivenOutcome::Timeout,
            };
        }
        if self.copy_cold_starts {
            g.cold = match (inv.init, inv.restore) {
                (None, None) => GivenCold::Warm,
                (i, Some(r)) => GivenCold::Restored(
                    i.unwrap_or(Time::ZERO) + r,
                    u32::try_from(inv.billed_restore_ms).unwrap_or(u32::MAX),
                ),
                (Some(i), None) => GivenCold::Cold(i),
            };
        }
        g
    }
}
