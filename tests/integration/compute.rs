//! Compute options beyond the default: SnapStart's restores and charges, ephemeral
//! storage, each charge checked against AWS's formulas by hand.

use crate::{assert_conserved, run, scenario};

/// `count` requests at t = 0 (each cold: nothing is warm yet), for a run of `length`,
/// with `keys` on the function.
fn burst(count: u32, length: &str, keys: &str) -> String {
    format!(
        r#"
duration = "{length}"
[pricing]
bill_init = true
[[functions]]
name = "api"
memory_mb = 2048
duration = "10ms"
init = "5s"
{keys}
[[sources]]
service = "direct"
arrival = {{ process = "burst", at = "0s", count = {count}, over = "0s" }}
[output]
invocations = true
"#
    )
}

const JAVA: &str =
    "runtime = \"java21\"\nsnapstart = true\nrestore = \"100ms\"\nbilled_restore_share = 0.5";

#[test]
fn snapstart_cold_starts_use_restore_not_init() {
    let r = run(&burst(5, "1m", JAVA));
    assert_conserved(&r);
    let f = &r.functions[0];
    assert_eq!((f.cold_starts, f.restores, f.succeeded), (5, 5, 5));
    // 100 ms of restore, then 10 ms: not the 5 s INIT.
    assert_eq!(f.latency.max_ms, 110.0);
    for a in r.attempts.as_ref().unwrap() {
        assert_eq!(a.init, lambdasim::engine::Time::from_millis(100));
        // Billed: 10 ms of execution and 50 ms (half) of the restore.
        assert_eq!(a.billed_ms, 60);
    }
    assert_eq!(f.costs.billed_gb_seconds, 5.0 * 0.060 * 2.0);
    // Java pays no cache and no restores, in the totals or the time series.
    assert_eq!(f.costs.snapstart, 0.0);
    let bins: f64 = r.series[0].iter().map(|b| b.cost_usd).sum();
    assert!(
        (bins - f.costs.total()).abs() < 1e-15,
        "{bins} vs {}",
        f.costs.total()
    );
    // The same function without SnapStart runs its 5 s INIT, billed with the execution.
    let plain = run(&burst(5, "1m", "runtime = \"java21\""));
    let p = &plain.functions[0];
    assert_eq!((p.cold_starts, p.restores), (5, 0));
    assert_eq!(p.latency.max_ms, 5010.0);
    assert_eq!(plain.attempts.as_ref().unwrap()[0].billed_ms, 5010);
}

#[test]
fn warm_starts_of_a_snapstart_function_restore_nothing() {
    // Five requests one after another, 1 s apart: one restore, then warm starts.
    let toml = burst(1, "1m", JAVA).replace(
        r#"{ process = "burst", at = "0s", count = 1, over = "0s" }"#,
        r#"{ process = "constant", rate = 1.0 }"#,
    );
    let r = run(&toml);
    let f = &r.functions[0];
    assert_eq!(f.invocations, 60);
    assert_eq!((f.cold_starts, f.restores), (1, 1));
    let billed: Vec<u64> = r.attempts.unwrap().iter().map(|a| a.billed_ms).collect();
    assert_eq!(billed[0], 60);
    assert!(billed[1..].iter().all(|&b| b == 10), "{billed:?}");
}

#[test]
fn python_and_dotnet_pay_the_cache_for_at_least_three_hours_and_each_restore() {
    let python = JAVA.replace("java21", "python3.13");
    // 1 h run, under the 3-hour minimum: the cache is billed for 3 h.
    // 2 GB × 10,800 s × $0.0000015046 = $0.03249936; 5 restores × 2 GB × $0.0001397998 =
    // $0.001397998.
    let r = run(&burst(5, "1h", &python));
    let f = &r.functions[0];
    assert_eq!(f.restores, 5);
    let cache = 2.0 * 10_800.0 * 0.000_001_504_6;
    let restores = 5.0 * 2.0 * 0.000_139_799_8;
    assert!(
        (f.costs.snapstart - (cache + restores)).abs() < 1e-15,
        "{}",
        f.costs.snapstart
    );
    // Duration and requests as without SnapStart: 5 × 60 ms × 2 GB, 5 requests.
    let duration = 5.0 * 0.060 * 2.0 * 0.000_016_666_7;
    let requests = 5.0 * 0.2e-6;
    assert!((f.costs.compute - duration).abs() < 1e-15);
    assert!((f.costs.total() - (cache + restores + duration + requests)).abs() < 1e-15);
    // A month holds 730 h of cache whatever the run's length, and 730 of these hours.
    let month = 2.0 * 730.0 * 3600.0 * 0.000_001_504_6 + 730.0 * (restores + duration + requests);
    assert!(
        (f.costs.monthly - month).abs() < 1e-9,
        "{} vs {month}",
        f.costs.monthly
    );

    // 6 h, over the minimum: 6 h of cache.
    let r6 = run(&burst(5, "6h", &python));
    let cache6 = 2.0 * 21_600.0 * 0.000_001_504_6;
    assert!((r6.functions[0].costs.snapstart - (cache6 + restores)).abs() < 1e-15);

    let dotnet = run(&burst(5, "1h", &JAVA.replace("java21", "dotnet8")));
    assert_eq!(dotnet.functions[0].costs.snapstart, f.costs.snapstart);
}

