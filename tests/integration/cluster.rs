//! Finite clusters: placement never overfills a host (memory or cores), idle environments
//! are evicted under memory or CPU pressure, and a request finds no room only when every
//! byte is busy.

use crate::{assert_conserved, run, scenario};
use lambdasim::metrics::RunReport;

/// Functions `a`, `b`, `c` of 512 MB (100 ms, INIT 100 ms, kept for an hour), each invoked
/// once at each of the given seconds, on `platform`.
fn three_functions(platform: &str, a: &[u32], b: &[u32], c: &[u32]) -> String {
    three_functions_of(512, platform, a, b, c)
}

/// `three_functions` with `memory_mb` MB each.
fn three_functions_of(memory_mb: u32, platform: &str, a: &[u32], b: &[u32], c: &[u32]) -> String {
    let mut t = format!(
        "duration = \"1m\"\nseed = 1\n[platform]\n{platform}\n[account]\nconcurrency_limit = 1000\n"
    );
    for name in ["a", "b", "c"] {
        t += &format!(
            "[[functions]]\nname = \"{name}\"\nmemory_mb = {memory_mb}\nduration = \"100ms\"\ninit = \"100ms\"\nkeep_alive = {{ policy = \"fixed\", idle = \"1h\" }}\n"
        );
    }
    for (name, times) in [("a", a), ("b", b), ("c", c)] {
        let arrivals: Vec<String> = times
            .iter()
            .map(|s| format!("{{ process = \"burst\", at = \"{s}s\", count = 1 }}"))
            .collect();
        t += &format!(
            "[[sources]]\nname = \"{name}\"\nservice = \"direct\"\nfunction = \"{name}\"\narrival = [{}]\n",
            arrivals.join(", ")
        );
    }
    t
}

fn evictions(r: &RunReport) -> Vec<u64> {
    r.functions.iter().map(|f| f.evictions).collect()
}

#[test]
fn a_third_function_evicts_the_least_recently_idle_environment() {
    // One host holds two 512 MB environments. a (t=1) and b (t=2) fill it; c (t=3) evicts
    // a's idle environment (idle since 1.2 s), a again (t=4) evicts b's, b (t=5) evicts c's.
    let r = run(&three_functions(
        "hosts = 1\nhost_memory_mb = 1024\neviction = \"lru\"",
        &[1, 4],
        &[2, 5],
        &[3],
    ));
    assert_conserved(&r);
    assert_eq!(r.total.requests, 5);
    assert_eq!(r.total.succeeded, 5);
    assert_eq!(r.total.cold_starts, 5);
    assert_eq!(r.total.throttles, 0);
    assert_eq!(evictions(&r), [1, 1, 1]);
    let c = r.cluster.expect("a cluster");
    assert_eq!((c.evictions, c.peak_host_used_mb), (3, 1024));
    // Unbounded, the same requests start cold only the first time each function runs.
    let free = run(&three_functions("", &[1, 4], &[2, 5], &[3]));
    assert_eq!((free.total.cold_starts, free.total.evictions), (3, 0));
    assert!(free.cluster.is_none());
}

