//! One log message: a text `REPORT RequestId: …` line or a JSON-format `platform.report`
//! (or `platform.start`) record, read into its figures; and the timestamps and exact
//! millisecond numbers they are written in.

use super::{Logged, Status};
use crate::engine::Time;
use serde::Deserialize;

/// What one message holds.
#[derive(Debug, PartialEq)]
pub(super) enum Message {
    /// A `REPORT` line or a `platform.report` record. `end` is the record's own time,
    /// when it has one (JSON records carry `time`; text lines carry none of their own).
    Report(Logged),
    /// A `platform.start` record: the invoke phase of `request_id` began at `at`.
    Start { request_id: String, at: u64 },
    /// A message that is no report (START, END, the function's own output): ignored.
    Other,
}

/// Reads a message; `Err` names what is malformed in a message that is a report.
pub(super) fn parse(message: &str) -> Result<Message, String> {
    let t = message.trim_start_matches('\u{feff}').trim();
    if t.starts_with('{') {
        return json_record(t);
    }
    // One searcher for every line (building one per call was a tenth of the time).
    static REPORT: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new("REPORT RequestId:"));
    match REPORT.find(t.as_bytes()) {
        Some(i) => text_report(&t[i..]).map(Message::Report),
        None => Ok(Message::Other),
    }
}

/// Whether a label read from a line is `want`: the same words, whatever whitespace
/// separates them (a single space, the common case, compares at once).
fn same_label(name: &str, want: &str) -> bool {
    name == want || name.split_ascii_whitespace().eq(want.split(' '))
}

/// A text REPORT line, from `REPORT RequestId:` on. Labels are the words before each
/// colon, so tabs or spaces between the fields both work.
fn text_report(t: &str) -> Result<Logged, String> {
    let mut r = Logged::default();
    let (mut duration, mut billed, mut memory) = (None, None, None);
    let mut words = t.split_ascii_whitespace().peekable();
    // The words of the label being read, as a slice of `t` from its first word.
    let mut label: Option<(usize, usize)> = None;
    let offset = |w: &str| w.as_ptr() as usize - t.as_ptr() as usize;
    while let Some(w) = words.next() {
        let (start, _) = *label.get_or_insert((offset(w), 0));
        if !w.ends_with(':') {
            continue;
        }
        let name = &t[start..offset(w) + w.len() - 1];
        label = None;
        let value = words.peek().copied().unwrap_or("");
        let is = |want: &str| same_label(name, want);
        let ms = || {
            parse_ms(value).ok_or_else(|| format!("`{}:` is `{value}`, not a number of ms", name))
        };
        let mb = || {
            value
                .parse::<u32>()
                .map_err(|_| format!("`{}:` is `{value}`, not a number of MB", name))
        };
        if is("REPORT RequestId") {
            r.request_id = value.to_string();
        } else if is("Duration") {
            duration = Some(ms()?);
        } else if is("Billed Duration") {
            billed = Some(value.parse::<u64>().map_err(|_| {
                format!("`Billed Duration:` is `{value}`, not a whole number of ms")
            })?);
        } else if is("Memory Size") {
            memory = Some(mb()?);
        } else if is("Max Memory Used") {
            r.max_memory_mb = mb()?;
        } else if is("Init Duration") {
            r.init = Some(ms()?);
        } else if is("Restore Duration") {
            r.restore = Some(ms()?);
        } else if is("Billed Restore Duration") {
            r.billed_restore_ms = value.parse::<u64>().map_err(|_| {
                format!("`Billed Restore Duration:` is `{value}`, not a whole number of ms")
            })?;
        } else if is("Status") {
            r.status = status(value);
        }
        // The value (of a field not needed too: `Error Type:`, `XRAY TraceId:` …).
        words.next();
        // A unit after the number (`ms`, `MB`) is no label word.
        if let Some(&u) = words.peek()
            && (u == "ms" || u == "MB")
        {
            words.next();
        }
    }
    r.duration = duration.ok_or("no `Duration:`")?;
    r.billed_ms = billed.ok_or("no `Billed Duration:`")?;
    r.memory_mb = memory.ok_or("no `Memory Size:`")?;
    Ok(r)
}

