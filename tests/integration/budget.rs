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

/// The review's case with twenty functions: each run holds 20 × 960,001 bins.
fn twenty_functions() -> String {
    let mut text = FINE_SERIES
        .replace("replications = 100", "replications = 10")
        .replace(
            "service = \"api_gateway\"",
            "service = \"api_gateway\"\nfunction = \"a\"",
        );
    for k in 1..20 {
        text.push_str(&format!(
            "[[functions]]\nname = \"f{k}\"\nduration = \"10ms\"\n"
        ));
    }
    text
}

#[test]
fn time_series_that_would_exhaust_memory_are_refused_before_the_run_with_the_estimate() {
    let many = twenty_functions();
    for args in [&["--check", "-j", "2"][..], &["-j", "2"][..]] {
        let (code, err) = check(&many, args);
        assert_eq!(code, Some(2), "{err}");
        assert!(err.contains("`output.timeseries_interval`"), "{err}");
        assert!(err.contains("(most of it time series)"), "{err}");
        assert!(err.contains("more than the budget of 8 GiB"), "{err}");
        // 2 at once × 20 functions × 960,001 bins × (a running bin and a report row).
        assert!(
            err.contains("10 run(s)") && err.contains("2 at once take 8.2 GiB each"),
            "{err}"
        );
    }
    // Under a budget of 12 GiB, one thread (one run at once) fits and two do not.
    let (code, err) = check(&many, &["--check", "-j", "1", "--max-memory", "12"]);
    assert_eq!(code, Some(0), "{err}");
    let (code, err) = check(&many, &["--check", "-j", "2", "--max-memory", "12"]);
    assert_eq!(code, Some(2), "{err}");
    // The review's hundred replications of one function: each run's rows go to disk as it
    // ends, and only the charted run keeps its series: about 1 GiB with two threads.
    let (code, err) = check(FINE_SERIES, &["--check", "-j", "2"]);
    assert_eq!(code, Some(0), "{err}");
    let (code, err) = check(FINE_SERIES, &["--check", "-j", "2", "--max-memory", "0.9"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("about 1.0 GiB"), "{err}");
    assert!(err.contains("keep 0.2 GiB of reports"), "{err}");
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
