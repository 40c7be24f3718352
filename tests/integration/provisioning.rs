//! Provisioned concurrency that changes: schedules and target tracking, their allocation
//! delay, retirement, billing and validation, on exact (evenly spaced) loads.

use crate::{assert_conserved, run};
use lambdasim::metrics::RunReport;
use std::path::Path;

/// One function (1 GB, 1 s invocations, no INIT) with `pc`, under `arrival`, with 60 s
/// time-series bins unless `interval` says otherwise.
fn scenario(pc: &str, arrival: &str, duration: &str, interval: &str) -> String {
    format!(
        r#"
duration = "{duration}"
seed = 3
[account]
concurrency_limit = 10000
[output]
timeseries_interval = "{interval}"
[[functions]]
name = "f"
memory_mb = 1024
duration = "1s"
init = "0s"
timeout = "10s"
provisioned_concurrency = {pc}
[[sources]]
service = "direct"
arrival = {arrival}
"#
    )
}

/// Evenly spaced arrivals: `rate` per second from `at` for `minutes` minutes.
fn steady(at_min: u64, minutes: u64, rate: u64) -> String {
    format!(
        "{{ process = \"burst\", at = \"{at_min}m\", count = {}, over = \"{minutes}m\" }}",
        rate * 60 * minutes
    )
}

/// The `provisioned` and `instances_idle` columns of function 0, one value per bin.
fn column(r: &RunReport, f: fn(&lambdasim::metrics::BinReport) -> f64) -> Vec<f64> {
    r.series[0].iter().map(f).collect()
}

fn provisioned(r: &RunReport) -> Vec<f64> {
    column(r, |b| b.provisioned)
}

fn idle(r: &RunReport) -> Vec<f64> {
    column(r, |b| b.instances_idle)
}

fn close(a: f64, b: f64, what: &str) {
    assert!((a - b).abs() < 1e-6, "{what}: {a} vs {b}");
}

/// USD per GB-second of provisioned concurrency (x86).
const PC_RATE: f64 = 0.000_004_166_7;

#[test]
fn a_schedule_step_takes_effect_at_its_time_plus_the_allocation_delay() {
    let r = run(&scenario(
        r#"[{ at = "10m", value = 5 }, { at = "30m", value = 2 }]"#,
        "{ process = \"constant\", rate = 0.0 }",
        "1h",
        "60s",
    ));
    assert_conserved(&r);
    let pc = provisioned(&r);
    let idle = idle(&r);
    for m in 0..60 {
        let want = match m {
            0..10 => 0.0,
            10..30 => 5.0,
            _ => 2.0,
        };
        close(pc[m], want, &format!("provisioned in minute {m}"));
        // Allocated at 10 min, ready 2 min later (the default delay; INIT is 0); the
        // decrease at 30 min retires idle environments at once.
        let ready = match m {
            0..12 => 0.0,
            12..30 => 5.0,
            _ => 2.0,
        };
        close(idle[m], ready, &format!("idle in minute {m}"));
    }
    // Billing: value × time × GB × price, each environment from its allocation on:
    // 5 × 20 min + 2 × 30 min = 9,600 environment-seconds at 1 GB.
    let f = &r.functions[0];
    close(f.costs.provisioned, 9_600.0 * PC_RATE, "provisioned cost");
    assert_eq!(f.invocations, 0);
}

#[test]
fn allocation_delay_and_init_delay_readiness_but_not_billing() {
    let text = scenario(
        r#"{ policy = "schedule", steps = [{ at = "0s", value = 1 }, { at = "10m", value = 4 }], allocation_delay = "30s" }"#,
        "{ process = \"constant\", rate = 0.0 }",
        "20m",
        "10s",
    )
    .replace("init = \"0s\"", "init = \"5s\"");
    let r = run(&text);
    let pc = provisioned(&r);
    let idle = idle(&r);
    // The value in force at t = 0 is ready at once.
    close(idle[0], 1.0, "idle at t = 0");
    // Allocated at 600 s; ready at 600 + 30 + 5 = 635 s: half of the 630–640 s bin.
    close(pc[60], 4.0, "allocated from 600 s");
    close(idle[62], 1.0, "not ready at 620–630 s");
    close(idle[63], 1.0 + 3.0 * 0.5, "ready at 635 s");
    close(idle[64], 4.0, "ready after 640 s");
    // Billed from allocation start: 1 × 20 min + 3 × 10 min.
    close(
        r.functions[0].costs.provisioned,
        (1200.0 + 3.0 * 600.0) * PC_RATE,
        "provisioned cost",
    );
}

