//! The binary end to end: outputs, determinism across --jobs, and input errors on stderr.

use assert_cmd::Command;
use predicates::prelude::*;
use std::path::Path;

fn lambdasim() -> Command {
    Command::cargo_bin("lambdasim").expect("binary built")
}

const SMALL: &str = r#"
description = "a small API"
duration = "5m"
seed = 9
replications = 2
[[functions]]
name = "api"
memory_mb = 256
duration = { dist = "lognormal", median = "80ms", sigma = 0.5 }
[[sources]]
service = "api_gateway"
arrival = [{ process = "poisson", rate = 30.0 }, { process = "burst", at = "2m", count = 400, over = "1s" }]
"#;

fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn read_all(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = walk(dir)
        .into_iter()
        .map(|p| {
            (
                p.strip_prefix(dir).unwrap().display().to_string(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p))
        } else {
            out.push(p)
        }
    }
    out
}

#[test]
fn writes_summary_timeseries_and_charts_and_prints_a_table() {
    let d = tempfile::tempdir().unwrap();
    let sc = write(d.path(), "small.toml", SMALL);
    let out = d.path().join("out");
    lambdasim()
        .arg(&sc)
        .arg("--out")
        .arg(&out)
        .assert()
        .success()
        .stdout(predicate::str::contains("requests").and(predicate::str::contains("small")));
    let summary = std::fs::read_to_string(out.join("small/summary.csv")).unwrap();
    let header = summary.lines().next().unwrap();
    assert!(header.starts_with(
        "scenario,variant,replication,function,requests,succeeded,failed,unfinished,invocations,\
cold_starts,cold_start_ratio,throttles,errors,timeouts,retries,dry_runs,latency_mean_ms,\
latency_p50_ms,latency_p90_ms,latency_p99_ms,latency_max_ms,max_concurrency,mean_concurrency,\
mean_instances,billed_gb_seconds,idle_gb_seconds,request_cost_usd,compute_cost_usd,\
provisioned_cost_usd,total_cost_usd"
    ));
    // 2 replications × (1 function + "*")
    assert_eq!(summary.lines().count(), 1 + 4);
    assert!(summary.contains("small,base,1,*,"));
    let ts = std::fs::read_to_string(out.join("small/timeseries.csv")).unwrap();
    assert!(ts.starts_with(
        "scenario,variant,replication,function,time_s,arrivals,invocations,cold_starts,throttles,\
concurrency,instances_busy,instances_idle,instances_initializing,queue_depth,cost_usd"
    ));
    // 5 min at the default 1 s interval, 2 replications.
    assert_eq!(ts.lines().count(), 1 + 2 * 300);
    for chart in [
        "concurrency",
        "latency_cdf",
        "cold_starts_throttles",
        "cost",
    ] {
        for ext in ["svg", "png"] {
            let p = out.join(format!("small/{chart}.{ext}"));
            assert!(
                std::fs::metadata(&p)
                    .map(|m| m.len() > 1000)
                    .unwrap_or(false),
                "{}",
                p.display()
            );
        }
    }
    let d2 = tempfile::tempdir().unwrap();
    lambdasim()
        .arg(&sc)
        .arg("-o")
        .arg(d2.path())
        .args(["--no-charts", "-q"])
        .assert()
        .success()
        .stdout("");
    assert!(!d2.path().join("small/concurrency.png").exists());
}

