//! Keep-alive policies: `none`, `aws` (random idle lifetimes, recycling), and
//! `hybrid_histogram` (pre-warming from an idle-time histogram), checked on hand-built
//! arrival sequences against exact counts; the platform default; the comparison metrics.

use crate::{assert_conserved, run};
use std::path::Path;

/// One function invoked at `times` (a `timestamps` trace written to `dir`).
fn periodic(dir: &Path, times: &[f64], duration: &str, keep_alive: &str, extra: &str) -> String {
    let path = dir.join("t.txt");
    let lines: Vec<String> = times.iter().map(|t| t.to_string()).collect();
    std::fs::write(&path, lines.join("\n")).unwrap();
    format!(
        r#"
duration = "{duration}"
{extra}
[[functions]]
name = "f"
memory_mb = 1024
duration = "100ms"
init = "0s"
keep_alive = {keep_alive}
[[sources]]
service = "direct"
arrival = {{ process = "trace", path = "{}" }}
"#,
        path.display()
    )
}

#[test]
fn none_makes_every_invocation_cold() {
    let d = tempfile::tempdir().unwrap();
    let times: Vec<f64> = (0..50).map(|k| k as f64 * 2.0).collect();
    let r = run(&periodic(
        d.path(),
        &times,
        "2m",
        "{ policy = \"none\" }",
        "",
    ));
    assert_conserved(&r);
    assert_eq!(r.total.cold_starts, 50);
    assert_eq!(r.total.idle_gb_seconds, 0.0);
}

#[test]
fn aws_recycles_environments_after_their_lifetime() {
    // A request every minute keeps one environment warm; an idle environment is retired
    // when its 30-minute lifetime ends, so the request at that moment starts cold.
    let d = tempfile::tempdir().unwrap();
    let times: Vec<f64> = (0..120).map(|k| k as f64 * 60.0).collect();
    let r = run(&periodic(
        d.path(),
        &times,
        "2h",
        "{ policy = \"aws\", idle = \"5m\", lifetime = \"30m\" }",
        "[output]\ninvocations = true",
    ));
    assert_conserved(&r);
    let cold: Vec<f64> = r
        .attempts
        .as_ref()
        .unwrap()
        .iter()
        .filter(|a| a.cold)
        .map(|a| a.arrival.as_secs_f64() / 60.0)
        .collect();
    assert_eq!(cold, [0.0, 30.0, 60.0, 90.0]);
    // Kept busy past its lifetime, an environment is retired when its invocation ends: a
    // 95 s invocation of an environment with a 90 s lifetime, then a call at 100 s.
    for (lifetime, second_cold) in [("90s", true), ("1h", false)] {
        let text = periodic(
            d.path(),
            &[0.0, 100.0],
            "10m",
            &format!("{{ policy = \"aws\", idle = \"5m\", lifetime = \"{lifetime}\" }}"),
            "[output]\ninvocations = true",
        )
        .replace(
            "duration = \"100ms\"",
            "duration = \"95s\"\ntimeout = \"900s\"",
        );
        let r = run(&text);
        let cold: Vec<bool> = r
            .attempts
            .as_ref()
            .unwrap()
            .iter()
            .map(|a| a.cold)
            .collect();
        assert_eq!(cold, [true, second_cold], "lifetime {lifetime}");
    }
}

#[test]
fn aws_draws_an_idle_lifetime_per_idle_period() {
    // Gaps of 6 minutes against idle lifetimes uniform over 5–7 minutes: about half of
    // the invocations find their environment gone.
    let d = tempfile::tempdir().unwrap();
    let times: Vec<f64> = (0..4000).map(|k| k as f64 * 360.0).collect();
    let r = run(&periodic(
        d.path(),
        &times,
        "400h",
        "{ policy = \"aws\", idle = { dist = \"uniform\", min = \"5m\", max = \"7m\" }, lifetime = \"1000h\" }",
        "seed = 3",
    ));
    assert_conserved(&r);
    let ratio = r.total.cold_start_ratio();
    // Binomial(4000, ~0.5): sd 0.008.
    assert!((ratio - 0.5).abs() < 0.04, "{ratio}");
}

