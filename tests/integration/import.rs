//! `lambdasim import` end to end: what it prints, the scenario it writes, and that the
//! scenario's run reproduces the log; its refusals.

use assert_cmd::Command;
use lambdasim::billing::Architecture;
use lambdasim::scenario::import::logged_cost;
use lambdasim::sources::cloudwatch::LogSummary;
use predicates::prelude::*;
use std::path::{Path, PathBuf};

fn lambdasim() -> Command {
    Command::cargo_bin("lambdasim").expect("binary built")
}

fn logs(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios/logs")
        .join(name)
}

#[test]
fn an_import_says_what_the_log_holds_and_its_scenario_reproduces_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("api.toml");
    let text = std::fs::read_to_string(logs("formats/tail.txt")).unwrap();
    let cold = text
        .lines()
        .filter(|l| l.contains("Init Duration:"))
        .count();
    let errors = text.lines().filter(|l| l.contains("Status: error")).count();
    lambdasim()
        .args(["import", "--name", "api", "--out"])
        .arg(&out)
        .arg(logs("formats/events.json"))
        .assert()
        .success()
        .stdout(predicate::str::contains(format!(
            "Logged: 300 invocations, {cold} cold starts ({:.2} %)",
            100.0 * cold as f64 / 300.0
        )))
        .stdout(predicate::str::contains(format!(
            "{errors} errors, 0 timeouts"
        )))
        .stdout(predicate::str::contains("Memory: 512 MB × 300"))
        .stdout(predicate::str::contains("INIT billed"))
        .stdout(predicate::str::contains("aws logs JSON"))
        .stdout(predicate::str::contains(format!(
            "Replayed by this scenario: 300 requests, {cold} cold starts, {errors} failed"
        )))
        .stdout(predicate::str::contains(
            "Cold starts simulated instead (keep-alive fixed 6m)",
        ))
        .stdout(predicate::str::contains("% against the log)"))
        .stdout(predicate::str::contains("The fitted model alone"));
    let scenario = std::fs::read_to_string(&out).unwrap();
    assert!(scenario.starts_with("# api: imported by `lambdasim import`."));
    assert!(scenario.contains("cold_starts = \"trace\""));
    assert!(scenario.contains("# Replayed by this scenario: 300 requests"));
    assert!(scenario.contains("process = \"weekly\"\ntraffic_scale = 0.0"));
    // The log starts on Monday 2025-09-01 at 00:01.
    assert!(scenario.contains("week_offset = \"60s\""), "{scenario}");
    assert!(scenario.contains("# Fitted: the logged INIT durations."));
    // Billing as the log's cold starts show it; one function, so no per-function headers.
    assert!(scenario.contains("bill_init = true   # as the logged cold starts were billed"));
    assert!(!scenario.contains("# Function "), "{scenario}");
    // The written scenario runs, and reproduces the log: requests, cold starts, errors,
    // and the cost to the cent (to float rounding: the same sum, billed the same way).
    let sc = lambdasim::scenario::load_variants(&out).unwrap().remove(0);
    let r = lambdasim::model::simulate(&sc, sc.seed, 0);
    crate::assert_conserved(&r);
    let f = &r.functions[0];
    assert_eq!(
        (f.requests, f.cold_starts, f.errors),
        (300, cold as u64, errors as u64)
    );
    let summary = LogSummary::read(&[logs("formats/events.json")]).unwrap();
    let (req, dur) = logged_cost(&summary, Architecture::X86_64);
    let cost = r.total.costs.total();
    assert!(
        (cost - (req + dur)).abs() <= 1e-12 * cost,
        "{cost} vs {}",
        req + dur
    );
    assert_eq!(f.costs.billed_gb_seconds, summary.gb_seconds());
}

#[test]
fn an_existing_file_is_kept_unless_forced() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("api.toml");
    std::fs::write(&out, "# mine\n").unwrap();
    lambdasim()
        .args(["import", "--out"])
        .arg(&out)
        .arg(logs("formats/sam.txt"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("exists already"))
        .stderr(predicate::str::contains("--force"));
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "# mine\n");
    lambdasim()
        .args(["import", "--force", "-q", "--out"])
        .arg(&out)
        .arg(logs("formats/sam.txt"))
        .assert()
        .success()
        .stdout("");
    assert!(
        std::fs::read_to_string(&out)
            .unwrap()
            .contains("name = \"sam\"")
    );
}

#[test]
fn a_log_without_reports_is_an_input_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("app.log");
    std::fs::write(
        &log,
        "START RequestId: a Version: $LATEST\nhello\nEND RequestId: a\n",
    )
    .unwrap();
    lambdasim()
        .current_dir(dir.path())
        .args(["import"])
        .arg(&log)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no REPORT line"))
        .stderr(predicate::str::contains("app.log"));
    assert!(!dir.path().join("app.toml").exists());
    lambdasim()
        .current_dir(dir.path())
        .args(["import", "--name", "a/b"])
        .arg(logs("formats/sam.txt"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("`--name`"));
}