#[test]
fn the_time_series_holds_the_snapstart_charges() {
    // Over the 3-hour minimum, and within the first duration tier without a free tier:
    // each bin's cost adds up to the run's.
    let keys = format!(
        "{}\nkeep_alive = {{ policy = \"fixed\", idle = \"1m\" }}",
        JAVA.replace("java21", "python3.12")
    );
    let toml = burst(1, "4h", &keys).replace(
        r#"{ process = "burst", at = "0s", count = 1, over = "0s" }"#,
        r#"{ process = "constant", rate = 0.01 }"#,
    );
    let r = run(&toml);
    let f = &r.functions[0];
    // A request every 100 s and a 1-minute keep-alive: every one restores.
    assert_eq!((f.invocations, f.restores), (144, 144));
    assert!(f.costs.snapstart > 0.0);
    let bins: f64 = r.series[0].iter().map(|b| b.cost_usd).sum();
    assert!(
        (bins - f.costs.total()).abs() < 1e-12 * f.costs.total().max(1.0),
        "{bins} vs {}",
        f.costs.total()
    );
}

#[test]
fn ephemeral_storage_above_512_mb_is_charged_per_gb_second_of_duration() {
    // 1,000 requests × 1 s at 10,240 MB of /tmp: (10,240 − 512) / 1,024 = 9.5 GB ×
    // 1,000 s × $0.0000000309 = $0.00029355.
    let toml = |storage: u32| {
        format!(
            r#"
duration = "1h"
[account]
concurrency_limit = 1000
scaling_rate = 1000
[[functions]]
name = "f"
memory_mb = 1024
duration = "1s"
init = "0s"
ephemeral_storage_mb = {storage}
[[sources]]
service = "direct"
arrival = {{ process = "burst", at = "0s", count = 1000, over = "0s" }}
"#
        )
    };
    let r = run(&toml(10_240));
    let c = &r.total.costs;
    assert!(
        (c.ephemeral - 9.5 * 1000.0 * 0.000_000_030_9).abs() < 1e-15,
        "{}",
        c.ephemeral
    );
    let free = run(&toml(512));
    assert_eq!(free.total.costs.ephemeral, 0.0);
    assert!((c.total() - free.total.costs.total() - c.ephemeral).abs() < 1e-15);
    // The time series holds it too.
    let bins: f64 = r.series[0].iter().map(|b| b.cost_usd).sum();
    let free_bins: f64 = free.series[0].iter().map(|b| b.cost_usd).sum();
    assert!(
        (bins - free_bins - c.ephemeral).abs() < 1e-15,
        "{bins} {free_bins}"
    );
}

#[test]
fn snapstart_is_refused_where_aws_refuses_it_naming_the_key() {
    let k = "functions[0]";
    for (keys, key, words) in [
        ("snapstart = true", "snapstart", "needs `runtime`"),
        (
            "snapstart = true\nruntime = \"nodejs22.x\"",
            "snapstart",
            "not `nodejs22.x`",
        ),
        (
            "snapstart = true\nruntime = \"python3.11\"",
            "snapstart",
            "Python 3.12+",
        ),
        (
            "snapstart = true\nruntime = \"java21\"\nprovisioned_concurrency = 2",
            "provisioned_concurrency",
            "provisioned concurrency",
        ),
        (
            "snapstart = true\nruntime = \"java21\"\nefs = true\nefs_mount = \"50ms\"",
            "efs",
            "EFS",
        ),
        (
            "snapstart = true\nruntime = \"java21\"\nephemeral_storage_mb = 1024",
            "ephemeral_storage_mb",
            "above 512 MB (1024 MB)",
        ),
        (
            "snapstart = true\nruntime = \"java21\"\npackage = \"image\"",
            "package",
            "container image",
        ),
        (
            "restore = \"100ms\"",
            "restore",
            "only with `snapstart = true`",
        ),
        (
            "billed_restore_share = 0.5",
            "billed_restore_share",
            "only with `snapstart = true`",
        ),
        (
            "snapstart = true\nruntime = \"java21\"\nbilled_restore_share = 1.5",
            "billed_restore_share",
            "between 0 and 1",
        ),
        (
            "snapstart = true\nruntime = \"java21\"\nrestore = \"soon\"",
            "restore",
            "duration",
        ),
        (
            "ephemeral_storage_mb = 256",
            "ephemeral_storage_mb",
            "between 512 and 10240",
        ),
        (
            "ephemeral_storage_mb = 20000",
            "ephemeral_storage_mb",
            "between 512 and 10240",
        ),
    ] {
        let text = format!(
            "duration = \"1m\"\n[[functions]]\nname = \"f\"\nduration = \"10ms\"\n{keys}\n[[sources]]\nservice = \"direct\"\narrival = {{ process = \"constant\", rate = 1.0 }}\n"
        );
        let e = lambdasim::scenario::parse(&text, std::path::Path::new("t.toml"))
            .map(|_| ())
            .unwrap_err();
        let shown = e.to_string();
        assert_eq!(
            e.key.as_deref(),
            Some(format!("{k}.{key}").as_str()),
            "{shown}"
        );
        assert!(shown.contains(words), "{keys}: {shown}");
        // The key's own line.
        let line = text.lines().position(|l| l.starts_with(key)).map(|i| i + 1);
        assert_eq!(e.position.map(|p| p.0), line, "{shown}");
    }
}