#[test]
fn outputs_are_identical_whatever_the_jobs_and_the_grouping() {
    let d = tempfile::tempdir().unwrap();
    let a = write(d.path(), "a.toml", SMALL);
    let b = write(d.path(), "b.toml", &SMALL.replace("seed = 9", "seed = 10"));
    let c = write(
        d.path(),
        "c.toml",
        &SMALL.replace("rate = 30.0", "rate = 5.0"),
    );
    // Asynchronous, throttled, retried, traced.
    let e = write(
        d.path(),
        "e.toml",
        &SMALL
            .replace("service = \"api_gateway\"", "service = \"s3\"")
            .replace(
                "memory_mb = 256",
                "memory_mb = 256\nreserved_concurrency = 3\nerror_rate = 0.2",
            )
            .replace(
                "replications = 2",
                "replications = 2\n[output]\ntrace = true\ninvocations = true",
            ),
    );
    let (a, b, c) = (&[a, e][..], b, c);
    let together = d.path().join("together");
    let serial = d.path().join("serial");
    let one_by_one = d.path().join("one");
    lambdasim()
        .args(a)
        .args([&b, &c])
        .arg("-o")
        .arg(&together)
        .arg("-q")
        .assert()
        .success()
        .stdout("");
    lambdasim()
        .args(a)
        .args([&b, &c])
        .arg("-o")
        .arg(&serial)
        .args(["-q", "--jobs", "1"])
        .assert()
        .success();
    for s in a.iter().chain([&b, &c]) {
        lambdasim()
            .arg(s)
            .arg("-o")
            .arg(&one_by_one)
            .arg("-q")
            .assert()
            .success();
    }
    let t = read_all(&together);
    assert!(t.len() >= 8);
    assert!(t.iter().any(|(name, _)| name.ends_with("trace.json")));
    assert!(t.iter().any(|(name, _)| name.ends_with("queue.png")));
    assert_eq!(t, read_all(&serial));
    // Several scenarios in one command also write comparison.csv at the root.
    let (cmp, per_file): (Vec<_>, Vec<_>) = t
        .into_iter()
        .partition(|(name, _)| name == "comparison.csv" || name == "index.html");
    assert_eq!(cmp.len(), 2);
    let cmp: Vec<_> = cmp
        .into_iter()
        .filter(|(n, _)| n == "comparison.csv")
        .collect();
    let text = String::from_utf8(cmp[0].1.clone()).unwrap();
    assert_eq!(
        text.lines().count(),
        1 + 4,
        "one row per scenario and variant"
    );
    assert_eq!(per_file, read_all(&one_by_one));
}

#[test]
fn seed_flag_overrides_the_file() {
    let d = tempfile::tempdir().unwrap();
    let a = write(d.path(), "a.toml", SMALL);
    let run = |seed: &str, out: &str| {
        lambdasim()
            .arg(&a)
            .arg("-o")
            .arg(d.path().join(out))
            .args(["-q", "--no-charts", "--seed", seed])
            .assert()
            .success();
        std::fs::read(d.path().join(out).join("a/summary.csv")).unwrap()
    };
    assert_eq!(run("1", "x"), run("1", "y"));
    assert_ne!(run("1", "x"), run("2", "z"));
}

#[test]
fn check_validates_and_writes_nothing() {
    let d = tempfile::tempdir().unwrap();
    let a = write(d.path(), "a.toml", SMALL);
    lambdasim()
        .arg(&a)
        .arg("-o")
        .arg(d.path().join("o"))
        .arg("--check")
        .assert()
        .success()
        .stdout(
            predicate::str::contains("a: ok").and(predicate::str::contains("source api_gateway")),
        );
    assert!(!d.path().join("o").exists());
    // Each function's line names its memory and architecture.
    let arm = write(
        d.path(),
        "arm.toml",
        &SMALL.replace(
            "memory_mb = 256",
            "memory_mb = 256\narchitecture = \"arm64\"",
        ),
    );
    for (file, arch) in [(&a, "x86_64"), (&arm, "arm64")] {
        lambdasim()
            .arg(file)
            .arg("--check")
            .assert()
            .success()
            .stdout(predicate::str::contains(format!("256 MB {arch}, timeout")));
    }
}

#[test]
fn a_misspelt_key_is_an_input_error_with_position_and_suggestion() {
    let d = tempfile::tempdir().unwrap();
    let a = write(
        d.path(),
        "bad.toml",
        &SMALL.replace("memory_mb = 256", "memroy_mb = 256"),
    );
    lambdasim()
        .arg(&a)
        .arg("-o")
        .arg(d.path().join("o"))
        .assert()
        .code(2)
        .stdout("")
        .stderr(
            predicate::str::contains("bad.toml:8:1")
                .and(predicate::str::contains("functions[0].memroy_mb"))
                .and(predicate::str::contains("did you mean `memory_mb`?"))
                .and(predicate::str::contains("panicked").not()),
        );
    assert!(
        !d.path().join("o").exists(),
        "nothing written on invalid input"
    );
}

