//! The validated scenario: what the model runs. Built from a scenario file by
//! `scenario::load`; nothing here knows about TOML or serde.

use crate::billing::{Architecture, Pricing};
use crate::engine::Dist;
use crate::engine::Time;
use crate::policies::{
    EvictionSpec, KeepAliveSpec, PlacementSpec, ProvisioningSpec, SelectionSpec,
};
use crate::sources::{ArrivalProcess, InvocationType, Service};
use std::path::PathBuf;

/// A scenario, validated.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// Name: the output folder's name. `[A-Za-z0-9_.-]`, not starting with `.`.
    pub name: String,
    /// Free text.
    pub description: String,
    /// The sweep point this scenario is (`base` without a sweep).
    pub variant: String,
    /// The file it came from, if any.
    pub path: Option<PathBuf>,
    /// Simulated time.
    pub duration: Time,
    /// Base seed.
    pub seed: u64,
    /// Independent replications.
    pub replications: u32,
    /// Account-level limits.
    pub account: Account,
    /// Platform policies.
    pub platform: Platform,
    /// Prices.
    pub pricing: Pricing,
    /// Functions, in file order.
    pub functions: Vec<Function>,
    /// Capacity providers of Lambda Managed Instances (`[[capacity_providers]]`).
    pub capacity_providers: Vec<crate::model::managed::CapacityProvider>,
    /// Sources, in file order.
    pub sources: Vec<Source>,
    /// Emits and destinations between functions.
    pub pipeline: Pipeline,
    /// What to write.
    pub output: Output,
    /// `[recommend]`: the strategy that picks a variant of the sweep.
    pub recommend: Option<crate::metrics::recommend::Strategy>,
    /// What the user should know about this valid scenario (malformed log lines skipped),
    /// each as ``file:line:col: `key`: what``.
    pub warnings: Vec<String>,
}

/// Account concurrency and the per-function scaling rate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Account {
    /// Regional concurrency limit.
    pub concurrency_limit: u32,
    /// New environments per function per `scaling_interval`.
    pub scaling_rate: u32,
    /// Refill interval of the scaling token bucket.
    pub scaling_interval: Time,
}

impl Default for Account {
    fn default() -> Self {
        Account {
            concurrency_limit: 1000,
            scaling_rate: 1000,
            scaling_interval: Time::from_secs(10),
        }
    }
}

/// Platform-wide policies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Platform {
    /// Which idle environment serves a request.
    pub instance_selection: SelectionSpec,
    /// Backoff of an asynchronous event after its first throttled dispatch; it doubles on
    /// each further throttle.
    pub async_backoff_initial: Time,
    /// The longest backoff of a throttled asynchronous event.
    pub async_backoff_max: Time,
    /// Wait before the n-th retry of a failed asynchronous event: n × this.
    pub async_retry_delay: Time,
    /// Concurrent batches an SQS mapping starts with (and shrinks back to).
    pub sqs_pollers_initial: u32,
    /// Concurrent batches an SQS mapping adds per minute while messages remain.
    pub sqs_pollers_per_minute: u32,
    /// The most concurrent batches of one SQS mapping.
    pub sqs_pollers_max: u32,
    /// How often a stream mapping polls each shard, and the SQS mapping's control period.
    pub poll_interval: Time,
    /// After a throttle, an SQS mapping does not scale up for this long.
    pub sqs_throttle_hold: Time,
    /// How often a Kafka mapping weighs its consumer lag (AWS: every minute).
    pub kafka_scale_interval: Time,
    /// How long a Kafka mapping's change of pollers takes to land (AWS: "within three
    /// minutes"; the model takes the whole three, an assumption).
    pub kafka_scale_delay: Time,
    /// How often a Kafka mapping in provisioned mode weighs its lag (an assumption: AWS
    /// says only "responsive autoscaling").
    pub kafka_provisioned_scale_interval: Time,
    /// How long a provisioned Kafka mapping's change of pollers takes to land (an
    /// assumption).
    pub kafka_provisioned_scale_delay: Time,
    /// A mapping in provisioned mode gives pollers back only this long after it last
    /// added some (an assumption: a scale-in cooldown, as autoscalers keep).
    pub provisioned_scale_in_cooldown: Time,
    /// Concurrent invokes of one SQS event poller in provisioned mode (AWS: up to 10).
    pub sqs_invokes_per_poller: u32,
    /// Kafka event pollers per EPU in provisioned mode (AWS: 10 by default).
    pub kafka_pollers_per_epu: u32,
    /// A finite cluster (`hosts`); `None`: unbounded capacity, the default.
    pub cluster: Option<ClusterSpec>,
    /// The most attempts (invocations started and throttles) of one run: a run that
    /// reaches it stops there, with a warning. Not a scenario key; [`MAX_ATTEMPTS`].
    pub max_attempts: u64,
}