#[test]
fn snapstart_defaults_are_the_documented_assumptions() {
    let sc = scenario(&burst(1, "1m", "runtime = \"java21\"\nsnapstart = true"));
    let s = sc.functions[0].snapstart.as_ref().unwrap();
    assert_eq!(s.billed_share, 0.4);
    assert!(!s.charged);
    // Log-normal, median 300 ms: half of many draws fall below it.
    let mut rng = lambdasim::engine::RngStreams::new(1).stream("test");
    let n = 20_000;
    let below = (0..n)
        .filter(|_| s.restore.sample(&mut rng) < lambdasim::engine::Time::from_millis(300))
        .count();
    // Binomial(20,000, 0.5): σ = 71; 4σ.
    assert!((below as i64 - 10_000).abs() < 284, "{below}");
    assert!(
        scenario(&burst(
            1,
            "1m",
            "runtime = \"python3.12\"\nsnapstart = true"
        ))
        .functions[0]
            .snapstart
            .as_ref()
            .unwrap()
            .charged
    );
}

#[test]
fn the_snapstart_and_storage_prices_can_be_overridden() {
    let toml = burst(5, "3h", &JAVA.replace("java21", "python3.13")).replace(
        "bill_init = true",
        "bill_init = true\nsnapstart_cache_per_gb_second = 0.000001\nsnapstart_restore_per_gb = 0.001",
    );
    let f = &run(&toml).functions[0];
    // 2 GB × 10,800 s × $0.000001 + 5 × 2 GB × $0.001.
    assert!(
        (f.costs.snapstart - (0.0216 + 0.01)).abs() < 1e-15,
        "{}",
        f.costs.snapstart
    );
    let storage = r#"
duration = "1h"
[pricing]
ephemeral_per_gb_second = 0.5
[[functions]]
name = "f"
duration = "1s"
init = "0s"
ephemeral_storage_mb = 1536
[[sources]]
service = "direct"
arrival = { process = "burst", at = "0s", count = 2, over = "0s" }
"#;
    // 1 GB above the free 512 MB × 2 s × $0.5.
    assert_eq!(run(storage).total.costs.ephemeral, 1.0);
    let e = lambdasim::scenario::parse(
        &storage.replace("0.5\n", "-1.0\n"),
        std::path::Path::new("t.toml"),
    )
    .map(|_| ())
    .unwrap_err();
    assert_eq!(e.key.as_deref(), Some("pricing.ephemeral_per_gb_second"));
}

/// A CloudFront-triggered Lambda@Edge function beside a regional one, `count` requests
/// each of 50 ms at 128 MB, with the free tier on.
fn edge_and_regional(count: u32, edge_keys: &str) -> String {
    format!(
        r#"
duration = "730h"
[account]
concurrency_limit = 5000
scaling_rate = 5000
[pricing]
free_tier = true
[[functions]]
name = "edge"
duration = "50ms"
init = "0s"
edge = true
{edge_keys}
[[functions]]
name = "regional"
duration = "50ms"
init = "0s"
[[sources]]
service = "cloudfront"
function = "edge"
arrival = {{ process = "burst", at = "0s", count = {count}, over = "10m" }}
[[sources]]
service = "api_gateway"
function = "regional"
arrival = {{ process = "burst", at = "0s", count = {count}, over = "10m" }}
"#
    )
}