#[test]
fn invalid_values_and_missing_files_exit_with_status_2() {
    let d = tempfile::tempdir().unwrap();
    for (text, needle) in [
        (
            SMALL.replace("memory_mb = 256", "memory_mb = 99999"),
            "between 128 and 10240",
        ),
        (SMALL.replace("\"5m\"", "\"5 parsecs\""), "not a duration"),
        (
            SMALL.replace("api_gateway\"", "sqs\"\nbatch_size = 100"),
            "batching_window",
        ),
        (
            SMALL.replace("api_gateway\"", "s3\"\ninvocation = \"RequestResponse\""),
            "allowed: Event",
        ),
        (SMALL.replace("rate = 30.0", "rate = -3.0"), "rate"),
        ("duration = [".to_string(), "bad.toml:1"),
        (String::new(), "duration"),
    ] {
        let a = write(d.path(), "bad.toml", &text);
        lambdasim()
            .arg(&a)
            .arg("-o")
            .arg(d.path().join("o"))
            .assert()
            .code(2)
            .stderr(
                predicate::str::contains(needle)
                    .and(predicate::str::starts_with("error: "))
                    .and(predicate::str::contains("panicked").not()),
            );
    }
    lambdasim()
        .arg(d.path().join("missing.toml"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("missing.toml"));
    lambdasim()
        .arg("--jobs")
        .arg("0")
        .arg("x.toml")
        .assert()
        .code(2);
}

#[test]
fn two_scenarios_with_one_name_are_refused() {
    let d = tempfile::tempdir().unwrap();
    let a = write(d.path(), "a.toml", &format!("name = \"same\"\n{SMALL}"));
    let b = write(d.path(), "b.toml", &format!("name = \"same\"\n{SMALL}"));
    lambdasim()
        .args([&a, &b])
        .arg("-o")
        .arg(d.path().join("o"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("same"));
}

#[test]
fn every_shipped_scenario_is_valid() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut n = 0;
    for e in std::fs::read_dir(&root).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "toml") {
            lambdasim().arg(&p).arg("--check").assert().success();
            let text = std::fs::read_to_string(&p).unwrap();
            assert!(
                text.starts_with('#'),
                "{} needs a comment header",
                p.display()
            );
            n += 1;
        }
    }
    assert!(n >= 4, "found {n} scenarios");
}

#[test]
fn invocations_csv_has_one_row_per_attempt() {
    let d = tempfile::tempdir().unwrap();
    let text = format!(
        "{}\n[account]\nconcurrency_limit = 10\n[output]\ninvocations = true\ncharts = false\n",
        SMALL.replace("replications = 2", "replications = 1")
    );
    let a = write(d.path(), "inv.toml", &text);
    lambdasim()
        .arg(&a)
        .arg("-o")
        .arg(d.path())
        .arg("-q")
        .assert()
        .success();
    let inv = std::fs::read_to_string(d.path().join("inv/invocations.csv")).unwrap();
    let summary = std::fs::read_to_string(d.path().join("inv/summary.csv")).unwrap();
    let total: Vec<&str> = summary.lines().last().unwrap().split(',').collect();
    let (requests, unfinished, invocations, throttles): (usize, usize, usize, usize) = (
        total[4].parse().unwrap(),
        total[7].parse().unwrap(),
        total[8].parse().unwrap(),
        total[11].parse().unwrap(),
    );
    assert!(throttles > 0, "the limit of 10 throttles the burst");
    assert!(inv.starts_with("scenario,variant,replication,request_id,function,source,invocation_type,attempt,arrival_ms,start_ms,end_ms,cold,init_ms,duration_ms,billed_ms,outcome\n"));
    // Every attempt that ended (completed or throttled) has a row.
    assert_eq!(
        inv.lines().count() - 1,
        invocations - unfinished + throttles
    );
    assert_eq!(
        inv.lines().filter(|l| l.ends_with(",throttled")).count(),
        throttles
    );
    assert!(requests >= invocations);
}

