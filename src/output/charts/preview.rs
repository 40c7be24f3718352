//! Ignored tests that write the PNGs of synthetic reports, synthetic sweeps and the example
//! scenarios to /tmp/charts-preview/ to look at.

use super::test_util::{
    async_report, kinesis_report, mixed_report, report, sqs_report, sqs_series, sweep_runs,
};
use super::{render, render_variants};
use crate::engine::Time;

/// Writes the PNGs of synthetic sweeps to /tmp/charts-preview/ to look at.
#[test]
#[ignore]
fn preview_sweeps() {
    let dir = std::path::Path::new("/tmp/charts-preview");
    std::fs::create_dir_all(dir).expect("preview dir");
    let memories = [128, 256, 512, 1024, 1536, 2048, 3008];
    let mut long_names = sweep_runs(&[256, 1024], &["fixed/10m", "none"], 3);
    for r in &mut long_names {
        r.variant = format!(
            "{} batch_size=10 concurrency_limit=100 arrival=poisson/20",
            r.variant
        );
    }
    let cases = [
        ("sweep", sweep_runs(&memories, &["fixed/10m", "none"], 5)),
        ("sweep-memory-only", sweep_runs(&memories, &[""], 5)),
        (
            "sweep-one-rep",
            sweep_runs(&memories, &["fixed/10m", "none"], 1),
        ),
        (
            "sweep-keep-alive",
            sweep_runs(&[1024], &["fixed/1m", "fixed/10m", "none"], 5),
        ),
        (
            "sweep-policies",
            sweep_runs(
                &[128, 512, 2048],
                &["fixed/1m", "fixed/10m", "fixed/30m", "none"],
                4,
            ),
        ),
        (
            "sweep-many",
            sweep_runs(
                &(0..30).map(|k| 128 + 96 * k).collect::<Vec<_>>(),
                &["fixed/1m", "none"],
                3,
            ),
        ),
        ("sweep-long-names", long_names),
    ];
    for (tag, runs) in cases {
        for (name, bytes) in render_variants(&runs).expect("renders") {
            if name.ends_with(".png") {
                std::fs::write(dir.join(format!("{tag}-{name}")), bytes).expect("write");
            }
        }
    }
}

/// Writes the PNGs of the example scenarios to /tmp/charts-preview/ to look at.
#[test]
#[ignore]
fn preview_examples() {
    let dir = std::path::Path::new("/tmp/charts-preview");
    std::fs::create_dir_all(dir).expect("preview dir");
    let mut scenarios = Vec::new();
    for entry in std::fs::read_dir("scenarios").expect("scenarios folder") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "toml") {
            scenarios.push(crate::scenario::load(&path).expect("valid scenario"));
        }
    }
    let opts = crate::runner::RunOptions::default();
    let runs = crate::runner::simulate_all(&scenarios, &opts).expect("simulates");
    for (sc, runs) in scenarios.iter().zip(&runs) {
        for (name, bytes) in render(&runs[0]).expect("renders") {
            if name.ends_with(".png") {
                std::fs::write(dir.join(format!("real-{}-{name}", sc.name)), bytes).expect("write");
            }
        }
    }
}

/// Writes the PNGs of the synthetic reports to /tmp/charts-preview/ to look at.
#[test]
#[ignore]
fn preview() {
    let dir = std::path::Path::new("/tmp/charts-preview");
    std::fs::create_dir_all(dir).expect("preview dir");
    let mut long = report(3, 20_000);
    long.duration = Time::from_secs(20_000);
    long.replication = 2;
    long.variant = "memory-2048".to_string();
    let mut async_long = async_report(2, 20_000);
    async_long.duration = Time::from_secs(20_000);
    let mut async_no_dlq = async_report(2, 100);
    for b in async_no_dlq.series.iter_mut().flatten() {
        b.dlq = 0;
    }
    for f in async_no_dlq
        .functions
        .iter_mut()
        .chain(std::iter::once(&mut async_no_dlq.total))
    {
        f.dlq = 0;
    }
    let mut poll_fifteen = report(15, 300);
    poll_fifteen.poll = true;
    for (k, s) in poll_fifteen.series.iter_mut().enumerate() {
        sqs_series(s, 20 + 10 * k);
    }
    let cases = [
        ("two", report(2, 100)),
        ("one", report(1, 100)),
        ("six", report(6, 100)),
        ("ten", report(10, 100)),
        ("fifty", report(50, 60)),
        ("hundred", report(100, 10)),
        ("long", long),
        ("empty", report(0, 0)),
        ("async-one", async_report(1, 100)),
        ("async-three", async_report(3, 600)),
        ("async-ten", async_report(10, 100)),
        ("async-fifty", async_report(50, 60)),
        ("async-long", async_long),
        ("async-no-dlq", async_no_dlq),
        ("sqs", sqs_report(300)),
        ("kinesis", kinesis_report(1800)),
        ("mixed", mixed_report(900)),
        ("poll-fifteen", poll_fifteen),
    ];
    for (tag, r) in cases {
        for (name, bytes) in render(&r).expect("renders") {
            std::fs::write(dir.join(format!("{tag}-{name}")), bytes).expect("write");
        }
    }
}
