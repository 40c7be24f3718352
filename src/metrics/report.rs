//! The results of one run, ready for the writers and the charts.

use crate::billing::Costs;
use crate::engine::Time;
use hdrhistogram::Histogram;

/// Latency of succeeded requests.
#[derive(Clone, Debug)]
pub struct LatencyReport {
    /// Exact mean, ms (NaN when nothing succeeded).
    pub mean_ms: f64,
    /// Median, ms (histogram, 3 significant digits).
    pub p50_ms: f64,
    /// 90th percentile, ms.
    pub p90_ms: f64,
    /// 99th percentile, ms.
    pub p99_ms: f64,
    /// Exact maximum, ms.
    pub max_ms: f64,
    /// Number of latencies recorded (succeeded requests that executed).
    pub count: u64,
    /// The distribution, µs; `None` once dropped to save memory (replications > 0).
    pub histogram: Option<Histogram<u64>>,
}

impl LatencyReport {
    /// Summarises a histogram (µs) with an exact sum and maximum (ns).
    pub fn new(histogram: Histogram<u64>, sum_ns: u128, max_ns: u64) -> Self {
        let n = histogram.len();
        let q = |p: f64| {
            if n == 0 {
                f64::NAN
            } else {
                // The histogram answers with the top of a bucket: never above the exact max.
                (histogram.value_at_quantile(p) as f64 / 1000.0).min(max_ns as f64 / 1e6)
            }
        };
        LatencyReport {
            mean_ms: if n == 0 {
                f64::NAN
            } else {
                sum_ns as f64 / n as f64 / 1e6
            },
            p50_ms: q(0.50),
            p90_ms: q(0.90),
            p99_ms: q(0.99),
            max_ms: if n == 0 {
                f64::NAN
            } else {
                max_ns as f64 / 1e6
            },
            count: n,
            histogram: Some(histogram),
        }
    }
}

/// One row of `summary.csv`: a function, or the whole run (`function = "*"`).
#[derive(Clone, Debug)]
pub struct FunctionReport {
    /// Function name, or `*`.
    pub function: String,
    /// Memory size, MB (0 for `*`).
    pub memory_mb: u32,
    /// Requests offered.
    pub requests: u64,
    /// Completed successfully.
    pub succeeded: u64,
    /// Failed.
    pub failed: u64,
    /// Still in progress at the end.
    pub unfinished: u64,
    /// Attempts started.
    pub invocations: u64,
    /// Attempts that ran INIT.
    pub cold_starts: u64,
    /// Refused attempts.
    pub throttles: u64,
    /// Function errors.
    pub errors: u64,
    /// Timeouts.
    pub timeouts: u64,
    /// Retried attempts.
    pub retries: u64,
    /// DryRun requests.
    pub dry_runs: u64,
    /// Requests sent to the dead-letter queue / on-failure destination.
    pub dlq: u64,
    /// Environments a keep-alive policy pre-warmed.
    pub prewarms: u64,
    /// Starts served warm by a pre-warmed environment (its first use).
    pub prewarm_hits: u64,
    /// Idle environments evicted to make room on a host (finite clusters).
    pub evictions: u64,
    /// Logged warm starts of a replayed log revived without INIT, the run's keep-alive
    /// having retired the environment the real function kept.
    pub revived: u64,
    /// Cold starts and pre-warms that restored a SnapStart snapshot.
    pub restores: u64,
    /// Environments started for a tenant (tenant isolation), each charged.
    pub tenant_environments: u64,
    /// Bytes streamed beyond the first 6 MB of each response (charged).
    pub streamed_bytes: u64,
    /// Invocations that failed because their response was too large (over 6 MB
    /// buffered, or 200 MB streamed).
    pub response_too_large: u64,
    /// Its memory is below what it needs (`max_memory_used_mb` plus the margin): every
    /// invocation failed out of memory. On `*`: any function's is.
    pub out_of_memory: bool,
    /// Invocations on on-demand environments while the function had provisioned
    /// concurrency: the requests its provisioned environments could not take.
    pub spillover: u64,
    /// Pipelines: requests other functions' invocations sent it.
    pub chained: u64,
    /// Pipelines: events its invocations sent on.
    pub emitted: u64,
    /// Pipelines: successful invocations that ended their chain.
    pub chain_ends: u64,
    /// Pipelines: requests dropped by recursive loop detection (counted as failed).
    pub recursion_stopped: u64,
    /// Pipelines: from each chain's first arrival to its end here.
    pub pipeline_latency: LatencyReport,
    /// On `*`: the cold-start ratio of the function at the 75th percentile over the
    /// functions that were invoked (Shahrad et al.'s headline metric); NaN on a function.
    pub function_cold_start_p75: f64,
    /// Latency.
    pub latency: LatencyReport,
    /// Asynchronous events: arrival to the start of the first execution.
    pub queue_wait: LatencyReport,
    /// Asynchronous events: age at the final outcome (success or DLQ).
    pub event_age: LatencyReport,
    /// Poll sources: the age of the oldest unprocessed message (SQS) or the iterator age
    /// (streams), sampled at each poll.
    pub oldest_age: LatencyReport,
    /// Peak executions in progress.
    pub max_concurrency: u32,
    /// Time-average executions in progress.
    pub mean_concurrency: f64,
    /// Time-average live environments.
    pub mean_instances: f64,
    /// GB-seconds held by idle environments.
    pub idle_gb_seconds: f64,
    /// Managed Instances: instance-hours of the capacity provider's EC2 instances.
    pub instance_hours: f64,
    /// Charges.
    pub costs: Costs,
    /// The concurrency this function may reach: its reservation, else the unreserved pool
    /// (`concurrency_limit − Σ reserved`); the account limit for `*`.
    pub limit: u32,
}