/// The most attempts of one run: the 10¹⁰ requests a run may be offered, and one retry
/// or throttle each. About half an hour at 10 M attempts a second.
pub const MAX_ATTEMPTS: u64 = 20_000_000_000;

/// The shortest backoff of a throttled asynchronous event a scenario may set. AWS's is
/// 1 s; shorter ones model a faster platform, but not a storm of retries nanoseconds apart.
pub const MIN_BACKOFF: Time = Time::from_millis(1);

/// A finite cluster of identical hosts (the operator's view, docs/model.md "Policies").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClusterSpec {
    /// Number of hosts.
    pub hosts: u32,
    /// Memory of each host, MB.
    pub host_memory_mb: u32,
    /// CPU of each host (`host_cores`), in 1/1,769 vCPU (`policies::placement::host_cpu`);
    /// `None`: hosts are limited by memory only.
    pub host_cpu: Option<u32>,
    /// Which host receives a new environment.
    pub placement: PlacementSpec,
    /// Which idle environments go when no host has room.
    pub eviction: EvictionSpec,
}

impl Default for Platform {
    /// AWS's documented behaviour (docs/model.md, "Invocation types").
    fn default() -> Self {
        Platform {
            instance_selection: SelectionSpec::default(),
            async_backoff_initial: Time::from_secs(1),
            async_backoff_max: Time::from_secs(300),
            async_retry_delay: Time::from_secs(60),
            sqs_pollers_initial: 5,
            sqs_pollers_per_minute: 300,
            sqs_pollers_max: 1250,
            poll_interval: Time::from_secs(1),
            sqs_throttle_hold: Time::from_secs(60),
            kafka_scale_interval: Time::from_secs(60),
            kafka_scale_delay: Time::from_secs(180),
            kafka_provisioned_scale_interval: Time::from_secs(10),
            kafka_provisioned_scale_delay: Time::from_secs(10),
            provisioned_scale_in_cooldown: Time::from_secs(60),
            sqs_invokes_per_poller: 10,
            kafka_pollers_per_epu: 10,
            cluster: None,
            max_attempts: MAX_ATTEMPTS,
        }
    }
}

impl Scenario {
    /// The requests its sources are expected to offer in one run (0 for a source whose
    /// expectation is unknown or negative).
    pub fn expected_requests(&self) -> f64 {
        self.sources
            .iter()
            .map(|s| s.expected_requests(self.duration).max(0.0))
            .sum()
    }
}

impl Platform {
    /// The backoff after the `throttles`-th throttled dispatch of an event (1-based).
    pub fn async_backoff(&self, throttles: u32) -> Time {
        let doubled = self
            .async_backoff_initial
            .as_nanos()
            .saturating_mul(1u64 << throttles.saturating_sub(1).min(63));
        Time(doubled.min(self.async_backoff_max.as_nanos()))
    }
}

