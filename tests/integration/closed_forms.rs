//! The model against closed forms: Little's law, Erlang-B, and SimFaaS's published figures.

use crate::{assert_conserved, run};

/// Erlang-B blocking probability B(c, a) by the stable recursion.
fn erlang_b(c: u32, a: f64) -> f64 {
    let mut b = 1.0;
    for k in 1..=c {
        b = a * b / (f64::from(k) + a * b);
    }
    b
}

#[test]
fn erlang_b_recursion_matches_a_table_value() {
    // B(10, 8) = 0.12166 (standard tables).
    assert!((erlang_b(10, 8.0) - 0.12166).abs() < 1e-4);
}

/// provisioned = reserved = c turns the function into an M/G/c/c loss system: the throttled
/// fraction is B(c, λ·E[S]) whatever the service-time distribution (insensitivity).
fn check_erlang(c: u32, rate: f64, duration: &str, mean_s: f64) {
    let toml = format!(
        r#"
duration = "{horizon}s"
seed = 11
[[functions]]
name = "f"
memory_mb = 128
timeout = "900s"
duration = {duration}
reserved_concurrency = {c}
provisioned_concurrency = {c}
[[sources]]
service = "direct"
arrival = {{ process = "poisson", rate = {rate} }}
"#,
        horizon = (1_000_000.0 / rate) as u64
    );
    let r = run(&toml);
    assert_conserved(&r);
    let t = &r.total;
    assert_eq!(t.cold_starts, 0, "provisioned environments are never cold");
    assert!(t.max_concurrency <= c);
    let offered = t.requests as f64;
    let blocked = t.throttles as f64 / offered;
    let want = erlang_b(c, rate * mean_s);
    // Binomial standard error on ~1 M requests, plus autocorrelation slack.
    let se = (want * (1.0 - want) / offered).sqrt();
    assert!(
        (blocked - want).abs() < 6.0 * se + 0.002,
        "c={c} a={}: throttled {blocked:.5}, Erlang-B {want:.5} ({duration})",
        rate * mean_s
    );
}

#[test]
fn erlang_b_with_exponential_service() {
    check_erlang(10, 8.0, r#"{ dist = "exponential", mean = "1s" }"#, 1.0);
}

#[test]
fn erlang_b_is_insensitive_to_the_service_distribution() {
    check_erlang(10, 8.0, r#""1s""#, 1.0);
    check_erlang(
        20,
        30.0,
        r#"{ dist = "lognormal", mean = "500ms", std = "1s" }"#,
        0.5,
    );
}

#[test]
fn littles_law_mean_concurrency_is_rate_times_mean_duration() {
    // No INIT time, so concurrency = executions; a = 40/s × 0.25 s = 10.
    let r = run(r#"
duration = "6h"
seed = 3
[[functions]]
name = "f"
duration = { dist = "gamma", shape = 2.0, mean = "250ms" }
init = "0s"
[[sources]]
service = "alb"
arrival = { process = "poisson", rate = 40.0 }
"#);
    assert_conserved(&r);
    let f = &r.functions[0];
    assert_eq!(f.throttles, 0);
    assert!(
        (f.mean_concurrency - 10.0).abs() < 0.15,
        "mean concurrency {}",
        f.mean_concurrency
    );
    // The latency mean equals the duration mean when nothing waits.
    assert!(
        (f.latency.mean_ms - 250.0).abs() < 2.0,
        "{}",
        f.latency.mean_ms
    );
}

#[test]
fn simfaas_reference_workload_with_mru_and_ten_minute_keep_alive() {
    // SimFaaS (Mahmoudi & Khazaei) reference: λ = 0.9/s, warm service exp(mean 1.991 s),
    // cold +253 ms, 10-min expiration threshold. Published: cold-start probability ≈ 0.0014,
    // ≈ 7.7 instances on average, ≈ 1.79 running.
    let r = run(r#"
duration = "1000h"
seed = 2021
[[functions]]
name = "f"
timeout = "900s"
duration = { dist = "exponential", mean = "1991ms" }
init = "253ms"
keep_alive = { policy = "fixed", idle = "10m" }
[[sources]]
service = "direct"
arrival = { process = "poisson", rate = 0.9 }
"#);
    assert_conserved(&r);
    let f = &r.functions[0];
    let n = f.invocations as f64;
    // The published figures have two significant digits: p_cold in [0.00135, 0.00145),
    // instances in [7.65, 7.75). Around them, the noise of this sample: about 4,400 cold
    // starts, so 3σ ≈ 3 √4,400 / n ≈ 0.00006; the mean of instances over 1,000 h moves by
    // less than 0.03. With this seed the bounds admit a keep-alive from about 9.5 to 10.5
    // minutes (9 min gives 0.00152 and 7.64, 11 min 0.00124 and 7.79).
    let p_cold = f.cold_start_ratio();
    let three_sigma = 3.0 * (p_cold * n).sqrt() / n;
    assert!(
        (0.00135 - three_sigma..0.00145 + three_sigma).contains(&p_cold),
        "cold-start probability {p_cold} (3σ = {three_sigma})"
    );
    assert!(
        (7.62..7.78).contains(&f.mean_instances),
        "mean instances {}",
        f.mean_instances
    );
    // Little's law for the busy ones, which does not depend on the keep-alive: λ (E[S] +
    // p_cold E[INIT]) = 0.9 × (1.991 + p_cold × 0.253) ≈ 1.7922 (SimFaaS: 1.79). The time
    // average of an M/G/∞ count over T = 3.6e6 s has σ ≈ √(2 a E[S] / T) ≈ 0.0014; 4σ.
    let busy = 0.9 * (1.991 + p_cold * 0.253);
    assert!(
        (f.mean_concurrency - busy).abs() < 0.006,
        "busy {} vs {busy}",
        f.mean_concurrency
    );
}
