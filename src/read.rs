//! Reading the user's files safely: regular files only (never a device or a pipe that
//! would never end), lines of bounded length, and at most a short quote of their text in
//! an error message.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

/// The longest stretch of a user's text an error quotes: enough to recognise it, not a
/// whole line of a file the user did not mean to show.
pub const QUOTE_CHARS: usize = 80;

/// The longest line of an input file: a CloudWatch event may hold 256 KB, and a CSV row
/// of the bundled traces about 30 KB.
pub const MAX_LINE: usize = 1 << 20;

/// `text` for an error message: the first [`QUOTE_CHARS`] characters, and how long the
/// whole was when it is longer.
pub fn quote(text: &str) -> String {
    let n = text.chars().count();
    if n <= QUOTE_CHARS {
        text.to_string()
    } else {
        let head: String = text.chars().take(QUOTE_CHARS).collect();
        format!("{head}… ({n} characters)")
    }
}

/// Opens `path` if it is a regular file (following links); a folder, a device or a pipe
/// is refused before anything is read from it.
pub fn open_regular(path: &Path) -> io::Result<File> {
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a regular file (a folder, a device or a pipe)",
        ));
    }
    File::open(path)
}

/// Reads a whole text file of at most `max` bytes.
pub fn small_text(path: &Path, max: u64) -> io::Result<String> {
    let f = open_regular(path)?;
    let mut text = String::new();
    f.take(max + 1).read_to_string(&mut text)?;
    if text.len() as u64 > max {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("longer than {max} bytes"),
        ));
    }
    Ok(text)
}

/// A reader that fails, instead of buffering without end, when a line is longer than
/// [`MAX_LINE`] bytes. Put a `BufReader` or a CSV reader over it.
pub struct LineLimit<R> {
    inner: R,
    run: usize,
}

impl<R> LineLimit<R> {
    /// Wraps `inner`.
    pub fn new(inner: R) -> Self {
        LineLimit { inner, run: 0 }
    }

    fn count(&mut self, bytes: &[u8]) -> io::Result<()> {
        let mut start = 0;
        let mut longest = 0;
        for i in memchr::memchr_iter(b'\n', bytes) {
            longest = longest.max(self.run + i - start);
            self.run = 0;
            start = i + 1;
        }
        self.run += bytes.len() - start;
        if longest.max(self.run) > MAX_LINE {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("a line is longer than {MAX_LINE} bytes"),
            ));
        }
        Ok(())
    }
}

impl<R: Read> Read for LineLimit<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count(&buf[..n])?;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_text_is_quoted_to_eighty_characters_with_its_length() {
        assert_eq!(quote("short"), "short");
        let long = "x".repeat(200_000);
        let q = quote(&long);
        assert!(q.starts_with(&"x".repeat(80)) && q.ends_with("… (200000 characters)"));
        assert!(q.chars().count() < 110);
        assert_eq!(
            quote(&"é".repeat(80)),
            "é".repeat(80),
            "characters, not bytes"
        );
    }

    #[test]
    fn a_device_a_folder_and_a_pipe_are_refused_before_reading() {
        let d = tempfile::tempdir().unwrap();
        let e = open_regular(d.path()).unwrap_err();
        assert!(e.to_string().contains("not a regular file"), "{e}");
        #[cfg(unix)]
        {
            let e = open_regular(Path::new("/dev/zero")).unwrap_err();
            assert!(e.to_string().contains("not a regular file"), "{e}");
        }
        let f = d.path().join("f");
        std::fs::write(&f, "ok").unwrap();
        assert!(open_regular(&f).is_ok());
        assert_eq!(small_text(&f, 2).unwrap(), "ok");
        assert!(small_text(&f, 1).is_err());
    }

    #[test]
    fn a_line_longer_than_the_limit_is_an_error_not_a_huge_buffer() {
        let text = format!("a,b\n{}\n1,2\n", "9".repeat(MAX_LINE + 10));
        let mut r = LineLimit::new(text.as_bytes());
        let mut sink = Vec::new();
        let e = r.read_to_end(&mut sink).unwrap_err();
        assert!(e.to_string().contains("longer than"), "{e}");
        // The limit is exact, wherever the reads cut the line.
        for cut in [1, 7, 8192, MAX_LINE] {
            for (len, ok) in [(MAX_LINE, true), (MAX_LINE + 1, false)] {
                let text = format!("x\n{}\ny\n", "9".repeat(len));
                let mut r = LineLimit::new(text.as_bytes());
                let mut buf = vec![0; cut];
                let mut result = Ok(());
                loop {
                    match r.read(&mut buf) {
                        Ok(0) => break,
                        Ok(_) => {}
                        Err(e) => {
                            result = Err(e);
                            break;
                        }
                    }
                }
                assert_eq!(result.is_ok(), ok, "a line of {len} read {cut} at a time");
            }
        }
        // Many lines, each under the limit, however long the file.
        let ok = "1234567\n".repeat(MAX_LINE / 4);
        let mut r = LineLimit::new(ok.as_bytes());
        sink.clear();
        r.read_to_end(&mut sink).unwrap();
        assert_eq!(sink.len(), ok.len());
    }
}
