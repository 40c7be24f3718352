//! One log file, its format detected from its content, read report by report: plain text
//! lines (with or without a leading timestamp; JSON-format records one per line too), the
//! console's `timestamp,message` CSV export, a Logs Insights CSV export, and the JSON of
//! `aws logs filter-log-events` / `get-log-events`; each of them gzipped too.

use super::events::{Events, Next};
use super::message::{self, Message, parse_ms, timestamp};
use super::{BadLines, Invocation, LogError, Logged, Status};
use crate::engine::Time;
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

/// The longest line read; a longer one is counted malformed and skipped.
use crate::read::MAX_LINE;

/// The most `platform.start` times kept while their reports are awaited.
const MAX_STARTS: usize = 1 << 20;

/// The formats a log file may have.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    /// Lines, each a message with or without a leading timestamp (and log stream).
    Text,
    /// The console's export: `timestamp,message` (epoch ms).
    ConsoleCsv,
    /// A Logs Insights export: `@timestamp`, `@duration`, `@billedDuration`, …
    InsightsCsv,
    /// A Logs Insights export of the messages only: `@timestamp,@message`.
    InsightsMessages,
    /// `aws logs filter-log-events` / `get-log-events` JSON.
    EventsJson,
}

impl LogFormat {
    /// How the format is named to users.
    pub fn label(self) -> &'static str {
        match self {
            LogFormat::Text => "text lines",
            LogFormat::ConsoleCsv => "console CSV export",
            LogFormat::InsightsCsv => "Logs Insights CSV export",
            LogFormat::InsightsMessages => "Logs Insights CSV export of messages",
            LogFormat::EventsJson => "aws logs JSON",
        }
    }
}

struct InsightsCols {
    timestamp: usize,
    duration: usize,
    billed: Option<usize>,
    init: Option<usize>,
    memory: Option<usize>,
    max_memory: Option<usize>,
    message: Option<usize>,
    request: Option<usize>,
    kind: Option<usize>,
}

/// A log file's bytes, decompressed when it is gzipped (as CloudWatch's exports to S3 are).
type Input = BufReader<Box<dyn Read + Send>>;

enum Reader {
    Text(Input),
    ConsoleCsv {
        rdr: csv::Reader<Input>,
        timestamp: usize,
        message: usize,
    },
    InsightsCsv {
        rdr: csv::Reader<Input>,
        cols: InsightsCols,
    },
    EventsJson(Events<Input>),
}

/// One open log file.
pub(super) struct LogFile {
    pub(super) path: PathBuf,
    pub(super) format: LogFormat,
    reader: Reader,
    line: u64,
    buf: Vec<u8>,
    rec: csv::StringRecord,
    /// `platform.start` times by request, until their reports come.
    starts: HashMap<String, u64>,
    /// The end of the last report, where an untimed one is placed after.
    last_end: u64,
    /// Reports with no time of their own, placed one after another.
    pub(super) untimed: u64,
}

/// Opens a regular file (not a device or a pipe), through gzip when it starts with gzip's
/// magic bytes.
fn open(path: &Path) -> Result<Input, LogError> {
    let cannot = |e: std::io::Error| LogError::file(path, format!("cannot open: {e}"));
    let mut f = BufReader::new(crate::read::open_regular(path).map_err(cannot)?);
    let gz = f.fill_buf().map_err(cannot)?.starts_with(&[0x1f, 0x8b]);
    let inner: Box<dyn Read + Send> = if gz {
        Box::new(flate2::bufread::MultiGzDecoder::new(f))
    } else {
        Box::new(f)
    };
    Ok(BufReader::with_capacity(1 << 16, inner))
}

