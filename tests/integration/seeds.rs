//! Seeds: replication 0 runs with the scenario's `seed` itself, replication r with a seed
//! derived from (`seed`, r), and no run's seed depends on where its scenario stands in the
//! command or which variant of a sweep it is (common random numbers).

use crate::scenario;
use lambdasim::engine::derive_seed;
use lambdasim::metrics::RunReport;
use lambdasim::model::{Scenario, simulate};
use lambdasim::runner::{RunOptions, simulate_all};
use std::path::Path;

fn api(name: &str, seed: u64, rate: f64) -> String {
    format!(
        r#"
name = "{name}"
duration = "5m"
seed = {seed}
replications = 3
[[functions]]
name = "api"
duration = {{ dist = "exponential", mean = "200ms" }}
init = {{ dist = "uniform", min = "100ms", max = "300ms" }}
keep_alive = {{ policy = "fixed", idle = "30s" }}
[[sources]]
service = "api_gateway"
arrival = {{ process = "poisson", rate = {rate} }}
"#
    )
}

fn run_all(scenarios: &[Scenario]) -> Vec<Vec<RunReport>> {
    let opts = RunOptions {
        jobs: Some(2),
        ..RunOptions::default()
    };
    simulate_all(scenarios, &opts).unwrap()
}

/// What identifies a run's random draws: its seed and the counts they produced.
fn fingerprint(r: &RunReport) -> (u64, u64, u64, u64, String) {
    let t = &r.total;
    (
        r.seed,
        t.requests,
        t.cold_starts,
        t.throttles,
        format!("{:.6}", t.latency.mean_ms),
    )
}

#[test]
fn replication_zero_runs_with_the_scenario_seed_not_a_derived_one() {
    let sc = scenario(&api("a", 4242, 20.0));
    let runs = run_all(std::slice::from_ref(&sc));
    let seeds: Vec<u64> = runs[0].iter().map(|r| r.seed).collect();
    assert_eq!(seeds, [4242, derive_seed(4242, 1), derive_seed(4242, 2)]);
    // Replication 0 is the very run `simulate(sc, seed, 0)`, draw for draw.
    assert_eq!(
        fingerprint(&runs[0][0]),
        fingerprint(&simulate(&sc, 4242, 0))
    );
    assert_ne!(
        fingerprint(&runs[0][0]),
        fingerprint(&simulate(&sc, derive_seed(4242, 0), 0)),
        "a derived seed would give other arrivals"
    );
}

#[test]
fn the_seed_does_not_depend_on_the_scenario_position_in_the_command() {
    let a = scenario(&api("a", 7, 20.0));
    let b = scenario(&api("b", 9, 5.0));
    let ab = run_all(&[a.clone(), b.clone()]);
    let ba = run_all(&[b, a]);
    for r in 0..3 {
        assert_eq!(fingerprint(&ab[0][r]), fingerprint(&ba[1][r]), "a, rep {r}");
        assert_eq!(fingerprint(&ab[1][r]), fingerprint(&ba[0][r]), "b, rep {r}");
    }
}

#[test]
fn every_variant_of_a_sweep_runs_on_the_same_seeds_and_arrivals() {
    let text = api("swept", 31, 20.0)
        + r#"
[sweep]
"functions.api.memory_mb" = [128, 1024, 4096]
"#;
    let variants = lambdasim::scenario::parse_variants(&text, Path::new("s.toml")).unwrap();
    // The variants sit at different positions of the run list, after another scenario.
    let mut all = vec![scenario(&api("other", 5, 3.0))];
    all.extend(variants);
    let runs = run_all(&all);
    for r in 0..3 {
        let seed = runs[1][r].seed;
        let requests = runs[1][r].total.requests;
        for v in &runs[1..] {
            assert_eq!(
                (v[r].seed, v[r].total.requests),
                (seed, requests),
                "rep {r}"
            );
        }
    }
    // Memory does not change this function's durations (no `cpu_bound_fraction`), so the
    // variants draw the same durations too and differ only in their price.
    let latency: Vec<String> = runs[1..]
        .iter()
        .map(|v| format!("{:.6}", v[0].total.latency.mean_ms))
        .collect();
    assert!(latency.iter().all(|l| *l == latency[0]), "{latency:?}");
}

#[test]
fn only_the_first_replication_keeps_a_trace() {
    // trace.json shows replication 0; the others do not spend memory on spans.
    let sc = crate::scenario(
        r#"
duration = "10s"
[[functions]]
name = "f"
duration = "10ms"
[[sources]]
service = "direct"
arrival = { process = "constant", rate = 5.0 }
[output]
trace = true
"#,
    );
    let first = lambdasim::model::simulate(&sc, sc.seed, 0);
    let second = lambdasim::model::simulate(&sc, sc.seed, 1);
    assert!(first.trace.as_ref().is_some_and(|t| !t.records.is_empty()));
    assert!(second.trace.is_none());
}

#[test]
fn only_replication_zero_keeps_its_distributions_in_memory() {
    // The charts need replication 0's histograms; later replications drop theirs (about
    // 0.5 MB a run), keeping every statistic.
    let sc = scenario(&api("a", 11, 20.0));
    let runs = run_all(std::slice::from_ref(&sc));
    assert!(runs[0][0].total.latency.histogram.is_some());
    for r in &runs[0][1..] {
        for f in r.functions.iter().chain(std::iter::once(&r.total)) {
            assert!(f.latency.histogram.is_none() && f.queue_wait.histogram.is_none());
            assert!(f.event_age.histogram.is_none() && f.oldest_age.histogram.is_none());
        }
    }
    let whole = simulate(&sc, runs[0][1].seed, 1);
    assert!(whole.total.latency.histogram.is_some());
    assert_eq!(fingerprint(&whole), fingerprint(&runs[0][1]));
    assert_eq!(whole.total.latency.p99_ms, runs[0][1].total.latency.p99_ms);
}