#[test]
fn rows_written_as_each_run_ends_equal_the_files_built_whole_from_the_reports() {
    // Each run writes its rows of timeseries.csv and invocations.csv to disk as it ends, in
    // whatever order the threads finish; the files joined in run order are those built
    // whole from every report, and nothing of the parts is left in the folder.
    let d = tempfile::tempdir().unwrap();
    let text = SMALL
        .replace("replications = 2", "replications = 3")
        .replace("service = \"api_gateway\"", "service = \"s3\"")
        .replace(
            "memory_mb = 256",
            "memory_mb = 256\nreserved_concurrency = 4",
        )
        + "[output]\ninvocations = true\ncharts = false\n[sweep]\n\"functions.api.memory_mb\" = [256, 512]\n";
    let p = write(d.path(), "s.toml", &text);
    let out = d.path().join("o");
    lambdasim()
        .arg(&p)
        .arg("-o")
        .arg(&out)
        .args(["-q", "--jobs", "2"])
        .assert()
        .success();
    let variants = lambdasim::scenario::parse_variants(&text, &p).unwrap();
    let opts = lambdasim::runner::RunOptions {
        jobs: Some(2),
        ..Default::default()
    };
    let runs: Vec<_> = lambdasim::runner::simulate_all(&variants, &opts)
        .unwrap()
        .into_iter()
        .flatten()
        .collect();
    assert_eq!(runs.len(), 6);
    let folder = out.join("s");
    let files = read_all(&folder);
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "invocations.csv",
            "report.html",
            "sources.csv",
            "summary.csv",
            "timeseries.csv",
            "variants.csv"
        ]
    );
    let file = |name: &str| std::fs::read(folder.join(name)).unwrap();
    use lambdasim::output::csv;
    assert_eq!(file("timeseries.csv"), csv::timeseries(&runs).unwrap());
    assert_eq!(file("invocations.csv"), csv::invocations(&runs).unwrap());
    assert_eq!(file("summary.csv"), csv::summary(&runs).unwrap());
    // Every run's rows, in run order.
    let rows = String::from_utf8(file("invocations.csv")).unwrap();
    let mut order: Vec<String> = rows
        .lines()
        .skip(1)
        .map(|l| l.split(',').skip(1).take(2).collect::<Vec<_>>().join(","))
        .collect();
    order.dedup();
    assert_eq!(
        order,
        [
            "memory_mb=256,0",
            "memory_mb=256,1",
            "memory_mb=256,2",
            "memory_mb=512,0",
            "memory_mb=512,1",
            "memory_mb=512,2"
        ]
    );
}