#[test]
fn lambda_at_edge_has_its_own_prices_and_no_free_tier() {
    // AWS's Lambda@Edge example, a tenth of it: 1 M requests × $0.60/M = $0.60, and
    // 1 M × 50 ms = 50,000 s at 128 MB × $0.00000625125 per 128 MB-s = $0.3125625.
    let r = run(&edge_and_regional(
        1_000_000,
        "edge_trigger = \"viewer\"\ntimeout = \"5s\"\nmemory_mb = 128",
    ));
    assert_conserved(&r);
    let (edge, regional) = (&r.functions[0], &r.functions[1]);
    assert!(
        (edge.costs.request - 0.60).abs() < 1e-12,
        "{}",
        edge.costs.request
    );
    assert!(
        (edge.costs.compute - 0.312_562_5).abs() < 1e-12,
        "{}",
        edge.costs.compute
    );
    // The regional function alone gets the free tier: 1 M requests and 6,250 GB-s, all
    // free.
    assert_eq!((regional.costs.request, regional.costs.compute), (0.0, 0.0));
    // The time series (list prices, no free tier) charges the Edge function the same.
    let series: f64 = r.series[0].iter().map(|b| b.cost_usd).sum();
    assert!((series - (0.60 + 0.312_562_5)).abs() < 1e-9, "{series}");
}

#[test]
fn lambda_at_edge_is_refused_beyond_its_quotas_and_off_cloudfront() {
    let parse = |text: &str| {
        lambdasim::scenario::parse(text, std::path::Path::new("t.toml"))
            .map(|_| ())
            .unwrap_err()
    };
    for (keys, key, words) in [
        (
            "edge_trigger = \"viewer\"\nmemory_mb = 256",
            "memory_mb",
            "at most 128 MB",
        ),
        (
            "edge_trigger = \"viewer\"\ntimeout = \"6s\"",
            "timeout",
            "viewer trigger times out after at most 5s",
        ),
        (
            "timeout = \"31s\"",
            "timeout",
            "origin trigger times out after at most 30s",
        ),
        ("architecture = \"arm64\"", "architecture", "x86_64"),
        (
            "provisioned_concurrency = 1",
            "provisioned_concurrency",
            "provisioned concurrency",
        ),
        ("edge_trigger = \"client\"", "edge_trigger", "unknown"),
    ] {
        let e = parse(&edge_and_regional(10, keys));
        assert_eq!(
            e.key.as_deref(),
            Some(format!("functions[0].{key}").as_str()),
            "{e}"
        );
        assert!(e.to_string().contains(words), "{e}");
    }
    let e = parse(&edge_and_regional(10, "").replace("\"cloudfront\"", "\"alb\""));
    assert_eq!(e.key.as_deref(), Some("sources[0].service"));
    assert!(
        e.to_string().contains("only `cloudfront` invokes it"),
        "{e}"
    );
    let e =
        parse(&edge_and_regional(10, "").replace("edge = true\n", "edge_trigger = \"viewer\"\n"));
    assert_eq!(e.key.as_deref(), Some("functions[0].edge_trigger"));
    // CloudFront invoking a regional function runs, with a warning.
    let sc = scenario(&edge_and_regional(10, "").replace("edge = true\n", ""));
    assert_eq!(sc.warnings.len(), 1);
    assert!(
        sc.warnings[0].contains("`sources[0].service`: CloudFront invokes Lambda@Edge functions"),
        "{:?}",
        sc.warnings
    );
}

/// A Poisson API of `rate` per second with a fixed keep-alive of `keep`, its requests
/// from `tenants` (a TOML table, or nothing without tenant isolation).
fn saas(rate: f64, keep: &str, length: &str, tenants: Option<&str>, extra: &str) -> String {
    let (isolation, mix) = match tenants {
        Some(t) => ("tenant_isolation = true", format!("tenants = {t}")),
        None => ("", String::new()),
    };
    format!(
        r#"
duration = "{length}"
seed = 21
[[functions]]
name = "saas"
memory_mb = 2048
duration = "10ms"
init = "100ms"
keep_alive = {{ policy = "fixed", idle = "{keep}" }}
{isolation}
{extra}
[[sources]]
service = "api_gateway"
arrival = {{ process = "poisson", rate = {rate} }}
{mix}
"#
    )
}