/// Which format the file is, from its first bytes and its first line.
fn detect(path: &Path) -> Result<LogFormat, LogError> {
    let mut head = Vec::with_capacity(4096);
    open(path)?
        .take(4096)
        .read_to_end(&mut head)
        .map_err(|e| LogError::file(path, format!("cannot read: {e}")))?;
    let text = String::from_utf8_lossy(&head);
    let text = text.trim_start_matches('\u{feff}');
    let first = text.lines().next().unwrap_or("").trim();
    let body = text.trim_start();
    if body.starts_with('{') && !first.contains("\"type\"") && body.contains("\"events\"") {
        return Ok(LogFormat::EventsJson);
    }
    let cells: Vec<String> = first
        .split(',')
        .map(|c| c.trim().trim_matches('"').to_ascii_lowercase())
        .collect();
    let has = |name: &str| cells.iter().any(|c| c == name);
    if has("@timestamp") && has("@duration") {
        return Ok(LogFormat::InsightsCsv);
    }
    if has("@timestamp") && has("@message") {
        return Ok(LogFormat::InsightsMessages);
    }
    if has("timestamp") && has("message") {
        return Ok(LogFormat::ConsoleCsv);
    }
    Ok(LogFormat::Text)
}

fn csv_reader(path: &Path) -> Result<(csv::Reader<Input>, Vec<String>), LogError> {
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(open(path)?);
    let header = rdr
        .headers()
        .map_err(|e| LogError::at(path, 1, format!("cannot read the header: {e}")))?
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_ascii_lowercase())
        .collect();
    Ok((rdr, header))
}

impl LogFile {
    pub(super) fn open(path: &Path) -> Result<LogFile, LogError> {
        let format = detect(path)?;
        let reader = match format {
            LogFormat::Text => Reader::Text(open(path)?),
            LogFormat::EventsJson => Reader::EventsJson(Events::new(open(path)?)),
            LogFormat::ConsoleCsv | LogFormat::InsightsMessages => {
                let (rdr, h) = csv_reader(path)?;
                let find = |n: &str| h.iter().position(|c| c.trim_start_matches('@') == n);
                Reader::ConsoleCsv {
                    rdr,
                    timestamp: find("timestamp").expect("detected"),
                    message: find("message").expect("detected"),
                }
            }
            LogFormat::InsightsCsv => {
                let (rdr, h) = csv_reader(path)?;
                let find = |n: &str| h.iter().position(|c| c == n);
                Reader::InsightsCsv {
                    rdr,
                    cols: InsightsCols {
                        timestamp: find("@timestamp").expect("detected"),
                        duration: find("@duration").expect("detected"),
                        billed: find("@billedduration"),
                        init: find("@initduration"),
                        memory: find("@memorysize"),
                        max_memory: find("@maxmemoryused"),
                        message: find("@message"),
                        request: find("@requestid"),
                        kind: find("@type"),
                    },
                }
            }
        };
        Ok(LogFile {
            path: path.to_path_buf(),
            format,
            reader,
            line: 0,
            buf: Vec::new(),
            rec: csv::StringRecord::new(),
            starts: HashMap::new(),
            last_end: 0,
            untimed: 0,
        })
    }

