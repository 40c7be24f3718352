//! Input errors: what is wrong, where (file, line, column, key), and how to fix it.

use std::fmt;
use std::ops::Range;
use toml::de::{DeTable, DeValue};

/// An invalid scenario (exit status 2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    /// The file, as the user named it.
    pub file: String,
    /// 1-based line and column, when known.
    pub position: Option<(usize, usize)>,
    /// The key, as a path like `functions[0].memory_mb`, when known.
    pub key: Option<String>,
    /// What is wrong and what was expected.
    pub message: String,
    /// A suggestion.
    pub help: Option<String>,
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some((l, c)) = self.position {
            write!(f, ":{l}:{c}")?;
        }
        write!(f, ": ")?;
        if let Some(k) = &self.key {
            write!(f, "`{k}`: ")?;
        }
        write!(f, "{}", self.message)?;
        if let Some(h) = &self.help {
            write!(f, "\n  help: {h}")?;
        }
        Ok(())
    }
}

impl std::error::Error for InputError {}

pub use crate::read::{QUOTE_CHARS, quote};

/// 1-based (line, column) of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before
        .rfind('\n')
        .map_or(before.chars().count(), |i| before[i + 1..].chars().count())
        + 1;
    (line, col)
}

/// One step of a key path.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Seg {
    Key(String),
    Index(usize),
}

fn parse_path(path: &str) -> Vec<Seg> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let mut rest = part;
        if let Some(i) = rest.find('[') {
            if i > 0 {
                out.push(Seg::Key(rest[..i].to_string()));
            }
            rest = &rest[i..];
            while let Some(stripped) = rest.strip_prefix('[') {
                let Some(close) = stripped.find(']') else {
                    break;
                };
                if let Ok(n) = stripped[..close].parse() {
                    out.push(Seg::Index(n));
                }
                rest = &stripped[close + 1..];
            }
        } else if !rest.is_empty() {
            out.push(Seg::Key(rest.to_string()));
        }
    }
    out
}

/// The span of the deepest part of `path` (e.g. `functions[1].memory_mb`) found in `text`.
pub fn locate(text: &str, path: &str) -> Option<Range<usize>> {
    let root = DeTable::parse(text).ok()?;
    let segs = parse_path(path);
    let mut span = None;
    let mut table: Option<&DeTable> = Some(root.get_ref());
    let mut value: Option<&DeValue> = None;
    for seg in &segs {
        match seg {
            Seg::Key(k) => {
                let t = match (table, value) {
                    (Some(t), _) => t,
                    (None, Some(DeValue::Table(t))) => t,
                    _ => break,
                };
                let Some((key, v)) = t.get_key_value(k.as_str()) else {
                    break;
                };
                span = Some(key.span().start..v.span().end);
                value = Some(v.get_ref());
                table = None;
            }
            Seg::Index(i) => {
                let Some(DeValue::Array(a)) = value else {
                    break;
                };
                let Some(v) = a.get(*i) else { break };
                span = Some(v.span());
                value = Some(v.get_ref());
                table = None;
            }
        }
    }
    span
}

/// The path of the deepest key whose key or value contains `offset`.
///
/// Searches the whole tree: the spans of tables from `[[array]]` headers cover only the
/// header, so containers cannot be used to prune.
pub fn path_at(text: &str, offset: usize) -> Option<String> {
    fn contains(s: &Range<usize>, offset: usize) -> bool {
        s.start <= offset && offset < s.end.max(s.start + 1)
    }
    fn in_value(v: &DeValue, path: &str, offset: usize) -> Option<String> {
        match v {
            DeValue::Table(t) => in_table(t, path, offset),
            DeValue::Array(a) => a.iter().enumerate().find_map(|(i, item)| {
                let p = format!("{path}[{i}]");
                in_value(item.get_ref(), &p, offset)
                    .or_else(|| contains(&item.span(), offset).then_some(p))
            }),
            _ => None,
        }
    }
    fn in_table(t: &DeTable, path: &str, offset: usize) -> Option<String> {
        t.iter().find_map(|(k, v)| {
            let p = if path.is_empty() {
                k.get_ref().to_string()
            } else {
                format!("{path}.{}", k.get_ref())
            };
            in_value(v.get_ref(), &p, offset).or_else(|| {
                (contains(&k.span(), offset) || contains(&v.span(), offset)).then_some(p)
            })
        })
    }
    let root = DeTable::parse(text).ok()?;
    in_table(root.get_ref(), "", offset)
}

/// The candidate closest to `word`, if it is close enough to be a likely misspelling.
pub fn suggest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(word, c), c))
        .filter(|(s, _)| *s >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "name = \"x\"\n[[functions]]\nname = \"a\"\nmemory_mb = 1\n\n[[functions]]\nname = \"b\"\nmemory_mb = 64\n";

    #[test]
    fn locates_keys_in_arrays_of_tables() {
        let span = locate(DOC, "functions[1].memory_mb").unwrap();
        assert_eq!(line_col(DOC, span.start), (8, 1));
        assert_eq!(&DOC[span], "memory_mb = 64");
    }

    #[test]
    fn finds_the_path_of_an_offset() {
        let off = DOC.find("64").unwrap();
        assert_eq!(path_at(DOC, off).as_deref(), Some("functions[1].memory_mb"));
    }

    #[test]
    fn suggests_close_names_only() {
        assert_eq!(
            suggest("memry_mb", ["memory_mb", "name", "timeout"]),
            Some("memory_mb")
        );
        assert_eq!(suggest("zzz", ["memory_mb", "name"]), None);
    }
}
