//! Streaming statistics: counters, a latency histogram and a time series per function.
//! Nothing here grows with the number of invocations.

pub mod recommend;
mod report;
mod series;
pub mod stats;
mod trace;

pub use report::{
    AttemptOutcome, AttemptRecord, BinReport, ClusterReport, FunctionReport, LatencyReport,
    ManagedBin, RunReport, SourceReport, by_variant,
};
pub use series::{Bin, Level, Levels, Series};
pub use trace::{NO_ENV, Trace, TraceKind, TraceRecord};

use crate::engine::Time;
use hdrhistogram::Histogram;

/// Highest latency the histogram resolves: 30 days, in microseconds.
const LATENCY_MAX_US: u64 = 30 * 86_400 * 1_000_000;

/// An empty latency histogram (microseconds, 3 significant digits).
pub fn latency_histogram() -> Histogram<u64> {
    // Bounds are constants that hdrhistogram accepts; this cannot fail.
    Histogram::new_with_bounds(1, LATENCY_MAX_US, 3).expect("valid histogram bounds")
}

/// A streaming distribution of durations: a histogram (µs, 3 significant digits) with the
/// exact sum and maximum (ns). The histogram (about 260 KB) is allocated at the first
/// value, so functions that never record one cost nothing.
#[derive(Default)]
pub struct Recorder {
    /// The distribution, µs (`None` until a value is recorded).
    pub hist: Option<Histogram<u64>>,
    /// Exact sum, ns.
    pub sum_ns: u128,
    /// Exact maximum, ns.
    pub max_ns: u64,
}

impl Recorder {
    /// Records one duration.
    #[inline]
    pub fn record(&mut self, t: Time) {
        let ns = t.as_nanos();
        self.sum_ns += u128::from(ns);
        self.max_ns = self.max_ns.max(ns);
        self.hist
            .get_or_insert_with(latency_histogram)
            .saturating_record(ns / 1000);
    }

    /// Adds another recorder's values.
    pub fn merge(&mut self, other: &Recorder) {
        if let Some(h) = &other.hist {
            self.hist
                .get_or_insert_with(latency_histogram)
                .add(h)
                .expect("histograms share bounds");
        }
        self.sum_ns += other.sum_ns;
        self.max_ns = self.max_ns.max(other.max_ns);
    }

    /// The summary statistics (no histogram when nothing was recorded).
    pub fn report(self) -> LatencyReport {
        match self.hist {
            Some(h) => LatencyReport::new(h, self.sum_ns, self.max_ns),
            None => LatencyReport {
                histogram: None,
                ..LatencyReport::new(latency_histogram(), 0, 0)
            },
        }
    }
}

/// Counters and distributions of one function during one run.
pub struct FuncMetrics {
    /// Requests offered by sources.
    pub requests: u64,
    /// Requests that completed successfully.
    pub succeeded: u64,
    /// Requests that failed (throttled, errored, timed out, sent to the DLQ).
    pub failed: u64,
    /// Execution attempts started.
    pub invocations: u64,
    /// Attempts that ran INIT.
    pub cold_starts: u64,
    /// Refused attempts.
    pub throttles: u64,
    /// Attempts that ended in a function error.
    pub errors: u64,
    /// Attempts that hit the timeout.
    pub timeouts: u64,
    /// Attempts after a request's first (asynchronous redelivery or client retry).
    pub retries: u64,
    /// DryRun requests.
    pub dry_runs: u64,
    /// Requests sent to the dead-letter queue / on-failure destination.
    pub dlq: u64,
    /// Environments a keep-alive policy pre-warmed.
    pub prewarms: u64,
    /// Starts served warm by a pre-warmed environment (its first use).
    pub prewarm_hits: u64,
    /// Idle environments of this function evicted to make room on a host.
    pub evictions: u64,
    /// Logged warm starts of a replayed log that found no idle environment (the run's
    /// keep-alive had retired it) and revived one without INIT.
    pub revived: u64,
    /// Cold starts (and pre-warms) that restored a SnapStart snapshot.
    pub restores: u64,
    /// Environments started for a tenant (tenant isolation).
    pub tenant_environments: u64,
    /// Bytes streamed beyond the first 6 MB of each response.
    pub streamed_bytes: u64,
    /// Invocations failed for a response too large.
    pub response_too_large: u64,
    /// Invocations of a function with provisioned concurrency on on-demand environments.
    pub spillover: u64,
    /// Pipelines: requests that other functions' invocations sent it.
    pub chained: u64,
    /// Pipelines: events its invocations sent on (emits and destinations).
    pub emitted: u64,
    /// Pipelines: successful invocations that sent nothing on, ending their chain.
    pub chain_ends: u64,
    /// Pipelines: requests dropped by recursive loop detection.
    pub recursion_stopped: u64,
    /// Pipelines: at each chain end, the time since the chain's first arrival.
    pub pipeline_latency: Recorder,
    /// End-to-end latency of succeeded requests.
    pub latency: Recorder,
    /// Asynchronous events: arrival to the start of their first execution.
    pub queue_wait: Recorder,
    /// Asynchronous events: age at their final outcome (success or DLQ).
    pub event_age: Recorder,
    /// Poll sources: age of the oldest unprocessed message or record, sampled per poll.
    pub oldest_age: Recorder,
    /// Highest number of executions in progress.
    pub max_concurrency: u32,
    /// Billed on-demand milliseconds (with INIT when billed).
    pub ondemand_ms: u64,
    /// Billed milliseconds of execution on provisioned environments.
    pub provisioned_exec_ms: u64,
    /// Levels over time.
    pub series: Series,
}

impl FuncMetrics {
    /// A chain of a pipeline ended here, `latency` after its first arrival.
    pub fn chain_ended(&mut self, latency: Time) {
        self.chain_ends += 1;
        self.pipeline_latency.record(latency);
    }

    /// Empty metrics for a run of `duration` with time-series `interval`.
    pub fn new(duration: Time, interval: Time) -> Self {
        FuncMetrics {
            requests: 0,
            succeeded: 0,
            failed: 0,
            invocations: 0,
            cold_starts: 0,
            throttles: 0,
            errors: 0,
            timeouts: 0,
            retries: 0,
            dry_runs: 0,
            dlq: 0,
            prewarms: 0,
            prewarm_hits: 0,
            evictions: 0,
            revived: 0,
            restores: 0,
            tenant_environments: 0,
            streamed_bytes: 0,
            response_too_large: 0,
            spillover: 0,
            chained: 0,
            emitted: 0,
            chain_ends: 0,
            recursion_stopped: 0,
            pipeline_latency: Recorder::default(),
            latency: Recorder::default(),
            queue_wait: Recorder::default(),
            event_age: Recorder::default(),
            oldest_age: Recorder::default(),
            max_concurrency: 0,
            ondemand_ms: 0,
            provisioned_exec_ms: 0,
            series: Series::new(duration, interval),
        }
    }
}