    /// The next report of the file; malformed ones are counted in `bad` and skipped.
    pub(super) fn next(&mut self, bad: &mut BadLines) -> Result<Option<Invocation>, LogError> {
        loop {
            let (at, msg, line) = match &mut self.reader {
                Reader::Text(rdr) => {
                    let Some(long) = read_line(rdr, &mut self.buf, MAX_LINE).map_err(|e| {
                        LogError::at(&self.path, self.line + 1, format!("cannot read: {e}"))
                    })?
                    else {
                        return Ok(None);
                    };
                    self.line += 1;
                    let text = match std::str::from_utf8(&self.buf) {
                        Ok(t) => std::borrow::Cow::Borrowed(t),
                        Err(_) => String::from_utf8_lossy(&self.buf),
                    };
                    if long {
                        if text.contains("REPORT") || text.contains("platform.report") {
                            bad.note(&self.path, self.line, "a line over 1 MiB", &text);
                        }
                        continue;
                    }
                    let (at, msg) = leading_timestamp(&text);
                    match message::parse(msg) {
                        Ok(m) => (at, m, self.line),
                        Err(why) => {
                            bad.note(&self.path, self.line, &why, &text);
                            continue;
                        }
                    }
                }
                Reader::ConsoleCsv {
                    rdr,
                    timestamp: ts,
                    message: mc,
                } => {
                    let Some(line) = next_record(rdr, &mut self.rec, &self.path)? else {
                        return Ok(None);
                    };
                    let msg = self.rec.get(*mc).unwrap_or("");
                    let at = timestamp(self.rec.get(*ts).unwrap_or(""));
                    match message::parse(msg) {
                        Ok(m) => (at, m, line),
                        Err(why) => {
                            bad.note(&self.path, line, &why, msg);
                            continue;
                        }
                    }
                }
                Reader::InsightsCsv { rdr, cols } => {
                    let Some(line) = next_record(rdr, &mut self.rec, &self.path)? else {
                        return Ok(None);
                    };
                    match insights_row(&self.rec, cols) {
                        Ok(Some((at, r))) => (at, Message::Report(r), line),
                        Ok(None) => continue,
                        Err(why) => {
                            let row = self.rec.iter().collect::<Vec<_>>().join(",");
                            bad.note(&self.path, line, &why, &row);
                            continue;
                        }
                    }
                }
                Reader::EventsJson(ev) => {
                    match ev.next().map_err(|e| LogError::file(&self.path, e))? {
                        Next::End => return Ok(None),
                        Next::Bad(line, why) => {
                            bad.note(&self.path, line, &why, "");
                            continue;
                        }
                        Next::Event(e, line) => match message::parse(&e.message) {
                            Ok(m) => (
                                e.timestamp.and_then(|ms| ms.checked_mul(1_000_000)),
                                m,
                                line,
                            ),
                            Err(why) => {
                                bad.note(&self.path, line, &why, &e.message);
                                continue;
                            }
                        },
                    }
                }
            };
            match msg {
                Message::Other => {}
                Message::Start { request_id, at } => {
                    if self.starts.len() >= MAX_STARTS {
                        self.starts.clear();
                    }
                    self.starts.insert(request_id, at);
                }
                Message::Report(r) => {
                    if let Some(inv) = self.invocation(r, at, line) {
                        return Ok(Some(inv));
                    }
                    bad.note(
                        &self.path,
                        line,
                        "the report ends before 1970 plus its duration",
                        "",
                    );
                }
            }
        }
    }

    /// A report's times: its own record time, else the line's, else after the last one.
    fn invocation(&mut self, r: Logged, at: Option<u64>, line: u64) -> Option<Invocation> {
        let start = if r.request_id.is_empty() {
            None
        } else {
            self.starts.remove(&r.request_id)
        };
        let lead = r.init.unwrap_or(Time::ZERO) + r.restore.unwrap_or(Time::ZERO);
        let end = match r.end.or(at) {
            Some(t) => t,
            None => {
                self.untimed += 1;
                self.last_end + (lead + r.duration).as_nanos()
            }
        };
        let arrival = match start {
            // `platform.start` opens the invoke phase, after INIT (or the restore).
            Some(s) => s.checked_sub(lead.as_nanos())?,
            None => end.checked_sub((lead + r.duration).as_nanos())?,
        };
        self.last_end = self.last_end.max(end);
        Some(Invocation {
            arrival,
            end,
            duration: r.duration,
            billed_ms: r.billed_ms,
            memory_mb: r.memory_mb,
            max_memory_mb: r.max_memory_mb,
            init: r.init,
            restore: r.restore,
            billed_restore_ms: r.billed_restore_ms,
            status: r.status,
            file: 0,
            line,
        })
    }
}

/// The next record of a CSV export and its line, `None` at the end; a row the CSV reader
/// cannot read is an error naming its line.
fn next_record(
    rdr: &mut csv::Reader<Input>,
    rec: &mut csv::StringRecord,
    path: &Path,
) -> Result<Option<u64>, LogError> {
    match rdr.read_record(rec) {
        Ok(false) => Ok(None),
        Ok(true) => Ok(Some(rec.position().map_or(0, |p| p.line()))),
        Err(e) => {
            let line = e.position().map_or(0, |p| p.line());
            Err(LogError::at(path, line, format!("malformed CSV: {e}")))
        }
    }
}