#[test]
fn tenant_isolation_with_one_tenant_is_the_plain_model() {
    for selection in ["lru", "random"] {
        let with = |t| {
            run(&saas(20.0, "1m", "30m", t, "").replace(
                "seed = 21",
                &format!("seed = 21\n[platform]\ninstance_selection = \"{selection}\""),
            ))
        };
        let (p, o) = (with(None), with(Some("{ count = 1 }")));
        assert_eq!(p.total.cold_starts, o.total.cold_starts, "{selection}");
        assert_eq!(
            p.total.idle_gb_seconds, o.total.idle_gb_seconds,
            "{selection}"
        );
        assert_eq!(
            p.total.latency.mean_ms, o.total.latency.mean_ms,
            "{selection}"
        );
    }
    let plain = run(&saas(20.0, "1m", "30m", None, ""));
    let one = run(&saas(20.0, "1m", "30m", Some("{ count = 1 }"), ""));
    let (p, o) = (&plain.total, &one.total);
    assert_eq!(
        (p.requests, p.invocations, p.cold_starts, p.succeeded),
        (o.requests, o.invocations, o.cold_starts, o.succeeded)
    );
    assert_eq!(p.latency.p99_ms, o.latency.p99_ms);
    assert_eq!(p.latency.mean_ms, o.latency.mean_ms);
    assert_eq!(p.costs.billed_gb_seconds, o.costs.billed_gb_seconds);
    assert_eq!(p.idle_gb_seconds, o.idle_gb_seconds);
    // Only the tenant charge differs: one per environment started, $0.000167 per GB.
    assert_eq!(o.tenant_environments, o.cold_starts);
    assert_eq!(p.tenant_environments, 0);
    assert!((o.costs.tenant - o.cold_starts as f64 * 2.0 * 0.000_167).abs() < 1e-15);
    assert!((o.costs.total() - p.costs.total() - o.costs.tenant).abs() < 1e-12);
    // The time series holds the charge too.
    let bins: f64 = one.series[0].iter().map(|b| b.cost_usd).sum();
    let plain_bins: f64 = plain.series[0].iter().map(|b| b.cost_usd).sum();
    assert!((bins - plain_bins - o.costs.tenant).abs() < 1e-12);
}

#[test]
fn cold_starts_grow_with_the_tenants_as_the_closed_form_says() {
    // n tenants alike, each sending Poisson(λ/n), a = λ/n; no INIT. A tenant's request is
    // warm if its previous one ended (10 ms after it arrived) less than K before: cold if
    // the gap to it is over K + d (probability exp(−a·min(t, K + d)) at time t: averaged
    // over the run, e^{−a(K+d)} + ∫₀^{K+d} (e^{−at} − e^{−a(K+d)}) dt / T), or under d (the
    // environment is still busy: 1 − e^{−ad}), to first order in ad.
    let (rate, keep, d, t) = (10.0f64, 60.0f64, 0.010f64, 4.0 * 3600.0);
    // (With fewer tenants, a second environment of a tenant, started when two requests
    // overlap, lives on for K: the first-order form no longer holds, and it is not used.)
    let mut ratios = Vec::new();
    for n in [10_000u32, 1_000, 100] {
        let mix = format!("{{ count = {n}, popularity = \"uniform\" }}");
        let r =
            run(&saas(rate, "1m", "4h", Some(&mix), "")
                .replace("init = \"100ms\"", "init = \"0s\""));
        let f = &r.functions[0];
        let a = rate / f64::from(n);
        let w = keep + d;
        let expected = (-a * w).exp()
            + ((1.0 - (-a * w).exp()) / a - w * (-a * w).exp()) / t
            + (1.0 - (-a * d).exp());
        let got = f.cold_start_ratio();
        // A proportion of 144,000 requests: σ ≤ 0.0013; 4σ.
        let sd = (expected * (1.0 - expected) / f.invocations as f64).sqrt();
        assert!(
            (got - expected).abs() < 4.0 * sd.max(1e-4),
            "{n} tenants: {got} vs {expected} (σ {sd})"
        );
        assert_eq!(f.tenant_environments, f.cold_starts);
        ratios.push(got);
    }
    assert!(ratios.windows(2).all(|w| w[0] > w[1]), "{ratios:?}");
}

#[test]
fn a_function_has_at_most_2500_tenant_environments_per_1000_of_concurrency() {
    // 100 tenants alike and a long keep-alive would keep about 100 environments; a
    // reserved concurrency of 10 allows 25, so the least recently used idle one of
    // another tenant goes when a 26th is needed.
    let mix = "{ count = 100, popularity = \"uniform\" }";
    let capped = run(&saas(
        5.0,
        "1h",
        "2h",
        Some(mix),
        "reserved_concurrency = 10",
    ));
    let free = run(&saas(5.0, "1h", "2h", Some(mix), ""));
    crate::assert_conserved(&capped);
    let peak = |r: &lambdasim::metrics::RunReport| {
        r.series[0]
            .iter()
            .map(|b| b.instances_busy + b.instances_idle + b.instances_initializing)
            .fold(0.0, f64::max)
    };
    // At the cap (a whole second of it, in the per-second series), never above it.
    assert!(peak(&capped) <= 25.0 + 1e-9, "{}", peak(&capped));
    assert!(peak(&capped) > 24.99, "{}", peak(&capped));
    assert!(peak(&free) > 90.0, "{}", peak(&free));
    // Fewer environments kept: more of them started, each start at the cap retiring one
    // (counted as an eviction).
    assert!(capped.total.cold_starts > 3 * free.total.cold_starts);
    assert_eq!(capped.total.throttles, 0);
    assert_eq!(free.total.evictions, 0);
    assert!(capped.total.evictions >= capped.total.cold_starts - 25);
    assert!(capped.total.evictions <= capped.total.cold_starts);
    // 2,500 per 1,000, rounded up: 5 of concurrency allow 13.
    let odd = run(&saas(
        5.0,
        "1h",
        "2h",
        Some(mix),
        "reserved_concurrency = 5",
    ));
    assert!(
        peak(&odd) <= 13.0 + 1e-9 && peak(&odd) > 12.99,
        "{}",
        peak(&odd)
    );
    // Without a reservation, the account's limit: 10 → 25.
    let account = run(&saas(5.0, "1h", "2h", Some(mix), "")
        .replace("seed = 21", "seed = 21\n[account]\nconcurrency_limit = 10"));
    assert!(
        peak(&account) <= 25.0 + 1e-9 && peak(&account) > 24.99,
        "{}",
        peak(&account)
    );
}