#[test]
fn a_one_core_host_holds_one_vcpu_of_environments() {
    // Ample memory, one vCPU (1769 units of 1/1769 vCPU). A 1769 MB environment takes the
    // whole core: each request evicts the previous function's idle environment — 5 cold
    // starts, 4 evictions (a at 2 s and 5 s, b at 3 s, c at 4 s).
    let platform = "hosts = 1\nhost_memory_mb = 65536\nhost_cores = 1\neviction = \"lru\"";
    let whole = run(&three_functions_of(1769, platform, &[1, 4], &[2, 5], &[3]));
    assert_conserved(&whole);
    assert_eq!(whole.total.succeeded, 5);
    assert_eq!((whole.total.cold_starts, whole.total.throttles), (5, 0));
    assert_eq!(evictions(&whole), [2, 1, 1]);
    let c = whole.cluster.expect("a cluster");
    assert_eq!((c.host_cpu, c.peak_host_used_cpu), (1769, 1769));
    assert_eq!((c.evictions, c.peak_host_used_mb), (4, 1769));
    // Two 884 MB environments (2 × 884 = 1768 ≤ 1769) share the core: as with two 512 MB
    // environments on a 1024 MB host, c evicts a, a evicts b, b evicts c.
    let halves = run(&three_functions_of(884, platform, &[1, 4], &[2, 5], &[3]));
    assert_conserved(&halves);
    assert_eq!((halves.total.cold_starts, halves.total.throttles), (5, 0));
    assert_eq!(evictions(&halves), [1, 1, 1]);
    let c = halves.cluster.expect("a cluster");
    assert_eq!((c.peak_host_used_cpu, c.peak_host_used_mb), (1768, 1768));
    // Without host_cores the host holds all three: cold only the first time.
    let memory_only = run(&three_functions_of(
        1769,
        &platform.replace("host_cores = 1\n", ""),
        &[1, 4],
        &[2, 5],
        &[3],
    ));
    assert_eq!(
        (memory_only.total.cold_starts, memory_only.total.evictions),
        (3, 0)
    );
    assert_eq!(memory_only.cluster.expect("a cluster").host_cpu, 0);
}

#[test]
fn a_busy_core_throttles() {
    // Two 10 s requests of a 1769 MB function on one host of one core and ample memory:
    // the second finds no core (nothing idle to evict) and is throttled.
    let text = r#"
duration = "1m"
[platform]
hosts = 1
host_memory_mb = 65536
host_cores = 1
[[functions]]
name = "f"
memory_mb = 1769
duration = "10s"
timeout = "30s"
init = "0s"
[[sources]]
service = "direct"
arrival = { process = "burst", at = "1s", count = 2 }
"#;
    let r = run(text);
    assert_conserved(&r);
    let f = &r.functions[0];
    assert_eq!((f.succeeded, f.throttles, f.cold_starts), (1, 1, 1));
    let two = run(&text.replace("host_cores = 1", "host_cores = 2"));
    assert_eq!(two.functions[0].throttles, 0);
}

#[test]
fn greedy_dual_keeps_the_frequently_used_environment() {
    // a runs three times before c needs room, b once: a's environment has three times
    // b's priority, so greedy_dual evicts b's although a's has been idle longer.
    let lru = run(&three_functions(
        "hosts = 1\nhost_memory_mb = 1024\neviction = \"lru\"",
        &[1, 2, 3, 10],
        &[5],
        &[6],
    ));
    let gd = run(&three_functions(
        "hosts = 1\nhost_memory_mb = 1024\neviction = \"greedy_dual\"",
        &[1, 2, 3, 10],
        &[5],
        &[6],
    ));
    for r in [&lru, &gd] {
        assert_conserved(r);
        assert_eq!(r.total.succeeded, 6);
    }
    // lru: c evicts a (idle since 3.1 s < 5.1 s); a at 10 s evicts b: 4 cold, 2 evictions.
    assert_eq!(evictions(&lru), [1, 1, 0]);
    assert_eq!(lru.total.cold_starts, 4);
    // greedy_dual: c evicts b; a at 10 s is warm: 3 cold, 1 eviction.
    assert_eq!(evictions(&gd), [0, 1, 0]);
    assert_eq!(gd.total.cold_starts, 3);
}

