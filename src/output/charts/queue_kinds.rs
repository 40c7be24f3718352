//! What waits in the queues of a run (asynchronous events, SQS messages, stream records)
//! and the words the queue chart uses for it.

use super::format::{count_of, group_thousands};
use super::style::SEP;
use crate::metrics::RunReport;

/// What waits in the queues of a run, for the words of the queue chart: asynchronous events
/// in internal queues, SQS messages, stream records.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct QueueKinds {
    pub(super) events: bool,
    pub(super) messages: bool,
    pub(super) records: bool,
    /// Every record source is a Kafka topic: what waits is the consumer lag.
    pub(super) topics: bool,
    /// Every message source is an SQS queue (not an Amazon MQ broker).
    pub(super) sqs: bool,
}

impl QueueKinds {
    pub(super) fn of(report: &RunReport) -> Self {
        let mut kinds = QueueKinds {
            events: report.asynchronous,
            messages: false,
            records: false,
            topics: true,
            sqs: true,
        };
        if report.poll {
            for s in report.source_reports.iter().filter(|s| s.poll) {
                match s.service {
                    "sqs" => kinds.messages = true,
                    "mq" => {
                        kinds.messages = true;
                        kinds.sqs = false;
                    }
                    service => {
                        kinds.records = true;
                        kinds.topics &= matches!(service, "msk" | "kafka");
                    }
                }
            }
            if !kinds.messages && !kinds.records {
                // Poll sources not described: name both.
                kinds.messages = true;
                kinds.records = true;
            }
        }
        kinds
    }

    pub(super) fn poll(self) -> bool {
        self.messages || self.records
    }

    /// The plural of what waits: "events", "messages or records", "events, messages or
    /// records".
    pub(super) fn waiting(self) -> String {
        let words: Vec<&str> = [
            (self.events, "events"),
            (self.messages, "messages"),
            (self.records, "records"),
        ]
        .iter()
        .filter(|(on, _)| *on)
        .map(|(_, w)| *w)
        .collect();
        match words.as_slice() {
            [] => "events".to_string(),
            [one] => (*one).to_string(),
            [init @ .., last] => format!("{} or {last}", init.join(", ")),
        }
    }

    /// What waits, singular and plural ("request" when events mix with the others).
    pub(super) fn noun(self) -> (&'static str, &'static str) {
        match (self.events, self.messages, self.records) {
            (_, false, false) => ("event", "events"),
            (false, true, false) => ("message", "messages"),
            (false, false, true) => ("record", "records"),
            (false, true, true) => ("message or record", "messages or records"),
            (true, _, _) => ("request", "requests"),
        }
    }

    /// Where failed requests go: SQS and asynchronous invocation have dead-letter queues,
    /// stream mappings an on-failure destination.
    pub(super) fn failure_destination(self) -> (&'static str, &'static str) {
        match (self.events || self.messages, self.records) {
            (_, false) => ("Dead-letter queue", "DLQ"),
            (false, true) => ("On-failure destination", "on-failure destination"),
            (true, true) => ("DLQ / on-failure destination", "DLQ"),
        }
    }
}

/// The subtitle of the queue chart: what went to the DLQ, what was redelivered, expired,
/// throttled or retried.
pub(super) fn queue_note(report: &RunReport, kinds: QueueKinds) -> String {
    let total = &report.total;
    let (one, many) = kinds.noun();
    let (_, dest) = kinds.failure_destination();
    let mut note = vec![format!("{} to the {dest}", count_of(total.dlq, one, many))];
    let polled: Vec<_> = report.source_reports.iter().filter(|s| s.poll).collect();
    if kinds.messages {
        let n = polled
            .iter()
            .fold(0u64, |a, s| a.saturating_add(s.redelivered));
        note.push(format!("{} redelivered", group_thousands(n)));
    }
    if kinds.records {
        let n = polled.iter().fold(0u64, |a, s| a.saturating_add(s.expired));
        note.push(format!("{} expired", group_thousands(n)));
    }
    if let [s] = polled.as_slice() {
        note.push(format!(
            "peak {}",
            count_of(u64::from(s.max_pollers), "poller", "pollers")
        ));
    }
    note.push(count_of(total.throttles, "throttle", "throttles"));
    if kinds.events || kinds.records {
        note.push(count_of(total.retries, "retry", "retries"));
    }
    note.join(SEP)
}