/// A Logs Insights row: `None` for a row that is no report (no `@duration`).
fn insights_row(
    rec: &csv::StringRecord,
    c: &InsightsCols,
) -> Result<Option<(Option<u64>, Logged)>, String> {
    let get = |i: Option<usize>| {
        i.and_then(|i| rec.get(i))
            .map(str::trim)
            .filter(|s| !s.is_empty())
    };
    if let Some(k) = get(c.kind)
        && k != "REPORT"
    {
        return Ok(None);
    }
    let Some(d) = get(Some(c.duration)) else {
        return Ok(None);
    };
    let ms = |s: &str, what: &str| {
        parse_ms(s).ok_or_else(|| format!("`{what}` is `{s}`, not a number of ms"))
    };
    let mb = |s: &str, what: &str| {
        insights_mb(s).ok_or_else(|| format!("`{what}` is `{s}`, not a memory size"))
    };
    let at = get(Some(c.timestamp))
        .map(|s| timestamp(s).ok_or_else(|| format!("`@timestamp` is `{s}`, not a time")))
        .transpose()?;
    let duration = ms(d, "@duration")?;
    let billed_ms = match get(c.billed) {
        Some(s) => {
            let t = ms(s, "@billedDuration")?;
            t.as_nanos().div_ceil(1_000_000)
        }
        None => (duration + get(c.init).map_or(Ok(Time::ZERO), |s| ms(s, "@initDuration"))?)
            .ceil_millis(),
    };
    let status = match get(c.message) {
        Some(m) if m.contains("Status: timeout") => Status::Timeout,
        Some(m) if m.contains("Status: error") => Status::Error,
        _ => Status::Success,
    };
    Ok(Some((
        at,
        Logged {
            request_id: get(c.request).unwrap_or("").to_string(),
            end: None,
            duration,
            billed_ms,
            memory_mb: get(c.memory).map_or(Ok(0), |s| mb(s, "@memorySize"))?,
            max_memory_mb: get(c.max_memory).map_or(Ok(0), |s| mb(s, "@maxMemoryUsed"))?,
            init: get(c.init).map(|s| ms(s, "@initDuration")).transpose()?,
            restore: None,
            billed_restore_ms: 0,
            status,
        },
    )))
}

/// Insights gives memory in bytes (1 MB = 10⁶ bytes in its fields, 2²⁰ in some exports);
/// a small number is taken as MB already.
fn insights_mb(s: &str) -> Option<u32> {
    let v: f64 = s.parse().ok()?;
    if !(v.is_finite() && v >= 0.0) {
        return None;
    }
    let mb = if v < 1e5 {
        v
    } else if (v / 1e6).fract() == 0.0 {
        v / 1e6
    } else {
        v / 1_048_576.0
    };
    (mb <= 1e6).then(|| mb.round() as u32)
}

/// The timestamp at the head of a text line, if any, and the rest: `aws logs tail` writes
/// `<time> <stream> <message>`, `sam logs` `<stream> <time> <message>`, the console
/// `<time>\t<message>`.
fn leading_timestamp(line: &str) -> (Option<u64>, &str) {
    let (head, message) = match (line.find("REPORT"), line.find('{')) {
        (Some(i), _) => (&line[..i], &line[i..]),
        // A JSON-format record after the time and stream.
        (None, Some(i)) => (&line[..i], &line[i..]),
        (None, None) => (line, line),
    };
    let at = head.split_whitespace().take(3).find_map(timestamp);
    (at, message)
}

