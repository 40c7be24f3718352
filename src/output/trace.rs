//! `trace.json`: the simulated X-Ray of one run, in the Chrome trace-event JSON format that
//! Perfetto (ui.perfetto.dev) and chrome://tracing open.
//!
//! Layout: one process per function (pid = function index + 1) and, inside it, one thread
//! per execution environment (tid = environment serial + 1) holding its `INIT` and
//! `invoke` spans as complete events (`X`). Throttles, retries and DLQ deliveries are
//! instant events on the function's `events` thread (tid 0). Queue waits overlap one
//! another, so they are async events (`b`/`e`, id `"<request>.<attempt>"`) on the
//! function's process rather than spans on one thread. Times are microseconds with the
//! nanoseconds written exactly (`1234.567`). `otherData` says which run it is and how many
//! records the limit dropped.
//!
//! The output is deterministic: events sorted by time (stably, in record order), metadata
//! first, tracks in index order, no hash maps.

use crate::engine::Time;
use crate::metrics::{NO_ENV, RunReport, Trace, TraceKind, TraceRecord};
use std::collections::BTreeMap;
use std::fmt::Write;

/// Which run a trace comes from, written in `otherData`.
#[derive(Clone, Copy, Debug)]
pub struct RunInfo<'a> {
    /// Scenario name.
    pub scenario: &'a str,
    /// Variant name.
    pub variant: &'a str,
    /// Replication number.
    pub replication: u32,
    /// The seed the run used.
    pub seed: u64,
}

/// `trace.json` for a run, or `None` when the run kept no trace (`[output] trace` unset).
pub fn render(report: &RunReport) -> Option<Vec<u8>> {
    let trace = report.trace.as_ref()?;
    let names: Vec<&str> = report
        .functions
        .iter()
        .map(|f| f.function.as_str())
        .collect();
    let info = RunInfo {
        scenario: &report.scenario,
        variant: &report.variant,
        replication: report.replication,
        seed: report.seed,
    };
    Some(to_json(trace, &names, &info))
}

/// `trace.json` for `trace`, whose functions are named by `functions` (by index).
pub fn to_json(trace: &Trace, functions: &[&str], info: &RunInfo<'_>) -> Vec<u8> {
    let records = &trace.records;
    let mut out = String::with_capacity(256 + records.len() * 190);
    out.push_str("{\"traceEvents\":[\n");
    let mut first = true;
    let mut line = |out: &mut String| {
        if !first {
            out.push_str(",\n");
        }
        first = false;
    };

    // Tracks: functions that appear, whether they have instants, their environments.
    let mut tracks: BTreeMap<u32, Tracks> = BTreeMap::new();
    for r in records {
        let t = tracks.entry(r.function).or_default();
        if r.env != NO_ENV {
            t.envs.insert(r.env, r.provisioned);
        } else if is_instant(r.kind) {
            t.instants = true;
        }
    }
    for (&f, t) in &tracks {
        let pid = u64::from(f) + 1;
        let name = match functions.get(f as usize) {
            Some(n) => quoted(n),
            None => quoted(&format!("function{f}")),
        };
        line(&mut out);
        let _ = write!(
            out,
            "{{\"name\":\"process_name\",\"ph\":\"M\",\"ts\":0,\"pid\":{pid},\"tid\":0,\"args\":{{\"name\":{name}}}}}"
        );
        line(&mut out);
        let _ = write!(
            out,
            "{{\"name\":\"process_sort_index\",\"ph\":\"M\",\"ts\":0,\"pid\":{pid},\"tid\":0,\"args\":{{\"sort_index\":{f}}}}}"
        );
        if t.instants {
            line(&mut out);
            let _ = write!(
                out,
                "{{\"name\":\"thread_name\",\"ph\":\"M\",\"ts\":0,\"pid\":{pid},\"tid\":0,\"args\":{{\"name\":\"events\"}}}}"
            );
            line(&mut out);
            let _ = write!(
                out,
                "{{\"name\":\"thread_sort_index\",\"ph\":\"M\",\"ts\":0,\"pid\":{pid},\"tid\":0,\"args\":{{\"sort_index\":0}}}}"
            );
        }
        for (&env, &provisioned) in &t.envs {
            let tid = u64::from(env) + 1;
            let suffix = if provisioned { " (provisioned)" } else { "" };
            line(&mut out);
            let _ = write!(
                out,
                "{{\"name\":\"thread_name\",\"ph\":\"M\",\"ts\":0,\"pid\":{pid},\"tid\":{tid},\"args\":{{\"name\":\"env {env}{suffix}\"}}}}"
            );
            line(&mut out);
            let _ = write!(
                out,
                "{{\"name\":\"thread_sort_index\",\"ph\":\"M\",\"ts\":0,\"pid\":{pid},\"tid\":{tid},\"args\":{{\"sort_index\":{tid}}}}}"
            );
        }
    }

    // Events: (time, record, end of a queue wait), sorted by time, stably.
    let mut events: Vec<(Time, u32, bool)> = Vec::with_capacity(records.len() + 16);
    for (i, r) in records.iter().enumerate() {
        let i = i as u32;
        events.push((r.start, i, false));
        if r.kind == TraceKind::QueueWait {
            events.push((r.end, i, true));
        }
    }
    events.sort_by_key(|&(t, _, _)| t);
    for &(_, i, end) in &events {
        line(&mut out);
        event(&mut out, &records[i as usize], end);
    }

    out.push_str("\n],\n\"displayTimeUnit\":\"ms\",\n\"otherData\":{");
    let _ = write!(
        out,
        "\"generator\":\"lambdasim {}\",\"scenario\":{},\"variant\":{},\"replication\":{},\"seed\":\"{}\",\"trace_limit\":{},\"records\":{},\"dropped\":{}",
        env!("CARGO_PKG_VERSION"),
        quoted(info.scenario),
        quoted(info.variant),
        info.replication,
        info.seed,
        trace.limit,
        records.len(),
        trace.dropped,
    );
    out.push_str("}}\n");
    out.into_bytes()
}