/// A function.
#[derive(Clone, Debug)]
pub struct Function {
    /// Unique name.
    pub name: String,
    /// Memory, MB (128..=10240).
    pub memory_mb: u32,
    /// Price list.
    pub architecture: Architecture,
    /// Longest execution; longer ones end at the timeout, as timeouts.
    pub timeout: Time,
    /// Execution time.
    pub duration: Dist,
    /// `duration = "trace"`: every invocation runs for its own duration in the trace
    /// (cloudwatch or azure2021) that drives it; `duration` is then never drawn.
    pub duration_from_trace: bool,
    /// INIT time of a cold start.
    pub init: Dist,
    /// Time to mount an EFS file system, added to every INIT (`efs = true`).
    pub efs_mount: Option<Dist>,
    /// Reserved concurrency (cap and floor).
    pub reserved_concurrency: Option<u32>,
    /// Provisioned concurrency: fixed, scheduled or target tracking.
    pub provisioned_concurrency: ProvisioningSpec,
    /// Probability that an invocation fails.
    pub error_rate: f64,
    /// Oldest age at which an asynchronous event is still dispatched (60 s – 6 h).
    pub max_event_age: Time,
    /// Retries of an asynchronous event after a function error or timeout (0–2).
    pub max_retry_attempts: u32,
    /// Keep-alive policy.
    pub keep_alive: KeepAliveSpec,
    /// Factor applied to each drawn duration for this memory size (1 without
    /// `cpu_bound_fraction`), see `duration_scale`.
    pub duration_scale: f64,
    /// `(cpu_bound_fraction, reference_memory_mb)`, if given: `duration_scale` follows
    /// from them, `memory_mb` and `threads`.
    pub cpu_scaling: Option<(f64, u32)>,
    /// The vCPUs the code can use at once (1: a single-threaded handler).
    pub threads: u32,
    /// The memory the function needs (`max_memory_used_mb` × (1 + `memory_margin`)), if
    /// given: below it, every invocation fails out of memory.
    pub memory_needed_mb: Option<f64>,
    /// `runtime`, e.g. `python3.13` (its cold starts are the default `init`).
    pub runtime: Option<String>,
    /// Packaged as a container image (`package = "image"`), not a zip.
    pub image: bool,
    /// SnapStart: a new environment restores a snapshot instead of running INIT.
    pub snapstart: Option<SnapStart>,
    /// Ephemeral storage (`/tmp`), MB (512..=10240); above 512 MB it is charged per GB-s.
    pub ephemeral_storage_mb: u32,
    /// A Lambda@Edge function (`edge = true`): Edge prices, no free tier.
    pub edge: bool,
    /// Tenant isolation (`tenant_isolation = true`): an environment serves one tenant only.
    pub tenant_isolation: bool,
    /// The response of a synchronous invocation (`response_bytes`, `streaming`).
    pub response: Option<Response>,
    /// Lambda Managed Instances (`compute = "managed_instances"`); `None`: Lambda's
    /// default compute, one request per environment.
    pub managed: Option<crate::model::managed::Managed>,
    /// Where its invocations send events: `emits`, `on_success`, `on_failure`.
    pub chain: Chaining,
}

/// What a function's invocations send on (docs/scenarios.md, "Pipelines"). Every target
/// is a source of the scenario: a destination function is reached through a source of
/// its own (`<function>.on_success`, `<function>.on_failure`), invoked asynchronously.
#[derive(Clone, Debug, Default)]
pub struct Chaining {
    /// Events each successful invocation sends to sources.
    pub emits: Vec<Emit>,
    /// An asynchronous invocation that succeeds sends its event here.
    pub on_success: Option<usize>,
    /// An asynchronous event that fails for good goes here (besides counting as failed).
    pub on_failure: Option<usize>,
    /// `recursive_loop = "allow"`: a chain may come back through it more than 16 times.
    pub recursion_allowed: bool,
}

/// `emits = [{ source, count }]`: the events one successful invocation sends to a source.
#[derive(Clone, Debug)]
pub struct Emit {
    /// Index into `Scenario::sources`.
    pub source: usize,
    /// How many.
    pub count: EmitCount,
}

/// How many events an invocation emits.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum EmitCount {
    /// Always this many.
    Fixed(u32),
    /// One with this probability, else none (a filter).
    Probability(f64),
    /// Poisson with this mean (a fan-out of random size).
    Poisson(f64),
    /// Uniform over `min..=max`.
    Uniform(u32, u32),
}

/// A chain through more than this many invocations of one function is stopped (AWS's
/// recursive loop detection; "about 16", observed).
pub const RECURSION_LIMIT: u32 = 16;

/// The shape of the scenario's pipeline: the strongly connected components of the graph
/// of functions whose invocations send events to one another.
#[derive(Clone, Debug, Default)]
pub struct Pipeline {
    /// The scenario has emits or destinations.
    pub any: bool,
    /// Each function's component.
    pub component: Vec<u32>,
    /// The functions of each component.
    pub component_len: Vec<u32>,
}

