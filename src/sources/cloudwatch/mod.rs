//! CloudWatch Logs of one function: the `REPORT` line each invocation writes, read from
//! every export a user has (`files.rs` detects the format; `message.rs` reads a report;
//! `events.rs` streams the `aws logs` JSON; `summary.rs` sums a log up), several files merged in the order the
//! invocations started. Read as a stream: memory holds the reports of about 16 minutes
//! (the longest an invocation can take, 15 minutes plus its INIT, and a minute of disorder
//! between files), not the file.

mod events;
mod files;
mod message;
mod summary;

pub use files::LogFormat;
pub use summary::{BillingEvidence, LogSummary};

/// A timestamp as the exports write it (RFC 3339, with or without a zone (UTC), or epoch
/// milliseconds), in ns since 1970.
pub fn parse_timestamp(s: &str) -> Option<u64> {
    message::timestamp(s)
}

use crate::engine::Time;
use files::LogFile;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fmt;
use std::path::{Path, PathBuf};

/// How an invocation ended, as logged.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    /// Ended normally.
    #[default]
    Success,
    /// `Status: error` (or `record.status` `error` / `failure`).
    Error,
    /// `Status: timeout`.
    Timeout,
}

/// A report as read from one message, before its times are settled.
#[derive(Clone, Debug, Default, PartialEq)]
struct Logged {
    request_id: String,
    /// The record's own time (JSON records), in ns since 1970.
    end: Option<u64>,
    duration: Time,
    billed_ms: u64,
    memory_mb: u32,
    max_memory_mb: u32,
    init: Option<Time>,
    restore: Option<Time>,
    billed_restore_ms: u64,
    status: Status,
}

/// One logged invocation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Invocation {
    /// When it arrived (its INIT, or its restore, began), in ns since 1970: the report's
    /// time minus the duration and the INIT (or `platform.start` minus the INIT).
    pub arrival: u64,
    /// When its report was written, in ns since 1970.
    pub end: u64,
    /// `Duration`, exactly.
    pub duration: Time,
    /// `Billed Duration`, ms.
    pub billed_ms: u64,
    /// `Memory Size`, MB.
    pub memory_mb: u32,
    /// `Max Memory Used`, MB.
    pub max_memory_mb: u32,
    /// `Init Duration`: a cold start.
    pub init: Option<Time>,
    /// `Restore Duration`: a SnapStart restore.
    pub restore: Option<Time>,
    /// `Billed Restore Duration`, ms (0 without a restore): billed on top of `billed_ms`.
    pub billed_restore_ms: u64,
    /// How it ended.
    pub status: Status,
    /// Which of the files it is in (index into the paths given).
    pub file: u32,
    /// Its line in that file.
    pub line: u64,
}

impl Invocation {
    /// Whether it started an execution environment (INIT or a restore).
    pub fn cold(&self) -> bool {
        self.init.is_some() || self.restore.is_some()
    }
}

/// A log that cannot be read: the file, the line if the problem is on one, and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogError {
    /// The file.
    pub file: PathBuf,
    /// The 1-based line, when the problem is on one.
    pub line: Option<u64>,
    /// What is wrong.
    pub message: String,
}

impl LogError {
    fn file(path: &Path, message: impl Into<String>) -> LogError {
        LogError {
            file: path.to_path_buf(),
            line: None,
            message: message.into(),
        }
    }

    fn at(path: &Path, line: u64, message: impl Into<String>) -> LogError {
        LogError {
            file: path.to_path_buf(),
            line: Some(line),
            message: message.into(),
        }
    }
}

impl fmt::Display for LogError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(l) => write!(f, "{}:{l}: {}", self.file.display(), self.message),
            None => write!(f, "{}: {}", self.file.display(), self.message),
        }
    }
}

/// Reports that could not be read: how many, and the first few with file:line.
#[derive(Debug, Default, Clone)]
pub struct BadLines {
    /// How many.
    pub count: u64,
    /// The first few, as `file:line: why: text`.
    pub first: Vec<String>,
}