/// The tracks of one function.
#[derive(Default)]
struct Tracks {
    /// Whether it has instant events (an `events` thread).
    instants: bool,
    /// Its environments: serial → provisioned.
    envs: BTreeMap<u32, bool>,
}

fn is_instant(kind: TraceKind) -> bool {
    matches!(
        kind,
        TraceKind::Throttle | TraceKind::Retry | TraceKind::Dlq
    )
}

/// Writes the event of `r` (for a queue wait: its begin, or its end when `end`).
fn event(out: &mut String, r: &TraceRecord, end: bool) {
    let pid = u64::from(r.function) + 1;
    let (request, attempt) = (r.request, r.attempt);
    match r.kind {
        TraceKind::Init | TraceKind::Invoke => {
            // Spans of an environment; a record without one (never produced) goes to tid 0.
            let tid = if r.env == NO_ENV {
                0
            } else {
                u64::from(r.env) + 1
            };
            let name = if r.kind == TraceKind::Init {
                "INIT"
            } else {
                "invoke"
            };
            let _ = write!(
                out,
                "{{\"name\":\"{name}\",\"cat\":\"lambda\",\"ph\":\"X\",\"ts\":{},\"dur\":{},\"pid\":{pid},\"tid\":{tid},\"args\":{{\"request\":{request},\"attempt\":{attempt}",
                Micros(r.start),
                Micros(r.end.saturating_sub(r.start)),
            );
            if let Some(o) = r.outcome {
                let _ = write!(out, ",\"outcome\":\"{}\"", o.as_str());
            }
            if !r.note.is_empty() {
                let _ = write!(out, ",\"note\":{}", quoted(r.note));
            }
            out.push_str("}}");
        }
        TraceKind::QueueWait => {
            let (ph, ts) = if end { ('e', r.end) } else { ('b', r.start) };
            let _ = write!(
                out,
                "{{\"name\":\"queue wait\",\"cat\":\"queue\",\"ph\":\"{ph}\",\"ts\":{},\"pid\":{pid},\"tid\":0,\"id\":\"{request}.{attempt}\"",
                Micros(ts),
            );
            if !end {
                let _ = write!(
                    out,
                    ",\"args\":{{\"request\":{request},\"attempt\":{attempt}}}"
                );
            }
            out.push('}');
        }
        TraceKind::Throttle | TraceKind::Retry | TraceKind::Dlq => {
            let name = match r.kind {
                TraceKind::Throttle => "throttle",
                TraceKind::Retry => "retry",
                _ => "dlq",
            };
            let _ = write!(
                out,
                "{{\"name\":\"{name}\",\"cat\":\"lambda\",\"ph\":\"i\",\"s\":\"t\",\"ts\":{},\"pid\":{pid},\"tid\":0,\"args\":{{\"request\":{request},\"attempt\":{attempt}",
                Micros(r.start),
            );
            if !r.note.is_empty() {
                let _ = write!(out, ",\"note\":{}", quoted(r.note));
            }
            out.push_str("}}");
        }
    }
}