/// The response a synchronous invocation returns.
#[derive(Clone, Debug)]
pub struct Response {
    /// Its size: a distribution whose nanoseconds are bytes.
    pub bytes: Dist,
    /// Streamed (`InvokeWithResponseStream`, function URLs): beyond `PAYLOAD_LIMIT`, sent
    /// at `STREAM_RATE` up to `STREAM_LIMIT`; otherwise a larger response fails.
    pub streaming: bool,
}

/// The largest response of a buffered invocation, and the part of a streamed one that is
/// free and unthrottled: 6 MB.
pub const PAYLOAD_LIMIT: u64 = 6 << 20;
/// The largest streamed response: 200 MB.
pub const STREAM_LIMIT: u64 = 200 << 20;
/// Bytes per second a response streams at beyond its first 6 MB (AWS: about 2 MB/s).
pub const STREAM_RATE: u64 = 2 << 20;

impl Response {
    /// What a response of `bytes` does to its invocation: the time streaming adds, the
    /// bytes streamed beyond the first 6 MB, and whether it fails (too large).
    pub fn effect(&self, bytes: u64) -> (Time, u64, bool) {
        if bytes <= PAYLOAD_LIMIT {
            (Time::ZERO, 0, false)
        } else if self.streaming && bytes <= STREAM_LIMIT {
            let over = bytes - PAYLOAD_LIMIT;
            let ns = (u128::from(over) * 1_000_000_000).div_ceil(u128::from(STREAM_RATE));
            (Time(ns as u64), over, false)
        } else {
            (Time::ZERO, 0, true)
        }
    }
}

/// SnapStart (`snapstart = true`): a new environment restores the snapshot taken when the
/// version was published, instead of running INIT.
#[derive(Clone, Debug)]
pub struct SnapStart {
    /// Restore time: the latency it adds to a cold start (AWS's `Restore Duration`).
    pub restore: Dist,
    /// The share of it billed as duration: loading the runtime and the after-restore hooks
    /// (AWS's `Billed Restore Duration`); restoring the snapshot itself is free.
    pub billed_share: f64,
    /// Whether the snapshot's cache and its restores are charged (Python and .NET; Java
    /// pays neither).
    pub charged: bool,
}

impl SnapStart {
    /// The billed part of a restore of `restore`: whole milliseconds, rounded up, as AWS's
    /// `Billed Restore Duration`.
    pub fn billed(&self, restore: Time) -> Time {
        // Rounded to the nanosecond first, so that a share like 0.4 of 500 ms is 200 ms.
        let ns = (restore.as_nanos() as f64 * self.billed_share).round() as u64;
        Time::from_millis(ns.div_ceil(1_000_000))
    }
}

/// MB of memory per vCPU on Lambda.
pub const MB_PER_VCPU: f64 = 1769.0;

/// vCPUs at `memory_mb` (docs/model.md, "Execution environments"): memory / 1,769 MB, at most 6.
pub fn vcpus(memory_mb: u32) -> f64 {
    (f64::from(memory_mb) / MB_PER_VCPU).min(6.0)
}

/// The vCPUs code with `threads` threads can use at `memory_mb`: vCPU(m), at most
/// `threads` (a single-threaded handler stops speeding up at 1,769 MB, one vCPU).
pub fn usable_vcpus(memory_mb: u32, threads: u32) -> f64 {
    vcpus(memory_mb).min(f64::from(threads.max(1)))
}

/// How a duration measured at `reference_mb` scales at `memory_mb` when a fraction
/// `cpu_bound` of it is CPU-bound and the code runs `threads` threads:
/// f · u(ref)/u(m) + (1 − f), u being the usable vCPUs.
pub fn duration_scale(cpu_bound: f64, reference_mb: u32, memory_mb: u32, threads: u32) -> f64 {
    cpu_bound * usable_vcpus(reference_mb, threads) / usable_vcpus(memory_mb, threads)
        + (1.0 - cpu_bound)
}

impl Function {
    /// Whether `memory_mb` is below what the function needs: every invocation then fails
    /// out of memory.
    pub fn out_of_memory(&self) -> bool {
        self.memory_needed_mb
            .is_some_and(|need| f64::from(self.memory_mb) < need)
    }