/// The table a run of `text` (written to `dir/name`) prints, up to the files written.
fn table_of(dir: &Path, name: &str, text: &str) -> String {
    let p = write(dir, name, text);
    let out = lambdasim()
        .arg(&p)
        .arg("-o")
        .arg(dir.join("out"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    stdout
        .lines()
        .take_while(|l| !l.starts_with("wrote "))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_table_shows_each_function_its_cold_starts_and_no_zero_for_a_non_zero_share() {
    // Two functions: one with 1 cold start in 200,000 invocations (0.0005 %: one
    // environment, free long before the next request), one that never runs; their rows,
    // then the run's `*` row.
    let d = tempfile::tempdir().unwrap();
    let text = r#"
name = "two"
duration = "200s"
[[functions]]
name = "hot"
duration = "500us"
init = "0s"
[[functions]]
name = "idle"
duration = "1ms"
[[sources]]
service = "api_gateway"
function = "hot"
arrival = { process = "constant", rate = 1000.0 }
[output]
charts = false
"#;
    let p = write(d.path(), "two.toml", text);
    let out = lambdasim()
        .arg(&p)
        .arg("-o")
        .arg(d.path().join("o"))
        .output()
        .unwrap();
    assert!(out.status.success());
    // Off a terminal, no progress is drawn.
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
    let stdout = String::from_utf8(out.stdout).unwrap();
    let rows: Vec<Vec<&str>> = stdout
        .lines()
        .take_while(|l| !l.starts_with("wrote "))
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(
        rows[0],
        [
            "scenario",
            "rep",
            "function",
            "requests",
            "cold",
            "cold",
            "%",
            "throttles",
            "failed",
            "p50",
            "ms",
            "p99",
            "ms",
            "cost",
            "$",
            "monthly",
            "$"
        ]
    );
    assert_eq!(rows.len(), 4, "{stdout}");
    // Names are aligned left, figures right.
    let lines: Vec<&str> = stdout.lines().collect();
    let (header, hot) = (lines[0], lines[1]);
    assert!(hot.starts_with("two "), "{stdout}");
    assert_eq!(header.find("function"), hot.find("hot"), "{stdout}");
    let end = |line: &str, word: &str| line.find(word).map(|k| k + word.len());
    assert_eq!(end(header, "requests"), end(hot, "200000"), "{stdout}");
    assert_eq!(rows[1][..6], ["two", "0", "hot", "200000", "1", "0.00050"]);
    assert_eq!(rows[2][..6], ["two", "0", "idle", "0", "0", "0.00"]);
    assert_eq!(rows[3][..6], ["two", "0", "*", "200000", "1", "0.00050"]);
    // The idle function has no latency.
    assert_eq!(rows[2][8..10], ["-", "-"]);
    // One function: its row alone.
    let single = text.replace("[[functions]]\nname = \"idle\"\nduration = \"1ms\"\n", "");
    assert!(!single.contains("idle"));
    let stdout = table_of(d.path(), "single.toml", &single);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    assert_eq!(lines[1].split_whitespace().nth(2), Some("hot"));
    // Eleven functions: the `*` row alone; 70 replications: 60 rows and a count.
    let mut many = text
        .replace("name = \"two\"", "name = \"many\"\nreplications = 70")
        .replace("200s", "1s");
    for k in 0..9 {
        many.push_str(&format!(
            "[[functions]]\nname = \"f{k}\"\nduration = \"1ms\"\n"
        ));
    }
    let stdout = table_of(d.path(), "many.toml", &many);
    let table: Vec<&str> = stdout.lines().collect();
    assert_eq!(table.len(), 1 + 60 + 1, "{stdout}");
    assert!(
        table[1..61]
            .iter()
            .all(|l| l.split_whitespace().nth(2) == Some("*"))
    );
    assert_eq!(
        table[61],
        "… and 10 more row(s): every run is in summary.csv"
    );
}

#[test]
fn format_json_prints_the_summary_rows_with_their_columns_in_order_and_typed() {
    let d = tempfile::tempdir().unwrap();
    let p = write(d.path(), "small.toml", SMALL);
    let out = lambdasim()
        .arg(&p)
        .arg("-o")
        .arg(d.path().join("o"))
        .args(["--format", "json", "--no-charts"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let rows: Vec<serde_json::Map<String, serde_json::Value>> =
        serde_json::from_slice(&out.stdout).expect("stdout is JSON alone");
    let summary = std::fs::read_to_string(d.path().join("o/small/summary.csv")).unwrap();
    let mut lines = summary.lines();
    let columns: Vec<&str> = lines.next().unwrap().split(',').collect();
    let csv_rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    // 2 replications × (api, *).
    assert_eq!(rows.len(), 4);
    assert_eq!(rows.len(), csv_rows.len());
    // The keys in the order of summary.csv's columns (the map above sorts them).
    let text = String::from_utf8(out.stdout.clone()).unwrap();
    let first: Vec<&str> = text
        .lines()
        .skip(2)
        .take_while(|l| !l.trim_start().starts_with('}'))
        .map(|l| l.trim_start().split('"').nth(1).unwrap())
        .collect();
    assert_eq!(first, columns);
    for (row, cells) in rows.iter().zip(&csv_rows) {
        assert_eq!(row.len(), columns.len());
        for (column, cell) in columns.iter().zip(cells) {
            let value = &row[*column];
            match value {
                serde_json::Value::String(s) => {
                    assert!(["scenario", "variant", "function"].contains(column));
                    assert_eq!(s, cell);
                }
                serde_json::Value::Number(n) => {
                    let x: f64 = cell.parse().unwrap();
                    assert_eq!(n.as_f64().unwrap(), x, "{column}");
                }
                serde_json::Value::Null => assert_eq!(*cell, "", "{column}"),
                v => panic!("{column}: {v}"),
            }
        }
    }
    assert_eq!(rows[1]["function"], "*");
    assert_eq!(rows[2]["replication"], 1);
    assert!(rows[0]["requests"].is_u64());
    assert!(rows[0]["total_cost_usd"].is_f64());
}

#[test]
fn completions_and_help_say_how_to_use_it() {
    for (shell, mark) in [
        ("bash", "_lambdasim()"),
        ("zsh", "#compdef lambdasim"),
        ("fish", "complete -c lambdasim"),
    ] {
        let out = lambdasim().args(["completions", shell]).output().unwrap();
        assert!(out.status.success(), "{shell}");
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.contains(mark), "{shell}: {text}");
        assert!(
            text.contains("format") && text.contains("max-memory"),
            "{shell}"
        );
    }
    lambdasim()
        .args(["completions", "tcsh"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("possible values"));
    lambdasim().arg("--help").assert().success().stdout(
        predicate::str::contains("Examples:")
            .and(predicate::str::contains("Exit status: 0 success"))
            .and(predicate::str::contains("docs/scenarios.md")),
    );
}

#[test]
fn of_several_bad_files_the_first_ones_error_is_reported() {
    // A file that does not parse, then one that does not exist: the first is reported,
    // as the files are read and validated in order.
    let d = tempfile::tempdir().unwrap();
    let bad = write(d.path(), "bad.toml", "duration = \"soon\"\n");
    let missing = d.path().join("missing.toml");
    let out = lambdasim()
        .arg(&bad)
        .arg(&missing)
        .arg("--check")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.toml") && !err.contains("missing.toml"),
        "{err}"
    );
}