#[test]
fn one_folder_per_function_imports_them_together_on_one_clock() {
    // Two log groups exported to folders: `checkout` (the sam export) and `orders` (the
    // tail export, 300 invocations each). One scenario, a function each, both traces
    // starting at the earliest minute of either.
    let dir = tempfile::tempdir().unwrap();
    for (folder, file) in [("checkout", "sam.txt"), ("orders", "tail.txt")] {
        std::fs::create_dir(dir.path().join(folder)).unwrap();
        std::fs::copy(
            logs(&format!("formats/{file}")),
            dir.path().join(folder).join(file),
        )
        .unwrap();
    }
    lambdasim()
        .current_dir(dir.path())
        .args(["import", "--name", "shop", "checkout", "orders"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Function checkout:"))
        .stdout(predicate::str::contains("Function orders:"))
        .stdout(predicate::str::contains(
            "Replayed by this scenario: 600 requests",
        ));
    let out = dir.path().join("shop.toml");
    let text = std::fs::read_to_string(&out).unwrap();
    // Two functions: a header for each.
    assert_eq!(text.matches("\n# Function ").count(), 2, "{text}");
    assert_eq!(text.matches("start = \"2025-09-01T00:01:00Z\"").count(), 2);
    let sc = lambdasim::scenario::load_variants(&out).unwrap().remove(0);
    let names: Vec<&str> = sc.functions.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["checkout", "orders"]);
    let r = lambdasim::model::simulate(&sc, sc.seed, 0);
    let tail = std::fs::read_to_string(logs("formats/tail.txt")).unwrap();
    let cold = tail
        .lines()
        .filter(|l| l.contains("Init Duration:"))
        .count() as u64;
    for f in &r.functions {
        assert_eq!((f.requests, f.cold_starts), (300, cold), "{}", f.function);
    }
    // Files and folders together are refused.
    lambdasim()
        .current_dir(dir.path())
        .args(["import", "--force", "checkout", "orders/tail.txt"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not both"));
}

#[test]
fn a_snapstart_log_imports_as_snapstart_and_replays_its_billed_restores() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("java.log");
    // Cold starts restore (no Init Duration, as SnapStart logs them); warm ones do not.
    let line = |t: &str, id: &str, duration: &str, billed: u64, restore: Option<(&str, u64)>| {
        let r = restore.map_or(String::new(), |(r, b)| {
            format!("Restore Duration: {r} ms\tBilled Restore Duration: {b} ms\t")
        });
        format!(
            "2025-09-01T00:{t}.000Z REPORT RequestId: {id}\tDuration: {duration} ms\tBilled Duration: {billed} ms\tMemory Size: 1024 MB\tMax Memory Used: 200 MB\t{r}\n"
        )
    };
    std::fs::write(
        &log,
        [
            line("00:01", "a", "3000.00", 3000, Some(("474.16", 194))),
            line("00:05", "b", "12.30", 13, None),
            line("00:06", "c", "20.01", 21, Some(("300.00", 120))),
            line("10:00", "d", "5.00", 5, None),
        ]
        .concat(),
    )
    .unwrap();
    let out = dir.path().join("java.toml");
    lambdasim()
        .args(["import", "--name", "java-api", "--out"])
        .arg(&out)
        .arg(&log)
        .assert()
        .success()
        .stdout(predicate::str::contains("SnapStart restores: 2"));
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.contains("snapstart = true"), "{text}");
    // (194 + 120 − ½ ms for each rounded-up restore) / (474.16 + 300.00)
    assert!(text.contains("billed_restore_share = 0.4043"), "{text}");
    let sc = lambdasim::scenario::load_variants(&out).unwrap().remove(0);
    assert!(sc.functions[0].snapstart.is_some());
    let r = lambdasim::model::simulate(&sc, sc.seed, 0);
    let f = &r.functions[0];
    assert_eq!((f.requests, f.cold_starts, f.restores), (4, 2, 2));
    // Billed request by request: Billed Duration + Billed Restore Duration.
    let billed_ms = 3000 + 194 + 13 + 21 + 120 + 5;
    assert_eq!(f.costs.billed_gb_seconds, billed_ms as f64 / 1000.0);
    let summary = LogSummary::read(std::slice::from_ref(&log)).unwrap();
    assert_eq!(summary.gb_seconds(), billed_ms as f64 / 1000.0);
    // The cold start's latency is its restore and its duration.
    assert_eq!(f.latency.max_ms, 3474.16);
}

#[test]
fn restores_that_took_no_time_have_no_billed_share() {
    // Restore Durations of 0 ms give no share to fit: 0, not a division by zero.
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("java.log");
    std::fs::write(
        &log,
        "2025-09-01T00:00:01.000Z REPORT RequestId: a\tDuration: 10.00 ms\tBilled Duration: 10 ms\t\
         Memory Size: 1024 MB\tMax Memory Used: 200 MB\tRestore Duration: 0.00 ms\t\
         Billed Restore Duration: 0 ms\t\n",
    )
    .unwrap();
    let out = dir.path().join("java.toml");
    lambdasim()
        .args(["import", "--out"])
        .arg(&out)
        .arg(&log)
        .assert()
        .success();
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.contains("billed_restore_share = 0.0000\n"), "{text}");
}