#[test]
fn requests_are_throttled_when_every_host_is_busy() {
    // Two 512 MB environments fill the host for 10 s; the third request of the burst finds
    // no idle environment to evict: a synchronous request fails with a throttle, an
    // asynchronous event is retried after its backoff and runs on a freed environment.
    let text = |invocation: &str| {
        format!(
            r#"
duration = "2m"
[platform]
hosts = 1
host_memory_mb = 1024
[[functions]]
name = "f"
memory_mb = 512
duration = "10s"
timeout = "30s"
init = "0s"
[[sources]]
service = "direct"
invocation = "{invocation}"
arrival = {{ process = "burst", at = "1s", count = 3 }}
"#
        )
    };
    let sync = run(&text("RequestResponse"));
    assert_conserved(&sync);
    let f = &sync.functions[0];
    assert_eq!((f.succeeded, f.failed, f.throttles), (2, 1, 1));
    assert_eq!((f.cold_starts, f.evictions), (2, 0));
    assert_eq!(sync.cluster.expect("a cluster").placement_failures, 1);

    let not_throttled = run(&text("RequestResponse").replace("hosts = 1", "hosts = 2"));
    assert_eq!(not_throttled.functions[0].throttles, 0);

    let event = run(&text("Event"));
    assert_conserved(&event);
    let f = &event.functions[0];
    assert_eq!((f.succeeded, f.failed, f.dlq), (3, 0, 0));
    assert!(f.throttles >= 1);
    assert_eq!(
        f.cold_starts, 2,
        "the retried event reuses a freed environment"
    );
}

/// Eight functions of different sizes with steady traffic and bursts on four small hosts.
fn crowded(placement: &str, eviction: &str) -> String {
    let mut t = format!(
        "duration = \"10m\"\nseed = 3\n[platform]\nhosts = 4\nhost_memory_mb = 4096\nplacement = \"{placement}\"\neviction = \"{eviction}\"\n"
    );
    for (i, mem) in [128, 256, 512, 1024, 1536, 2048, 3008, 640]
        .iter()
        .enumerate()
    {
        t += &format!(
            "[[functions]]\nname = \"f{i}\"\nmemory_mb = {mem}\nduration = {{ dist = \"exponential\", mean = \"400ms\" }}\ninit = {{ dist = \"lognormal\", median = \"300ms\", sigma = 0.4 }}\nkeep_alive = {{ policy = \"fixed\", idle = \"2m\" }}\n"
        );
        t += &format!(
            "[[sources]]\nname = \"s{i}\"\nservice = \"direct\"\nfunction = \"f{i}\"\narrival = [{{ process = \"poisson\", rate = {} }}, {{ process = \"burst\", at = \"{}m\", count = 20, over = \"2s\" }}]\n",
            0.5 + i as f64,
            1 + i
        );
    }
    t
}

#[test]
fn no_host_is_ever_over_capacity_whatever_the_policies() {
    for placement in ["first_fit", "best_fit", "worst_fit", "random", "hash"] {
        for (eviction, cores) in [
            ("lru", ""),
            ("greedy_dual", ""),
            ("lru", "host_cores = 2\n"),
            ("greedy_dual", "host_cores = 2\n"),
        ] {
            // The model also checks every host's books — memory and cores — at the end
            // (debug assertions). Two cores (3538/1769 vCPU) bind before 4096 MB.
            let r = run(&crowded(placement, eviction).replacen(
                "host_memory_mb = 4096\n",
                &format!("host_memory_mb = 4096\n{cores}"),
                1,
            ));
            assert_conserved(&r);
            let c = r.cluster.expect("a cluster");
            assert!(c.peak_host_used_mb <= 4096, "{placement}/{eviction}: {c:?}");
            if cores.is_empty() {
                assert_eq!(c.host_cpu, 0);
            } else {
                assert_eq!(c.host_cpu, 2 * 1769);
                assert!(
                    c.peak_host_used_cpu <= 2 * 1769,
                    "{placement}/{eviction}: {c:?}"
                );
                assert!(c.peak_host_used_mb <= 2 * 1769, "CPU binds first: {c:?}");
            }
            assert!(
                c.evictions > 0,
                "{placement}/{eviction}: memory pressure evicts"
            );
            assert_eq!(c.evictions, r.total.evictions);
            // The time-average memory held, summed over functions, fits in the cluster.
            let bins = r.series[0].len();
            for k in 0..bins {
                let held: f64 = r
                    .series
                    .iter()
                    .map(|s| s[k].host_memory_mb.expect("a cluster"))
                    .sum();
                assert!(
                    held <= 4.0 * 4096.0 + 1e-6,
                    "{placement}/{eviction}: {held}"
                );
            }
        }
    }
}