#[test]
fn a_busy_provisioned_environment_is_retired_when_it_finishes() {
    let text = scenario(
        r#"[{ at = "0s", value = 2 }, { at = "60s", value = 0 }]"#,
        "{ process = \"burst\", at = \"30s\", count = 2 }",
        "10m",
        "10s",
    )
    .replace("duration = \"1s\"", "duration = \"60s\"")
    .replace("timeout = \"10s\"", "timeout = \"120s\"");
    let r = run(&text);
    assert_conserved(&r);
    let f = &r.functions[0];
    assert_eq!((f.invocations, f.cold_starts, f.succeeded), (2, 0, 2));
    let pc = provisioned(&r);
    // Both busy from 30 s to 90 s: still allocated after the decrease at 60 s.
    close(pc[8], 2.0, "allocated until they finish");
    close(pc[9], 0.0, "retired at 90 s");
    close(idle(&r)[9], 0.0, "not returned to the idle pool");
    // Each lived 90 s, billed as one 5-minute block.
    close(
        f.costs.provisioned,
        2.0 * 300.0 * PC_RATE,
        "provisioned cost",
    );
}

/// Target tracking at 0.6 between 10 and 100, the default 2-minute allocation delay: 2
/// requests/s (utilisation 0.2) and, from minute 10, 6 more: 8 of the 10 provisioned
/// environments busy (0.8).
fn tracking(extra: &str, duration: &str) -> String {
    scenario(
        r#"{ policy = "target_tracking", target = 0.6, min = 10, max = 100 }"#,
        &format!("[{}, {extra}]", steady(0, 30, 2)),
        duration,
        "60s",
    )
}

#[test]
fn target_tracking_scales_out_after_three_points_and_the_allocation_delay() {
    let r = run(&tracking(&steady(10, 20, 6), "50m"));
    assert_conserved(&r);
    let pc = provisioned(&r);
    let idle = idle(&r);
    // Points above the target end at minutes 11, 12 and 13: at 13 min the PC becomes
    // ⌈10 × 0.8 / 0.6⌉ = 14 …
    close(pc[12], 10.0, "before the third point");
    close(pc[13], 14.0, "allocated at 13 min");
    // … ready 2 minutes later: 10 − 8 idle, then 14 − 8.
    close(idle[14], 2.0, "idle in minute 14");
    close(idle[15], 6.0, "idle in minute 15");
    // 8 / 14 = 0.57 sits between 90 % of the target and the target: no more changes
    // until the load stops at 30 min; 15 low points later (minute 45) it scales in to min.
    for (m, &v) in pc.iter().enumerate().take(45).skip(13) {
        close(v, 14.0, &format!("provisioned in minute {m}"));
    }
    close(pc[45], 10.0, "scaled in at 45 min");
    close(idle[45], 10.0, "idle environments retired at once");
    assert_eq!(r.functions[0].cold_starts, 0, "never more than 8 busy");
}

#[test]
fn a_burst_shorter_than_three_minutes_does_not_scale_out() {
    let short = run(&tracking(&steady(10, 2, 6), "20m"));
    assert_conserved(&short);
    assert!(provisioned(&short).iter().all(|&v| (v - 10.0).abs() < 1e-9));
    // Three minutes do.
    let long = run(&tracking(&steady(10, 3, 6), "20m"));
    let pc = provisioned(&long);
    close(pc[12], 10.0, "before the third point");
    close(pc[13], 14.0, "after three points");
}

#[test]
fn target_tracking_is_deterministic() {
    let text = tracking(&steady(10, 20, 6), "50m").replace(
        "duration = \"1s\"",
        "duration = { dist = \"exponential\", mean = \"1s\" }",
    );
    let a = run(&text);
    let b = run(&text);
    assert_conserved(&a);
    let csv = |r: &RunReport| {
        (
            lambdasim::output::csv::timeseries(std::slice::from_ref(r)).unwrap(),
            lambdasim::output::csv::summary(std::slice::from_ref(r)).unwrap(),
        )
    };
    assert_eq!(csv(&a), csv(&b));
    // The random load still triggers a scale-out.
    assert!(provisioned(&a).iter().any(|&v| v > 10.0));
}

