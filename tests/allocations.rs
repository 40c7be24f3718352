//! The event loop allocates nothing per invocation: a run twice as long (about twice the
//! requests) makes about as many heap allocations as the shorter one. A global allocator
//! that counts them is why this is a test binary of its own.

use std::alloc::{GlobalAlloc, Layout, System};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

struct Counting;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

// SAFETY: every call is passed to the system allocator unchanged; only a counter is added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// The scenario with its (first, top-level) `duration` set to `length`.
fn with_duration(toml: &str, length: &str) -> String {
    let mut done = false;
    toml.lines()
        .map(|line| {
            if !done && line.starts_with("duration = ") {
                done = true;
                format!("duration = \"{length}\"")
            } else {
                line.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Allocations made by simulating `toml` for `length`, and the requests it offered.
fn allocations(toml: &str, length: &str) -> (u64, u64) {
    let sc = lambdasim::scenario::parse(&with_duration(toml, length), Path::new("t.toml"))
        .unwrap_or_else(|e| panic!("{e}"));
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    let r = lambdasim::model::simulate(&sc, sc.seed, 0);
    let made = ALLOCATIONS.load(Ordering::Relaxed) - before;
    (made, r.total.requests)
}

const MANAGED: &str = r#"
name = "lmi"
duration = "10m"
seed = 3

[[capacity_providers]]
name = "fleet"
instance_type = "m7g.xlarge"
vcpus = 4
memory_gb = 16
hourly_price = 0.2

[[functions]]
name = "api"
compute = "managed_instances"
capacity_provider = "fleet"
runtime = "nodejs22.x"
memory_mb = 2048
duration = { dist = "lognormal", median = "100ms", sigma = 0.5 }
cpu_bound_fraction = CPU

[[sources]]
name = "web"
service = "api_gateway"
function = "api"
arrival = { process = "poisson", rate = 300.0 }
"#;

#[test]
fn a_run_twice_as_long_allocates_no_more_per_request() {
    let file = |name: &str| {
        std::fs::read_to_string(Path::new("scenarios").join(name)).expect("a shipped scenario")
    };
    let cases = [
        ("steady_api.toml", file("steady_api.toml")),
        ("burst.toml", file("burst.toml")),
        ("sqs_worker.toml", file("sqs_worker.toml")),
        ("eventbridge_fanout.toml", file("eventbridge_fanout.toml")),
        ("kafka_lag_spike.toml", file("kafka_lag_spike.toml")),
        ("fifo_hot_groups.toml", file("fifo_hot_groups.toml")),
        ("image_pipeline.toml", file("image_pipeline.toml")),
        (
            "mq",
            file("sqs_worker.toml")
                .replace("service = \"sqs\"", "service = \"mq\"")
                .replace("visibility_timeout = \"5m\"\n", "")
                .replace("report_batch_item_failures = true\n", ""),
        ),
        (
            "sqs, provisioned mode",
            file("sqs_worker.toml").replace(
                "service = \"sqs\"\n",
                "service = \"sqs\"\nprovisioned_pollers = { min = 2, max = 50 }\nmessage_bytes = { dist = \"lognormal\", median = \"60KB\", sigma = 0.5 }\n",
            ),
        ),
        (
            "kafka, provisioned mode",
            file("kafka_lag_spike.toml").replace(
                "provisioned_pollers = false",
                "provisioned_pollers = { min = 2, max = 24 }",
            ),
        ),
        ("managed, I/O-bound", MANAGED.replace("CPU", "0.1")),
        ("managed, CPU-bound", MANAGED.replace("CPU", "0.9")),
    ];
    for (name, toml) in &cases {
        assert!(
            !name.contains("provisioned") || toml.contains("provisioned_pollers = {"),
            "{name}: the scenario was not patched"
        );
        let (short, short_requests) = allocations(toml, "20m");
        let (long, long_requests) = allocations(toml, "40m");
        let more = long_requests - short_requests;
        assert!(more > 20_000, "{name}: only {more} more requests");
        let extra = long.saturating_sub(short);
        // Per-invocation allocation would add at least one per extra request. What does
        // allocate grows with other things: the time series' vectors, queues reaching a
        // new peak, environments that Managed Instances' scaler starts (each with its
        // own queue of requests). Fewer than one per thousand requests.
        assert!(
            extra * 1000 < more,
            "{name}: {extra} more allocations for {more} more requests \
             ({short} → {long} for {short_requests} → {long_requests} requests)"
        );
    }
}