impl FunctionReport {
    /// `cold_starts / invocations` (0 when nothing ran).
    pub fn cold_start_ratio(&self) -> f64 {
        if self.invocations == 0 {
            0.0
        } else {
            self.cold_starts as f64 / self.invocations as f64
        }
    }
}

/// One interval of one function in `timeseries.csv`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct BinReport {
    /// Start of the interval, s.
    pub time_s: f64,
    /// Requests offered.
    pub arrivals: u64,
    /// Attempts started.
    pub invocations: u64,
    /// Cold starts.
    pub cold_starts: u64,
    /// Throttles.
    pub throttles: u64,
    /// Time-average executions in progress.
    pub concurrency: f64,
    /// Peak executions in progress.
    pub concurrency_max: u32,
    /// Time-average busy environments.
    pub instances_busy: f64,
    /// Time-average idle environments.
    pub instances_idle: f64,
    /// Time-average initialising environments.
    pub instances_initializing: f64,
    /// Time-average queued events.
    pub queue_depth: f64,
    /// Time-average provisioned environments allocated.
    pub provisioned: f64,
    /// Requests sent to the dead-letter queue.
    pub dlq: u64,
    /// Time-average concurrent batches allowed by poll-source mappings.
    pub pollers: f64,
    /// Highest sampled age of the oldest unprocessed message or record, s (poll sources).
    pub oldest_age_s: f64,
    /// List-price cost accrued in the interval (no free tier), USD.
    pub cost_usd: f64,
    /// Idle environments evicted to make room on a host.
    pub evictions: u64,
    /// Time-average host memory held by the function's environments, MB (finite clusters;
    /// `None` with unbounded capacity).
    pub host_memory_mb: Option<f64>,
    /// Managed Instances' figures (`None` on Lambda's default compute).
    pub managed: Option<ManagedBin>,
}

/// One interval of a function on Managed Instances.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ManagedBin {
    /// Time-average EC2 instances.
    pub instances: f64,
    /// Time-average environments taking requests.
    pub environments: f64,
    /// vCPUs in use over the vCPUs of those environments (NaN without any).
    pub cpu_utilization: f64,
}

/// The runs of each variant, the variants in order of first appearance (a sweep's order),
/// each variant's runs in their order (its replications).
pub fn by_variant(runs: &[RunReport]) -> Vec<(&str, Vec<&RunReport>)> {
    let mut groups: Vec<(&str, Vec<&RunReport>)> = Vec::new();
    for r in runs {
        match groups.iter_mut().find(|(v, _)| *v == r.variant) {
            Some((_, reps)) => reps.push(r),
            None => groups.push((&r.variant, vec![r])),
        }
    }
    groups
}

impl RunReport {
    /// Drops the latency distributions (about 0.5 MB a run), keeping every summary
    /// statistic: only the first replication's are charted.
    pub fn drop_distributions(&mut self) {
        for f in self
            .functions
            .iter_mut()
            .chain(std::iter::once(&mut self.total))
        {
            f.latency.histogram = None;
            f.queue_wait.histogram = None;
            f.event_age.histogram = None;
            f.oldest_age.histogram = None;
        }
    }
}

/// Everything one run produced.
#[derive(Clone, Debug)]
pub struct RunReport {
    /// Scenario name.
    pub scenario: String,
    /// Variant name (`base` without a sweep).
    pub variant: String,
    /// Replication number, from 0.
    pub replication: u32,
    /// The seed this replication ran with.
    pub seed: u64,
    /// Simulated time.
    pub duration: Time,
    /// Time-series interval.
    pub interval: Time,
    /// Account concurrency limit.
    pub concurrency_limit: u32,
    /// One per function, in file order.
    pub functions: Vec<FunctionReport>,
    /// The whole run.
    pub total: FunctionReport,
    /// Time series, one per function.
    pub series: Vec<Vec<BinReport>>,
    /// Source names, in file order.
    pub sources: Vec<String>,
    /// Per-source figures, in file order.
    pub source_reports: Vec<SourceReport>,
    /// Whether any source invokes asynchronously (Event): the run has internal queues and
    /// dead-letter queues to chart.
    pub asynchronous: bool,
    /// Whether any source is a poll source (event source mapping): the run has queues or
    /// streams and pollers to chart.
    pub poll: bool,
    /// Every attempt, when `invocations.csv` was asked for.
    pub attempts: Option<Vec<AttemptRecord>>,
    /// Spans and instants for `trace.json`, when asked for.
    pub trace: Option<super::Trace>,
    /// Events the engine handled.
    pub events: u64,
    /// When the run stopped early, having made the most attempts a run may
    /// (`platform.max_attempts`): what it reports covers the run until then, what was in
    /// flight counted unfinished.
    pub stopped_at: Option<Time>,
    /// Each function's keep-alive policy (`KeepAliveSpec::label`), in function order.
    pub keep_alive: Vec<String>,
    /// The finite cluster, if the scenario has one.
    pub cluster: Option<ClusterReport>,
}