#[test]
fn hybrid_histogram_prewarms_a_periodic_function_exactly() {
    // A call every 20 minutes, 100 ms each, 1 GB. The first 10 idle times (too few for
    // the histogram) keep the environment for the 4 h fallback; from then on every idle
    // time falls in the 19-minute bin: the environment is unloaded, pre-warmed 17.1 min
    // (19 min − 10 %) after the execution ends, and every later call is a pre-warm hit.
    let d = tempfile::tempdir().unwrap();
    let times: Vec<f64> = (0..72).map(|k| k as f64 * 1200.0).collect();
    let r = run(&periodic(
        d.path(),
        &times,
        "24h",
        "{ policy = \"hybrid_histogram\" }",
        "",
    ));
    assert_conserved(&r);
    let f = &r.functions[0];
    assert_eq!(f.cold_starts, 1);
    assert_eq!(f.prewarms, 62);
    assert_eq!(f.prewarm_hits, 61);
    // Idle: 10 × 1199.9 s, then 62 × (1200 − 0.1 − 1026) s.
    let want = 10.0 * 1199.9 + 62.0 * 173.9;
    assert!(
        (f.idle_gb_seconds - want).abs() < 1e-6,
        "{}",
        f.idle_gb_seconds
    );
    // A fixed 10-minute keep-alive: every call cold, 10 idle minutes each.
    let r = run(&periodic(
        d.path(),
        &times,
        "24h",
        "{ policy = \"fixed\", idle = \"10m\" }",
        "",
    ));
    assert_eq!(r.functions[0].cold_starts, 72);
    assert!((r.functions[0].idle_gb_seconds - 72.0 * 600.0).abs() < 1e-6);
}

#[test]
fn a_start_before_the_prewarm_cancels_it() {
    // After 10 idle times of 20 minutes the policy pre-warms at 17.1 minutes; a call at
    // 5 minutes instead starts cold and the pending pre-warm does not happen.
    let d = tempfile::tempdir().unwrap();
    let mut times: Vec<f64> = (0..11).map(|k| k as f64 * 1200.0).collect();
    times.push(10.0 * 1200.0 + 300.0);
    let r = run(&periodic(
        d.path(),
        &times,
        "5h",
        "{ policy = \"hybrid_histogram\" }",
        "",
    ));
    let f = &r.functions[0];
    assert_eq!(f.cold_starts, 2);
    // Only the pre-warm after the last call (it is never used).
    assert_eq!(f.prewarms, 1);
    assert_eq!(f.prewarm_hits, 0);
}

#[test]
fn the_platform_keep_alive_is_the_default_of_every_function() {
    let text = r#"
duration = "1h"
[platform]
keep_alive = { policy = "none" }
[[functions]]
name = "a"
duration = "10ms"
[[functions]]
name = "b"
duration = "10ms"
keep_alive = { policy = "fixed", idle = "1h" }
[[sources]]
name = "sa"
service = "direct"
function = "a"
arrival = { process = "constant", rate = 0.1 }
[[sources]]
name = "sb"
service = "direct"
function = "b"
arrival = { process = "constant", rate = 0.1 }
"#;
    let r = run(text);
    assert_eq!(r.functions[0].cold_start_ratio(), 1.0);
    assert_eq!(r.functions[1].cold_starts, 1);
    assert_eq!(r.keep_alive, ["none", "fixed 1h"]);
}

#[test]
fn the_75th_percentile_function_cold_start_ratio_is_the_nearest_rank() {
    // Cold-start ratios 1/2, 1/4, 1/10 (one cold start each) and 1 (no keep-alive): the
    // 3rd of 4 sorted values is 0.5.
    let mut text = String::from("duration = \"1h\"\n");
    for (name, n, ka) in [
        ("a", 2, "fixed"),
        ("b", 4, "fixed"),
        ("c", 10, "fixed"),
        ("d", 3, "none"),
    ] {
        let ka = if ka == "fixed" {
            "{ policy = \"fixed\", idle = \"2h\" }"
        } else {
            "{ policy = \"none\" }"
        };
        text += &format!(
            "[[functions]]\nname = \"{name}\"\nduration = \"10ms\"\nkeep_alive = {ka}\n[[sources]]\nname = \"s{name}\"\nservice = \"direct\"\nfunction = \"{name}\"\narrival = {{ process = \"burst\", at = \"1s\", count = {n}, over = \"{n}m\" }}\n"
        );
    }
    let r = run(&text);
    let ratios: Vec<f64> = r.functions.iter().map(|f| f.cold_start_ratio()).collect();
    assert_eq!(ratios, [0.5, 0.25, 0.1, 1.0]);
    assert_eq!(r.total.function_cold_start_p75, 0.5);
    assert!(r.functions[0].function_cold_start_p75.is_nan());
}