    /// Draws the INIT time of a cold start: `init`, plus the mount time with `efs = true`;
    /// with SnapStart, the restore time.
    pub fn draw_init(&self, rng: &mut crate::engine::SimRng) -> Time {
        if let Some(s) = &self.snapstart {
            return s.restore.sample(rng);
        }
        let mount = self
            .efs_mount
            .as_ref()
            .map_or(Time::ZERO, |d| d.sample(rng));
        self.init.sample(rng) + mount
    }

    /// Memory in GB, as AWS prices it (MB / 1024).
    pub fn memory_gb(&self) -> f64 {
        f64::from(self.memory_mb) / 1024.0
    }
}

/// A source of requests.
#[derive(Clone, Debug)]
pub struct Source {
    /// Unique name.
    pub name: String,
    /// Catalog entry.
    pub service: &'static Service,
    /// Index into `Scenario::functions`.
    pub function: usize,
    /// How it invokes.
    pub invocation: InvocationType,
    /// Superposed arrival processes.
    pub arrival: Vec<ArrivalProcess>,
    /// Times a synchronous client resubmits a throttled (429) request.
    pub client_retries: u32,
    /// Wait before a client's first retry; each further retry waits twice as long.
    pub client_backoff: Dist,
    /// The event source mapping of a poll source.
    pub mapping: Option<Mapping>,
    /// The tenants its requests come from (a function with tenant isolation).
    pub tenants: Option<crate::sources::tenants::TenantMix>,
    /// A stream or Kafka mapping: where records that fail for good go (a source).
    pub on_failure: Option<usize>,
}

/// An event source mapping: how Lambda polls a queue or a stream.
#[derive(Clone, Debug)]
pub struct Mapping {
    /// Most messages or records per batch (one invocation).
    pub batch_size: u32,
    /// How long a batch may wait to fill.
    pub batching_window: Time,
    /// Execution time added per message or record of a batch.
    pub per_record: Option<Dist>,
    /// Probability that a message or record is bad: every batch holding it fails (a
    /// poison pill), unless `report_batch_item_failures` returns it alone.
    pub record_error_rate: f64,
    /// Queue- or stream-specific settings.
    pub kind: MappingKind,
    /// ESM provisioned mode (`provisioned_pollers`); `None`: the standard (on-demand) mode.
    pub provisioned: Option<ProvisionedPollers>,
}

/// ESM provisioned mode: event pollers kept between `min` and `max`, scaled on load,
/// each with a throughput, billed in event poller units (EPUs).
#[derive(Clone, Debug)]
pub struct ProvisionedPollers {
    /// The fewest event pollers (the mapping starts with them).
    pub min: u32,
    /// The most event pollers.
    pub max: u32,
    /// Kafka: the poller group whose mappings share their EPUs (`poller_group`).
    pub group: Option<String>,
    /// The size of each message or record (`message_bytes`), sampled as a `Time` whose
    /// nanoseconds are bytes.
    pub message_bytes: Dist,
}

/// The two kinds of event source mapping: a queue, or ordered lanes.
#[derive(Clone, Debug)]
pub enum MappingKind {
    /// An SQS queue (standard or FIFO), or an Amazon MQ broker's queue.
    Sqs {
        /// The most concurrent batches (`MaximumConcurrency`), else the platform's cap;
        /// a broker's fixed number of consumers.
        max_concurrency: Option<u32>,
        /// How long a received message stays invisible (a broker: its redelivery delay).
        visibility_timeout: Time,
        /// Receives after which a failed message goes to the DLQ; `None`: never.
        max_receive_count: Option<u32>,
        /// A successful invocation returns only its failed messages.
        report_batch_item_failures: bool,
        /// Standard, FIFO, or a broker.
        queue: QueueKind,
    },
    /// A Kinesis or DynamoDB stream, or a Kafka topic (its partitions are the shards).
    Stream {
        /// Shards; records are spread over them by random partition key.
        shards: u32,
        /// Batches in flight per shard (records keep their order per partition key).
        parallelization_factor: u32,
        /// Retries of a failed batch; `None`: until its records expire.
        max_retry_attempts: Option<u32>,
        /// Records older than this are dropped from the stream.
        retention: Time,
        /// Split a failing batch in two and retry each half.
        bisect_on_error: bool,
        /// A Kafka topic (`msk`, `kafka`): its consumers (pollers) scale with the lag,
        /// one partition's batch at a time each.
        kafka: bool,
    },
}

