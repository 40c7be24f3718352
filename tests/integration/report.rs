//! `report.html` and `index.html`: what they hold, that they need no network, and, in a
//! real browser (headless chromium), that they load without a console error, that every
//! chart is drawn, that the variant chooser switches the charts and that the tables sort.

use assert_cmd::Command;
use std::path::{Path, PathBuf};

/// Runs the shipped `scenarios` into `out`.
fn run(scenarios: &[&str], out: &Path) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    Command::cargo_bin("lambdasim")
        .unwrap()
        .args(scenarios.iter().map(|s| root.join("scenarios").join(s)))
        .arg("-o")
        .arg(out)
        .arg("-q")
        .assert()
        .success();
}

/// Writes `text` as `file` and runs it quietly into `out`.
fn run_text(file: &Path, text: &str, out: &Path) {
    std::fs::write(file, text).unwrap();
    Command::cargo_bin("lambdasim")
        .unwrap()
        .arg(file)
        .args(["-q", "-o"])
        .arg(out)
        .assert()
        .success();
}

#[test]
fn a_report_holds_the_answers_every_chart_the_tables_and_the_file_and_needs_no_network() {
    let d = tempfile::tempdir().unwrap();
    run(&["burst.toml", "keepalive_policies.toml"], d.path());
    let html = std::fs::read_to_string(d.path().join("burst/report.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<h1>burst</h1>"));
    assert!(html.contains(&format!(
        "lambdasim {} · seed 42",
        env!("CARGO_PKG_VERSION")
    )));
    // The headline: monthly cost, cold starts and their share, throttles, p50/p99.
    for h in [
        "monthly cost $",
        "cold starts",
        "cold %",
        "throttles",
        "p50",
        "p99",
    ] {
        assert!(html.contains(&format!("<th>{h}</th>")), "{h}");
    }
    // Every chart of the folder, inline.
    let svgs: Vec<String> = std::fs::read_dir(d.path().join("burst"))
        .unwrap()
        .filter_map(|e| {
            let n = e.unwrap().file_name().to_string_lossy().into_owned();
            n.strip_suffix(".svg").map(str::to_string)
        })
        .collect();
    assert_eq!(svgs.len(), 4);
    for stem in &svgs {
        assert!(
            html.contains(&format!("data-chart=\"{stem}\"><svg")),
            "{stem}"
        );
    }
    // The summary table has summary.csv's rows; the scenario file is there, escaped.
    let summary = std::fs::read_to_string(d.path().join("burst/summary.csv")).unwrap();
    let table = &html[html.find("id=\"summary\"").unwrap()..];
    let table = &table[..table.find("</table>").unwrap()];
    assert_eq!(table.matches("<tr>").count(), summary.lines().count());
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/burst.toml"))
            .unwrap();
    let first = text.lines().find(|l| l.contains('"')).unwrap();
    assert!(html.contains(&first.replace('"', "&quot;")), "{first}");
    // Nothing from the network.
    for remote in ["src=\"http", "href=\"http", "<link", "@import", "url(http"] {
        assert!(!html.contains(remote), "{remote}");
    }
    // A sweep: a chooser with each variant, and each variant's charts.
    let sweep = std::fs::read_to_string(d.path().join("keepalive_policies/report.html")).unwrap();
    let variants =
        std::fs::read_to_string(d.path().join("keepalive_policies/variants.csv")).unwrap();
    let names: Vec<&str> = variants
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap())
        .collect();
    assert!(names.len() > 1);
    for v in &names {
        assert!(sweep.contains(&format!("<option value=\"{v}\">")), "{v}");
        assert!(sweep.contains(&format!("data-variant=\"{v}\"")), "{v}");
    }
    // Several scenarios: an index linking each report.
    let index = std::fs::read_to_string(d.path().join("index.html")).unwrap();
    assert!(index.contains("href=\"burst/report.html\""));
    assert!(index.contains("href=\"keepalive_policies/report.html\""));
}