/// Reads a line into `buf` (without its end of line), at most `max` bytes of it; returns
/// whether it was longer (the rest is skipped), or `None` at the end of the file.
fn read_line(
    rdr: &mut impl BufRead,
    buf: &mut Vec<u8>,
    max: usize,
) -> std::io::Result<Option<bool>> {
    buf.clear();
    let mut long = false;
    let mut any = false;
    loop {
        let chunk = rdr.fill_buf()?;
        if chunk.is_empty() {
            return Ok(any.then_some(long));
        }
        any = true;
        let (take, done) = match chunk.iter().position(|&b| b == b'\n') {
            Some(i) => (i, true),
            None => (chunk.len(), false),
        };
        let room = max.saturating_sub(buf.len());
        buf.extend_from_slice(&chunk[..take.min(room)]);
        long |= take > room;
        rdr.consume(take + usize::from(done));
        if done {
            if buf.last() == Some(&b'\r') {
                buf.pop();
            }
            return Ok(Some(long));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_csv_is_the_consoles_export_only_with_both_its_columns() {
        let d = tempfile::tempdir().unwrap();
        let at = |name: &str, text: &str| {
            let p = d.path().join(name);
            std::fs::write(&p, text).unwrap();
            detect(&p).unwrap()
        };
        assert_eq!(
            at("a.csv", "timestamp,message\n1,REPORT\n"),
            LogFormat::ConsoleCsv
        );
        assert_eq!(at("b.csv", "timestamp,value\n1,2\n"), LogFormat::Text);
        assert_eq!(at("c.csv", "time,message\n1,REPORT\n"), LogFormat::Text);
        assert_eq!(
            at("d.csv", "@timestamp,@duration,@memorySize\n"),
            LogFormat::InsightsCsv
        );
        assert_eq!(
            at("e.csv", "@timestamp,@message\n"),
            LogFormat::InsightsMessages
        );
        assert_eq!(at("f.csv", "@timestamp,@requestId\n"), LogFormat::Text);
        assert_eq!(at("g.csv", "@message,@duration\n"), LogFormat::Text);
    }

    #[test]
    fn a_line_over_the_limit_is_flagged_and_skipped_whole() {
        let text = format!("{}\nshort\r\nlast", "x".repeat(100));
        let mut r = text.as_bytes();
        let mut buf = Vec::new();
        assert_eq!(read_line(&mut r, &mut buf, 10).unwrap(), Some(true));
        assert_eq!(buf.len(), 10);
        assert_eq!(read_line(&mut r, &mut buf, 10).unwrap(), Some(false));
        assert_eq!(buf, b"short");
        assert_eq!(read_line(&mut r, &mut buf, 10).unwrap(), Some(false));
        assert_eq!(buf, b"last");
        assert_eq!(read_line(&mut r, &mut buf, 10).unwrap(), None);
    }

    #[test]
    fn a_line_of_exactly_the_limit_is_whole() {
        let mut r = "0123456789\n0123456789".as_bytes();
        let mut buf = Vec::new();
        assert_eq!(read_line(&mut r, &mut buf, 10).unwrap(), Some(false));
        assert_eq!(buf, b"0123456789");
        assert_eq!(read_line(&mut r, &mut buf, 10).unwrap(), Some(false));
        assert_eq!(buf, b"0123456789");
    }

    #[test]
    fn the_timestamp_is_found_before_or_after_the_stream_name() {
        let t = timestamp("2025-09-01T12:00:00.123Z");
        let tail = "2025-09-01T12:00:00.123000+00:00 2025/09/01/[$LATEST]abc REPORT RequestId: a";
        let sam = "2025/09/01/[$LATEST]abc 2025-09-01T12:00:00.123000 REPORT RequestId: a";
        let console = "2025-09-01T12:00:00.123Z\tREPORT RequestId: a";
        for l in [tail, sam, console] {
            assert_eq!(leading_timestamp(l).0, t, "{l}");
        }
        assert_eq!(leading_timestamp("REPORT RequestId: a").0, None);
    }

    #[test]
    fn insights_memory_in_bytes_or_mb() {
        assert_eq!(insights_mb("128000000"), Some(128));
        assert_eq!(insights_mb("134217728"), Some(128));
        assert_eq!(insights_mb("1024"), Some(1024));
        // Below 10⁵ is MB already; 10⁵ itself is bytes (0.1 MB).
        assert_eq!(insights_mb("99999"), Some(99_999));
        assert_eq!(insights_mb("100000"), Some(0));
        assert_eq!(insights_mb("-1"), None);
        assert_eq!(insights_mb("x"), None);
    }
}