#[test]
fn the_fitted_week_starts_where_the_log_does() {
    // A log that starts on Thursday 2025-09-04 at 13:30:20 UTC: its run starts at the
    // minute, 3 days, 13 hours and 30 minutes into the week (which starts on Monday).
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("thu.txt");
    let line = |t: &str, id: u32| {
        format!(
            "{t} s REPORT RequestId: {id:08}-0000-0000-0000-000000000000\tDuration: 100.00 ms\t\
             Billed Duration: 100 ms\tMemory Size: 512 MB\tMax Memory Used: 100 MB\t\n"
        )
    };
    let text =
        line("2025-09-04T13:30:20.000000+00:00", 1) + &line("2025-09-04T14:10:00.000000+00:00", 2);
    std::fs::write(&log, text).unwrap();
    let out = dir.path().join("thu.toml");
    let printed = lambdasim()
        .args(["import", "--out"])
        .arg(&out)
        .arg(&log)
        .output()
        .unwrap();
    assert!(printed.status.success());
    let printed = String::from_utf8(printed.stdout).unwrap();
    // What it found: the period to the minute and in days, and no lines for what the log
    // does not hold (restores, malformed reports, reports without a time).
    assert!(
        printed.contains("Period: 2025-09-04 13:30 UTC to 2025-09-04 14:10 UTC (0.03 days)"),
        "{printed}"
    );
    for absent in [
        "SnapStart",
        "Malformed",
        "without a time",
        "against the log",
    ] {
        assert!(!printed.contains(absent), "{absent}: {printed}");
    }
    assert!(
        printed.contains("on the logged arrivals: 2\n"),
        "no cold start logged, so no share against the log: {printed}"
    );
    // The fitted model runs alone, without the replay: its first request is a cold start
    // (the replay, whose cold starts are the logged ones, has none).
    let fitted = printed
        .lines()
        .find(|l| l.starts_with("The fitted model alone"))
        .unwrap();
    let numbers: Vec<u64> = fitted
        .split(": ")
        .nth(1)
        .unwrap()
        .split(", ")
        .take(2)
        .map(|w| w.split(' ').next().unwrap().parse().unwrap())
        .collect();
    assert!(numbers[0] >= 1 && numbers[1] >= 1, "{fitted}");
    let scenario = std::fs::read_to_string(&out).unwrap();
    // From 13:30, the first arrival's minute, past the last report at 14:10.
    assert!(scenario.contains("duration = \"41m\""), "{scenario}");
    // One file: its path alone; no INIT or restore was logged, so none is fitted.
    assert!(scenario.contains("path = \"thu.txt\""), "{scenario}");
    assert!(!scenario.contains("logged INIT durations"), "{scenario}");
    assert!(!scenario.contains("restore"), "{scenario}");
    let offset = 3 * 86_400 + 13 * 3600 + 30 * 60;
    assert!(
        scenario.contains(&format!("week_offset = \"{offset}s\"")),
        "{scenario}"
    );
    assert!(
        scenario.contains("start = \"2025-09-04T13:30:00Z\""),
        "{scenario}"
    );
}

#[test]
fn logs_from_before_august_2025_bill_no_init_across_functions() {
    // Two functions whose cold starts were billed without their INIT (Billed Duration =
    // ceil(Duration)): the evidence of both says bill_init = false.
    let dir = tempfile::tempdir().unwrap();
    for (i, folder) in ["a", "b"].iter().enumerate() {
        std::fs::create_dir(dir.path().join(folder)).unwrap();
        let text: String = (0..3)
            .map(|k| {
                format!(
                    "2025-03-0{}T10:0{k}:00.000Z REPORT RequestId: {folder}{k}\tDuration: 100.40 ms\t\
                     Billed Duration: 101 ms\tMemory Size: 256 MB\tMax Memory Used: 80 MB\t\
                     Init Duration: 300.00 ms\t\n",
                    i + 1
                )
            })
            .collect();
        std::fs::write(dir.path().join(folder).join("log.txt"), text).unwrap();
    }
    lambdasim()
        .current_dir(dir.path())
        .args(["import", "--name", "old", "a", "b"])
        .assert()
        .success()
        .stdout(predicate::str::contains("INIT not billed"));
    let text = std::fs::read_to_string(dir.path().join("old.toml")).unwrap();
    assert!(text.contains("bill_init = false"), "{text}");
}