#[test]
fn bad_keep_alive_tables_are_input_errors() {
    let bad = |ka: &str| {
        let text = format!(
            "duration = \"1m\"\n[[functions]]\nname = \"f\"\nduration = \"1ms\"\nkeep_alive = {ka}\n[[sources]]\nservice = \"direct\"\narrival = {{ process = \"poisson\", rate = 1.0 }}\n"
        );
        lambdasim::scenario::parse(&text, Path::new("s.toml")).unwrap_err()
    };
    let e =
        bad("{ policy = \"fixed\", idle = { dist = \"uniform\", min = \"1m\", max = \"2m\" } }");
    assert_eq!(e.key.as_deref(), Some("functions[0].keep_alive.idle"));
    assert!(e.message.contains("aws"), "{e}");
    let e = bad("{ policy = \"hybrid_histogram\", head = 0.99, tail = 0.5 }");
    assert_eq!(e.key.as_deref(), Some("functions[0].keep_alive.head"));
    let e = bad("{ policy = \"hybrid_histogram\", margin = 2.0 }");
    assert_eq!(e.key.as_deref(), Some("functions[0].keep_alive.margin"));
    let e = bad("{ policy = \"hybrid_histogram\", bin = \"5h\" }");
    assert_eq!(e.key.as_deref(), Some("functions[0].keep_alive.bin"));
    let e = bad("{ policy = \"aws\", range = \"1h\" }");
    assert_eq!(e.key.as_deref(), Some("functions[0].keep_alive.range"));
    let e = bad("{ policy = \"none\", idle = \"1m\" }");
    assert_eq!(e.key.as_deref(), Some("functions[0].keep_alive.idle"));
    let e = bad("{ policy = \"hybrid\" }");
    assert!(
        e.help.as_deref().unwrap_or("").contains("hybrid_histogram"),
        "{e}"
    );
    let text = "duration = \"1m\"\n[platform]\nkeep_alive = { policy = \"fixd\", idle = \"1m\" }\n[[functions]]\nname = \"f\"\nduration = \"1ms\"\n[[sources]]\nservice = \"direct\"\narrival = { process = \"poisson\", rate = 1.0 }\n";
    let e = lambdasim::scenario::parse(text, Path::new("s.toml")).unwrap_err();
    assert_eq!(e.key.as_deref(), Some("platform.keep_alive.policy"));
}

#[test]
fn hybrid_keeps_an_environment_that_queued_events_wait_for() {
    // A function called every 10 minutes learns to pre-warm; then a burst of 50 events
    // into a reservation of 1 queues behind one environment. The environment must not be
    // unloaded while events wait for it (review regression: each event started cold).
    let d = tempfile::tempdir().unwrap();
    let times: Vec<f64> = (0..144).map(|k| k as f64 * 600.0).collect();
    let text = periodic(
        d.path(),
        &times,
        "26h",
        "{ policy = \"hybrid_histogram\" }",
        "",
    )
    .replace(
        "duration = \"100ms\"",
        "duration = \"10s\"\ntimeout = \"60s\"\nreserved_concurrency = 1",
    )
    .replace("init = \"0s\"", "init = \"2s\"")
        + "[[sources]]\nname = \"burst\"\nservice = \"s3\"\nfunction = \"f\"\narrival = { process = \"burst\", at = \"25h\", count = 50 }\n";
    let r = run(&text);
    assert_conserved(&r);
    let f = &r.functions[0];
    assert_eq!(f.requests, 194);
    // The first call, and the first event of the burst (the pre-warmed environment is
    // unloaded 9 minutes after the last call; the burst comes later).
    assert_eq!(f.cold_starts, 2);
}

#[test]
fn a_prewarm_counts_its_window_from_its_start_and_survives_a_timeout() {
    // Every call times out (a reset): the environment is gone, but the pre-warms the
    // policy asks for still come, one per call once the histogram is representative.
    let d = tempfile::tempdir().unwrap();
    let times: Vec<f64> = (0..72).map(|k| k as f64 * 1200.0).collect();
    let text = periodic(
        d.path(),
        &times,
        "24h",
        "{ policy = \"hybrid_histogram\" }",
        "",
    )
    .replace(
        "duration = \"100ms\"",
        "duration = \"5s\"\ntimeout = \"1s\"",
    );
    let r = run(&text);
    let f = &r.functions[0];
    assert_eq!(f.timeouts, 72);
    // Idle times of 1199 s from the 2nd call on: the histogram decides after the 11th
    // call; 62 pre-warms (the last one unused), 61 of them used.
    assert_eq!(f.prewarms, 62);
    assert_eq!(f.prewarm_hits, 61);
    // Pre-warmed at 1 s + 17.1 min after each call, idle until the next: 1200 − 1 − 1026
    // s each, and the environment dies at every timeout, so nothing else is idle.
    let want = 62.0 * 173.0;
    assert!(
        (f.idle_gb_seconds - want).abs() < 1e-6,
        "{}",
        f.idle_gb_seconds
    );
}