#[test]
fn a_lowered_pc_returns_its_share_of_the_unreserved_pool() {
    // Pool of 200; `pc` claims 100 of it until 10 min, then nothing. `load` wants 150.
    let text = r#"
duration = "20m"
seed = 1
[account]
concurrency_limit = 200
[output]
timeseries_interval = "60s"
[[functions]]
name = "pc"
duration = "1s"
provisioned_concurrency = [{ at = "0s", value = 100 }, { at = "10m", value = 0 }]
[[functions]]
name = "load"
duration = "1s"
init = "0s"
[[sources]]
service = "direct"
function = "load"
arrival = { process = "constant", rate = 150.0 }
"#;
    let r = run(text);
    assert_conserved(&r);
    let throttles: Vec<u64> = r.series[1].iter().map(|b| b.throttles).collect();
    assert!(throttles[..10].iter().all(|&t| t > 0), "{throttles:?}");
    assert!(throttles[10..].iter().all(|&t| t == 0), "{throttles:?}");
    // And the other way round: a PC increase takes its claim when allocated.
    let up = text.replace(
        r#"[{ at = "0s", value = 100 }, { at = "10m", value = 0 }]"#,
        r#"[{ at = "10m", value = 100 }]"#,
    );
    let r = run(&up);
    let throttles: Vec<u64> = r.series[1].iter().map(|b| b.throttles).collect();
    assert!(throttles[1..10].iter().all(|&t| t == 0), "{throttles:?}");
    assert!(throttles[11..].iter().all(|&t| t > 0), "{throttles:?}");
}

#[test]
fn fixed_pc_is_billed_as_before() {
    // A whole number: ready at t = 0 and billed for the run rounded up to 5 minutes.
    let r = run(&scenario(
        "3",
        "{ process = \"constant\", rate = 0.0 }",
        "61m",
        "60s",
    ));
    close(
        r.functions[0].costs.provisioned,
        3.0 * 3900.0 * PC_RATE,
        "provisioned cost",
    );
    close(idle(&r)[0], 3.0, "ready at once");
}

fn err(pc: &str, extra: &str) -> lambdasim::scenario::InputError {
    let text = format!(
        "duration = \"1h\"\n[[functions]]\nname = \"f\"\nduration = \"1s\"\n{extra}provisioned_concurrency = {pc}\n[[sources]]\nservice = \"direct\"\narrival = {{ process = \"poisson\", rate = 1.0 }}\n"
    );
    match lambdasim::scenario::parse(&text, Path::new("bad.toml")) {
        Ok(_) => panic!("accepted: {pc}"),
        Err(e) => e,
    }
}

