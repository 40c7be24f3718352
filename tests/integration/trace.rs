//! `trace.json` end to end: an asynchronous scenario with throttles, retries and queue waits
//! run through the binary, its trace parsed and checked against the CSV outputs.

use assert_cmd::Command;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

/// One function behind S3: 1 event/s, 2 s each, one at a time, half of them failing, so
/// events queue, get throttled and are retried.
const QUEUED: &str = r#"
duration = "3m"
seed = 5
[[functions]]
name = "thumbs"
duration = { dist = "constant", value = "2s" }
error_rate = 0.5
reserved_concurrency = 1
[[sources]]
service = "s3"
arrival = { process = "constant", rate = 1.0 }
[output]
charts = false
"#;

/// Runs `toml` (as `q.toml`) into a temporary folder; returns the folder and the output dir.
fn run(toml: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let d = tempfile::tempdir().unwrap();
    let sc = d.path().join("q.toml");
    std::fs::write(&sc, toml).unwrap();
    let out = d.path().join("out");
    Command::cargo_bin("lambdasim")
        .expect("binary built")
        .arg(&sc)
        .arg("-o")
        .arg(&out)
        .arg("-q")
        .assert()
        .success();
    let dir = out.join("q");
    (d, dir)
}

fn read_json(p: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(p).unwrap()).expect("trace.json is JSON")
}

fn events(v: &Value) -> &Vec<Value> {
    v["traceEvents"].as_array().unwrap()
}

fn count(v: &Value, ph: &str, name: &str) -> usize {
    events(v)
        .iter()
        .filter(|e| e["ph"] == ph && e["name"] == name)
        .count()
}

/// A CSV text (no quoted fields) as its header and rows.
fn csv_rows(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut lines = text.lines();
    let header = lines
        .next()
        .unwrap()
        .split(',')
        .map(str::to_owned)
        .collect();
    let rows = lines
        .map(|l| l.split(',').map(str::to_owned).collect())
        .collect();
    (header, rows)
}

fn column(header: &[String], name: &str) -> usize {
    header.iter().position(|h| h == name).unwrap()
}

#[test]
fn trace_json_shows_inits_invocations_queue_waits_and_throttles() {
    let toml = format!("{QUEUED}trace = true\ninvocations = true\n");
    let (_d, dir) = run(&toml);
    let bytes = std::fs::read(dir.join("trace.json")).unwrap();
    let v = read_json(&dir.join("trace.json"));

    let inits = count(&v, "X", "INIT");
    let invokes = count(&v, "X", "invoke");
    let throttles = count(&v, "i", "throttle");
    assert!(inits >= 1, "a cold start");
    assert!(invokes > 10, "{invokes} invocations");
    assert!(throttles > 0, "throttles");
    assert!(count(&v, "i", "retry") > 0, "retries");
    let begins: Vec<&Value> = events(&v).iter().filter(|e| e["ph"] == "b").collect();
    let ends: Vec<&Value> = events(&v).iter().filter(|e| e["ph"] == "e").collect();
    assert!(!begins.is_empty(), "queue waits");
    assert_eq!(begins.len(), ends.len());
    let mut open: BTreeMap<String, f64> = BTreeMap::new();
    for e in events(&v)
        .iter()
        .filter(|e| e["ph"] == "b" || e["ph"] == "e")
    {
        assert_eq!(
            (&e["name"], &e["cat"]),
            (&Value::from("queue wait"), &Value::from("queue"))
        );
        let id = e["id"].as_str().unwrap().to_owned();
        let ts = e["ts"].as_f64().unwrap();
        if e["ph"] == "b" {
            assert!(open.insert(id, ts).is_none(), "ids are unique");
        } else {
            let start = open.remove(&id).expect("an end follows its begin");
            assert!(ts >= start);
        }
    }
    assert!(open.is_empty());

    // Spans on one environment never overlap, and every one has a named track.
    let mut tracks: BTreeMap<(u64, u64), Vec<(f64, f64)>> = BTreeMap::new();
    for e in events(&v).iter().filter(|e| e["ph"] == "X") {
        let dur = e["dur"].as_f64().unwrap();
        assert!(dur >= 0.0);
        let key = (e["pid"].as_u64().unwrap(), e["tid"].as_u64().unwrap());
        assert_eq!(key.0, 1, "one function: pid 1");
        assert!(key.1 >= 1, "environment tracks have tid ≥ 1");
        tracks
            .entry(key)
            .or_default()
            .push((e["ts"].as_f64().unwrap(), dur));
    }
    for (&(pid, tid), spans) in &tracks {
        let named = events(&v).iter().any(|e| {
            e["ph"] == "M" && e["name"] == "thread_name" && e["pid"] == pid && e["tid"] == tid
        });
        assert!(named, "track {pid}/{tid} is named");
        for w in spans.windows(2) {
            assert!(w[0].0 + w[0].1 <= w[1].0 + 1e-6, "{w:?} overlap");
        }
    }
    assert!(
        events(&v).iter().any(|e| e["ph"] == "M"
            && e["name"] == "process_name"
            && e["args"]["name"] == "thumbs")
    );

    // Agrees with the CSVs: every finished attempt is an invoke, every throttle an instant,
    // and the attempt still running at the end (if any) is an invoke cut at the end.
    let unfinished = events(&v)
        .iter()
        .filter(|e| e["name"] == "invoke" && e["args"]["note"] == "unfinished")
        .count();
    assert!(unfinished <= 1);
    let (h, rows) = csv_rows(&std::fs::read_to_string(dir.join("invocations.csv")).unwrap());
    let outcome = column(&h, "outcome");
    let throttled = rows.iter().filter(|r| r[outcome] == "throttled").count();
    assert_eq!(invokes - unfinished, rows.len() - throttled);
    assert_eq!(throttles, throttled);
    let (h, rows) = csv_rows(&std::fs::read_to_string(dir.join("summary.csv")).unwrap());
    let row = rows
        .iter()
        .find(|r| r[column(&h, "function")] == "thumbs")
        .unwrap();
    let invocations: usize = row[column(&h, "invocations")].parse().unwrap();
    assert_eq!(invocations, invokes, "every started attempt is traced");

    let o = &v["otherData"];
    assert_eq!(
        (o["scenario"].as_str(), o["dropped"].as_u64()),
        (Some("q"), Some(0))
    );
    assert_eq!(o["trace_limit"].as_u64(), Some(100_000));
    let non_meta = events(&v).iter().filter(|e| e["ph"] != "M").count();
    assert_eq!(o["records"].as_u64(), Some((non_meta - ends.len()) as u64));

    // The same run writes the same bytes.
    let (_d2, dir2) = run(&toml);
    assert_eq!(bytes, std::fs::read(dir2.join("trace.json")).unwrap());
}

