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
init = "0s"
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
    // 400 ms at the reference 512 MB, CPU-bound, no INIT: exactly 800, 400 and 200 ms.
    let max: Vec<f64> = reports
        .iter()
        .take(3)
        .map(|r| r.functions[0].latency.max_ms)
        .collect();
    assert_eq!(max, [800.0, 400.0, 200.0]);
    let mean: Vec<f64> = reports
        .iter()
        .take(3)
        .map(|r| r.functions[0].latency.mean_ms)
        .collect();
    assert_eq!(mean, [800.0, 400.0, 200.0]);
    let none = &reports[4].functions[0];
    assert_eq!(none.cold_starts, none.invocations);
    // (That every variant sees the same arrivals through the runner is tested in
    // `seeds::every_variant_of_a_sweep_runs_on_the_same_seeds_and_arrivals`.)
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
    // The first variant's row against a hand-computed Student-t interval over its three
    // replications' `*` rows: mean ± t(0.975, 2) · s / √3, t = 4.302653. The writer uses
    // a 3-decimal t table (4.303), hence the relative tolerance of 1e-4; both files print
    // 6 decimals, hence 1e-6 absolute.
    let table = |text: &str| -> Vec<std::collections::HashMap<String, String>> {
        let mut lines = text.lines();
        let head: Vec<String> = lines.next().unwrap().split(',').map(String::from).collect();
        lines
            .map(|l| {
                head.iter()
                    .cloned()
                    .zip(l.split(',').map(String::from))
                    .collect()
            })
            .collect()
    };
    let first = "keep_alive=fixed/5m memory_mb=256";
    let reps: Vec<_> = table(&summary)
        .into_iter()
        .filter(|r| r["variant"] == first && r["function"] == "*")
        .collect();
    assert_eq!(reps.len(), 3);
    let row = &table(&variants)[0];
    for (summary_key, variants_key) in [
        ("requests", "requests"),
        ("total_cost_usd", "total_cost_usd"),
        ("mean_instances", "mean_instances"),
    ] {
        let xs: Vec<f64> = reps
            .iter()
            .map(|r| r[summary_key].parse().unwrap())
            .collect();
        // summary.csv rounds each value to its last printed decimal: the hand computation
        // carries that rounding (half a unit in the mean, at most t/√2 units in the ±).
        let decimals = reps[0][summary_key].split('.').nth(1).map_or(0, str::len);
        let unit = 10f64.powi(-(decimals as i32));
        let mean = xs.iter().sum::<f64>() / 3.0;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / 2.0;
        let half = 4.302_653 * (var / 3.0).sqrt();
        let got_mean: f64 = row[&format!("{variants_key}_mean")].parse().unwrap();
        let got_ci: f64 = row[&format!("{variants_key}_ci95")].parse().unwrap();
        assert!(
            (got_mean - mean).abs() <= 1e-6 + unit / 2.0,
            "{variants_key}: {got_mean} vs {mean}"
        );
        assert!(half > 0.0, "{variants_key}: the replications differ");
        assert!(
            (got_ci - half).abs() <= 1e-4 * half + 1e-6 + 3.05 * unit,
            "{variants_key}: ±{got_ci} vs ±{half}"
        );
    }
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