#[test]
fn tenant_isolation_is_refused_where_aws_refuses_it_naming_the_key() {
    let parse = |text: &str| {
        lambdasim::scenario::parse(text, std::path::Path::new("t.toml"))
            .map(|_| ())
            .unwrap_err()
    };
    let mix = Some("{ count = 10 }");
    for (text, key, words) in [
        (
            saas(
                1.0,
                "1m",
                "1m",
                mix,
                "runtime = \"java21\"\nsnapstart = true",
            ),
            "functions[0].snapstart",
            "SnapStart",
        ),
        (
            saas(1.0, "1m", "1m", mix, "provisioned_concurrency = 2"),
            "functions[0].provisioned_concurrency",
            "provisioned concurrency",
        ),
        (
            saas(1.0, "1m", "1m", mix, "").replace(
                "keep_alive = { policy = \"fixed\", idle = \"1m\" }",
                "keep_alive = { policy = \"hybrid_histogram\" }",
            ),
            "functions[0].keep_alive.policy",
            "cannot pre-warm",
        ),
        (
            saas(1.0, "1m", "1m", mix, "").replace("tenant_isolation = true", ""),
            "sources[0].tenants",
            "needs a function with `tenant_isolation = true`",
        ),
        (
            saas(1.0, "1m", "1m", mix, "").replace("tenants = { count = 10 }", ""),
            "sources[0]",
            "this source needs `tenants`",
        ),
        (
            saas(1.0, "1m", "1m", Some("{ count = 0 }"), ""),
            "sources[0].tenants.count",
            "between 1",
        ),
        (
            saas(1.0, "1m", "1m", Some("{ count = 5, s = -1.0 }"), ""),
            "sources[0].tenants.s",
            "≥ 0",
        ),
        (
            saas(
                1.0,
                "1m",
                "1m",
                Some("{ count = 5, popularity = \"uniform\", s = 1.1 }"),
                "",
            ),
            "sources[0].tenants.s",
            "exponent of `popularity = \"zipf\"`",
        ),
        (
            saas(
                1.0,
                "1m",
                "1m",
                Some("{ count = 5, popularity = \"pareto\" }"),
                "",
            ),
            "sources[0].tenants.popularity",
            "unknown",
        ),
        (
            saas(1.0, "1m", "1m", mix, "")
                .replace("service = \"api_gateway\"", "service = \"sqs\"")
                .replace("tenants = { count = 10 }", ""),
            "sources[0].service",
            "an event source mapping cannot invoke it",
        ),
    ] {
        let e = parse(&text);
        assert_eq!(e.key.as_deref(), Some(key), "{e}");
        assert!(e.to_string().contains(words), "{e}");
    }
}

/// `count` requests of 100 ms returning `bytes`, through `service`, with `keys`.
fn responses(count: u32, length: &str, service: &str, keys: &str, pricing: &str) -> String {
    format!(
        r#"
duration = "{length}"
[pricing]
{pricing}
[[functions]]
name = "f"
memory_mb = 1024
duration = "100ms"
init = "0s"
timeout = "900s"
{keys}
[[sources]]
service = "{service}"
arrival = {{ process = "burst", at = "0s", count = {count}, over = "10m" }}
"#
    )
}