#[test]
fn trace_limit_keeps_that_many_records_and_reports_the_rest_dropped() {
    let (_d, dir) = run(&format!("{QUEUED}trace = true\ntrace_limit = 10\n"));
    let v = read_json(&dir.join("trace.json"));
    // A record is one event, except a queue wait: a begin and an end.
    let records = events(&v)
        .iter()
        .filter(|e| e["ph"] != "M" && e["ph"] != "e")
        .count();
    assert_eq!(records, 10);
    assert_eq!(
        events(&v).iter().filter(|e| e["ph"] == "b").count(),
        events(&v).iter().filter(|e| e["ph"] == "e").count()
    );
    let o = &v["otherData"];
    assert_eq!(
        (o["trace_limit"].as_u64(), o["records"].as_u64()),
        (Some(10), Some(10))
    );
    assert!(o["dropped"].as_u64().unwrap() > 0);
}

#[test]
fn no_trace_json_without_trace() {
    let (_d, dir) = run(QUEUED);
    assert!(dir.join("summary.csv").exists());
    assert!(!dir.join("trace.json").exists());
}

#[test]
fn what_is_open_at_the_end_is_cut_there() {
    // A run of 60 s. A request at 20 s: INIT 20–30 s, then its invocation, open at the
    // end: cut at 60 s. One at 50 s: its INIT ends at the end, and it has no invocation
    // span (not even an empty one). An asynchronous event at 50 s runs from 50 s (a 0 s INIT) and is
    // open at the end: it gets an invocation span but no queue wait. Of three events at
    // 40 s for a function reserved at 1, one runs, two wait to the end: a queue wait
    // each, cut at 60 s.
    use lambdasim::metrics::TraceKind;
    let r = crate::run(
        r#"
duration = "60s"
[[functions]]
name = "slow"
duration = "30s"
timeout = "60s"
init = "10s"
[[functions]]
name = "events"
duration = "30s"
timeout = "60s"
init = "0s"
[[functions]]
name = "shut"
duration = "100s"
timeout = "120s"
init = "0s"
reserved_concurrency = 1
[[sources]]
name = "a"
service = "direct"
function = "slow"
arrival = [
  { process = "burst", at = "20s", count = 1, over = "1ms" },
  { process = "burst", at = "50s", count = 1, over = "1ms" },
]
[[sources]]
name = "b"
service = "s3"
function = "events"
arrival = { process = "burst", at = "50s", count = 1, over = "1ms" }
[[sources]]
name = "c"
service = "s3"
function = "shut"
arrival = { process = "burst", at = "40s", count = 3, over = "1ms" }
[output]
trace = true
"#,
    );
    let t = r.trace.as_ref().unwrap();
    let spans = |kind: TraceKind, function: u32| -> Vec<(u64, u64)> {
        let mut v: Vec<(u64, u64)> = t
            .records
            .iter()
            .filter(|x| x.kind == kind && x.function == function && x.note == "unfinished")
            .map(|x| {
                (
                    x.start.as_nanos() / 1_000_000_000,
                    x.end.as_nanos() / 1_000_000_000,
                )
            })
            .collect();
        v.sort_unstable();
        v
    };
    assert_eq!(spans(TraceKind::Init, 0), [(20, 30), (50, 60)]);
    assert_eq!(spans(TraceKind::Invoke, 0), [(30, 60)]);
    assert_eq!(spans(TraceKind::Invoke, 1), [(50, 60)]);
    let queued: Vec<(u32, u64)> = t
        .records
        .iter()
        .filter(|x| x.kind == TraceKind::QueueWait && x.end.as_nanos() == 60_000_000_000)
        .map(|x| (x.function, x.start.as_nanos() / 1_000_000_000))
        .collect();
    assert_eq!(queued, [(2, 40), (2, 40)]);
    assert_eq!(spans(TraceKind::Invoke, 2), [(40, 60)]);
}
