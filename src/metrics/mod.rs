//! Streaming statistics: counters, a latency histogram and a time series per function.
//! Nothing here grows with the number of invocations.

mod report;
mod series;

pub use report::{
    AttemptOutcome, AttemptRecord, BinReport, FunctionReport, LatencyReport, RunReport,
};
pub use series::{Bin, Level, Levels, Series};

use crate::engine::Time;
use hdrhistogram::Histogram;

/// Highest latency the histogram resolves: 30 days, in microseconds.
const LATENCY_MAX_US: u64 = 30 * 86_400 * 1_000_000;

/// An empty latency histogram (microseconds, 3 significant digits).
pub fn latency_histogram() -> Histogram<u64> {
    // Bounds are constants that hdrhistogram accepts; this cannot fail.
    Histogram::new_with_bounds(1, LATENCY_MAX_US, 3).expect("valid histogram bounds")
}

/// Counters and distributions of one function during one run.
pub struct FuncMetrics {
    /// Requests offered by sources.
    pub requests: u64,
    /// Requests that completed successfully.
    pub succeeded: u64,
    /// Requests that failed (throttled, errored, timed out).
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
    /// Retried attempts.
    pub retries: u64,
    /// DryRun requests.
    pub dry_runs: u64,
    /// End-to-end latency of succeeded requests, µs.
    pub latency: Histogram<u64>,
    /// Exact sum of those latencies, ns.
    pub latency_sum_ns: u128,
    /// Exact maximum, ns.
    pub latency_max_ns: u64,
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
            latency: latency_histogram(),
            latency_sum_ns: 0,
            latency_max_ns: 0,
            max_concurrency: 0,
            ondemand_ms: 0,
            provisioned_exec_ms: 0,
            series: Series::new(duration, interval),
        }
    }

    /// Records the end-to-end latency of a succeeded request.
    #[inline]
    pub fn record_latency(&mut self, latency: Time) {
        let ns = latency.as_nanos();
        self.latency_sum_ns += u128::from(ns);
        self.latency_max_ns = self.latency_max_ns.max(ns);
        self.latency.saturating_record((ns / 1000).max(1));
    }
}