#[test]
fn a_streamed_response_beyond_6_mb_takes_longer_and_is_charged_per_gb() {
    // 10 MB: the first 6 MB free and unthrottled, the other 4 MB at 2 MB/s (2 s more),
    // charged 4 MB / 1,024 MB per GB × $0.008 each.
    let r = run(&responses(
        100,
        "1h",
        "direct",
        "response_bytes = \"10MB\"\nstreaming = true",
        "",
    ));
    assert_conserved(&r);
    let f = &r.functions[0];
    assert_eq!((f.succeeded, f.errors), (100, 0));
    assert_eq!(f.latency.max_ms, 2100.0);
    assert_eq!(f.costs.billed_gb_seconds, 100.0 * 2.1);
    assert_eq!(f.streamed_bytes, 100 * (4 << 20));
    let streaming = 100.0 * 4.0 / 1024.0 * 0.008;
    assert!(
        (f.costs.streaming - streaming).abs() < 1e-15,
        "{}",
        f.costs.streaming
    );
    let bins: f64 = r.series[0].iter().map(|b| b.cost_usd).sum();
    let plain = run(&responses(100, "1h", "direct", "", ""));
    let plain_bins: f64 = plain.series[0].iter().map(|b| b.cost_usd).sum();
    let extra_duration = 100.0 * 2.0 * 0.000_016_666_7;
    assert!((bins - plain_bins - streaming - extra_duration).abs() < 1e-12);
    // At most 6 MB costs nothing and changes nothing.
    let small = run(&responses(
        100,
        "1h",
        "direct",
        "response_bytes = \"6MB\"\nstreaming = true",
        "",
    ));
    assert_eq!(small.functions[0].latency.max_ms, 100.0);
    assert_eq!(small.functions[0].costs.streaming, 0.0);
}

#[test]
fn a_response_over_the_limit_fails_the_invocation() {
    // Buffered: over 6 MB fails (run and billed in full); streamed: over 200 MB.
    for (keys, fails) in [
        ("response_bytes = \"7MB\"", true),
        ("response_bytes = \"6MB\"", false),
        ("response_bytes = \"201MB\"\nstreaming = true", true),
        ("response_bytes = \"200MB\"\nstreaming = true", false),
    ] {
        let r = run(&responses(10, "1h", "api_gateway", keys, ""));
        assert_conserved(&r);
        let f = &r.functions[0];
        let (errors, ok) = if fails { (10, 0) } else { (0, 10) };
        assert_eq!(
            (f.errors, f.succeeded, f.response_too_large),
            (errors, ok, errors),
            "{keys}"
        );
    }
    // Asynchronous invocations return nothing to anyone: no limit.
    let r = run(&responses(10, "1h", "s3", "response_bytes = \"7MB\"", ""));
    assert_eq!((r.functions[0].errors, r.functions[0].succeeded), (0, 10));
}

#[test]
fn streamed_bytes_get_a_prorated_monthly_free_allowance() {
    // A 730-hour month of 30,000 streamed 10 MB responses: 30,000 × 4 MB = 117.1875 GB
    // beyond the first 6 MB each; 100 GB free; 17.1875 GB × $0.008 = $0.1375.
    let keys = "response_bytes = \"10MB\"\nstreaming = true";
    let r = run(&responses(
        30_000,
        "730h",
        "direct",
        keys,
        "free_tier = true",
    ));
    let c = &r.functions[0].costs;
    assert!((c.streaming - 0.1375).abs() < 1e-12, "{}", c.streaming);
    // A 73-hour run gets a tenth of the allowance: 117.1875 − 10 GB.
    let r = run(&responses(
        30_000,
        "73h",
        "direct",
        keys,
        "free_tier = true",
    ));
    let c = &r.functions[0].costs;
    assert!(
        (c.streaming - 107.1875 * 0.008).abs() < 1e-12,
        "{}",
        c.streaming
    );
    // Sizes are distributions too; bad ones are keyed errors.
    let sc = scenario(&responses(
        10,
        "1h",
        "direct",
        "response_bytes = { dist = \"lognormal\", median = \"8MB\", sigma = 0.5 }\nstreaming = true",
        "",
    ));
    assert!(sc.functions[0].response.as_ref().unwrap().streaming);
    let parse = |keys: &str| {
        lambdasim::scenario::parse(
            &responses(10, "1h", "direct", keys, ""),
            std::path::Path::new("t.toml"),
        )
        .map(|_| ())
        .unwrap_err()
    };
    let e = parse("streaming = true");
    assert_eq!(e.key.as_deref(), Some("functions[0].streaming"));
    let e = parse("response_bytes = \"10 parsecs\"");
    assert_eq!(e.key.as_deref(), Some("functions[0].response_bytes"));
    assert!(e.to_string().contains("not a unit of size"), "{e}");
    let e = parse("response_bytes = { dist = \"lognormal\", median = \"8mb\", sigma = 0.5 }");
    assert_eq!(
        e.key.as_deref(),
        Some("functions[0].response_bytes.median"),
        "{e}"
    );
}

#[test]
fn edge_usage_stays_out_of_the_regional_free_tier_tiers_and_savings_plan() {
    // A 10,240 MB origin trigger uses 500,000 GB-s: were it counted with the regional
    // function's 6,250 GB-s, the free 400,000 would no longer cover the regional one.
    let toml = edge_and_regional(1_000_000, "memory_mb = 10240").replace(
        "free_tier = true",
        "free_tier = true\nsavings_plan_discount = 0.17",
    );
    let r = run(&toml);
    let (edge, regional) = (&r.functions[0], &r.functions[1]);
    assert_eq!((regional.costs.request, regional.costs.compute), (0.0, 0.0));
    // Edge: its own prices, no discount: 500,000 GB-s × $0.00005001.
    assert!(
        (edge.costs.compute - 500_000.0 * 0.000_050_01).abs() < 1e-9,
        "{}",
        edge.costs.compute
    );
    assert!((edge.costs.request - 0.60).abs() < 1e-12);
}

