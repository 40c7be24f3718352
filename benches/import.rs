//! Reading CloudWatch logs: `REPORT` lines read per second by `lambdasim import`'s
//! streaming summary, in the text and the `aws logs` JSON formats, and invocations per
//! second replayed exactly (durations, cold starts and ends from the log).
//!
//! Run with `cargo bench --bench import`; the throughput line gives lines (elements) per
//! second. The log is generated in a temporary folder: 200,000 invocations over a day.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use lambdasim::sources::cloudwatch::LogSummary;
use std::fmt::Write as _;
use std::hint::black_box;
use std::path::Path;

const N: u64 = 200_000;

/// 200,000 REPORT lines, 1 in 50 cold, spread over a day, as `aws logs tail` prints them.
fn text_log(dir: &Path) -> std::path::PathBuf {
    let mut s = String::with_capacity(N as usize * 220);
    for i in 0..N {
        let end_ms = 1_756_684_800_000u64 + i * 432 + 150;
        let secs = end_ms / 1000;
        let (h, m, sec) = (secs / 3600 % 24, secs / 60 % 60, secs % 60);
        let init = if i % 50 == 0 {
            "Init Duration: 412.33 ms\t"
        } else {
            ""
        };
        let _ = writeln!(
            s,
            "2025-09-01T{h:02}:{m:02}:{sec:02}.{:03}000+00:00 2025/09/01/[$LATEST]0123456789abcdef REPORT RequestId: {i:08x}-1111-2222-3333-444455556666\tDuration: {}.{:02} ms\tBilled Duration: {} ms\tMemory Size: 512 MB\tMax Memory Used: 91 MB\t{init}",
            end_ms % 1000,
            100 + i % 37,
            i % 100,
            101 + i % 37 + if i % 50 == 0 { 413 } else { 0 },
        );
    }
    let p = dir.join("tail.txt");
    std::fs::write(&p, s).unwrap();
    p
}

/// The same invocations as `aws logs filter-log-events` JSON.
fn json_log(dir: &Path, text: &Path) -> std::path::PathBuf {
    let lines = std::fs::read_to_string(text).unwrap();
    let events: Vec<serde_json::Value> = lines
        .lines()
        .enumerate()
        .map(|(i, l)| {
            let msg = &l[l.find("REPORT").unwrap()..];
            serde_json::json!({"timestamp": 1_756_684_800_000u64 + i as u64 * 432 + 150, "message": msg, "logStreamName": "s"})
        })
        .collect();
    let p = dir.join("events.json");
    std::fs::write(
        &p,
        serde_json::to_vec(&serde_json::json!({ "events": events })).unwrap(),
    )
    .unwrap();
    p
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let text = text_log(dir.path());
    let json = json_log(dir.path(), &text);
    let mut g = c.benchmark_group("import");
    g.sample_size(10);
    g.throughput(Throughput::Elements(N));
    g.bench_function("text_200k_lines", |b| {
        b.iter(|| {
            black_box(
                LogSummary::read(std::slice::from_ref(&text))
                    .unwrap()
                    .invocations,
            )
        })
    });
    g.bench_function("events_json_200k", |b| {
        b.iter(|| {
            black_box(
                LogSummary::read(std::slice::from_ref(&json))
                    .unwrap()
                    .invocations,
            )
        })
    });
    let sc = lambdasim::scenario::parse(
        &format!(
            r#"
duration = "1d"
[[functions]]
name = "f"
memory_mb = 512
duration = "trace"
[[sources]]
service = "direct"
arrival = {{ process = "trace", format = "cloudwatch", path = "{}", cold_starts = "trace" }}
"#,
            text.display()
        ),
        Path::new("bench.toml"),
    )
    .unwrap();
    g.bench_function("replay_200k", |b| {
        b.iter(|| black_box(lambdasim::model::simulate(&sc, 1, 0).total.requests))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