#[test]
fn an_ample_cluster_changes_nothing() {
    // Capacity never binds: the same draws, the same results as unbounded capacity.
    let bounded = run(&crowded("best_fit", "greedy_dual").replace("hosts = 4", "hosts = 100"));
    let text = crowded("first_fit", "lru");
    let start = text.find("[platform]").unwrap();
    let end = text.find("[[functions]]").unwrap();
    let unbounded = run(&format!("{}{}", &text[..start], &text[end..]));
    assert_eq!(bounded.total.evictions, 0);
    for (a, b) in bounded.functions.iter().zip(&unbounded.functions) {
        assert_eq!(
            (a.requests, a.succeeded, a.cold_starts, a.throttles),
            (b.requests, b.succeeded, b.cold_starts, b.throttles)
        );
        assert_eq!(a.latency.mean_ms, b.latency.mean_ms);
        assert_eq!(a.idle_gb_seconds, b.idle_gb_seconds);
    }
    assert!(unbounded.series[0][0].host_memory_mb.is_none());
}

#[test]
fn cluster_keys_are_checked() {
    let base = three_functions("PLATFORM", &[1], &[1], &[1]);
    for (platform, needle) in [
        ("host_memory_mb = 1024", "`hosts` is not set"),
        ("placement = \"best_fit\"", "`hosts` is not set"),
        ("hosts = 2", "needs `host_memory_mb`"),
        ("hosts = 0\nhost_memory_mb = 1024", "between 1 and 1000000"),
        (
            "hosts = 2\nhost_memory_mb = 256",
            "smaller than function `a`'s memory_mb = 512",
        ),
        (
            "hosts = 2\nhost_memory_mb = 1024\nplacement = \"best_fir\"",
            "did you mean `best_fit`?",
        ),
        (
            "hosts = 2\nhost_memory_mb = 1024\neviction = \"greedy\"",
            "did you mean `greedy_dual`?",
        ),
        ("host_cores = 8", "`hosts` is not set"),
        (
            "hosts = 2\nhost_memory_mb = 1024\nhost_cores = 0",
            "host_cores must be a number of vCPUs > 0",
        ),
        (
            "hosts = 2\nhost_memory_mb = 1024\nhost_cores = \"many\"",
            "host_cores must be a number of vCPUs > 0",
        ),
        (
            "hosts = 2\nhost_memory_mb = 1024\nhost_cores = 0.25",
            "host_cores = 0.25 is smaller than function `a`'s vCPU share, 0.289 vCPU",
        ),
    ] {
        let text = base.replace("PLATFORM", platform);
        let err = lambdasim::scenario::parse(&text, std::path::Path::new("c.toml"))
            .err()
            .unwrap_or_else(|| panic!("{platform} accepted"));
        let msg = format!("{err}");
        assert!(msg.contains(needle), "{platform}: {msg}");
        assert!(msg.contains("platform."), "{platform}: {msg}");
    }
    let ok = scenario(&base.replace("PLATFORM", "hosts = 2\nhost_memory_mb = 512"));
    assert_eq!(ok.platform.cluster.expect("a cluster").host_cpu, None);
    // 0.29 vCPU = 513.01/1769: rounded down to 513 units, enough for 512 MB (512 units).
    let ok = scenario(&base.replace(
        "PLATFORM",
        "hosts = 2\nhost_memory_mb = 512\nhost_cores = 0.29",
    ));
    assert_eq!(ok.platform.cluster.expect("a cluster").host_cpu, Some(513));
    let err = lambdasim::scenario::parse(
        &base.replace(
            "PLATFORM",
            "hosts = 2\nhost_memory_mb = 1024\nhost_cores = 0.25",
        ),
        std::path::Path::new("c.toml"),
    )
    .expect_err("refused");
    assert!(
        format!("{err}").contains("set host_cores to at least 0.29"),
        "{err}"
    );
}

