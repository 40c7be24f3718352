//! Simulated requests per second on the SimFaaS reference workload (λ = 0.9/s, exponential
//! 1.991 s, cold +253 ms, 10-min keep-alive) and on a high-rate one (λ = 1,000/s).
//!
//! Run with `cargo bench --bench throughput`; criterion reports time per run, and the
//! throughput line gives simulated requests (elements) per second.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use lambdasim::model::simulate;
use std::hint::black_box;
use std::path::Path;

fn scenario(rate: f64, hours: u64, limit: u32) -> lambdasim::model::Scenario {
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
[[sources]]
service = "direct"
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
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
