//! The JSON that `aws logs filter-log-events` and `get-log-events` print
//! (`{"events": [{"timestamp", "message", …}, …], …}`), read one event at a
//! time: a byte scanner finds each element of `events`, and serde reads that element
//! alone, so a 1 GB file is never held whole. Several documents one after another (pages
//! saved to one file) are read in turn.

use serde::Deserialize;
use std::io::BufRead;

/// One element of `events`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct LogEvent {
    pub(super) timestamp: Option<u64>,
    pub(super) message: String,
}

/// The largest event read; a longer one is malformed.
const MAX_EVENT: usize = 1 << 20;

/// Where the scanner is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum At {
    /// Between documents.
    Outside,
    /// In a document's top-level object, before a key.
    Top,
    /// In the `events` array, before an element.
    Events,
}

pub(super) struct Events<R> {
    rdr: R,
    at: At,
    /// 1-based line of the byte about to be read.
    line: u64,
    buf: Vec<u8>,
}

/// What reading the next event gave.
pub(super) enum Next {
    /// An event, and the line it starts on.
    Event(LogEvent, u64),
    /// An element that is no event (too long, or not of that shape), and its line.
    Bad(u64, String),
    End,
}

impl<R: BufRead> Events<R> {
    pub(super) fn new(rdr: R) -> Self {
        Events {
            rdr,
            at: At::Outside,
            line: 1,
            buf: Vec::new(),
        }
    }

    fn peek(&mut self) -> Result<Option<u8>, String> {
        let b = self
            .rdr
            .fill_buf()
            .map_err(|e| format!("cannot read: {e}"))?;
        Ok(b.first().copied())
    }

    fn bump(&mut self) -> Result<Option<u8>, String> {
        let b = self.peek()?;
        if let Some(c) = b {
            self.rdr.consume(1);
            if c == b'\n' {
                self.line += 1;
            }
        }
        Ok(b)
    }

    fn skip_ws(&mut self) -> Result<Option<u8>, String> {
        while let Some(c) = self.peek()? {
            if !c.is_ascii_whitespace() {
                return Ok(Some(c));
            }
            self.bump()?;
        }
        Ok(None)
    }

    fn expect(&mut self, want: u8) -> Result<(), String> {
        match self.skip_ws()? {
            Some(c) if c == want => {
                self.bump()?;
                Ok(())
            }
            Some(c) => Err(format!(
                "line {}: expected `{}`, found `{}`",
                self.line, want as char, c as char
            )),
            None => Err(format!("line {}: the JSON ends early", self.line)),
        }
    }

    /// Reads one JSON value (the scanner stands on its first byte) into `buf` when `keep`,
    /// else past it. Strings and nesting are followed; the value is not checked further.
    fn value(&mut self, keep: bool) -> Result<bool, String> {
        self.buf.clear();
        let mut depth = 0usize;
        let mut in_str = false;
        let mut escaped = false;
        let mut over = false;
        loop {
            let Some(c) = self.bump()? else {
                return Err(format!("line {}: the JSON ends inside a value", self.line));
            };
            if keep && !over {
                if self.buf.len() < MAX_EVENT {
                    self.buf.push(c);
                } else {
                    over = true;
                }
            }
            if in_str {
                match (escaped, c) {
                    (true, _) => escaped = false,
                    (false, b'\\') => escaped = true,
                    (false, b'"') => in_str = false,
                    _ => {}
                }
                if !in_str && depth == 0 {
                    return Ok(!over);
                }
                continue;
            }
            match c {
                b'"' => in_str = true,
                b'{' | b'[' => depth += 1,
                b'}' | b']' => depth = depth.saturating_sub(1),
                _ => {}
            }
            let next = self.peek()?;
            let scalar_ends = depth == 0
                && !in_str
                && !matches!(c, b'}' | b']')
                && next
                    .is_none_or(|n| n == b',' || n == b'}' || n == b']' || n.is_ascii_whitespace());
            if (depth == 0 && matches!(c, b'}' | b']')) || scalar_ends {
                return Ok(!over);
            }
        }
    }