/// A finite cluster's size and how full it got.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ClusterReport {
    /// Number of hosts.
    pub hosts: u32,
    /// Memory of each host, MB.
    pub host_memory_mb: u32,
    /// The most memory any one host held at any time, MB (never above `host_memory_mb`).
    pub peak_host_used_mb: u32,
    /// CPU of each host in 1/1,769 vCPU (`host_cores` × 1,769, rounded down); 0 when hosts
    /// are limited by memory only.
    pub host_cpu: u32,
    /// The most CPU any one host held at any time, 1/1,769 vCPU (never above `host_cpu`).
    pub peak_host_used_cpu: u32,
    /// Idle environments evicted.
    pub evictions: u64,
    /// Placements that found no room even after eviction (each a throttle, a pre-warm
    /// skipped or a provisioned environment not allocated).
    pub placement_failures: u64,
}

/// How an attempt ended, in `invocations.csv`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttemptOutcome {
    /// Completed successfully.
    Success,
    /// The function returned an error.
    Error,
    /// Hit the timeout.
    Timeout,
    /// Refused: no concurrency or scaling capacity.
    Throttled,
}

impl AttemptOutcome {
    /// The name written in outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            AttemptOutcome::Success => "success",
            AttemptOutcome::Error => "error",
            AttemptOutcome::Timeout => "timeout",
            AttemptOutcome::Throttled => "throttled",
        }
    }
}

/// One execution attempt (opt-in record for `invocations.csv`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AttemptRecord {
    /// Request id, unique within the run.
    pub request: u64,
    /// Function index.
    pub function: u32,
    /// Source index.
    pub source: u32,
    /// Invocation type.
    pub invocation: crate::sources::InvocationType,
    /// 1 for the first attempt.
    pub attempt: u32,
    /// When the request arrived.
    pub arrival: Time,
    /// When the attempt started (or was refused).
    pub start: Time,
    /// When it ended.
    pub end: Time,
    /// Whether it ran INIT.
    pub cold: bool,
    /// INIT time.
    pub init: Time,
    /// Execution time.
    pub duration: Time,
    /// Billed milliseconds.
    pub billed_ms: u64,
    /// Outcome.
    pub outcome: AttemptOutcome,
}

/// One row of `sources.csv`.
#[derive(Clone, Debug)]
pub struct SourceReport {
    /// Source name.
    pub source: String,
    /// Catalog service.
    pub service: &'static str,
    /// Function it invokes.
    pub function: String,
    /// Requests (messages or records for poll sources) it offered.
    pub requests: u64,
    /// Poll sources: batches invoked (attempts that started).
    pub batches: u64,
    /// Poll sources: messages or records in those batches.
    pub batched: u64,
    /// Poll sources: messages or records sent to the DLQ / on-failure destination.
    pub dlq: u64,
    /// Stream sources: records dropped at the end of the stream's retention.
    pub expired: u64,
    /// SQS sources: messages received again after a failure or a throttle.
    pub redelivered: u64,
    /// Poll sources: the most concurrent batches the mapping allowed.
    pub max_pollers: u32,
    /// Poll sources: oldest message age (SQS) or iterator age (streams), sampled per poll.
    pub oldest_age: Option<LatencyReport>,
    /// Poll sources: messages or records waiting, mean of the samples taken at each poll.
    pub queue_depth_mean: f64,
    /// Poll sources: the highest of those samples.
    pub queue_depth_max: u64,
    /// Poll sources in provisioned mode: event poller unit-hours charged.
    pub epu_hours: f64,
    /// Poll sources in provisioned mode: the charges of those EPUs, USD.
    pub esm_cost_usd: f64,
    /// Whether it is a poll source.
    pub poll: bool,
}

impl SourceReport {
    /// The row of a source before anything is counted.
    pub fn empty(source: String, service: &'static str, function: String, poll: bool) -> Self {
        SourceReport {
            source,
            service,
            function,
            requests: 0,
            batches: 0,
            batched: 0,
            dlq: 0,
            expired: 0,
            redelivered: 0,
            max_pollers: 0,
            oldest_age: None,
            queue_depth_mean: 0.0,
            queue_depth_max: 0,
            epu_hours: 0.0,
            esm_cost_usd: 0.0,
            poll,
        }
    }
}