#[test]
fn the_time_series_counts_every_eviction_and_arrival() {
    // The scenario above: 3 evictions (one per function) and 5 arrivals, each in the bin
    // of its time.
    let r = run(&three_functions(
        "hosts = 1\nhost_memory_mb = 1024\neviction = \"lru\"",
        &[1, 4],
        &[2, 5],
        &[3],
    ));
    for (f, bins) in r.functions.iter().zip(&r.series) {
        let evictions: u64 = bins.iter().map(|b| b.evictions).sum();
        let arrivals: u64 = bins.iter().map(|b| b.arrivals).sum();
        assert_eq!(
            (evictions, arrivals),
            (f.evictions, f.requests),
            "{}",
            f.function
        );
    }
}

#[test]
fn a_freed_slot_goes_to_a_throttled_event_only_if_its_environment_could_find_room() {
    // One 1,024 MB host. `p` (512 MB) runs 0–5 s; `b`'s S3 event (1,024 MB) at 1 s finds
    // no room and backs off (1, 2, 4 s …). When `p` ends at 5 s:
    // - if `p`'s environment is provisioned, it stays and cannot be evicted: `b` still
    //   has no room, so the freed slot is not handed to it; it retries at 8 s, 16 s, 32 s;
    // - if it is on demand, it is idle and can be evicted: `b` starts at once, at 5 s.
    let text = |pc: &str| {
        format!(
            r#"
duration = "1m"
[platform]
hosts = 1
host_memory_mb = 1024
[[functions]]
name = "p"
memory_mb = 512
duration = "5s"
timeout = "10s"
init = "0s"
{pc}
[[functions]]
name = "b"
memory_mb = 1024
duration = "1s"
init = "0s"
[[sources]]
name = "to_p"
service = "direct"
function = "p"
arrival = {{ process = "burst", at = "0s", count = 1 }}
[[sources]]
name = "to_b"
service = "s3"
function = "b"
arrival = {{ process = "burst", at = "1s", count = 1 }}
[output]
invocations = true
"#
        )
    };
    let b_attempts = |r: &RunReport| -> Vec<(f64, bool)> {
        let mut a: Vec<(f64, bool)> = r
            .attempts
            .as_ref()
            .unwrap()
            .iter()
            .filter(|a| a.function == 1)
            .map(|a| {
                (
                    a.start.as_nanos() as f64 / 1e9,
                    a.outcome == lambdasim::metrics::AttemptOutcome::Throttled,
                )
            })
            .collect();
        a.sort_by(|x, y| x.0.total_cmp(&y.0));
        a
    };
    let provisioned = run(&text("provisioned_concurrency = 1"));
    assert_eq!(
        b_attempts(&provisioned),
        [1.0, 2.0, 4.0, 8.0, 16.0, 32.0].map(|t| (t, true))
    );
    let on_demand = run(&text(""));
    assert_eq!(
        b_attempts(&on_demand),
        [(1.0, true), (2.0, true), (4.0, true), (5.0, false)]
    );
}

#[test]
fn the_time_series_shows_the_host_memory_held() {
    // Two environments of 512 MB from t = 0 (a burst of 2, 10 s each), kept idle for a
    // minute after: 1,024 MB held for the first 70 s, then nothing.
    let r = run(r#"
duration = "2m"
[platform]
hosts = 1
host_memory_mb = 4096
[[functions]]
name = "f"
memory_mb = 512
timeout = "30s"
duration = "10s"
init = "0s"
keep_alive = { policy = "fixed", idle = "1m" }
[[sources]]
service = "direct"
arrival = { process = "burst", at = "0s", count = 2 }
[output]
timeseries_interval = "10s"
"#);
    let held: Vec<f64> = r.series[0]
        .iter()
        .map(|b| b.host_memory_mb.expect("a cluster"))
        .collect();
    assert_eq!(held.len(), 12);
    for (k, mb) in held.iter().enumerate() {
        let want = if k < 7 { 1024.0 } else { 0.0 };
        assert!((mb - want).abs() < 1e-9, "bin {k}: {mb}");
    }
}
