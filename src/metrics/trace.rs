//! The simulated X-Ray: spans (queue wait, INIT, execution) and instants (throttles,
//! retries, DLQ) of a run, bounded by a limit, for `trace.json`.

use super::AttemptOutcome;
use crate::engine::Time;

/// `env` of a record that belongs to no execution environment.
pub const NO_ENV: u32 = u32::MAX;

/// What a trace record shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TraceKind {
    /// Span: an asynchronous event waiting in the function's internal queue, from when it
    /// entered the queue (arrival, or a failed attempt) to the start of its next attempt.
    QueueWait,
    /// Span: INIT of a cold start, on the environment's track.
    Init,
    /// Span: an invocation, on the environment's track.
    Invoke,
    /// Instant: an attempt refused for lack of concurrency or scaling capacity.
    Throttle,
    /// Instant: a request resubmitted after a failed attempt.
    Retry,
    /// Instant: a request sent to the dead-letter queue / on-failure destination.
    Dlq,
}

/// One span (`start < end`, or equal for an empty span) or instant (`start == end`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TraceRecord {
    /// What it shows.
    pub kind: TraceKind,
    /// Function index.
    pub function: u32,
    /// Environment serial number (unique in the run, from 0), or `NO_ENV`.
    pub env: u32,
    /// Whether that environment is provisioned.
    pub provisioned: bool,
    /// Request id.
    pub request: u64,
    /// Attempt number of the request, from 1.
    pub attempt: u32,
    /// Start (or the instant).
    pub start: Time,
    /// End (equals `start` for instants).
    pub end: Time,
    /// How an `Invoke` ended.
    pub outcome: Option<AttemptOutcome>,
    /// Why, for `Dlq` (e.g. "max_event_age") and `Retry` (e.g. "error"); else empty.
    pub note: &'static str,
}

/// The records of a run, at most `limit` of them.
#[derive(Clone, Debug)]
pub struct Trace {
    /// The most records kept.
    pub limit: u64,
    /// The records, in the order they were completed.
    pub records: Vec<TraceRecord>,
    /// Records not kept because the limit was reached.
    pub dropped: u64,
}

impl Trace {
    /// An empty trace keeping at most `limit` records.
    pub fn new(limit: u64) -> Self {
        Trace {
            limit,
            records: Vec::new(),
            dropped: 0,
        }
    }

    /// Keeps `r` if there is room, else counts it as dropped.
    #[inline]
    pub fn push(&mut self, r: TraceRecord) {
        if (self.records.len() as u64) < self.limit {
            self.records.push(r);
        } else {
            self.dropped += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_at_most_the_limit() {
        let mut t = Trace::new(2);
        let r = TraceRecord {
            kind: TraceKind::Throttle,
            function: 0,
            env: NO_ENV,
            provisioned: false,
            request: 0,
            attempt: 1,
            start: Time::ZERO,
            end: Time::ZERO,
            outcome: None,
            note: "",
        };
        for _ in 0..5 {
            t.push(r);
        }
        assert_eq!(t.records.len(), 2);
        assert_eq!(t.dropped, 3);
    }
}