#[test]
fn a_stream_cut_off_by_the_timeout_is_charged_for_what_it_sent() {
    // 100 MB with a 30 s timeout: 100 ms of work, then 94 MB at 2 MB/s would take 47 s;
    // cut at 30 s, it sent 29.9 s × 2 MB/s = 59.8 MB beyond the first 6 MB.
    let keys = "response_bytes = \"100MB\"\nstreaming = true";
    let r =
        run(&responses(10, "1h", "direct", keys, "")
            .replace("timeout = \"900s\"", "timeout = \"30s\""));
    let f = &r.functions[0];
    assert_eq!(f.timeouts, 10);
    let sent = (29.9 * 2.0 * 1024.0 * 1024.0) as u64;
    assert!(
        f.streamed_bytes.abs_diff(10 * sent) <= 10,
        "{} vs {}",
        f.streamed_bytes,
        10 * sent
    );
    // Streaming is in the total and the monthly cost.
    let c = &f.costs;
    let parts = c.request + c.compute + c.provisioned + c.snapstart + c.ephemeral + c.tenant;
    assert!(c.streaming > 0.0 && (c.total() - parts - c.streaming).abs() < 1e-15);
    assert!((c.monthly - c.total() * 730.0).abs() < 1e-9);
    // Negative and unit-less sizes are keyed errors.
    for bad in [
        "response_bytes = -5",
        "response_bytes = { dist = \"uniform\", min = 1.5, max = \"2MB\" }",
    ] {
        let e = lambdasim::scenario::parse(
            &responses(10, "1h", "direct", bad, ""),
            std::path::Path::new("t.toml"),
        )
        .map(|_| ())
        .unwrap_err();
        assert!(
            e.key
                .as_deref()
                .is_some_and(|k| k.starts_with("functions[0].response_bytes")),
            "{e}"
        );
        assert!(
            e.to_string().contains("negative") || e.to_string().contains("with its unit"),
            "{e}"
        );
    }
}

#[test]
fn the_streaming_tenant_and_edge_prices_can_be_overridden() {
    let streamed = run(&responses(
        10,
        "1h",
        "direct",
        "response_bytes = \"1030MB\"\nstreaming = true",
        "streaming_per_gb = 1.0",
    ))
    .functions[0]
        .costs
        .streaming;
    // Over 200 MB fails: nothing streamed.
    assert_eq!(streamed, 0.0);
    let c = run(&responses(
        10,
        "1h",
        "direct",
        "response_bytes = \"134MB\"\nstreaming = true",
        "streaming_per_gb = 1.0",
    ))
    .functions[0]
        .costs;
    // 10 × 128 MB = 1.25 GB × $1.
    assert!((c.streaming - 1.25).abs() < 1e-12, "{}", c.streaming);
    let free = run(&responses(
        10,
        "730h",
        "direct",
        "response_bytes = \"134MB\"\nstreaming = true",
        "streaming_per_gb = 1.0\nfree_tier = true\nstreaming_free_gb = 1.0",
    ))
    .functions[0]
        .costs;
    assert!((free.streaming - 0.25).abs() < 1e-12, "{}", free.streaming);
    let t = run(&saas(1.0, "1m", "10m", Some("{ count = 1 }"), "").replace(
        "seed = 21",
        "seed = 21\n[pricing]\ntenant_environment_per_gb = 1.0",
    ));
    assert_eq!(
        t.total.costs.tenant,
        t.total.tenant_environments as f64 * 2.0
    );
    let e = run(&edge_and_regional(10, "").replace(
        "free_tier = true",
        "free_tier = true\nedge_per_million_requests = 1000000.0\nedge_per_gb_second = 1.0",
    ));
    // 10 requests × $1; 10 × 50 ms × 0.125 GB × $1.
    assert!((e.functions[0].costs.request - 10.0).abs() < 1e-9);
    assert!((e.functions[0].costs.compute - 0.0625).abs() < 1e-12);
}

#[test]
fn edge_is_refused_with_tenant_isolation_and_responses() {
    for (keys, key) in [
        ("tenant_isolation = true", "tenant_isolation"),
        ("response_bytes = \"1MB\"", "response_bytes"),
    ] {
        let e = lambdasim::scenario::parse(
            &edge_and_regional(10, keys),
            std::path::Path::new("t.toml"),
        )
        .map(|_| ())
        .unwrap_err();
        assert_eq!(
            e.key.as_deref(),
            Some(format!("functions[0].{key}").as_str()),
            "{e}"
        );
    }
}
