//! Execution environments, admission and invocation outcomes, on small exact scenarios.

use crate::{assert_conserved, run};

fn one_function(function_extra: &str, arrival: &str, duration: &str) -> String {
    format!(
        r#"
duration = "{duration}"
seed = 5
[account]
concurrency_limit = 10000
[[functions]]
name = "f"
timeout = "900s"
{function_extra}
[[sources]]
service = "direct"
arrival = {arrival}
"#
    )
}

#[test]
fn keep_alive_none_makes_every_invocation_cold() {
    let r = run(&one_function(
        "duration = { dist = \"exponential\", mean = \"100ms\" }\nkeep_alive = { policy = \"none\" }",
        "{ process = \"poisson\", rate = 50.0 }",
        "10m",
    ));
    assert_conserved(&r);
    let f = &r.functions[0];
    assert!(f.invocations > 25_000);
    assert_eq!(f.cold_starts, f.invocations);
    assert_eq!(f.idle_gb_seconds, 0.0);
}

#[test]
fn a_long_fixed_keep_alive_creates_each_environment_once() {
    // Nothing expires within the run, so an environment is created only when every existing
    // one is busy: the cold starts equal the peak concurrency exactly.
    let r = run(&one_function(
        "duration = { dist = \"exponential\", mean = \"200ms\" }\nkeep_alive = { policy = \"fixed\", idle = \"2h\" }",
        "{ process = \"poisson\", rate = 100.0 }",
        "30m",
    ));
    assert_conserved(&r);
    let f = &r.functions[0];
    assert_eq!(f.cold_starts, u64::from(f.max_concurrency));
    assert!(f.cold_starts < 100 && f.invocations > 170_000);
}

#[test]
fn an_idle_environment_expires_exactly_at_its_keep_alive() {
    // Each request runs 1 s; the next comes just before or just after the 60 s keep-alive
    // of the environment it left idle.
    let warm = run(&one_function(
        "duration = \"1s\"\ninit = \"0s\"\nkeep_alive = { policy = \"fixed\", idle = \"60s\" }",
        "{ process = \"constant\", rate = 0.0166 }", // every 60.24 s: 59.24 s idle < 60 s
        "1h",
    ));
    let f = &warm.functions[0];
    assert_eq!(
        f.cold_starts, 1,
        "idle gaps shorter than the keep-alive stay warm"
    );
    let cold = run(&one_function(
        "duration = \"1s\"\ninit = \"0s\"\nkeep_alive = { policy = \"fixed\", idle = \"60s\" }",
        "{ process = \"constant\", rate = 0.0163 }", // every 61.35 s: 60.35 s idle > 60 s
        "1h",
    ));
    let f = &cold.functions[0];
    assert_eq!(
        f.cold_starts, f.invocations,
        "idle gaps longer than the keep-alive go cold"
    );
    // Idle memory: each environment idles exactly 60 s at 128 MB before it goes.
    let expired = f.invocations - 1; // the last one is still idle at the end
    assert!(f.idle_gb_seconds >= expired as f64 * 60.0 * 0.125 - 1e-6);
}

#[test]
fn the_scaling_rate_caps_new_environments_per_interval() {
    // 5,000 requests at once, each 60 s: the bucket holds 1,000 environments per 10 s.
    let r = run(&one_function(
        "duration = \"60s\"\ninit = \"0s\"",
        "{ process = \"burst\", at = \"1s\", count = 5000 }",
        "2m",
    ));
    assert_conserved(&r);
    let f = &r.functions[0];
    assert_eq!(f.cold_starts, 1000);
    assert_eq!(f.throttles, 4000);
    assert_eq!(
        f.failed, 4000,
        "a synchronous throttle fails the request (429)"
    );
}