/// What kind of queue an SQS-like mapping reads.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum QueueKind {
    /// SQS standard: pollers scale with the backlog.
    Standard,
    /// SQS FIFO: messages in order within their group, one batch per group at a time.
    Fifo {
        /// The message groups and how messages spread over them.
        groups: crate::sources::tenants::TenantMix,
    },
    /// Amazon MQ (ActiveMQ, RabbitMQ): a fixed number of consumers.
    Broker,
}

impl Source {
    /// The expected number of requests this source offers in `[0, horizon)`.
    pub fn expected_requests(&self, horizon: Time) -> f64 {
        self.arrival.iter().map(|p| p.expected_count(horizon)).sum()
    }
}

/// Output settings.
#[derive(Clone, Debug)]
pub struct Output {
    /// Output root; results go to `<dir>/<name>/`.
    pub dir: PathBuf,
    /// Time-series interval.
    pub timeseries_interval: Time,
    /// Write `invocations.csv`.
    pub invocations: bool,
    /// Draw charts.
    pub charts: bool,
    /// Write `report.html`.
    pub report: bool,
    /// Write `trace.json` (Chrome trace-event format).
    pub trace: bool,
    /// The most records (spans and instants) `trace.json` holds.
    pub trace_limit: u64,
}

/// Default `trace_limit`.
pub const DEFAULT_TRACE_LIMIT: u64 = 100_000;

/// Round time-series intervals, smallest first.
const ROUND_INTERVALS_S: &[u64] = &[
    1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400,
];

/// The default time-series interval: the smallest round interval giving at most 2,000 rows.
pub fn default_interval(duration: Time) -> Time {
    for &s in ROUND_INTERVALS_S {
        let t = Time::from_secs(s);
        if duration.as_nanos().div_ceil(t.as_nanos()) <= 2000 {
            return t;
        }
    }
    Time(duration.as_nanos().div_ceil(2000).max(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duration_scales_with_vcpus_for_the_cpu_bound_share() {
        let close =
            |a: f64, b: f64| assert!((a - b).abs() < 1e-12 * b.abs().max(1.0), "{a} vs {b}");
        close(duration_scale(1.0, 1769, 3538, 6), 0.5);
        close(duration_scale(1.0, 1769, 128, 6), 1769.0 / 128.0);
        close(duration_scale(0.0, 128, 10240, 6), 1.0);
        close(duration_scale(0.5, 1769, 3538, 6), 0.75);
        // Six vCPUs at most: 10,240 MB gives 5.79, not more.
        close(duration_scale(1.0, 1024, 10240, 6), 0.1);
        close(vcpus(20_000), 6.0);
        // AWS's measurement: 376 ms at 128 MB → about 45 ms at 1,024 MB.
        close(376.0 * duration_scale(1.0, 128, 1024, 1), 47.0);
        // One thread: no faster past 1,769 MB, whatever the memory.
        close(duration_scale(1.0, 1769, 3538, 1), 1.0);
        close(duration_scale(1.0, 1024, 10240, 1), 1024.0 / 1769.0);
        close(duration_scale(1.0, 3538, 10240, 2), 1.0);
        close(duration_scale(1.0, 1769, 10240, 4), 0.25);
        close(duration_scale(1.0, 128, 1769, 1), 128.0 / 1769.0);
    }

    #[test]
    fn async_backoff_doubles_up_to_the_cap() {
        let p = Platform::default();
        let secs: Vec<u64> = (1..=12)
            .map(|n| p.async_backoff(n).as_nanos() / 1_000_000_000)
            .collect();
        assert_eq!(secs, [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300]);
        assert_eq!(p.async_backoff(200), Time::from_secs(300));
    }

    #[test]
    fn default_interval_is_round_and_bounded() {
        assert_eq!(default_interval(Time::from_secs(1800)), Time::from_secs(1));
        assert_eq!(default_interval(Time::from_secs(3600)), Time::from_secs(2));
        assert_eq!(
            default_interval(Time::from_secs(86400)),
            Time::from_secs(60)
        );
        assert_eq!(default_interval(Time::from_millis(500)), Time::from_secs(1));
    }
}