    /// The next event of `events`, in any document of the file.
    pub(super) fn next(&mut self) -> Result<Next, String> {
        loop {
            match self.at {
                At::Outside => match self.skip_ws()? {
                    None => return Ok(Next::End),
                    Some(b'{') => {
                        self.bump()?;
                        self.at = At::Top;
                    }
                    Some(c) => {
                        return Err(format!(
                            "line {}: expected a JSON object, found `{}`",
                            self.line, c as char
                        ));
                    }
                },
                At::Top => match self.skip_ws()? {
                    Some(b',') => {
                        self.bump()?;
                    }
                    Some(b'}') => {
                        self.bump()?;
                        self.at = At::Outside;
                    }
                    Some(b'"') => {
                        self.value(true)?;
                        let key = std::mem::take(&mut self.buf);
                        self.expect(b':')?;
                        if key == b"\"events\"" {
                            self.expect(b'[')?;
                            self.at = At::Events;
                        } else {
                            self.skip_ws()?;
                            self.value(false)?;
                        }
                        self.buf = key;
                    }
                    Some(c) => {
                        return Err(format!(
                            "line {}: expected a key, found `{}`",
                            self.line, c as char
                        ));
                    }
                    None => return Err(format!("line {}: the JSON ends early", self.line)),
                },
                At::Events => match self.skip_ws()? {
                    Some(b',') => {
                        self.bump()?;
                    }
                    Some(b']') => {
                        self.bump()?;
                        self.at = At::Top;
                    }
                    Some(_) => {
                        let line = self.line;
                        if !self.value(true)? {
                            return Ok(Next::Bad(line, "an event over 1 MiB".into()));
                        }
                        return Ok(match serde_json::from_slice::<LogEvent>(&self.buf) {
                            Ok(e) => Next::Event(e, line),
                            Err(e) => Next::Bad(line, format!("an event that does not read: {e}")),
                        });
                    }
                    None => {
                        return Err(format!("line {}: the JSON ends inside `events`", self.line));
                    }
                },
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(text: &str) -> Vec<(Option<u64>, String, u64)> {
        let mut ev = Events::new(text.as_bytes());
        let mut out = Vec::new();
        loop {
            match ev.next().unwrap() {
                Next::Event(e, line) => out.push((e.timestamp, e.message, line)),
                Next::Bad(line, m) => out.push((None, format!("bad: {m}"), line)),
                Next::End => return out,
            }
        }
    }

    #[test]
    fn events_are_read_one_by_one_across_pages_and_other_keys() {
        let text = r#"{
  "searchedLogStreams": [{"logStreamName": "a", "searchedCompletely": true}],
  "events": [
    {"logStreamName": "s", "timestamp": 1, "message": "x \"}]\" y\n", "ingestionTime": 2, "eventId": "e"},
    {"timestamp": 3, "message": "z"}
  ],
  "nextToken": null
}
{"events": [{"timestamp": 4, "message": "w"}], "nextForwardToken": "f/1"}
"#;
        assert_eq!(
            all(text),
            [
                (Some(1), "x \"}]\" y\n".to_string(), 4),
                (Some(3), "z".to_string(), 5),
                (Some(4), "w".to_string(), 9),
            ]
        );
    }

    #[test]
    fn an_element_that_is_no_event_is_bad_and_reading_goes_on() {
        let text = r#"{"events": [{"timestamp": 1}, 7, {"timestamp": 2, "message": "m"}]}"#;
        let got = all(text);
        assert!(got[0].1.starts_with("bad: "), "{got:?}");
        assert!(got[1].1.starts_with("bad: "), "{got:?}");
        assert_eq!(got[2], (Some(2), "m".to_string(), 1));
        // Compact, as `jq -c` writes it: a scalar ends at the comma right after it.
        let text = r#"{"nextToken":null,"events":[7,{"timestamp":2,"message":"m"}]}"#;
        let got = all(text);
        assert_eq!(got.len(), 2, "{got:?}");
        assert!(got[0].1.starts_with("bad: "), "{got:?}");
        assert_eq!(got[1], (Some(2), "m".to_string(), 1));
    }

    #[test]
    fn scalars_end_at_a_closing_brace_or_bracket_and_strings_are_no_events() {
        // Compact pages, one after another: `null` right before `}`, `7` right before `]`.
        let text = concat!(
            r#"{"events":[{"timestamp":1,"message":"a"},7],"nextToken":null}"#,
            "\n",
            r#"{"events":[{"timestamp":2,"message":"b"},"x"]}"#,
        );
        let got = all(text);
        assert_eq!(got.len(), 4, "{got:?}");
        assert_eq!(got[0], (Some(1), "a".to_string(), 1));
        assert!(
            got[1].1.starts_with("bad: an event that does not read"),
            "{got:?}"
        );
        assert_eq!(got[2], (Some(2), "b".to_string(), 2));
        // A string is an element that does not read, not one over 1 MiB.
        assert!(
            got[3].1.starts_with("bad: an event that does not read"),
            "{got:?}"
        );
    }

    #[test]
    fn an_event_of_1_mib_reads_and_one_byte_more_does_not() {
        let event = |len: usize| {
            let head = r#"{"timestamp": 1, "message": ""#;
            let fill = "m".repeat(len - head.len() - 2);
            format!("{head}{fill}\"}}")
        };
        assert_eq!(event(MAX_EVENT).len(), MAX_EVENT);
        let got = all(&format!("{{\"events\": [{}]}}", event(MAX_EVENT)));
        assert_eq!(got[0].0, Some(1));
        let got = all(&format!("{{\"events\": [{}]}}", event(MAX_EVENT + 1)));
        assert_eq!(got[0].1, "bad: an event over 1 MiB");
    }

    #[test]
    fn a_missing_colon_is_an_error() {
        let mut ev = Events::new(r#"{"events" [{"timestamp": 1, "message": "m"}]}"#.as_bytes());
        let e = ev.next().map(|_| ()).unwrap_err();
        assert!(e.contains("expected `:`"), "{e}");
    }

    #[test]
    fn truncated_json_is_an_error() {
        let mut ev = Events::new(r#"{"events": [{"timestamp": 1, "message": "#.as_bytes());
        assert!(ev.next().is_err());
        let mut ev = Events::new("[1, 2]".as_bytes());
        assert!(ev.next().is_err());
    }
}