#[test]
fn invalid_provisioned_concurrency_is_refused_with_its_key() {
    let k = "functions[0].provisioned_concurrency";
    for (pc, extra, key, words) in [
        (
            r#"[{ at = "1h", value = 5 }, { at = "30m", value = 2 }]"#,
            "",
            format!("{k}[1].at"),
            "strictly increasing",
        ),
        (r#"[{ at = "1h" }]"#, "", format!("{k}[0]"), "needs `value`"),
        (
            r#"[{ at = "1h", value = 5, vlaue = 2 }]"#,
            "",
            format!("{k}[0].vlaue"),
            "unknown key",
        ),
        (
            r#"[{ at = "soon", value = 5 }]"#,
            "",
            format!("{k}[0].at"),
            "not a duration",
        ),
        (
            r#"[{ at = "0s", value = -1 }]"#,
            "",
            format!("{k}[0].value"),
            "between 0",
        ),
        ("[]", "", k.to_string(), "at least one step"),
        ("\"lots\"", "", k.to_string(), "expected a whole number"),
        (
            r#"{ policy = "target_traking", target = 0.7, min = 1, max = 10 }"#,
            "",
            format!("{k}.policy"),
            "unknown",
        ),
        (
            r#"{ policy = "target_tracking", target = 1.5, min = 1, max = 10 }"#,
            "",
            format!("{k}.target"),
            "between 0 and 1",
        ),
        (
            r#"{ policy = "target_tracking", min = 1, max = 10 }"#,
            "",
            k.to_string(),
            "needs `target`",
        ),
        (
            r#"{ policy = "target_tracking", target = 0.7, min = 0, max = 10 }"#,
            "",
            format!("{k}.min"),
            "between 1",
        ),
        (
            r#"{ policy = "target_tracking", target = 0.7, min = 5, max = 2 }"#,
            "",
            format!("{k}.max"),
            "at least min",
        ),
        (
            r#"{ policy = "target_tracking", target = 0.7, min = 1, max = 10, allocation_delay = "later" }"#,
            "",
            format!("{k}.allocation_delay"),
            "not a duration",
        ),
        (
            r#"{ policy = "target_tracking", target = 0.7, min = 1, max = 10, scale_in_cooldwn = "1m" }"#,
            "",
            format!("{k}.scale_in_cooldwn"),
            "unknown key",
        ),
        (
            r#"{ target = 0.7, min = 1, max = 10 }"#,
            "",
            k.to_string(),
            "needs `policy`",
        ),
        (
            r#"{ policy = "schedule" }"#,
            "",
            k.to_string(),
            "needs `steps`",
        ),
        // The most a schedule or a policy can ask for is checked against reservations.
        (
            r#"[{ at = "0s", value = 5 }, { at = "1h", value = 20 }]"#,
            "reserved_concurrency = 10\n",
            k.to_string(),
            "up to 20",
        ),
        (
            r#"{ policy = "target_tracking", target = 0.7, min = 1, max = 950 }"#,
            "",
            k.to_string(),
            "900",
        ),
    ] {
        let e = err(pc, extra);
        assert_eq!(e.key.as_deref(), Some(key.as_str()), "{pc}: {e}");
        assert!(e.to_string().contains(words), "{pc}: {e}");
        assert!(e.position.is_some(), "{pc}: {e}");
    }
    let e = err(
        r#"{ policy = "target_traking", target = 0.7, min = 1, max = 10 }"#,
        "",
    );
    assert_eq!(
        e.help.as_deref(),
        Some("did you mean `target_tracking`?"),
        "{e}"
    );
}

#[test]
fn data_points_during_an_allocation_do_not_trigger_another_scale_out() {
    // With a 5-minute allocation delay the minutes 13–18 still see 10 ready environments
    // at 0.8; they are skipped, so the PC stays at 14 instead of growing again at 16 min.
    let text = tracking(&steady(10, 20, 6), "30m")
        .replace("max = 100 }", "max = 100, allocation_delay = \"5m\" }");
    let r = run(&text);
    let pc = provisioned(&r);
    let idle = idle(&r);
    close(pc[13], 14.0, "allocated at 13 min");
    close(idle[17], 2.0, "not ready before 18 min");
    close(idle[18], 6.0, "ready at 18 min");
    for (m, &v) in pc.iter().enumerate().skip(13) {
        close(v, 14.0, &format!("provisioned in minute {m}"));
    }
}

#[test]
fn a_pc_increase_never_takes_the_account_past_its_limit() {
    // g fills the account (200) with on-demand executions; f's PC goes to 100 at 5 min,
    // before its environments are ready, and a burst of f arrives. Executions in
    // progress across the account never exceed 200: until g's executions end, nothing
    // starts (review regression: f used to run 100 cold executions on top of g's 200).
    let r = crate::run(
        r#"
duration = "20m"
[account]
concurrency_limit = 200
[[functions]]
name = "f"
duration = "60s"
timeout = "120s"
provisioned_concurrency = [{ at = "0s", value = 0 }, { at = "5m", value = 100 }]
[[functions]]
name = "g"
duration = "60s"
timeout = "120s"
[[sources]]
name = "sf"
service = "direct"
function = "f"
arrival = { process = "burst", at = "300500ms", count = 150 }
[[sources]]
name = "sg"
service = "direct"
function = "g"
arrival = { process = "constant", rate = 5.0 }
"#,
    );
    crate::assert_conserved(&r);
    assert_eq!(r.total.max_concurrency, 200);
    assert_eq!(r.functions[1].max_concurrency, 200);
}

#[test]
fn a_pc_sweep_reports_spillover_and_the_cost_of_each_cold_start_avoided() {
    // 600 requests, one a second for 10 minutes, of 100 ms at 128 MB, INIT 100 ms, plus
    // 5 at once at 5 min. Without PC: 5 cold starts (the first request, and 4 of the
    // burst beside the warm one). With 2 provisioned environments: the burst's other 3
    // spill over to on-demand environments, cold, so 3 cold starts, 2 fewer.
    let text = r#"
duration = "10m"
[[functions]]
name = "f"
duration = "100ms"
init = "100ms"
[[sources]]
name = "steady"
service = "direct"
arrival = { process = "constant", rate = 1.0 }
[[sources]]
name = "burst"
service = "direct"
arrival = { process = "burst", at = "300500ms", count = 5 }
[sweep]
"functions.f.provisioned_concurrency" = [0, 2]
"#;
    let variants =
        lambdasim::scenario::parse_variants(text, std::path::Path::new("t.toml")).unwrap();
    let runs: Vec<lambdasim::metrics::RunReport> = variants
        .iter()
        .map(|sc| lambdasim::model::simulate(sc, sc.seed, 0))
        .collect();
    let (none, pc) = (&runs[0].total, &runs[1].total);
    assert_eq!((none.cold_starts, none.spillover), (5, 0));
    assert_eq!((pc.cold_starts, pc.spillover), (3, 3));
    // The costs by hand: 605 requests × $0.20/M either way. Without PC, 605 × 100 ms +
    // 5 INITs of 100 ms = 61 s at 0.125 GB. With PC: 2 environments × 600 s × 0.125 GB
    // at the allocation rate, 602 × 100 ms on them at the provisioned duration rate, and
    // 3 × 200 ms on demand.
    let gb = 0.125;
    let cost_none = 605.0 * 0.2e-6 + 61.0 * gb * 0.000_016_666_7;
    let cost_pc = 605.0 * 0.2e-6
        + 2.0 * 600.0 * gb * 0.000_004_166_7
        + 60.2 * gb * 0.000_009_722_2
        + 0.6 * gb * 0.000_016_666_7;
    assert!(
        (none.costs.total() - cost_none).abs() < 1e-12,
        "{}",
        none.costs.total()
    );
    assert!(
        (pc.costs.total() - cost_pc).abs() < 1e-12,
        "{}",
        pc.costs.total()
    );
    let csv = String::from_utf8(lambdasim::output::csv::variants(&runs).unwrap()).unwrap();
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let col = header
        .iter()
        .position(|h| *h == "cost_per_cold_start_avoided_usd")
        .unwrap();
    assert_eq!(col, header.len() - 1);
    let rows: Vec<Vec<&str>> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    assert_eq!(rows[0][col], "");
    let per: f64 = rows[1][col].parse().unwrap();
    assert!((per - (cost_pc - cost_none) / 2.0).abs() < 1e-9, "{per}");
}

#[test]
fn a_decrease_during_an_allocation_cancels_the_environments_in_progress() {
    // 10 asked for at 10 min, ready 2 min later; at 11 min only 2 are wanted: 8 of the
    // allocations in progress are cancelled at once, and never become ready.
    let r = run(&scenario(
        r#"[{ at = "10m", value = 10 }, { at = "11m", value = 2 }]"#,
        "{ process = \"constant\", rate = 0.0 }",
        "30m",
        "60s",
    ));
    let (pc, idle) = (provisioned(&r), idle(&r));
    for m in 0..30 {
        let (want_pc, want_idle) = match m {
            0..10 => (0.0, 0.0),
            10 => (10.0, 0.0),
            11 => (2.0, 0.0),
            _ => (2.0, 2.0),
        };
        close(pc[m], want_pc, &format!("provisioned in minute {m}"));
        close(idle[m], want_idle, &format!("idle in minute {m}"));
    }
    // Billing: the 8 cancelled after 1 minute, rounded up to a 5-minute block each; the 2
    // kept for 20 minutes.
    close(
        r.functions[0].costs.provisioned,
        (8.0 * 300.0 + 2.0 * 1200.0) * PC_RATE,
        "provisioned cost",
    );
}

#[test]
fn a_provisioned_environment_that_becomes_ready_takes_a_throttled_event_at_once() {
    // A reserved function (5) allowed one new environment per 10 s: of 5 events at 1.5 s
    // one starts, four are throttled and back off (1 s). The 4 provisioned environments
    // asked for at 1 s are ready at 2 s (1 s allocation, no INIT): the waiting events
    // start on them then, not at their next retry.
    let r = run(r#"
duration = "1m"
[account]
scaling_rate = 1
scaling_interval = "10s"
[[functions]]
name = "f"
duration = "20s"
init = "0s"
timeout = "30s"
reserved_concurrency = 5
provisioned_concurrency = { policy = "schedule", steps = [{ at = "1s", value = 4 }], allocation_delay = "1s" }
[[sources]]
service = "s3"
arrival = { process = "burst", at = "1500ms", count = 5, over = "0s" }
[output]
invocations = true
"#);
    let mut starts: Vec<u64> = r
        .attempts
        .unwrap()
        .iter()
        .filter(|a| a.outcome != lambdasim::metrics::AttemptOutcome::Throttled)
        .map(|a| a.start.as_nanos() / 1_000_000)
        .collect();
    starts.sort_unstable();
    assert_eq!(starts, [1500, 2000, 2000, 2000, 2000]);
}
