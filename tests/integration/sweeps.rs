//! Sweeps and replications: the cartesian product of variants, reproducible and
//! independent replications, confidence intervals.

use lambdasim::model::simulate;
use lambdasim::runner::replication_seed;
use std::path::Path;

const SWEPT: &str = r#"
duration = "10m"
seed = 12
replications = 3
[[functions]]
name = "api"
memory_mb = 512
duration = "400ms"
cpu_bound_fraction = 1.0
reference_memory_mb = 512
[[sources]]
service = "api_gateway"
arrival = { process = "poisson", rate = 10.0 }
[sweep]
"functions.api.memory_mb" = [256, 512, 1024]
"functions.api.keep_alive" = [{ policy = "fixed", idle = "5m" }, { policy = "none" }]
"#;

#[test]
fn a_sweep_runs_the_cartesian_product() {
    let variants = lambdasim::scenario::parse_variants(SWEPT, Path::new("s.toml")).unwrap();
    assert_eq!(variants.len(), 6);
    let names: Vec<&str> = variants.iter().map(|v| v.variant.as_str()).collect();
    assert_eq!(names[0], "keep_alive=fixed/5m memory_mb=256");
    assert_eq!(names[5], "keep_alive=none memory_mb=1024");
    let memory: Vec<u32> = variants.iter().map(|v| v.functions[0].memory_mb).collect();
    assert_eq!(memory, [256, 512, 1024, 256, 512, 1024]);
    // The swept values take effect: latency halves as memory doubles (CPU-bound), and
    // keep-alive `none` makes every invocation cold.
    let reports: Vec<_> = variants.iter().map(|v| simulate(v, 12, 0)).collect();
    let max: Vec<f64> = reports
        .iter()
        .take(3)
        .map(|r| r.functions[0].latency.max_ms)
        .collect();
    assert!(
        max[0] > 799.0 && max[1] > 399.0 && max[2] > 199.0,
        "{max:?}"
    );
    assert!(reports[0].functions[0].latency.p50_ms < 801.0);
    let none = &reports[4].functions[0];
    assert_eq!(none.cold_starts, none.invocations);
    // Common random numbers: every variant sees the same arrivals.
    assert!(
        reports
            .iter()
            .all(|r| r.total.requests == reports[0].total.requests)
    );
    assert!(reports.iter().all(|r| r.variant != "base"));
}

#[test]
fn replications_are_reproducible_and_independent() {
    let sc = lambdasim::scenario::parse(SWEPT, Path::new("s.toml")).unwrap();
    let a = simulate(&sc, replication_seed(12, 1), 1);
    let b = simulate(&sc, replication_seed(12, 1), 1);
    let c = simulate(&sc, replication_seed(12, 2), 2);
    let row = |r: &lambdasim::metrics::RunReport| {
        lambdasim::output::csv::summary(std::slice::from_ref(r)).unwrap()
    };
    assert_eq!(row(&a), row(&b));
    assert_ne!(a.total.requests, c.total.requests);
}

#[test]
fn confidence_intervals_shrink_as_replications_grow() {
    let text = |n: u32| {
        format!(
            r#"
duration = "5m"
seed = 1
replications = {n}
[[functions]]
name = "f"
duration = {{ dist = "exponential", mean = "200ms" }}
[[sources]]
service = "direct"
arrival = {{ process = "poisson", rate = 5.0 }}
"#
        )
    };
    let half_width = |n: u32| {
        let sc = lambdasim::scenario::parse(&text(n), Path::new("c.toml")).unwrap();
        let runs: Vec<_> = (0..n)
            .map(|r| simulate(&sc, replication_seed(sc.seed, r), r))
            .collect();
        let xs: Vec<f64> = runs.iter().map(|r| r.total.requests as f64).collect();
        lambdasim::metrics::stats::mean_ci95(&xs).1
    };
    let (h5, h40) = (half_width(5), half_width(40));
    // Requests ~ Poisson(1500): sd ≈ 38.7, so the half-widths are about 48 and 12.
    assert!(h40 < h5 / 2.0, "{h5} → {h40}");
    assert!((5.0..40.0).contains(&h40), "{h40}");
}

#[test]
fn the_cli_writes_variants_and_comparison_files() {
    let d = tempfile::tempdir().unwrap();
    let a = d.path().join("a.toml");
    std::fs::write(&a, SWEPT).unwrap();
    let b = d.path().join("b.toml");
    std::fs::write(&b, SWEPT.replace("replications = 3", "replications = 2")).unwrap();
    let out = d.path().join("o");
    assert_cmd::Command::cargo_bin("lambdasim")
        .unwrap()
        .args([&a, &b])
        .arg("-o")
        .arg(&out)
        .args(["-q", "--no-charts"])
        .assert()
        .success();
    let variants = std::fs::read_to_string(out.join("a/variants.csv")).unwrap();
    let rows: Vec<&str> = variants.lines().collect();
    assert_eq!(rows.len(), 7);
    assert!(rows[0].starts_with("scenario,variant,replications,requests_mean,requests_ci95"));
    assert!(rows[1].starts_with("a,keep_alive=fixed/5m memory_mb=256,3,"));
    let summary = std::fs::read_to_string(out.join("a/summary.csv")).unwrap();
    // 6 variants × 3 replications × (1 function + `*`).
    assert_eq!(summary.lines().count(), 1 + 36);
    let comparison = std::fs::read_to_string(out.join("comparison.csv")).unwrap();
    assert_eq!(comparison.lines().count(), 1 + 6 + 6);
    assert!(
        comparison
            .lines()
            .nth(7)
            .unwrap()
            .starts_with("b,keep_alive=fixed/5m memory_mb=256,2,")
    );
}

#[test]
fn a_bad_sweep_value_is_an_input_error_naming_the_variant() {
    let text = SWEPT.replace("[256, 512, 1024]", "[256, 64]");
    let e = lambdasim::scenario::parse_variants(&text, Path::new("s.toml")).unwrap_err();
    assert!(
        e.message
            .contains("in sweep variant `keep_alive=fixed/5m memory_mb=64`"),
        "{e}"
    );
    assert!(e.message.contains("between 128 and 10240"), "{e}");
}

#[test]
fn duplicate_sweep_values_and_a_swept_name_are_refused() {
    let err = |sweep: &str| {
        let text = SWEPT.split("[sweep]").next().unwrap().to_string() + "[sweep]\n" + sweep;
        match lambdasim::scenario::parse_variants(&text, Path::new("s.toml")) {
            Err(e) => e,
            Ok(_) => panic!("accepted: {sweep}"),
        }
    };
    let e = err("\"functions.api.memory_mb\" = [128, 256, 128]\n");
    assert!(e.message.contains("twice"), "{e}");
    assert_eq!(e.key.as_deref(), Some("sweep.\"functions.api.memory_mb\""));
    let e = err("name = [\"a\", \"b\"]\n");
    assert!(e.message.contains("cannot be swept"), "{e}");
    // Values that differ but read alike would make two variants of one name.
    let e = err("\"functions.api.error_rate\" = [0.5, \"0.5\"]\n");
    assert!(e.message.contains("both be named"), "{e}");
}
