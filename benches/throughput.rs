//! Simulated requests per second on the SimFaaS reference workload (λ = 0.9/s, exponential
//! 1.991 s, cold +253 ms, 10-min keep-alive), on a high-rate one (λ = 1,000/s), and on
//! the same high rate invoked asynchronously: unthrottled, and overloaded behind a
//! reservation so that events queue, back off and drain; and on poll sources: an SQS
//! queue and a Kinesis stream at 1,000 messages/s (elements are messages); and on Lambda
//! Managed Instances at 1,000 requests/s, I/O-bound and CPU-bound.
//!
//! Run with `cargo bench --bench throughput`; criterion reports time per run, and the
//! throughput line gives simulated requests (elements) per second.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use lambdasim::model::simulate;
use std::hint::black_box;
use std::path::Path;

fn scenario(rate: f64, hours: u64, limit: u32) -> lambdasim::model::Scenario {
    with(rate, hours, limit, "direct", "", "")
}

fn with(
    rate: f64,
    hours: u64,
    limit: u32,
    service: &str,
    function_extra: &str,
    source_extra: &str,
) -> lambdasim::model::Scenario {
    let toml = format!(
        r#"
duration = "{hours}h"
seed = 1
[account]
concurrency_limit = {limit}
scaling_rate = {limit}
[[functions]]
name = "f"
timeout = "900s"
duration = {{ dist = "exponential", mean = "1991ms" }}
init = "253ms"
keep_alive = {{ policy = "fixed", idle = "10m" }}
{function_extra}
[[sources]]
service = "{service}"
{source_extra}
arrival = {{ process = "poisson", rate = {rate} }}
"#
    );
    lambdasim::scenario::parse(&toml, Path::new("bench.toml")).expect("valid bench scenario")
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("simulate");
    g.sample_size(10);
    // ~3.24 M requests each.
    let simfaas = scenario(0.9, 1000, 1000);
    let expected = (0.9 * 1000.0 * 3600.0) as u64;
    g.throughput(Throughput::Elements(expected));
    g.bench_function("simfaas_reference_0.9_per_s", |b| {
        b.iter(|| black_box(simulate(&simfaas, 1, 0)))
    });
    let high = scenario(1000.0, 1, 10_000);
    g.throughput(Throughput::Elements(3_600_000));
    g.bench_function("high_rate_1000_per_s", |b| {
        b.iter(|| black_box(simulate(&high, 1, 0)))
    });
    // Keep-alive policies whose windows differ (the idle pool is scanned at each check).
    for (name, policy) in [
        ("aws_keepalive_1000_per_s", "{ policy = \"aws\" }"),
        (
            "hybrid_histogram_1000_per_s",
            "{ policy = \"hybrid_histogram\" }",
        ),
    ] {
        let mut sc = scenario(1000.0, 1, 10_000);
        sc.functions[0].keep_alive = lambdasim::scenario::parse(
            &format!(
                "duration = \"1s\"\n[[functions]]\nname = \"f\"\nduration = \"1ms\"\nkeep_alive = {policy}\n[[sources]]\nservice = \"direct\"\narrival = {{ process = \"poisson\", rate = 1.0 }}\n"
            ),
            Path::new("bench.toml"),
        )
        .expect("valid keep-alive")
        .functions[0]
            .keep_alive
            .clone();
        g.bench_function(name, |b| b.iter(|| black_box(simulate(&sc, 1, 0))));
    }
    let event = with(1000.0, 1, 10_000, "s3", "", "");
    g.bench_function("async_1000_per_s", |b| {
        b.iter(|| black_box(simulate(&event, 1, 0)))
    });
    // Offered ≈ 1,991 concurrent against a reservation of 1,900 for 20 minutes: a backlog
    // builds, and every waiting event retries on its own backoff, so most engine events
    // are throttles.
    let overloaded = {
        let mut s = with(1000.0, 1, 10_000, "s3", "reserved_concurrency = 1900", "");
        s.duration = lambdasim::engine::Time::from_secs(1200);
        s
    };
    g.throughput(Throughput::Elements(1_200_000));
    g.bench_function("async_overloaded_1000_per_s", |b| {
        b.iter(|| black_box(simulate(&overloaded, 1, 0)))
    });
    let sqs = with(
        1000.0,
        1,
        10_000,
        "sqs",
        "",
        "batch_size = 10\nvisibility_timeout = \"15m\"",
    );
    g.throughput(Throughput::Elements(3_600_000));
    g.bench_function("sqs_1000_per_s", |b| {
        b.iter(|| black_box(simulate(&sqs, 1, 0)))
    });
    let kinesis = with(
        1000.0,
        1,
        10_000,
        "kinesis",
        "",
        "shards = 8\nparallelization_factor = 2\nbatch_size = 100",
    );
    g.bench_function("kinesis_1000_per_s", |b| {
        b.iter(|| black_box(simulate(&kinesis, 1, 0)))
    });
    // Lambda Managed Instances at 1,000 requests/s for an hour: many requests per
    // environment, the CPU-bound part under processor sharing, scaling each minute.
    for (name, cpu) in [
        ("managed_io_bound_1000_per_s", 0.1),
        ("managed_cpu_bound_1000_per_s", 0.9),
    ] {
        let toml = format!(
            r#"
duration = "1h"
seed = 1
[[capacity_providers]]
name = "p"
instance_type = "m7g.xlarge"
vcpus = 4
memory_gb = 16
hourly_price = 0.1632
max_vcpus = 2000
[[functions]]
name = "f"
compute = "managed_instances"
capacity_provider = "p"
runtime = "nodejs22.x"
memory_mb = 2048
timeout = "30s"
duration = {{ dist = "lognormal", median = "60ms", sigma = 0.4 }}
cpu_bound_fraction = {cpu}
[[sources]]
service = "api_gateway"
arrival = {{ process = "poisson", rate = 1000.0 }}
"#
        );
        let sc = lambdasim::scenario::parse(&toml, Path::new("bench.toml"))
            .expect("valid managed bench scenario");
        g.throughput(Throughput::Elements(3_600_000));
        g.bench_function(name, |b| b.iter(|| black_box(simulate(&sc, 1, 0))));
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