/// How many malformed lines are shown.
const SHOWN: usize = 5;

impl BadLines {
    fn note(&mut self, path: &Path, line: u64, why: &str, text: &str) {
        self.count += 1;
        if self.first.len() < SHOWN {
            let text: String = text.trim().chars().take(100).collect();
            let more = if text.is_empty() {
                String::new()
            } else {
                format!(": {text}")
            };
            self.first
                .push(format!("{}:{line}: {why}{more}", path.display()));
        }
    }
}

/// The longest an invocation can take from arrival to report, with the disorder allowed
/// between files: 15 minutes of execution, 10 s of INIT, a minute of disorder.
const HORIZON: u64 = (15 * 60 + 10 + 60) * 1_000_000_000;

/// Several log files of one function, read as one stream in order of arrival.
pub struct LogReader {
    files: Vec<LogFile>,
    /// The next report of each file not yet exhausted, by its end.
    heads: BinaryHeap<Reverse<(u64, u32, u64)>>,
    head: Vec<Option<Invocation>>,
    /// Reports read, waiting until no later report can arrive before them.
    ready: BinaryHeap<Reverse<(u64, u64, Key)>>,
    seq: u64,
    /// The arrival of the last invocation returned.
    released: u64,
    /// Malformed reports seen so far.
    pub bad: BadLines,
}

/// An `Invocation` ordered in the heap by (arrival, order read).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Key(Invocation);

impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Key {
    fn cmp(&self, _: &Self) -> std::cmp::Ordering {
        // Ties are broken by the sequence number before it.
        std::cmp::Ordering::Equal
    }
}

impl LogReader {
    /// Opens every file (detecting each one's format).
    pub fn open(paths: &[PathBuf]) -> Result<LogReader, LogError> {
        let mut files = Vec::with_capacity(paths.len());
        for p in paths {
            files.push(LogFile::open(p)?);
        }
        let mut r = LogReader {
            head: vec![None; files.len()],
            files,
            heads: BinaryHeap::new(),
            ready: BinaryHeap::new(),
            seq: 0,
            released: 0,
            bad: BadLines::default(),
        };
        for i in 0..r.files.len() {
            r.refill(i)?;
        }
        Ok(r)
    }

    /// The format of each file.
    pub fn formats(&self) -> Vec<LogFormat> {
        self.files.iter().map(|f| f.format).collect()
    }

    /// Reports that had no time of their own, placed one after another.
    pub fn untimed(&self) -> u64 {
        self.files.iter().map(|f| f.untimed).sum()
    }

    fn refill(&mut self, i: usize) -> Result<(), LogError> {
        if let Some(mut inv) = self.files[i].next(&mut self.bad)? {
            inv.file = i as u32;
            self.heads.push(Reverse((inv.end, i as u32, inv.line)));
            self.head[i] = Some(inv);
        }
        Ok(())
    }

    /// The next invocation in order of arrival, or `None` at the end of every file. A
    /// report that started before one already returned (files more than a minute out of
    /// time order) is an error naming its line.
    pub fn read(&mut self) -> Result<Option<Invocation>, LogError> {
        loop {
            let next_end = self.heads.peek().map(|Reverse((end, _, _))| *end);
            if let Some(Reverse((arrival, _, _))) = self.ready.peek()
                && next_end.is_none_or(|e| arrival.saturating_add(HORIZON) <= e)
            {
                let Reverse((arrival, _, Key(inv))) = self.ready.pop().expect("peeked");
                self.released = arrival;
                return Ok(Some(inv));
            }
            let Some(Reverse((_, i, _))) = self.heads.pop() else {
                return Ok(None);
            };
            let inv = self.head[i as usize].take().expect("a head per entry");
            if inv.arrival < self.released {
                return Err(LogError::at(
                    &self.files[i as usize].path,
                    inv.line,
                    "this report is more than a minute out of time order with those before it; sort the log by time",
                ));
            }
            self.ready.push(Reverse((inv.arrival, self.seq, Key(inv))));
            self.seq += 1;
            self.refill(i as usize)?;
        }
    }
}
