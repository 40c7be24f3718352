//! A size distribution (`response_bytes`): a size like `"100KB"`, or a distribution table
//! whose values are sizes, validated like a duration distribution with one byte standing
//! for one nanosecond.

use super::dist::validate_dist;
use super::{Ctx, R};
use crate::engine::Dist;
use crate::scenario::raw::RawDist;
use serde::Deserialize;

/// Bytes of a size written `<number><unit>`: `B`, `KB`, `MB`, `GB` (binary: a KB is
/// 1,024 bytes, as AWS counts its 6 MB payload limit; `KiB`, `MiB`, `GiB` too).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let scale: u64 = match unit.trim() {
        "B" => 1,
        "KB" | "KiB" => 1 << 10,
        "MB" | "MiB" => 1 << 20,
        "GB" | "GiB" => 1 << 30,
        "" => {
            return Err(format!(
                "`{t}` has no unit: write a size like \"100KB\" or \"6MB\""
            ));
        }
        u => {
            return Err(format!(
                "`{u}` is not a unit of size: use B, KB, MB or GB (as in \"100KB\")"
            ));
        }
    };
    let n: f64 = number
        .parse()
        .map_err(|_| format!("`{t}` is not a size like \"100KB\""))?;
    let bytes = n * scale as f64;
    if !bytes.is_finite() || bytes > 1e15 {
        return Err(format!("`{t}` is larger than any response"));
    }
    Ok(bytes.round() as u64)
}

/// Every size of `v` (but a table's `dist`, and its `sigma`, `shape`) as that many
/// nanoseconds: strings with a unit, or whole numbers of bytes.
fn as_nanos(ctx: &Ctx, key: &str, v: &mut toml::Value) -> R<()> {
    match v {
        toml::Value::String(s) => {
            let bytes = parse_size(s).map_err(|e| ctx.err(key, e))?;
            *s = format!("{bytes}ns");
        }
        toml::Value::Integer(n) => {
            if *n < 0 {
                return Err(ctx.err(key, format!("a size cannot be negative, got {n}")));
            }
            *v = toml::Value::String(format!("{n}ns"));
        }
        toml::Value::Float(x) => {
            return Err(ctx.err(
                key,
                format!("write a size with its unit, like \"100KB\" (or whole bytes), got {x}"),
            ));
        }
        toml::Value::Table(t) => {
            for (k, x) in t
                .iter_mut()
                .filter(|(k, _)| !matches!(k.as_str(), "dist" | "sigma" | "shape"))
            {
                as_nanos(ctx, &format!("{key}.{k}"), x)?;
            }
        }
        toml::Value::Array(a) => {
            for (i, x) in a.iter_mut().enumerate() {
                as_nanos(ctx, &format!("{key}[{i}]"), x)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// A size distribution, sampled as a `Time` whose nanoseconds are bytes.
pub(super) fn validate_size_dist(ctx: &Ctx, key: &str, v: &toml::Value) -> R<Dist> {
    let mut v = v.clone();
    as_nanos(ctx, key, &mut v)?;
    let raw = RawDist::deserialize(v).map_err(|e| {
        ctx.err(
            key,
            format!("a size (like \"100KB\") or a distribution table of sizes: {e}"),
        )
    })?;
    if matches!(raw, RawDist::Trace) {
        return Err(ctx.err(key, "a size like \"100KB\", not `trace`"));
    }
    validate_dist(ctx, key, &raw)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_binary_and_checked() {
        assert_eq!(parse_size("100KB"), Ok(102_400));
        assert_eq!(parse_size("6MB"), Ok(6_291_456));
        assert_eq!(parse_size("1.5 GB"), Ok(1_610_612_736));
        assert_eq!(parse_size("10B"), Ok(10));
        assert_eq!(parse_size("2MiB"), Ok(2_097_152));
        assert!(parse_size("100").unwrap_err().contains("no unit"));
        assert!(
            parse_size("100kb")
                .unwrap_err()
                .contains("not a unit of size")
        );
        assert!(parse_size("lots MB").is_err());
    }
}
