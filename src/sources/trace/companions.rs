//! The companion files of an azure2019 trace replayed per function: its functions'
//! duration percentiles and its apps' memory.

use super::{EachFunction, TraceError, TraceFunction, bad, column, each_csv_row, first_header};
use crate::engine::Dist;
use crate::read::quote;
use std::collections::HashMap;
use std::path::Path;

/// Percentile columns of a file: (quantile in [0, 1], column), by quantile.
fn percentile_columns(header: &csv::StringRecord, prefix: &str) -> Vec<(f64, usize)> {
    let mut cols: Vec<(f64, usize)> = header
        .iter()
        .enumerate()
        .filter_map(|(i, h)| {
            let p: f64 = h.trim().strip_prefix(prefix)?.parse().ok()?;
            (0.0..=100.0).contains(&p).then_some((p / 100.0, i))
        })
        .collect();
    cols.sort_by(|a, b| a.0.total_cmp(&b.0));
    cols
}

/// Index of `fs.functions` by the key columns that a companion file shares with the trace.
fn function_index<'a>(
    fs: &'a EachFunction,
    key: impl Fn(&'a TraceFunction) -> String,
) -> HashMap<String, Vec<usize>> {
    let mut index: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, f) in fs.functions.iter().enumerate() {
        index.entry(key(f)).or_default().push(i);
    }
    index
}

/// Reads an azure2019 `function_durations_percentiles` file (`HashFunction`, optionally
/// `HashOwner` and `HashApp`, and `percentile_Average_<p>` in ms, p0 and p100 among them)
/// into the functions it names; returns how many functions got a duration.
pub fn load_durations(path: &Path, fs: &mut EachFunction) -> Result<usize, TraceError> {
    let header = first_header(path)?;
    let hash = column(&header, &["HashFunction"])
        .ok_or_else(|| bad(1, "a durations file needs a HashFunction column"))?;
    let app = column(&header, &["HashApp"]);
    let owner = column(&header, &["HashOwner"]);
    let cols = percentile_columns(&header, "percentile_Average_");
    if cols.first().map(|c| c.0) != Some(0.0) || cols.last().map(|c| c.0) != Some(1.0) {
        return Err(bad(
            1,
            "a durations file needs percentile columns `percentile_Average_<p>` (ms) from p0 to p100",
        ));
    }
    let key = |o: &str, a: &str, f: &str| {
        format!(
            "{}/{}/{f}",
            if owner.is_some() { o } else { "" },
            if app.is_some() { a } else { "" }
        )
    };
    let index = function_index(fs, |f| key(&f.owner, &f.app, &f.func));
    let mut matched = 0;
    let mut points = Vec::with_capacity(cols.len());
    each_csv_row(path, |rec, line| {
        points.clear();
        for &(q, i) in &cols {
            let field = rec.get(i).unwrap_or("").trim();
            let ms: f64 = field.parse().map_err(|_| {
                bad(
                    line,
                    format!("p{}: `{}` is not a number of ms", q * 100.0, quote(field)),
                )
            })?;
            if !(0.0..=1e12).contains(&ms) {
                return Err(bad(
                    line,
                    format!("p{}: {ms} ms is not a duration", q * 100.0),
                ));
            }
            if points.last().is_some_and(|&(_, prev)| ms * 1e6 < prev) {
                return Err(bad(
                    line,
                    format!("p{}: the percentiles must not decrease", q * 100.0),
                ));
            }
            points.push((q, ms * 1e6));
        }
        let get = |c: Option<usize>| c.and_then(|c| rec.get(c)).unwrap_or("");
        let Some(rows) = index.get(&key(get(owner), get(app), get(Some(hash)))) else {
            return Ok(());
        };
        for &r in rows {
            if fs.functions[r].duration.is_none() {
                matched += 1;
            }
            fs.functions[r].duration = Some(Dist::Empirical(points.clone()));
        }
        Ok(())
    })?;
    Ok(matched)
}

/// Reads an azure2019 `app_memory_percentiles` file (`HashApp`, optionally `HashOwner`,
/// and `AverageAllocatedMb`) into the functions of the apps it names; returns how many
/// functions got a memory size.
pub fn load_memory(path: &Path, fs: &mut EachFunction) -> Result<usize, TraceError> {
    let header = first_header(path)?;
    let app = column(&header, &["HashApp"])
        .ok_or_else(|| bad(1, "a memory file needs a HashApp column"))?;
    let owner = column(&header, &["HashOwner"]);
    let mb = column(&header, &["AverageAllocatedMb"])
        .ok_or_else(|| bad(1, "a memory file needs an AverageAllocatedMb column"))?;
    let key = |o: &str, a: &str| format!("{}/{a}", if owner.is_some() { o } else { "" });
    let index = function_index(fs, |f| key(&f.owner, &f.app));
    let mut matched = 0;
    each_csv_row(path, |rec, line| {
        let field = rec.get(mb).unwrap_or("").trim();
        let v: f64 = field
            .parse()
            .ok()
            .filter(|v: &f64| v.is_finite() && *v >= 0.0)
            .ok_or_else(|| {
                bad(
                    line,
                    format!("AverageAllocatedMb `{}` is not a size in MB", quote(field)),
                )
            })?;
        let v = (v.round().min(1e9) as u32).clamp(128, 10_240);
        let Some(rows) = index.get(&key(
            owner.and_then(|c| rec.get(c)).unwrap_or(""),
            rec.get(app).unwrap_or(""),
        )) else {
            return Ok(());
        };
        for &r in rows {
            if fs.functions[r].memory_mb.is_none() {
                matched += 1;
            }
            fs.functions[r].memory_mb = Some(v);
        }
        Ok(())
    })?;
    Ok(matched)
}
