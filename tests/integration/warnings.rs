//! Valid input that is probably a mistake: accepted, warned of on stderr (in `--check`
//! too) at the key, never changing the exit status unless `--deny-warnings`.

use assert_cmd::Command;
use std::path::Path;

const BASE: &str = r#"
duration = "10m"
[[functions]]
name = "api"
duration = "100ms"
[[sources]]
service = "api_gateway"
arrival = { process = "poisson", rate = 5.0 }
"#;

/// `--check` and `--check --deny-warnings` of `text`: (status, stderr) of each.
fn check(dir: &Path, text: &str) -> [(Option<i32>, String); 2] {
    let p = dir.join("w.toml");
    std::fs::write(&p, text).unwrap();
    [false, true].map(|deny| {
        let mut c = Command::cargo_bin("lambdasim").unwrap();
        c.arg(&p).arg("--check").arg("-o").arg(dir.join("o"));
        if deny {
            c.arg("--deny-warnings");
        }
        let out = c.output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    })
}

fn assert_warns(dir: &Path, text: &str, key: &str, what: &str) {
    let [(code, err), (denied, denied_err)] = check(dir, text);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        err.contains("warning: ") && err.contains(&format!("`{key}`")) && err.contains(what),
        "{err}"
    );
    assert_eq!(denied, Some(2), "{denied_err}");
    assert!(
        denied_err.contains("--deny-warnings makes them errors"),
        "{denied_err}"
    );
}

#[test]
fn a_clean_scenario_warns_of_nothing_and_passes_deny_warnings() {
    let d = tempfile::tempdir().unwrap();
    let [(code, err), (denied, _)] = check(d.path(), BASE);
    assert_eq!((code, denied), (Some(0), Some(0)), "{err}");
    assert!(!err.contains("warning"), "{err}");
}

#[test]
fn a_constant_duration_over_the_timeout_warns_that_every_call_times_out() {
    let d = tempfile::tempdir().unwrap();
    let text = BASE.replace(
        "duration = \"100ms\"",
        "duration = \"5s\"\ntimeout = \"3s\"",
    );
    assert_warns(
        d.path(),
        &text,
        "functions[0].duration",
        "every one times out",
    );
    // At the timeout exactly, it does not time out: no warning.
    let text = BASE.replace(
        "duration = \"100ms\"",
        "duration = \"3s\"\ntimeout = \"3s\"",
    );
    assert!(!check(d.path(), &text)[0].1.contains("warning"));
}

#[test]
fn an_empty_or_header_only_trace_warns_that_the_source_offers_nothing() {
    let d = tempfile::tempdir().unwrap();
    for (file, body, format) in [
        ("empty.txt", "", "timestamps"),
        (
            "header.csv",
            "app,func,end_timestamp,duration\n",
            "azure2021",
        ),
    ] {
        let p = d.path().join(file);
        std::fs::write(&p, body).unwrap();
        let text = BASE.replace(
            "{ process = \"poisson\", rate = 5.0 }",
            &format!(
                "{{ process = \"trace\", format = \"{format}\", path = \"{}\" }}",
                p.display()
            ),
        );
        assert_warns(
            d.path(),
            &text,
            "sources[0].arrival.path",
            "holds no arrivals",
        );
    }
}

#[test]
fn a_trace_with_arrivals_does_not_warn_that_it_offers_nothing() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("t.txt");
    std::fs::write(&p, "0.5\n1.5\n").unwrap();
    let text = BASE.replace(
        "{ process = \"poisson\", rate = 5.0 }",
        &format!(
            "{{ process = \"trace\", format = \"timestamps\", path = \"{}\" }}",
            p.display()
        ),
    );
    let [(code, err), (denied, _)] = check(d.path(), &text);
    assert_eq!((code, denied), (Some(0), Some(0)), "{err}");
    assert!(!err.contains("holds no arrivals"), "{err}");
}

#[test]
fn a_provisioned_step_after_the_end_of_the_run_warns_that_it_never_applies() {
    let d = tempfile::tempdir().unwrap();
    let text = BASE.replace(
        "duration = \"100ms\"",
        "duration = \"100ms\"\nprovisioned_concurrency = [{ at = \"0s\", value = 2 }, { at = \"10m\", value = 50 }]",
    );
    assert_warns(
        d.path(),
        &text,
        "functions[0].provisioned_concurrency",
        "the step to 50 at 10m comes at or after the end of the run",
    );
}

#[test]
fn runs_estimated_over_an_hour_warn_with_the_estimate() {
    let d = tempfile::tempdir().unwrap();
    // 10,000 replications of 1 h at a million a second: 3.6e13 requests, hours on a
    // thousand cores.
    let text = BASE.replace("rate = 5.0", "rate = 1000000.0").replace(
        "duration = \"10m\"",
        "duration = \"1h\"\nreplications = 10000",
    );
    let [(code, err), _] = check(d.path(), &text);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        err.contains(" 10000 run(s) of about 3.60e13 requests") && err.contains("hours"),
        "{err}"
    );
    // A tenth of a core-hour does not warn.
    let text = BASE.replace("rate = 5.0", "rate = 1000.0");
    assert!(!check(d.path(), &text)[0].1.contains("warning"));
    // The estimate: requests / 2 M a second / the threads (at most one per run).
    let on = |text: &str, jobs: &str| {
        let p = d.path().join("j.toml");
        std::fs::write(&p, text).unwrap();
        let out = Command::cargo_bin("lambdasim")
            .unwrap()
            .arg(&p)
            .args(["--check", "-j", jobs, "-o"])
            .arg(d.path().join("o"))
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let big = BASE.replace("rate = 5.0", "rate = 1000000.0").replace(
        "duration = \"10m\"",
        "duration = \"1h\"\nreplications = 10000",
    );
    let err = on(&big, "2");
    assert!(
        err.contains("may take about 2500.0 hours on 2 core(s)"),
        "{err}"
    );
    // Exactly an hour on one core (7.2e9 requests) does not warn; a little more does.
    let hour = BASE
        .replace("rate = 5.0", "rate = 2000000.0")
        .replace("duration = \"10m\"", "duration = \"1h\"");
    assert!(!on(&hour, "1").contains("warning"), "{}", on(&hour, "1"));
    let more = hour.replace("rate = 2000000.0", "rate = 2000100.0");
    assert!(on(&more, "1").contains("may take about 1.0 hours on 1 core(s)"));
}