fn status(s: &str) -> Status {
    match s.trim_matches(|c: char| !c.is_ascii_alphabetic()) {
        "timeout" => Status::Timeout,
        "error" | "failure" => Status::Error,
        _ => Status::Success,
    }
}

#[derive(Deserialize)]
struct Record {
    time: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    record: Option<Body>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Body {
    request_id: Option<String>,
    metrics: Option<Metrics>,
    status: Option<String>,
}

#[derive(Deserialize)]
struct Metrics {
    #[serde(rename = "durationMs")]
    duration: f64,
    #[serde(rename = "billedDurationMs")]
    billed: u64,
    #[serde(rename = "memorySizeMB")]
    memory: u32,
    #[serde(rename = "maxMemoryUsedMB", default)]
    max_memory: u32,
    #[serde(rename = "initDurationMs")]
    init: Option<f64>,
    #[serde(rename = "restoreDurationMs")]
    restore: Option<f64>,
    #[serde(rename = "billedRestoreDurationMs", default)]
    billed_restore: u64,
}

/// A JSON-format log record (`"type": "platform.report"` or `"platform.start"`).
fn json_record(t: &str) -> Result<Message, String> {
    let Ok(rec) = serde_json::from_str::<Record>(t) else {
        // The function's own JSON output, or a record of another shape.
        return match t.contains("\"platform.report\"") {
            true => Err(json_error(t)),
            false => Ok(Message::Other),
        };
    };
    let time = rec.time.as_deref().and_then(timestamp);
    match rec.kind.as_deref() {
        Some("platform.report") => {
            let body = rec
                .record
                .ok_or("a platform.report record without `record`")?;
            let m = body
                .metrics
                .ok_or("a platform.report record without `record.metrics`")?;
            let ms = |x: f64, what: &str| {
                float_ms(x).ok_or_else(|| format!("`{what}` is {x}, not a number of ms"))
            };
            Ok(Message::Report(Logged {
                request_id: body.request_id.unwrap_or_default(),
                end: time,
                duration: ms(m.duration, "durationMs")?,
                billed_ms: m.billed,
                memory_mb: m.memory,
                max_memory_mb: m.max_memory,
                init: m.init.map(|x| ms(x, "initDurationMs")).transpose()?,
                restore: m.restore.map(|x| ms(x, "restoreDurationMs")).transpose()?,
                billed_restore_ms: m.billed_restore,
                status: body.status.as_deref().map_or(Status::Success, status),
            }))
        }
        Some("platform.start") => match (body_id(rec.record), time) {
            (Some(request_id), Some(at)) => Ok(Message::Start { request_id, at }),
            _ => Ok(Message::Other),
        },
        _ => Ok(Message::Other),
    }
}

fn body_id(b: Option<Body>) -> Option<String> {
    b.and_then(|b| b.request_id)
}

/// Why a `platform.report` record does not read, in a few words.
fn json_error(t: &str) -> String {
    match serde_json::from_str::<Record>(t) {
        Err(e) => format!("a platform.report record that does not read: {e}"),
        Ok(_) => "a platform.report record that does not read".into(),
    }
}

/// A number of milliseconds written in decimal (`31414.74`), exactly, in nanoseconds.
pub(super) fn parse_ms(s: &str) -> Option<Time> {
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    if int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let whole: u64 = int.parse().ok()?;
    let mut ns: u64 = 0;
    for (i, b) in frac.bytes().take(6).enumerate() {
        ns += u64::from(b - b'0') * 10u64.pow(5 - i as u32);
    }
    // Digits beyond the nanosecond round it.
    if frac.len() > 6 && frac.as_bytes()[6] >= b'5' {
        ns += 1;
    }
    whole.checked_mul(1_000_000)?.checked_add(ns).map(Time)
}

/// A JSON number of milliseconds, rounded to the nanosecond.
fn float_ms(x: f64) -> Option<Time> {
    (x.is_finite() && (0.0..1e12).contains(&x)).then(|| Time((x * 1e6).round() as u64))
}

/// A timestamp as the exports write it, in nanoseconds since 1970 (UTC):
/// RFC 3339 (`2025-09-01T12:00:00.123Z`, `…+00:00`), the same without a zone or with a
/// space for the `T` (UTC), or epoch milliseconds.
pub(super) fn timestamp(s: &str) -> Option<u64> {
    let s = s.trim().trim_matches('"');
    if !s.is_empty() && s.len() <= 16 && s.bytes().all(|b| b.is_ascii_digit()) {
        return s.parse::<u64>().ok()?.checked_mul(1_000_000);
    }
    // At least `YYYY-MM-DDTHH:MM:SS`.
    if s.len() < 19 || !s.as_bytes()[0].is_ascii_digit() || s.as_bytes()[4] != b'-' {
        return None;
    }
    let nanos = |dt: chrono::DateTime<chrono::Utc>| u64::try_from(dt.timestamp_nanos_opt()?).ok();
    if let Ok(dt) = chrono::DateTime::parse_from_rfc3339(s) {
        return nanos(dt.with_timezone(&chrono::Utc));
    }
    let naive = s.strip_suffix('Z').unwrap_or(s).replacen(' ', "T", 1);
    let dt = chrono::NaiveDateTime::parse_from_str(&naive, "%Y-%m-%dT%H:%M:%S%.f").ok()?;
    nanos(dt.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(line: &str) -> Logged {
        match parse(line).unwrap() {
            Message::Report(r) => r,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_cold_report_line_reads_exactly() {
        let r = report(
            "REPORT RequestId: 8f5c7b7e-1111-4c1a-9a3e-0c0ffee00001\tDuration: 31414.74 ms\tBilled Duration: 31964 ms\tMemory Size: 1024 MB\tMax Memory Used: 187 MB\tInit Duration: 548.72 ms\t",
        );
        assert_eq!(r.request_id, "8f5c7b7e-1111-4c1a-9a3e-0c0ffee00001");
        assert_eq!(r.duration, Time(31_414_740_000));
        assert_eq!(r.init, Some(Time(548_720_000)));
        assert_eq!(
            (r.billed_ms, r.memory_mb, r.max_memory_mb),
            (31_964, 1024, 187)
        );
        assert_eq!(r.status, Status::Success);
        assert_eq!(r.restore, None);
    }

    #[test]
    fn spaces_for_tabs_status_xray_and_restore_read_too() {
        let r = report(
            "2025-09-01T12:00:00.000Z REPORT RequestId: a  Duration: 3000.00 ms  Billed Duration: 3000 ms  Memory Size: 128 MB  Max Memory Used: 40 MB  Restore Duration: 474.16 ms  Billed Restore Duration: 194 ms  Status: timeout XRAY TraceId: 1-2-3 SegmentId: 4 Sampled: true",
        );
        assert_eq!(r.duration, Time::from_secs(3));
        assert_eq!(r.restore, Some(Time(474_160_000)));
        assert_eq!(r.init, None);
        assert_eq!(r.status, Status::Timeout);
        let e = report(
            "REPORT RequestId: b Duration: 1.5 ms Billed Duration: 2 ms Memory Size: 128 MB Max Memory Used: 40 MB Status: error Error Type: Runtime.ExitError",
        );
        assert_eq!((e.status, e.duration), (Status::Error, Time(1_500_000)));
    }

    #[test]
    fn a_report_missing_a_figure_is_malformed_and_other_lines_are_not_reports() {
        assert_eq!(
            parse("REPORT RequestId: a Billed Duration: 2 ms Memory Size: 128 MB"),
            Err("no `Duration:`".into())
        );
        assert!(parse("REPORT RequestId: a Duration: x ms Billed Duration: 2 ms").is_err());
        assert_eq!(
            parse("START RequestId: a Version: $LATEST"),
            Ok(Message::Other)
        );
        assert_eq!(parse("END RequestId: a"), Ok(Message::Other));
        assert_eq!(
            parse("{\"level\":\"info\",\"msg\":\"hi\"}"),
            Ok(Message::Other)
        );
    }

    #[test]
    fn json_records_read_with_their_time() {
        let r = report(
            r#"{"time":"2025-09-01T12:00:01.500Z","type":"platform.report","record":{"requestId":"c","metrics":{"durationMs":138999.2,"billedDurationMs":139711,"memorySizeMB":512,"maxMemoryUsedMB":90,"initDurationMs":711.04},"status":"success"}}"#,
        );
        assert_eq!(r.duration, Time(138_999_200_000));
        assert_eq!(r.init, Some(Time(711_040_000)));
        assert_eq!(r.end, timestamp("2025-09-01T12:00:01.500Z"));
        let s = parse(
            r#"{"time":"2025-09-01T12:00:00.100Z","type":"platform.start","record":{"requestId":"c","version":"$LATEST"}}"#,
        )
        .unwrap();
        assert_eq!(
            s,
            Message::Start {
                request_id: "c".into(),
                at: timestamp("2025-09-01T12:00:00.100Z").unwrap()
            }
        );
        let t = report(
            r#"{"time":"2025-09-01T12:00:01.500Z","type":"platform.report","record":{"requestId":"d","metrics":{"durationMs":3000,"billedDurationMs":3000,"memorySizeMB":128,"maxMemoryUsedMB":20},"status":"timeout"}}"#,
        );
        assert_eq!(t.status, Status::Timeout);
        assert!(parse(r#"{"time":"x","type":"platform.report","record":{"metrics":{}}}"#).is_err());
    }

    #[test]
    fn milliseconds_are_exact_to_the_nanosecond() {
        assert_eq!(parse_ms("0"), Some(Time::ZERO));
        assert_eq!(parse_ms("1.000001"), Some(Time(1_000_001)));
        assert_eq!(parse_ms("1.0000015"), Some(Time(1_000_002)));
        assert_eq!(parse_ms("12.3"), Some(Time(12_300_000)));
        assert_eq!(parse_ms("-1"), None);
        assert_eq!(parse_ms("1e3"), None);
        assert_eq!(parse_ms(".5"), None);
    }

    #[test]
    fn a_time_too_short_or_not_a_date_is_none_without_a_panic() {
        // Exactly `YYYY-MM-DDTHH:MM:SS` (19 characters) is a time, in UTC.
        assert_eq!(
            timestamp("2025-09-01T00:00:01"),
            Some(1_756_684_801_000_000_000)
        );
        for s in ["1a", "2025-9", "2025-09-01", "x025-09-01T00:00:01Z"] {
            assert_eq!(timestamp(s), None, "{s}");
        }
    }

    #[test]
    fn json_milliseconds_must_be_finite_and_in_range() {
        assert_eq!(float_ms(1.5), Some(Time(1_500_000)));
        for x in [f64::INFINITY, f64::NAN, -1.0, 1e12] {
            assert_eq!(float_ms(x), None, "{x}");
        }
    }

    #[test]
    fn timestamps_in_every_written_form() {
        let t = 1_756_728_000_123_000_000; // 2025-09-01T12:00:00.123Z
        assert_eq!(timestamp("2025-09-01T12:00:00.123Z"), Some(t));
        assert_eq!(timestamp("2025-09-01T12:00:00.123000+00:00"), Some(t));
        assert_eq!(timestamp("2025-09-01T14:00:00.123+02:00"), Some(t));
        assert_eq!(timestamp("2025-09-01 12:00:00.123"), Some(t));
        assert_eq!(timestamp("2025-09-01T12:00:00.123000"), Some(t));
        assert_eq!(timestamp("1756728000123"), Some(t));
        assert_eq!(timestamp("2025/09/01"), None);
        assert_eq!(timestamp("REPORT"), None);
        // Epoch milliseconds have at most 16 digits: 17 are not a time this reads, even
        // when their value is small.
        assert_eq!(timestamp("00000001756728000"), None);
    }
}