#[test]
fn a_shorter_window_learned_later_moves_the_pending_check_forward() {
    // hybrid_histogram: until 10 idle times are known it keeps an environment for its 4 h
    // fallback, so the first check is set 4 h out. Requests every 30 s from 0 to 300 s
    // teach it idle times of 29 s (bin 0): from the 11th idle period, at 301 s, it keeps
    // for (0 + 1) × 1 min × 1.1 = 66 s. That deadline, 367 s, is before the pending
    // check, which must move forward: the environment is gone at 367 s, and the request
    // at 400 s starts cold.
    let r = crate::run(
        r#"
duration = "10m"
[[functions]]
name = "f"
duration = "1s"
init = "0s"
keep_alive = { policy = "hybrid_histogram" }
[[sources]]
service = "direct"
arrival = [{ process = "burst", at = "0s", count = 11, over = "330s" }, { process = "burst", at = "400s", count = 1 }]
"#,
    );
    let f = &r.functions[0];
    assert_eq!((f.requests, f.cold_starts), (12, 2));
    // Idle: 29 s × 10 between the requests, 66 s after the one at 300 s; the request at
    // 400 s records an idle time of 99 s (bin 1), so its environment is kept
    // (1 + 1) × 1 min × 1.1 = 132 s.
    assert!(
        (f.idle_gb_seconds / 0.125 - (290.0 + 66.0 + 132.0)).abs() < 1e-6,
        "{}",
        f.idle_gb_seconds
    );
}

#[test]
fn a_superseded_prewarm_does_not_load_an_environment() {
    // After 10 idle times of 20 minutes the policy pre-warms 17.1 minutes after each
    // call. A call 15 minutes after the 11th starts cold (its environment was unloaded)
    // and, with an idle time of 15 minutes learnt, asks for a pre-warm 12.6 minutes after
    // it ends. The first pre-warm, due at 17.1 minutes, was superseded by that call: it
    // must not load an environment, though none is idle then. Only the second happens.
    let d = tempfile::tempdir().unwrap();
    let mut times: Vec<f64> = (0..11).map(|k| k as f64 * 1200.0).collect();
    times.push(10.0 * 1200.0 + 900.0);
    let r = run(&periodic(
        d.path(),
        &times,
        "5h",
        "{ policy = \"hybrid_histogram\" }",
        "",
    ));
    let f = &r.functions[0];
    assert_eq!(f.cold_starts, 2);
    assert_eq!((f.prewarms, f.prewarm_hits), (1, 0));
}

#[test]
fn the_cold_start_p75_is_over_the_functions_that_ran() {
    // Cold-start ratios 1/4, 1/2 and 1 (keep-alive none), and a function that never runs:
    // the 75th percentile (nearest rank) of the three that ran is 1, not that of four
    // with a 0 among them (1/2).
    let r = run(r#"
duration = "1m"
[[functions]]
name = "quarter"
duration = "10ms"
init = "0s"
[[functions]]
name = "half"
duration = "10ms"
init = "0s"
[[functions]]
name = "all"
duration = "10ms"
init = "0s"
keep_alive = { policy = "none" }
[[functions]]
name = "idle"
duration = "10ms"
init = "0s"
[[sources]]
name = "a"
service = "direct"
function = "quarter"
arrival = { process = "burst", at = "0s", count = 4, over = "4s" }
[[sources]]
name = "b"
service = "direct"
function = "half"
arrival = { process = "burst", at = "0s", count = 2, over = "2s" }
[[sources]]
name = "c"
service = "direct"
function = "all"
arrival = { process = "burst", at = "0s", count = 3, over = "3s" }
[[sources]]
name = "d"
service = "direct"
function = "idle"
arrival = { process = "constant", rate = 0.0 }
"#);
    let ratios: Vec<f64> = r.functions.iter().map(|f| f.cold_start_ratio()).collect();
    assert_eq!(ratios, [0.25, 0.5, 1.0, 0.0]);
    assert_eq!(r.total.function_cold_start_p75, 1.0);
    // Asynchronous sources are flagged for the queue chart; this run has none.
    assert!(!r.asynchronous);
    let r = run(r#"
duration = "1m"
[[functions]]
name = "f"
duration = "10ms"
[[sources]]
service = "s3"
arrival = { process = "constant", rate = 1.0 }
"#);
    assert!(r.asynchronous);
}