#[test]
fn no_report_is_written_when_turned_off() {
    let d = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    Command::cargo_bin("lambdasim")
        .unwrap()
        .arg(root.join("burst.toml"))
        .arg(root.join("steady_api.toml"))
        .args(["--no-report", "-q", "-o"])
        .arg(d.path())
        .assert()
        .success();
    assert!(!d.path().join("burst/report.html").exists());
    assert!(!d.path().join("index.html").exists());
    // `[output] report = false` in the file (steady_api.toml has no `[output]` of its own).
    let text = std::fs::read_to_string(root.join("steady_api.toml")).unwrap()
        + "\n[output]\nreport = false\n";
    run_text(&d.path().join("quiet.toml"), &text, &d.path().join("q"));
    let folder = d.path().join("q/steady_api");
    assert!(folder.join("summary.csv").exists());
    assert!(!folder.join("report.html").exists());
}

/// The browser: chromium on PATH, or the one `.ci/run` installs.
fn chromium() -> Option<PathBuf> {
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find_map(|name| {
            std::env::var_os("PATH").and_then(|paths| {
                std::env::split_paths(&paths)
                    .map(|p| p.join(name))
                    .find(|p| p.is_file())
            })
        })
}

#[test]
fn reports_open_in_a_real_browser_with_no_error_their_charts_drawn_the_chooser_and_sorting_working()
{
    let Some(browser) = chromium() else {
        assert!(
            std::env::var_os("LAMBDASIM_REQUIRE_BROWSER").is_none(),
            "LAMBDASIM_REQUIRE_BROWSER is set and no chromium is on PATH"
        );
        eprintln!(
            "\n*** SKIPPED: no chromium on PATH: report.html was not checked in a browser (.ci/run installs Debian's chromium) ***\n"
        );
        return;
    };
    let d = tempfile::tempdir().unwrap();
    let scenarios = [
        "burst.toml",
        "keepalive_policies.toml",
        "sqs_worker.toml",
        "memory_tuning.toml",
    ];
    run(&scenarios, d.path());
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report-screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    for s in scenarios {
        let name = s.trim_end_matches(".toml");
        let page = d.path().join(name).join("report.html");
        let url = format!("file://{}#selftest", page.display());
        let profile = tempfile::tempdir().unwrap();
        let out = std::process::Command::new(&browser)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--virtual-time-budget=5000",
                "--enable-logging=stderr",
                "--v=0",
                "--dump-dom",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg(&url)
            .output()
            .unwrap();
        let dom = String::from_utf8_lossy(&out.stdout);
        let log = String::from_utf8_lossy(&out.stderr);
        assert!(
            dom.contains("data-selftest=\"ok\""),
            "{name}: {}",
            dom.split("data-selftest=")
                .nth(1)
                .unwrap_or("no self-test result")
                .chars()
                .take(400)
                .collect::<String>()
        );
        let console: Vec<&str> = log.lines().filter(|l| l.contains(":CONSOLE")).collect();
        assert!(console.is_empty(), "{name}: {console:?}");
        // A screenshot to look at.
        let status = std::process::Command::new(&browser)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--window-size=1280,2400",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg(format!(
                "--screenshot={}",
                shots.join(format!("{name}.png")).display()
            ))
            .arg(format!("file://{}", page.display()))
            .output()
            .unwrap();
        assert!(status.status.success(), "{name}: screenshot");
    }
}

#[test]
fn a_reports_warnings_are_those_of_its_file_each_once() {
    // A constant duration over the timeout warns, once for the two variants of a sweep.
    let d = tempfile::tempdir().unwrap();
    let text = r#"
name = "slow"
duration = "1m"
[[functions]]
name = "a"
duration = "5s"
timeout = "1s"
[[sources]]
service = "api_gateway"
arrival = { process = "poisson", rate = 1.0 }
[output]
charts = false
[sweep]
"functions.a.memory_mb" = [128, 256]
"#;
    let p = d.path().join("slow.toml");
    run_text(&p, text, &d.path().join("o"));
    let html = std::fs::read_to_string(d.path().join("o/slow/report.html")).unwrap();
    assert_eq!(html.matches("<div class=\"warning\">").count(), 1, "{html}");
    assert!(html.contains("longer than the timeout of 1s: every one times out"));
    // A file with no warning has no Warnings section.
    let quiet = text.replace("timeout = \"1s\"", "timeout = \"10s\"");
    run_text(&p, &quiet, &d.path().join("o"));
    let html = std::fs::read_to_string(d.path().join("o/slow/report.html")).unwrap();
    assert!(!html.contains("<h2>Warnings</h2>"));
}
