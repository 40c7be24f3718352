//! AWS's pricing examples reproduced as scenarios, to the cent.

use crate::{assert_conserved, run};

/// A month (730 h, the AWS Pricing Calculator's) holding `count` requests in its first
/// 50 minutes: the free tier and the tiers are the month's.
fn monthly(count: u64, duration: &str, memory: u32, extra: &str) -> String {
    format!(
        r#"
duration = "730h"
[account]
concurrency_limit = 5000
scaling_rate = 5000
[pricing]
preset = "aws-x86-2025"
free_tier = true
bill_init = false
{extra}
[[functions]]
name = "f"
memory_mb = {memory}
duration = "{duration}"
init = "0s"
[[sources]]
service = "direct"
arrival = {{ process = "burst", at = "0s", count = {count}, over = "50m" }}
"#
    )
}

#[test]
fn pricing_page_example_3m_requests_120ms_1536mb() {
    // 3 M × 120 ms × 1.5 GB = 540,000 GB-s − 400,000 free = 140,000 × $0.0000166667 = $2.33;
    // (3 M − 1 M) × $0.20/M = $0.40; total $2.73.
    let r = run(&monthly(3_000_000, "120ms", 1536, ""));
    assert_conserved(&r);
    let t = &r.total;
    assert_eq!(t.succeeded, 3_000_000);
    assert_eq!(t.costs.billed_gb_seconds, 540_000.0);
    assert_eq!(format!("{:.2}", t.costs.compute), "2.33");
    assert_eq!(format!("{:.2}", t.costs.request), "0.40");
    assert_eq!(format!("{:.2}", t.costs.total()), "2.73");
    // The run is a month: its monthly cost is its cost.
    assert!((t.costs.monthly - t.costs.total()).abs() < 1e-12);
}

#[test]
fn pricing_page_example_3m_requests_1s_512mb() {
    // 3 M × 1 s × 0.5 GB = 1,500,000 GB-s − 400,000 = 1,100,000 × $0.0000166667 = $18.33;
    // requests $0.40; total $18.73.
    let r = run(&monthly(3_000_000, "1s", 512, ""));
    let t = &r.total;
    assert_eq!((t.succeeded, t.throttles), (3_000_000, 0));
    assert_eq!(t.costs.billed_gb_seconds, 1_500_000.0);
    assert_eq!(format!("{:.2}", t.costs.compute), "18.33");
    assert_eq!(format!("{:.2}", t.costs.total()), "18.73");
}

#[test]
fn without_the_free_tier_every_request_and_gb_second_is_charged() {
    let r = run(
        &monthly(3_000_000, "120ms", 1536, "").replace("free_tier = true", "free_tier = false")
    );
    let t = &r.total;
    // 540,000 × 0.0000166667 = 9.000018; 3 M × 0.2 / M = 0.60
    assert!(
        (t.costs.compute - 9.000_018).abs() < 1e-6,
        "{}",
        t.costs.compute
    );
    assert!((t.costs.request - 0.60).abs() < 1e-9);
}

#[test]
fn durations_round_up_to_the_next_millisecond() {
    // 1,000 invocations of 100.2 ms bill 101 ms each.
    let r =
        run(&monthly(1000, "100200us", 1024, "").replace("free_tier = true", "free_tier = false"));
    let t = &r.total;
    assert!(
        (t.costs.billed_gb_seconds - 101.0).abs() < 1e-9,
        "{}",
        t.costs.billed_gb_seconds
    );
}

