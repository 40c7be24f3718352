//! The memory a command needs, estimated before it runs: over the budget, refused by
//! `--check` and by a run alike, with the estimate and the key to change.

use assert_cmd::Command;
use std::time::Duration;

fn check(text: &str, args: &[&str]) -> (Option<i32>, String) {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("m.toml");
    std::fs::write(&p, text).unwrap();
    let out = Command::cargo_bin("lambdasim")
        .unwrap()
        .arg(&p)
        .args(args)
        .arg("-o")
        .arg(d.path().join("o"))
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The review's case: 1 ms bins over 16 minutes, 100 replications (it died at 7.9 GB).
const FINE_SERIES: &str = r#"
duration = "16m"
replications = 100
[[functions]]
name = "a"
duration = "10ms"
[[sources]]
service = "api_gateway"
arrival = { process = "poisson", rate = 1.0 }
[output]
timeseries_interval = "1ms"
"#;

#[test]
fn time_series_that_would_exhaust_memory_are_refused_before_the_run_with_the_estimate() {
    for args in [&["--check"][..], &[][..]] {
        let (code, err) = check(FINE_SERIES, args);
        assert_eq!(code, Some(2), "{err}");
        assert!(err.contains("`output.timeseries_interval`"), "{err}");
        assert!(err.contains("more than the budget of 8 GiB"), "{err}");
        // 100 runs × 960,001 bins × a report row each: about 16 GiB kept.
        assert!(
            err.contains("100 run(s)") && err.contains("GiB of reports"),
            "{err}"
        );
    }
    // Ten replications fit; a larger budget takes the hundred.
    let (code, err) = check(
        &FINE_SERIES.replace("replications = 100", "replications = 10"),
        &["--check"],
    );
    assert_eq!(code, Some(0), "{err}");
    let (code, err) = check(FINE_SERIES, &["--check", "--max-memory", "64"]);
    assert_eq!(code, Some(0), "{err}");
    let (code, err) = check(FINE_SERIES, &["--check", "--max-memory", "0"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("greater than 0"), "{err}");
}

#[test]
fn millions_of_provisioned_environments_count_against_the_budget_at_their_key() {
    let text = FINE_SERIES
        .replace("replications = 100", "")
        .replace(
            "timeseries_interval = \"1ms\"",
            "timeseries_interval = \"1m\"",
        )
        .replace(
            "duration = \"10ms\"",
            "duration = \"10ms\"\nprovisioned_concurrency = 9900000",
        )
        .replace(
            "duration = \"16m\"",
            "duration = \"16m\"\n[account]\nconcurrency_limit = 10000000",
        );
    let (code, err) = check(&text, &["--check"]);
    assert_eq!(code, Some(0), "{err}");
    let (code, err) = check(&text, &["--check", "--max-memory", "0.5"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("`functions[0].provisioned_concurrency`"),
        "{err}"
    );
    assert!(err.contains("most of it environments"), "{err}");
}
