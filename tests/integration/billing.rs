//! AWS's pricing examples reproduced as scenarios, to the cent.

use crate::{assert_conserved, run};

fn monthly(count: u64, duration: &str, memory: u32, extra: &str) -> String {
    format!(
        r#"
duration = "51m"
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
}