#[test]
fn init_is_billed_on_demand_when_bill_init() {
    // One cold start of 250 ms INIT + 100 ms: 350 ms billed; then warm 100 ms.
    let r = run(r#"
duration = "1m"
[[functions]]
name = "f"
memory_mb = 1024
duration = "100ms"
init = "250ms"
[[sources]]
service = "direct"
arrival = { process = "burst", at = "1s", count = 2, over = "2s" }
"#);
    let t = &r.total;
    assert_eq!(t.cold_starts, 1);
    assert!(
        (t.costs.billed_gb_seconds - 0.45).abs() < 1e-12,
        "{}",
        t.costs.billed_gb_seconds
    );
}

#[test]
fn provisioned_concurrency_is_charged_per_gb_second_provisioned() {
    // 10 environments × 1 GB × 3,600 s × $0.0000041667 = $0.150001; executions on them at
    // the provisioned duration rate: 3,600 × 1 s × 1 GB × $0.0000097222 = $0.03499992.
    let r = run(r#"
duration = "1h"
[pricing]
per_million_requests = 0.0
[[functions]]
name = "f"
memory_mb = 1024
duration = "1s"
provisioned_concurrency = 10
reserved_concurrency = 10
[[sources]]
service = "direct"
arrival = { process = "constant", rate = 1.0 }
"#);
    let t = &r.total;
    assert_eq!(t.cold_starts, 0);
    assert!(
        (t.costs.provisioned - 0.150_001_2).abs() < 1e-9,
        "{}",
        t.costs.provisioned
    );
    // The last request (t = 3,599 s) ends exactly at the end: 3,599 completed.
    assert!(
        (t.costs.compute - 3599.0 * 0.000_009_722_2).abs() < 1e-9,
        "{}",
        t.costs.compute
    );
    // Execution on provisioned environments counts in the billed GB-seconds, and the total
    // is the three charges together (requests are free here).
    assert_eq!(t.costs.billed_gb_seconds, 3599.0);
    assert_eq!(t.costs.request, 0.0);
    assert!(
        (t.costs.total() - (0.150_001_2 + 3599.0 * 0.000_009_722_2)).abs() < 1e-9,
        "{}",
        t.costs.total()
    );
}

/// `count` cold starts of `init` + `duration` at 1,024 MB, one every 10 s (keep-alive
/// `none`: each one cold), with `pricing` added to `[pricing]`.
fn cold_starts(count: u32, init: &str, duration: &str, pricing: &str) -> String {
    format!(
        r#"
duration = "{secs}s"
[pricing]
{pricing}
[[functions]]
name = "f"
memory_mb = 1024
duration = "{duration}"
init = "{init}"
keep_alive = {{ policy = "none" }}
[[sources]]
service = "direct"
arrival = {{ process = "constant", rate = 0.1 }}
"#,
        secs = count * 10
    )
}

#[test]
fn init_and_execution_are_rounded_up_as_one_sum_not_each() {
    // 0.4 ms INIT + 100.4 ms run = 100.8 ms → 101 ms billed (rounding each: 1 + 101 = 102).
    let r = run(&cold_starts(100, "400us", "100400us", ""));
    let t = &r.total;
    assert_eq!((t.invocations, t.cold_starts), (100, 100));
    assert_eq!(t.costs.billed_gb_seconds, 10.1, "10,100 ms at 1 GB");
}

#[test]
fn init_is_not_billed_when_bill_init_is_false() {
    // 250 ms INIT + 100 ms run: 100 ms billed without INIT billing, 350 ms with it.
    let off = run(&cold_starts(100, "250ms", "100ms", "bill_init = false"));
    assert_eq!(off.total.cold_starts, 100);
    assert_eq!(off.total.costs.billed_gb_seconds, 10.0);
    let on = run(&cold_starts(100, "250ms", "100ms", "bill_init = true"));
    assert_eq!(on.total.costs.billed_gb_seconds, 35.0);
    // Latency includes INIT either way: billing changes nothing else.
    assert_eq!(off.total.latency.mean_ms, on.total.latency.mean_ms);
}

#[test]
fn arm64_functions_are_priced_at_the_arm64_rates() {
    // 100 × 1 s at 1 GB on arm64: 100 GB-s × $0.0000133334 (x86: $0.0000166667).
    let text = cold_starts(100, "0s", "1s", "per_million_requests = 0.0").replace(
        "memory_mb = 1024",
        "memory_mb = 1024\narchitecture = \"arm64\"",
    );
    let t = run(&text).total;
    assert_eq!(t.costs.billed_gb_seconds, 100.0);
    assert!(
        (t.costs.compute - 100.0 * 0.000_013_333_4).abs() < 1e-12,
        "{}",
        t.costs.compute
    );
    // The arm64 preset makes arm64 the default architecture.
    let preset = cold_starts(
        100,
        "0s",
        "1s",
        "preset = \"aws-arm64-2025\"\nper_million_requests = 0.0",
    );
    assert!((run(&preset).total.costs.compute - t.costs.compute).abs() < 1e-15);
}

#[test]
fn a_per_gb_second_override_is_one_flat_rate_for_both_architectures() {
    let x86 = cold_starts(100, "0s", "1s", "per_gb_second = 0.001");
    let arm = x86.replace(
        "memory_mb = 1024",
        "memory_mb = 1024\narchitecture = \"arm64\"",
    );
    for text in [x86, arm] {
        let t = run(&text).total;
        assert!(
            (t.costs.compute - 100.0 * 0.001).abs() < 1e-12,
            "{}",
            t.costs.compute
        );
    }
}

#[test]
fn the_free_tier_is_shared_in_proportion_between_unlike_functions() {
    // Function a: 600,000 requests × 1 s at 1 GB = 600,000 GB-s; function b: 1,400,000
    // × 100 ms at 2 GB = 280,000 GB-s. Run: 2 M requests, 880,000 GB-s.
    // Requests: 2 M − 1 M free = 1 M billed, $0.20, shared 0.3 / 0.7 by invocations.
    // GB-s: every function keeps 1 − 400,000 / 880,000 = 6/11 of its own.
    let r = run(r#"
duration = "730h"
[account]
concurrency_limit = 20000
scaling_rate = 20000
[pricing]
free_tier = true
bill_init = false
[[functions]]
name = "a"
memory_mb = 1024
duration = "1s"
[[functions]]
name = "b"
memory_mb = 2048
duration = "100ms"
[[sources]]
name = "for_a"
service = "direct"
function = "a"
arrival = { process = "burst", at = "0s", count = 600000, over = "50m" }
[[sources]]
name = "for_b"
service = "direct"
function = "b"
arrival = { process = "burst", at = "0s", count = 1400000, over = "50m" }
"#);
    assert_conserved(&r);
    let (a, b) = (&r.functions[0], &r.functions[1]);
    assert_eq!((a.succeeded, b.succeeded), (600_000, 1_400_000));
    let rate = 0.000_016_666_7;
    for (f, gbs, share) in [(a, 600_000.0, 0.3), (b, 280_000.0, 0.7)] {
        assert!(
            (f.costs.request - 0.20 * share).abs() < 1e-12,
            "{}: {}",
            f.function,
            f.costs.request
        );
        let compute = gbs * 6.0 / 11.0 * rate;
        assert!(
            (f.costs.compute - compute).abs() < 1e-9,
            "{}: {} vs {compute}",
            f.function,
            f.costs.compute
        );
    }
    assert!((r.total.costs.compute - 480_000.0 * rate).abs() < 1e-9);
}

#[test]
fn the_time_series_costs_add_up_to_the_bill() {
    // Without tiers in reach or the free tier, each interval's cost (requests, billed GB-s
    // at its architecture's rate, provisioned allocation and execution) sums to the
    // function's bill.
    let r = run(r#"
duration = "10m"
[[functions]]
name = "x86"
memory_mb = 1024
duration = { dist = "exponential", mean = "300ms" }
[[functions]]
name = "arm"
memory_mb = 2048
architecture = "arm64"
duration = { dist = "exponential", mean = "300ms" }
[[sources]]
name = "a"
service = "direct"
function = "x86"
arrival = { process = "poisson", rate = 50.0 }
[[sources]]
name = "b"
service = "direct"
function = "arm"
arrival = { process = "poisson", rate = 50.0 }
[[functions]]
name = "pc"
memory_mb = 512
provisioned_concurrency = 5
duration = { dist = "exponential", mean = "300ms" }
[[sources]]
name = "c"
service = "direct"
function = "pc"
arrival = { process = "poisson", rate = 20.0 }
"#);
    // (The run is 10 minutes, whole 5-minute blocks: the provisioned allocation is billed
    // for exactly the time the intervals count.)
    for (f, rows) in r.functions.iter().zip(&r.series) {
        // The intervals' counts add up to the run's.
        let sum =
            |get: fn(&lambdasim::metrics::BinReport) -> u64| rows.iter().map(get).sum::<u64>();
        assert_eq!(sum(|b| b.arrivals), f.requests, "{}", f.function);
        assert_eq!(sum(|b| b.invocations), f.invocations, "{}", f.function);
        assert_eq!(sum(|b| b.cold_starts), f.cold_starts, "{}", f.function);
        assert!(f.cold_starts > 0 || f.function == "pc");
        let sum: f64 = rows.iter().map(|b| b.cost_usd).sum();
        let bill = f.costs.total();
        assert!(bill > 0.0);
        assert!(
            (sum - bill).abs() < 1e-12 * bill.max(1.0) + 1e-15,
            "{}: {sum} vs {bill}",
            f.function
        );
    }
}

#[test]
fn a_day_with_the_free_tier_takes_a_day_of_it_and_states_the_month() {
    // 86,400 requests × 1 s at 1,024 MB in a day: 86,400 GB-s. A day's free allowance
    // is 400,000 × 24/730 GB-s and 1 M × 24/730 requests, not a month's.
    let r = crate::run(
        r#"
duration = "24h"
[pricing]
free_tier = true
[[functions]]
name = "f"
memory_mb = 1024
duration = "1s"
init = "0s"
[[sources]]
service = "direct"
arrival = { process = "constant", rate = 1.0 }
"#,
    );
    let c = &r.total.costs;
    // The last request, at 86,399 s, is still running at the end: 86,399 billed.
    assert_eq!((r.total.requests, r.total.invocations), (86_400, 86_400));
    assert_eq!(c.billed_gb_seconds, 86_399.0);
    let k = 24.0 / 730.0;
    let compute = (86_399.0 - 400_000.0 * k) * 0.000_016_666_7;
    let request = (86_400.0 - 1_000_000.0 * k) * 0.2e-6;
    assert!(
        (c.compute - compute).abs() < 1e-9,
        "{} vs {compute}",
        c.compute
    );
    assert!(
        (c.request - request).abs() < 1e-12,
        "{} vs {request}",
        c.request
    );
    // A month of such days: 86,399 / k GB-s and 86,400 / k requests, the whole free
    // tier off.
    let monthly = (86_399.0 / k - 400_000.0) * 0.000_016_666_7 + (86_400.0 / k - 1e6) * 0.2e-6;
    assert!(
        (c.monthly - monthly).abs() < 1e-6,
        "{} vs {monthly}",
        c.monthly
    );
}

#[test]
fn threads_keep_gb_seconds_right_at_128_and_10240_mb() {
    // A wholly CPU-bound second at 1,769 MB (1 vCPU). At 128 MB: 1,769/128 s =
    // 13,820.3125 ms, billed 13,821 ms × 0.125 GB. At 10,240 MB single-threaded: still
    // 1 s, × 10 GB; with 6 threads, 1,769/10,240 s = 172.754 ms, billed 173 ms × 10 GB.
    let gbs = |memory: u32, threads: u32| {
        let r = run(&format!(
            r#"
duration = "1m"
[[functions]]
name = "f"
memory_mb = {memory}
timeout = "60s"
duration = "1s"
init = "0s"
cpu_bound_fraction = 1.0
reference_memory_mb = 1769
threads = {threads}
[[sources]]
service = "direct"
arrival = {{ process = "burst", at = "0s", count = 1 }}
"#
        ));
        r.total.costs.billed_gb_seconds
    };
    assert_eq!(gbs(128, 1), 13.821 * 0.125);
    assert_eq!(gbs(128, 6), 13.821 * 0.125);
    assert_eq!(gbs(10240, 1), 10.0);
    assert_eq!(gbs(10240, 6), 1.73);
    assert_eq!(gbs(3538, 2), 0.5 * 3538.0 / 1024.0);
}

#[test]
fn a_savings_plan_discounts_duration_and_provisioned_charges_not_requests() {
    // AWS's example with a 17 % Compute Savings Plan: 140,000 GB-s × $0.0000166667 =
    // $2.333338 of duration × 0.83 = $1.936670; the $0.40 of requests stays.
    let plain = run(&monthly(3_000_000, "120ms", 1536, ""));
    let r = run(&monthly(
        3_000_000,
        "120ms",
        1536,
        "savings_plan_discount = 0.17",
    ));
    let (p, c) = (&plain.total.costs, &r.total.costs);
    assert_eq!(c.request, p.request);
    assert!(
        (c.compute - p.compute * 0.83).abs() < 1e-12,
        "{}",
        c.compute
    );
    assert!((c.compute - 1.936_670_5).abs() < 1e-6, "{}", c.compute);
    // The time series (list prices) takes the same share off its duration part.
    let bins =
        |r: &lambdasim::metrics::RunReport| -> f64 { r.series[0].iter().map(|b| b.cost_usd).sum() };
    let requests = 3_000_000.0 * 0.2e-6;
    let cut = bins(&r) - requests;
    assert!(
        (cut - 0.83 * (bins(&plain) - requests)).abs() < 1e-9,
        "{cut}"
    );
    assert!(
        (cut - 0.83 * 540_000.0 * 0.000_016_666_7).abs() < 1e-6,
        "{cut}"
    );
    // Provisioned allocation too: 10 environments for the month.
    let pc = |extra: &str| {
        run(&monthly(1000, "120ms", 1024, extra).replace(
            "init = \"0s\"",
            "init = \"0s\"\nprovisioned_concurrency = 10",
        ))
        .total
        .costs
    };
    let (full, cut) = (pc(""), pc("savings_plan_discount = 0.17"));
    let pc_bins = |extra: &str| -> f64 {
        run(&monthly(1000, "120ms", 1024, extra).replace(
            "init = \"0s\"",
            "init = \"0s\"\nprovisioned_concurrency = 10",
        ))
        .series[0]
            .iter()
            .map(|b| b.cost_usd)
            .sum()
    };
    // 1,000 requests stay; the provisioned allocation and execution take 17 % off.
    let requests = 1000.0 * 0.2e-6;
    let (full_bins, cut_bins) = (pc_bins(""), pc_bins("savings_plan_discount = 0.17"));
    assert!(
        ((cut_bins - requests) - 0.83 * (full_bins - requests)).abs() < 1e-9,
        "{full_bins} {cut_bins}"
    );
    assert!((cut.provisioned - full.provisioned * 0.83).abs() < 1e-9);
    assert!((cut.compute - full.compute * 0.83).abs() < 1e-15);
    let e = lambdasim::scenario::parse(
        &monthly(10, "1ms", 128, "savings_plan_discount = 1.0"),
        std::path::Path::new("t.toml"),
    )
    .map(|_| ())
    .unwrap_err();
    assert_eq!(e.key.as_deref(), Some("pricing.savings_plan_discount"));
}