#[test]
fn the_bucket_refills_continuously() {
    // 100 requests per second for 30 s, each 60 s long, with 100 environments per 10 s: the
    // full bucket's 100, then one more every 100 ms until the last arrival at 29.99 s:
    // 100 + ⌊10 × 29.99⌋ = 399 environments.
    let r = run(r#"
duration = "30s"
[account]
concurrency_limit = 10000
scaling_rate = 100
scaling_interval = "10s"
[[functions]]
name = "f"
duration = "60s"
timeout = "900s"
init = "0s"
[[sources]]
service = "direct"
arrival = { process = "constant", rate = 100.0 }
"#);
    let f = &r.functions[0];
    assert_eq!(f.cold_starts, 399);
    assert_eq!(f.throttles, 3000 - 399);
}

#[test]
fn reserved_concurrency_caps_one_function_and_shields_the_other() {
    let r = run(r#"
duration = "10m"
[account]
concurrency_limit = 200
[[functions]]
name = "capped"
duration = "1s"
reserved_concurrency = 20
[[functions]]
name = "free"
duration = "1s"
[[sources]]
name = "a"
service = "api_gateway"
function = "capped"
arrival = { process = "poisson", rate = 50.0 }
[[sources]]
name = "b"
service = "api_gateway"
function = "free"
arrival = { process = "poisson", rate = 50.0 }
"#);
    assert_conserved(&r);
    let (capped, free) = (&r.functions[0], &r.functions[1]);
    assert_eq!(capped.max_concurrency, 20);
    assert!(capped.throttles > 10_000);
    assert!(
        free.max_concurrency <= 180,
        "the unreserved pool is 200 − 20"
    );
    assert_eq!(free.throttles, 0);
}

#[test]
fn unreserved_functions_share_the_account_limit() {
    let r = run(r#"
duration = "10m"
[account]
concurrency_limit = 100
[[functions]]
name = "a"
duration = "2s"
[[functions]]
name = "b"
duration = "2s"
[[sources]]
name = "a"
service = "alb"
function = "a"
arrival = { process = "poisson", rate = 40.0 }
[[sources]]
name = "b"
service = "alb"
function = "b"
arrival = { process = "poisson", rate = 40.0 }
"#);
    assert_conserved(&r);
    assert_eq!(r.total.max_concurrency, 100);
    assert!(r.total.throttles > 0);
}

#[test]
fn provisioned_environments_serve_first_and_spill_over_to_on_demand() {
    let r = run(&one_function(
        "duration = \"1s\"\nprovisioned_concurrency = 5",
        "{ process = \"constant\", rate = 4.0 }",
        "10m",
    ));
    let f = &r.functions[0];
    assert_eq!(
        f.cold_starts, 0,
        "4 concurrent executions fit in 5 provisioned environments"
    );
    // 5 environments at 128 MB for the 10 minutes: 5 × 0.125 GB × 600 s × $0.0000041667.
    assert!(
        (f.costs.provisioned - 5.0 * 0.125 * 600.0 * 0.000_004_166_7).abs() < 1e-12,
        "{}",
        f.costs.provisioned
    );
    let r = run(&one_function(
        "duration = \"1s\"\ninit = \"0s\"\nprovisioned_concurrency = 5",
        "{ process = \"constant\", rate = 8.0 }",
        "10m",
    ));
    let f = &r.functions[0];
    assert_eq!(
        f.cold_starts, 3,
        "8 concurrent executions: 5 provisioned + 3 on demand"
    );
}

#[test]
fn timeouts_end_at_the_timeout_fail_and_reset_the_environment() {
    let r = run(&one_function(
        "duration = \"5s\"\ntimeout = \"1s\"\ninit = \"0s\"\n[pricing]\nbill_init = false",
        "{ process = \"constant\", rate = 0.1 }",
        "10m",
    )
    .replace("timeout = \"900s\"\n", ""));
    assert_conserved(&r);
    let f = &r.functions[0];
    assert_eq!(f.timeouts, 60);
    assert_eq!(f.failed, 60);
    assert_eq!(f.cold_starts, 60, "a timed-out environment is reset");
    // Billed exactly 1,000 ms each at 128 MB.
    assert!((f.costs.billed_gb_seconds - 60.0 * 0.125).abs() < 1e-9);
}

#[test]
fn error_rate_fails_that_fraction() {
    let r = run(&one_function(
        "duration = \"10ms\"\nerror_rate = 0.3",
        "{ process = \"poisson\", rate = 200.0 }",
        "10m",
    ));
    assert_conserved(&r);
    let f = &r.functions[0];
    let frac = f.errors as f64 / f.invocations as f64;
    assert!((frac - 0.3).abs() < 0.01, "{frac}");
    assert_eq!(f.failed, f.errors);
}

#[test]
fn dry_run_is_counted_and_free() {
    let r = run(&one_function(
        "duration = \"1s\"",
        "{ process = \"poisson\", rate = 10.0 }",
        "1m",
    )
    .replace(
        "service = \"direct\"",
        "service = \"direct\"\ninvocation = \"DryRun\"",
    ));
    assert_conserved(&r);
    let f = &r.functions[0];
    assert_eq!(f.dry_runs, f.requests);
    assert_eq!(f.succeeded, f.requests);
    assert_eq!(f.invocations, 0);
    assert_eq!(f.costs.total(), 0.0);
    assert_eq!(f.mean_instances, 0.0);
}

#[test]
fn lru_selection_keeps_more_environments_alive_than_mru() {
    let base = one_function(
        "duration = { dist = \"exponential\", mean = \"1s\" }\nkeep_alive = { policy = \"fixed\", idle = \"1m\" }",
        "{ process = \"poisson\", rate = 5.0 }",
        "2h",
    );
    let mru = run(&base);
    let lru = run(&base.replace(
        "[[functions]]",
        "[platform]\ninstance_selection = \"lru\"\n[[functions]]",
    ));
    assert!(
        lru.functions[0].mean_instances > mru.functions[0].mean_instances + 1.0,
        "lru {} vs mru {}",
        lru.functions[0].mean_instances,
        mru.functions[0].mean_instances
    );
    assert!(lru.functions[0].cold_starts < mru.functions[0].cold_starts);
}

#[test]
fn runs_are_deterministic_and_seeds_matter() {
    let toml = one_function(
        "duration = { dist = \"lognormal\", median = \"100ms\", sigma = 1.0 }\nerror_rate = 0.01",
        "[{ process = \"poisson\", rate = 30.0 }, { process = \"burst\", at = \"1m\", count = 500 }]",
        "5m",
    );
    let a = run(&toml);
    let b = run(&toml);
    assert_eq!(
        format!("{:?}", a.total.costs),
        format!("{:?}", b.total.costs)
    );
    assert_eq!(a.series, b.series);
    assert_eq!(a.total.latency.histogram, b.total.latency.histogram);
    assert!(a.total.latency.histogram.is_some());
    let c = run(&toml.replace("seed = 5", "seed = 6"));
    assert_ne!(a.total.requests, c.total.requests);
}

#[test]
fn a_huge_init_draw_never_wraps_time_around() {
    // Regression: a heavy-tailed INIT once overflowed `now + init` and completed instantly.
    // Pareto, shape 0.05, scale 1 ms: P(INIT < 59 s) = 1 − (0.001/59)^0.05 ≈ 0.42, so about
    // 25 of the 60 requests succeed, and P(INIT > 584 years, past the range of the clock)
    // = (0.001/1.8e10)^0.05 ≈ 0.22, so about 13 draw more than the clock can hold.
    let r = run(&one_function(
        "duration = \"100ms\"\ninit = { dist = \"pareto\", shape = 0.05, scale = \"1ms\" }\nkeep_alive = { policy = \"none\" }",
        "{ process = \"constant\", rate = 1.0 }",
        "1m",
    ));
    assert_conserved(&r);
    let f = &r.functions[0];
    assert!(f.succeeded >= 10, "{} succeeded", f.succeeded);
    // Every success took at least its INIT (≥ 1 ms) plus 100 ms: a wrapped-around INIT
    // would complete at once and show a latency under 100 ms.
    let fastest = f.latency.histogram.as_ref().unwrap().min();
    assert!(fastest >= 100_000, "fastest success {fastest} µs");
    assert!(
        f.unfinished >= 5,
        "draws of centuries leave requests unfinished at the end: {}",
        f.unfinished
    );
}

#[test]
fn cold_start_ratio_is_over_invocations_not_requests() {
    // 10 invocations, every one cold (keep-alive `none`), and 90 DryRun requests that never
    // run: the ratio is 10 / 10, not 10 / 100.
    let r = run(r#"
duration = "10s"
[[functions]]
name = "f"
duration = "100ms"
keep_alive = { policy = "none" }
[[sources]]
name = "calls"
service = "direct"
arrival = { process = "constant", rate = 1.0 }
[[sources]]
name = "checks"
service = "direct"
invocation = "DryRun"
arrival = { process = "constant", rate = 9.0 }
"#);
    let f = &r.functions[0];
    assert_eq!((f.requests, f.invocations, f.cold_starts), (100, 10, 10));
    assert_eq!(f.cold_start_ratio(), 1.0);
    assert_eq!(r.total.cold_start_ratio(), 1.0);
}

#[test]
fn idle_provisioned_environments_serve_before_idle_on_demand_ones() {
    // One provisioned environment. At t = 0 two requests: one runs on it, the other on a
    // new on-demand environment (100 ms INIT). At 10 s and 20 s both are idle, and each
    // request must take the provisioned one. Compute, at 1 GB: 3 × 1 s at the provisioned
    // duration rate + 1.1 s on demand (INIT billed). On demand first would bill 1 s + 3.1 s.
    let r = run(r#"
duration = "30s"
[pricing]
per_million_requests = 0.0
[[functions]]
name = "f"
memory_mb = 1024
duration = "1s"
init = "100ms"
provisioned_concurrency = 1
keep_alive = { policy = "fixed", idle = "10m" }
[[sources]]
service = "direct"
arrival = [
  { process = "burst", at = "0s", count = 2, over = "1ms" },
  { process = "burst", at = "10s", count = 1, over = "1ms" },
  { process = "burst", at = "20s", count = 1, over = "1ms" },
]
"#);
    let f = &r.functions[0];
    assert_eq!((f.invocations, f.cold_starts), (4, 1));
    let expected = 3.0 * 0.000_009_722_2 + 1.1 * 0.000_016_666_7;
    assert!(
        (f.costs.compute - expected).abs() < 1e-15,
        "{} vs {expected}",
        f.costs.compute
    );
}

#[test]
fn percentiles_never_exceed_the_exact_maximum() {
    let r = run(&one_function(
        "duration = \"100ms\"\nprovisioned_concurrency = 10",
        "{ process = \"constant\", rate = 5.0 }",
        "1m",
    ));
    let l = &r.functions[0].latency;
    assert_eq!(l.max_ms, 100.0);
    assert!(l.p50_ms <= l.max_ms && l.p99_ms <= l.max_ms, "{l:?}");
}

#[test]
fn efs_mount_time_is_added_to_every_init() {
    // Cold starts: 100 ms INIT + 50 ms mount + 20 ms run = 170 ms, all billed (bill_init).
    let r = run(&one_function(
        "duration = \"20ms\"\ninit = \"100ms\"\nefs = true\nefs_mount = \"50ms\"\nkeep_alive = { policy = \"none\" }",
        "{ process = \"constant\", rate = 1.0 }",
        "10s",
    ));
    let f = &r.functions[0];
    assert_eq!(f.cold_starts, 10);
    assert_eq!(f.latency.max_ms, 170.0);
    assert!(
        (f.costs.billed_gb_seconds - 10.0 * 0.170 * 0.125).abs() < 1e-12,
        "{}",
        f.costs.billed_gb_seconds
    );
    // Without EFS the same cold start takes 120 ms.
    let r = run(&one_function(
        "duration = \"20ms\"\ninit = \"100ms\"\nkeep_alive = { policy = \"none\" }",
        "{ process = \"constant\", rate = 1.0 }",
        "10s",
    ));
    assert_eq!(r.functions[0].latency.max_ms, 120.0);
}

#[test]
fn cpu_bound_durations_shrink_with_memory_and_trade_cost_for_speed() {
    let at = |memory: u32, fraction: f64| {
        run(&format!(
            r#"
duration = "10m"
[[functions]]
name = "f"
memory_mb = {memory}
duration = "376ms"
init = "0s"
cpu_bound_fraction = {fraction}
reference_memory_mb = 128
[[sources]]
service = "direct"
arrival = {{ process = "constant", rate = 1.0 }}
"#
        ))
    };
    let small = at(128, 1.0);
    let big = at(1024, 1.0);
    assert_eq!(small.functions[0].latency.max_ms, 376.0);
    assert_eq!(big.functions[0].latency.max_ms, 47.0);
    // Eight times the memory for an eighth of the time: the same GB-seconds.
    let gbs = |r: &lambdasim::metrics::RunReport| r.functions[0].costs.billed_gb_seconds;
    assert!((gbs(&small) - gbs(&big)).abs() < 1e-9);
    // Half CPU-bound: 0.5 × 47 + 0.5 × 376.
    assert_eq!(at(1024, 0.5).functions[0].latency.max_ms, 211.5);
    assert_eq!(at(1024, 0.0).functions[0].latency.max_ms, 376.0);
}

#[test]
fn a_draw_equal_to_the_timeout_succeeds() {
    // The rule: a draw longer than `timeout` ends as a timeout; one of exactly `timeout`
    // runs to its end and succeeds.
    let r = run(&one_function(
        "duration = \"3s\"\ntimeout = \"3s\"",
        "{ process = \"constant\", rate = 1.0 }",
        "10s",
    )
    .replace("timeout = \"900s\"\n", ""));
    let f = &r.functions[0];
    assert_eq!((f.invocations, f.timeouts, f.errors), (10, 0, 0));
    assert_eq!(f.succeeded + f.unfinished, 10);
    let r = run(&one_function(
        "duration = \"3001ms\"\ntimeout = \"3s\"",
        "{ process = \"constant\", rate = 1.0 }",
        "10s",
    )
    .replace("timeout = \"900s\"\n", ""));
    assert_eq!(
        r.functions[0].timeouts,
        r.functions[0].invocations - r.functions[0].unfinished
    );
}

#[test]
fn each_push_source_counts_the_requests_it_offered() {
    // Two sources of one function: 60 and 30 requests in a minute (constant rates from
    // t = 0), each counted on its own row of sources.csv.
    let r = crate::run(
        r#"
duration = "1m"
[[functions]]
name = "f"
duration = "10ms"
[[sources]]
name = "a"
service = "api_gateway"
arrival = { process = "constant", rate = 1.0 }
[[sources]]
name = "b"
service = "s3"
arrival = { process = "constant", rate = 0.5 }
"#,
    );
    let got: Vec<(&str, u64)> = r
        .source_reports
        .iter()
        .map(|s| (s.source.as_str(), s.requests))
        .collect();
    assert_eq!(got, [("a", 60), ("b", 30)]);
    assert_eq!(r.total.requests, 90);
}

#[test]
fn below_the_memory_it_needs_every_invocation_fails_out_of_memory() {
    // Seen using 120 MB, + 10 %: 132 MB needed. At 128 MB each of 10 requests fails as
    // an error, and each failure resets its environment, so each starts cold. At 256 MB
    // all succeed, on one environment.
    let at = |memory: u32| {
        crate::run(&format!(
            r#"
duration = "1m"
[[functions]]
name = "f"
memory_mb = {memory}
duration = "100ms"
init = "50ms"
max_memory_used_mb = 120
[[sources]]
service = "direct"
arrival = {{ process = "constant", rate = 1.0 }}
"#
        ))
    };
    let small = at(128);
    crate::assert_conserved(&small);
    let f = &small.functions[0];
    assert!(f.out_of_memory && small.total.out_of_memory);
    assert_eq!(
        (f.requests, f.errors, f.failed, f.cold_starts),
        (60, 60, 60, 60)
    );
    let big = at(256);
    let f = &big.functions[0];
    assert!(!f.out_of_memory);
    assert_eq!((f.errors, f.succeeded, f.cold_starts), (0, 60, 1));
    // The margin is a parameter: with none, 120 MB is enough at 128 MB.
    let sc = crate::scenario(
        r#"
duration = "1m"
[[functions]]
name = "f"
memory_mb = 128
duration = "100ms"
max_memory_used_mb = 120
memory_margin = 0.0
[[sources]]
service = "direct"
arrival = { process = "constant", rate = 1.0 }
"#,
    );
    assert!(!sc.functions[0].out_of_memory());
    // Exactly the memory needed is enough: 128 MB seen used, no margin, 128 MB.
    let exact = crate::scenario(
        r#"
duration = "1m"
[[functions]]
name = "f"
memory_mb = 128
duration = "1ms"
max_memory_used_mb = 128
memory_margin = 0.0
[[sources]]
service = "direct"
arrival = { process = "constant", rate = 1.0 }
"#,
    );
    assert!(!exact.functions[0].out_of_memory());
    let e = lambdasim::scenario::parse(
        "duration = \"1m\"\n[[functions]]\nname = \"f\"\nduration = \"1ms\"\nmemory_margin = 0.2\n",
        std::path::Path::new("t.toml"),
    )
    .map(|_| ())
    .unwrap_err()
    .to_string();
    assert!(e.contains("needs `max_memory_used_mb`"), "{e}");
}

#[test]
fn a_runtime_presets_init_from_the_lambda_perf_measurements() {
    // Every request cold (keep-alive none): INITs drawn from python3.13's 40 measured
    // zip/x86_64 cold starts, so all within their range, their mean within 4 standard
    // errors of the measurements' mean (which the empirical distribution keeps, being
    // piecewise linear between the sorted values: mean = trapezoid average).
    let data: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("assets/lambda-perf/2026-08-22.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let mut ms: Vec<f64> = data["runtimeData"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| {
            let id = r["r"].as_str().unwrap();
            id.starts_with("lambda-perf-python313-zip-") && id.ends_with("-x86_64")
        })
        .flat_map(|r| {
            r["i"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap())
        })
        .collect();
    ms.sort_by(f64::total_cmp);
    assert_eq!(ms.len(), 40);
    let trapezoid: f64 = ms.windows(2).map(|w| (w[0] + w[1]) / 2.0).sum::<f64>() / 39.0;
    let r = crate::run(
        r#"
duration = "10m"
[[functions]]
name = "f"
runtime = "python3.13"
duration = "10ms"
keep_alive = { policy = "none" }
[[sources]]
service = "direct"
arrival = { process = "constant", rate = 10.0 }
[output]
invocations = true
"#,
    );
    let inits: Vec<f64> = r
        .attempts
        .unwrap()
        .iter()
        .map(|a| a.init.as_nanos() as f64 / 1e6)
        .collect();
    assert_eq!(inits.len(), 6000);
    assert!(
        inits
            .iter()
            .all(|&x| x >= ms[0] - 1e-6 && x <= ms[39] + 1e-6)
    );
    let mean = inits.iter().sum::<f64>() / inits.len() as f64;
    let sd = (inits.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / 5999.0).sqrt();
    assert!(
        (mean - trapezoid).abs() < 4.0 * sd / 6000f64.sqrt(),
        "{mean} vs {trapezoid}"
    );
    let err = |text: &str| {
        lambdasim::scenario::parse(text, std::path::Path::new("t.toml"))
            .map(|_| ())
            .unwrap_err()
            .to_string()
    };
    let f = |keys: &str| {
        format!("duration = \"1m\"\n[[functions]]\nname = \"f\"\nduration = \"1ms\"\n{keys}\n")
    };
    assert!(err(&f("runtime = \"python3.31\"")).contains("did you mean `python3.13`?"));
    assert!(err(&f("package = \"image\"")).contains("needs `runtime`"));
    assert!(
        err(&f(
            "runtime = \"provided.al2/quarkus-native\"\narchitecture = \"arm64\""
        ))
        .contains("no cold starts")
    );
    assert!(
        lambdasim::scenario::parse(
            &f("runtime = \"java21\"\npackage = \"image\"\narchitecture = \"arm64\""),
            std::path::Path::new("t.toml")
        )
        .is_ok()
    );
}

#[test]
fn an_environment_retired_by_its_keep_alive_stops_counting_idle() {
    // One request at 0 running 1 s (no INIT), a fixed 1-minute keep-alive, a 5-minute
    // run: the environment is busy 1 s, idle 60 s, then gone. Time-averaged
    // environments: 61 s / 300 s; idle memory: 60 s × 0.125 GB.
    let r = crate::run(
        r#"
duration = "5m"
[[functions]]
name = "f"
duration = "1s"
init = "0s"
keep_alive = { policy = "fixed", idle = "1m" }
[[sources]]
service = "direct"
arrival = { process = "burst", at = "0s", count = 1 }
"#,
    );
    let f = &r.functions[0];
    assert!(
        (f.mean_instances - 61.0 / 300.0).abs() < 1e-12,
        "{}",
        f.mean_instances
    );
    assert!(
        (f.idle_gb_seconds - 60.0 * 0.125).abs() < 1e-9,
        "{}",
        f.idle_gb_seconds
    );
}

#[test]
fn an_environment_retired_by_a_varying_keep_alive_stops_counting_idle() {
    // The same with the `aws` policy, whose idle windows are drawn from 5 to 7 minutes
    // (so its check scans the pool): over 10 minutes the environment is busy 1 s and
    // idle 300 to 420 s, then gone.
    let r = crate::run(
        r#"
duration = "10m"
[[functions]]
name = "f"
duration = "1s"
init = "0s"
keep_alive = { policy = "aws" }
[[sources]]
service = "direct"
arrival = { process = "burst", at = "0s", count = 1 }
"#,
    );
    let f = &r.functions[0];
    let idle_s = f.idle_gb_seconds / 0.125;
    assert!((300.0..=420.0).contains(&idle_s), "{idle_s}");
    assert!(
        (f.mean_instances - (1.0 + idle_s) / 600.0).abs() < 1e-9,
        "{}",
        f.mean_instances
    );
}

#[test]
fn the_time_series_averages_each_level_over_its_bin() {
    // Requests every 2 s from 0, 1 s each, the first cold with a 500 ms INIT; 10 s bins.
    // Bin 0: INIT 0.5 s, busy 5 × 1 s, one environment from 0 on: concurrency 5.5/10,
    // busy 0.5, initialising 0.05, idle 0.45. Later bins: 5 × 1 s busy, idle 0.5. A
    // second function holds 1 provisioned environment (1 GB) and nothing else: each bin
    // costs 10 s × 1 GB × $0.0000041667.
    let r = crate::run(
        r#"
duration = "30s"
[output]
timeseries_interval = "10s"
[[functions]]
name = "api"
memory_mb = 1024
duration = "1s"
init = "500ms"
[[functions]]
name = "ready"
memory_mb = 1024
duration = "1s"
provisioned_concurrency = 1
[[sources]]
service = "direct"
function = "api"
arrival = { process = "burst", at = "0s", count = 15, over = "30s" }
"#,
    );
    let s = &r.series[0];
    let times: Vec<f64> = s.iter().map(|b| b.time_s).collect();
    assert_eq!(times, [0.0, 10.0, 20.0]);
    let close = |a: f64, b: f64| assert!((a - b).abs() < 1e-12, "{a} vs {b}");
    close(s[0].concurrency, 0.55);
    close(s[0].instances_busy, 0.5);
    close(s[0].instances_initializing, 0.05);
    close(s[0].instances_idle, 0.45);
    for b in &s[1..] {
        close(b.concurrency, 0.5);
        close(b.instances_busy, 0.5);
        close(b.instances_idle, 0.5);
    }
    for b in &r.series[1] {
        close(b.provisioned, 1.0);
        close(b.cost_usd, 10.0 * 0.000_004_166_7);
    }
}

#[test]
fn mean_concurrency_counts_init_and_mean_instances_the_idle_time() {
    // Three cold starts at t = 0, 2 s of INIT then 1 s each, in a 30 s run: 3 × 3 s of
    // executions in progress, 0.3 on average; the environments stay idle to the end.
    let r = run(r#"
duration = "30s"
[[functions]]
name = "f"
duration = "1s"
init = "2s"
keep_alive = { policy = "fixed", idle = "1m" }
[[sources]]
service = "direct"
arrival = { process = "burst", at = "0s", count = 3 }
"#);
    let f = &r.functions[0];
    assert_eq!(f.cold_starts, 3);
    assert!(
        (f.mean_concurrency - 0.3).abs() < 1e-12,
        "{}",
        f.mean_concurrency
    );
    assert!(
        (f.mean_instances - 3.0).abs() < 1e-12,
        "{}",
        f.mean_instances
    );
    // 27 s idle each at 128 MB.
    assert!(
        (f.idle_gb_seconds - 3.0 * 27.0 / 8.0).abs() < 1e-12,
        "{}",
        f.idle_gb_seconds
    );
}

#[test]
fn an_initialising_environment_counts_in_the_concurrency_of_every_interval_it_spans() {
    // One request at t = 0 whose INIT takes 2.5 s, then runs 1 s: concurrency 1 from 0 to
    // 3.5 s, in the intervals' maxima and in the mean (a mutation run found INIT left out).
    let r = crate::run(
        r#"
duration = "10s"
[[functions]]
name = "f"
duration = "1s"
init = "2500ms"
[[sources]]
service = "direct"
arrival = { process = "burst", at = "0s", count = 1 }
[output]
timeseries_interval = "1s"
"#,
    );
    let maxima: Vec<u32> = r.series[0].iter().map(|b| b.concurrency_max).collect();
    assert_eq!(maxima[..5], [1, 1, 1, 1, 0], "{maxima:?}");
    let f = &r.functions[0];
    assert!(
        (f.mean_concurrency - 0.35).abs() < 1e-9,
        "{}",
        f.mean_concurrency
    );
}