/// A time in microseconds, written exactly: `1234.567`, `1234.5`, `1234`.
struct Micros(Time);

impl std::fmt::Display for Micros {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ns = self.0.as_nanos();
        let (us, frac) = (ns / 1000, ns % 1000);
        if frac == 0 {
            write!(f, "{us}")
        } else if frac % 100 == 0 {
            write!(f, "{us}.{}", frac / 100)
        } else if frac % 10 == 0 {
            write!(f, "{us}.{:02}", frac / 10)
        } else {
            write!(f, "{us}.{frac:03}")
        }
    }
}

/// `s` as a JSON string literal, quotes included.
fn quoted(s: &str) -> String {
    serde_json::Value::from(s).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::AttemptOutcome;
    use serde_json::Value;

    fn rec(
        kind: TraceKind,
        function: u32,
        env: u32,
        request: u64,
        start: u64,
        end: u64,
    ) -> TraceRecord {
        TraceRecord {
            kind,
            function,
            env,
            provisioned: false,
            request,
            attempt: 1,
            start: Time::from_nanos(start),
            end: Time::from_nanos(end),
            outcome: (kind == TraceKind::Invoke).then_some(AttemptOutcome::Success),
            note: "",
        }
    }

    const INFO: RunInfo<'static> = RunInfo {
        scenario: "s",
        variant: "base",
        replication: 0,
        seed: 7,
    };

    /// A small trace: function 0 with two environments (one provisioned), overlapping
    /// queue waits, a throttle, a retry and a DLQ; function 1 with one environment.
    fn sample() -> Trace {
        let mut t = Trace::new(100);
        t.push(rec(TraceKind::QueueWait, 0, NO_ENV, 1, 0, 5_000_000));
        t.push(rec(
            TraceKind::QueueWait,
            0,
            NO_ENV,
            2,
            1_000_000,
            3_000_000,
        ));
        t.push(rec(TraceKind::Throttle, 0, NO_ENV, 2, 1_000_000, 1_000_000));
        t.push(rec(TraceKind::Init, 0, 4, 1, 5_000_000, 5_200_000));
        let mut inv = rec(TraceKind::Invoke, 0, 4, 1, 5_200_000, 5_300_123);
        inv.outcome = Some(AttemptOutcome::Error);
        t.push(inv);
        let mut retry = rec(TraceKind::Retry, 0, NO_ENV, 1, 6_000_000, 6_000_000);
        retry.attempt = 2;
        retry.note = "after function error";
        t.push(retry);
        let mut p = rec(TraceKind::Invoke, 0, 0, 2, 3_000_000, 3_100_000);
        p.provisioned = true;
        t.push(p);
        let mut dlq = rec(TraceKind::Dlq, 0, NO_ENV, 1, 9_000_000, 9_000_000);
        dlq.note = "retries exhausted";
        t.push(dlq);
        t.push(rec(TraceKind::Init, 1, 5, 3, 100, 200));
        t.push(rec(TraceKind::Invoke, 1, 5, 3, 200, 1200));
        t
    }

    fn parse(bytes: &[u8]) -> Value {
        serde_json::from_slice(bytes).expect("valid JSON")
    }

    fn events(v: &Value) -> &Vec<Value> {
        v["traceEvents"].as_array().expect("traceEvents array")
    }

    fn of_phase<'a>(v: &'a Value, ph: &str) -> Vec<&'a Value> {
        events(v).iter().filter(|e| e["ph"] == ph).collect()
    }

    #[test]
    fn parses_and_spans_sit_on_their_environment_tracks() {
        let v = parse(&to_json(&sample(), &["api", "worker"], &INFO));
        let xs = of_phase(&v, "X");
        assert_eq!(xs.len(), 5);
        for x in &xs {
            assert!(x["dur"].as_f64().unwrap() >= 0.0, "{x}");
            assert_eq!(x["cat"], "lambda");
        }
        let init = xs
            .iter()
            .find(|x| x["name"] == "INIT" && x["pid"] == 1)
            .unwrap();
        assert_eq!(
            (init["tid"].as_u64(), init["ts"].as_f64()),
            (Some(5), Some(5000.0))
        );
        assert_eq!(init["dur"].as_f64(), Some(200.0));
        let inv = xs
            .iter()
            .find(|x| x["name"] == "invoke" && x["args"]["request"] == 1)
            .unwrap();
        assert_eq!(
            (inv["pid"].as_u64(), inv["tid"].as_u64()),
            (Some(1), Some(5))
        );
        assert_eq!(inv["dur"].as_f64(), Some(100.123));
        assert_eq!(inv["args"]["outcome"], "error");
        let w = xs
            .iter()
            .find(|x| x["pid"] == 2 && x["name"] == "invoke")
            .unwrap();
        assert_eq!((w["tid"].as_u64(), w["ts"].as_f64()), (Some(6), Some(0.2)));
    }

    #[test]
    fn queue_waits_are_paired_async_events() {
        let v = parse(&to_json(&sample(), &["api", "worker"], &INFO));
        let b = of_phase(&v, "b");
        let e = of_phase(&v, "e");
        assert_eq!((b.len(), e.len()), (2, 2));
        for begin in &b {
            let end = e.iter().find(|x| x["id"] == begin["id"]).expect("paired");
            assert_eq!((&begin["name"], &begin["cat"]), (&end["name"], &end["cat"]));
            assert_eq!(begin["pid"], end["pid"]);
            assert!(end["ts"].as_f64() >= begin["ts"].as_f64());
        }
        assert!(b.iter().any(|x| x["id"] == "1.1"));
    }

    #[test]
    fn instants_go_to_the_events_thread_with_their_notes() {
        let v = parse(&to_json(&sample(), &["api", "worker"], &INFO));
        let is = of_phase(&v, "i");
        let names: Vec<&str> = is.iter().map(|x| x["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["throttle", "retry", "dlq"]);
        for i in &is {
            assert_eq!(
                (i["pid"].as_u64(), i["tid"].as_u64(), i["s"].as_str()),
                (Some(1), Some(0), Some("t"))
            );
        }
        assert!(is[0]["args"].get("note").is_none());
        assert_eq!(is[1]["args"]["note"], "after function error");
        assert_eq!(is[1]["args"]["attempt"], 2);
    }

    #[test]
    fn metadata_names_every_track_and_comes_first() {
        let v = parse(&to_json(&sample(), &["api", "worker"], &INFO));
        let all = events(&v);
        let n_meta = all.iter().take_while(|e| e["ph"] == "M").count();
        assert!(all[n_meta..].iter().all(|e| e["ph"] != "M"));
        let named = |name: &str, pid: u64, tid: u64| {
            all.iter()
                .find(|e| e["name"] == name && e["pid"] == pid && e["tid"] == tid)
                .map(|e| e["args"]["name"].as_str().unwrap().to_owned())
        };
        assert_eq!(named("process_name", 1, 0).as_deref(), Some("api"));
        assert_eq!(named("process_name", 2, 0).as_deref(), Some("worker"));
        assert_eq!(named("thread_name", 1, 0).as_deref(), Some("events"));
        assert_eq!(
            named("thread_name", 1, 1).as_deref(),
            Some("env 0 (provisioned)")
        );
        assert_eq!(named("thread_name", 1, 5).as_deref(), Some("env 4"));
        assert_eq!(named("thread_name", 2, 6).as_deref(), Some("env 5"));
        // worker has no instants: no empty events thread.
        assert_eq!(named("thread_name", 2, 0), None);
        // Every non-metadata event is on a named process and, if on a thread, a named one.
        for e in &all[n_meta..] {
            let pid = e["pid"].as_u64().unwrap();
            assert!(named("process_name", pid, 0).is_some());
            if matches!(e["ph"].as_str(), Some("X" | "i")) {
                assert!(
                    named("thread_name", pid, e["tid"].as_u64().unwrap()).is_some(),
                    "{e}"
                );
            }
        }
    }

    #[test]
    fn events_are_sorted_by_time_and_output_is_deterministic() {
        let t = sample();
        let a = to_json(&t, &["api", "worker"], &INFO);
        assert_eq!(a, to_json(&t, &["api", "worker"], &INFO));
        let v = parse(&a);
        let ts: Vec<f64> = events(&v)
            .iter()
            .filter(|e| e["ph"] != "M")
            .map(|e| e["ts"].as_f64().unwrap())
            .collect();
        assert!(ts.windows(2).all(|w| w[0] <= w[1]), "{ts:?}");
        // One event per line.
        let text = String::from_utf8(a).unwrap();
        assert!(text.starts_with("{\"traceEvents\":[\n{"));
        let n = events(&v).len();
        assert_eq!(
            text.lines().filter(|l| l.starts_with("{\"name\"")).count(),
            n
        );
    }

    #[test]
    fn other_data_reports_the_run_and_dropped_records() {
        let mut t = Trace::new(2);
        for i in 0..5 {
            t.push(rec(TraceKind::Throttle, 0, NO_ENV, i, i * 10, i * 10));
        }
        let v = parse(&to_json(&t, &["f"], &INFO));
        assert_eq!(v["displayTimeUnit"], "ms");
        let o = &v["otherData"];
        assert_eq!(
            (o["scenario"].as_str(), o["variant"].as_str()),
            (Some("s"), Some("base"))
        );
        assert_eq!(
            (o["replication"].as_u64(), o["seed"].as_str()),
            (Some(0), Some("7"))
        );
        assert_eq!(
            (
                o["trace_limit"].as_u64(),
                o["records"].as_u64(),
                o["dropped"].as_u64()
            ),
            (Some(2), Some(2), Some(3))
        );
        assert_eq!(of_phase(&v, "i").len(), 2);
    }

    #[test]
    fn names_are_escaped() {
        let mut t = Trace::new(10);
        let mut r = rec(TraceKind::Dlq, 0, NO_ENV, 0, 0, 0);
        r.note = "a \"quoted\" \\ note\n";
        t.push(r);
        let info = RunInfo {
            scenario: "sc\"en\u{1}",
            ..INFO
        };
        let v = parse(&to_json(&t, &["fn \"x\""], &info));
        assert_eq!(events(&v)[0]["args"]["name"], "fn \"x\"");
        assert_eq!(
            of_phase(&v, "i")[0]["args"]["note"],
            "a \"quoted\" \\ note\n"
        );
        assert_eq!(v["otherData"]["scenario"], "sc\"en\u{1}");
    }

    #[test]
    fn micros_are_exact() {
        let m = |ns| Micros(Time::from_nanos(ns)).to_string();
        assert_eq!(m(0), "0");
        assert_eq!(m(1), "0.001");
        assert_eq!(m(1_234_567), "1234.567");
        assert_eq!(m(1_234_560), "1234.56");
        assert_eq!(m(1_234_500), "1234.5");
        assert_eq!(m(1_234_000), "1234");
        assert_eq!(m(u64::MAX), "18446744073709551.615");
    }

    #[test]
    fn an_empty_trace_is_valid() {
        let v = parse(&to_json(&Trace::new(5), &["f"], &INFO));
        assert!(events(&v).is_empty());
        assert_eq!(v["otherData"]["records"], 0);
    }
}
