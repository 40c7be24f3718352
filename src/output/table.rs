//! The summary table printed on stdout at the end of a run: a row per run and function
//! (with the run's `*` row under several), the cold starts as a count and a percentage,
//! latency and cost, no non-zero figure rounded to zero.

use crate::metrics::{FunctionReport, RunReport};

/// Functions of a run shown one row each; with more, the run's `*` row alone.
pub const MAX_FUNCTION_ROWS: usize = 10;
/// Rows shown; the rest are counted in a last line that points to `summary.csv`.
pub const MAX_ROWS: usize = 60;

const HEADER: [&str; 12] = [
    "scenario",
    "rep",
    "function",
    "requests",
    "cold",
    "cold %",
    "throttles",
    "failed",
    "p50 ms",
    "p99 ms",
    "cost $",
    "monthly $",
];

/// A run's scenario, and its variant when it is one of a sweep's.
pub fn run_name(r: &RunReport) -> String {
    label(&r.scenario, &r.variant)
}

/// `scenario`, and `[variant]` after it unless it is the only one (`base`).
pub fn label(scenario: &str, variant: &str) -> String {
    if variant == "base" {
        scenario.to_string()
    } else {
        format!("{scenario} [{variant}]")
    }
}

/// `x` with `decimals` decimals, or as many more as show its first two significant
/// digits: a non-zero share or cost never prints as 0.00.
pub fn figure(x: f64, decimals: usize) -> String {
    if x == 0.0 || !x.is_finite() || x.abs() >= 10f64.powi(-(decimals as i32)) {
        return format!("{x:.decimals$}");
    }
    // 0.0056 → 4 decimals ("0.0056"); 0.000012 → 6.
    let decimals = (-x.abs().log10().floor()) as usize + 1;
    format!("{x:.decimals$}")
}

/// Milliseconds with one decimal, `-` when there is no latency (nothing succeeded).
fn ms(x: f64) -> String {
    if x.is_nan() {
        "-".to_string()
    } else {
        format!("{x:.1}")
    }
}

fn row(r: &RunReport, name: &str, f: &FunctionReport) -> [String; 12] {
    [
        run_name(r),
        r.replication.to_string(),
        name.to_string(),
        f.requests.to_string(),
        f.cold_starts.to_string(),
        figure(100.0 * f.cold_start_ratio(), 2),
        f.throttles.to_string(),
        f.failed.to_string(),
        ms(f.latency.p50_ms),
        ms(f.latency.p99_ms),
        figure(f.costs.total(), 4),
        figure(f.costs.monthly, 2),
    ]
}

/// The table of every run of every scenario: each function's row when a run has at most
/// [`MAX_FUNCTION_ROWS`], and the run's `*` row (under them when there are several); at
/// most [`MAX_ROWS`] rows.
pub fn render(results: &[Vec<RunReport>]) -> String {
    let mut rows: Vec<[String; 12]> = Vec::new();
    for r in results.iter().flatten() {
        let shown = r.functions.len() <= MAX_FUNCTION_ROWS;
        if shown {
            for f in &r.functions {
                rows.push(row(r, &f.function, f));
            }
        }
        if r.functions.len() != 1 || !shown {
            rows.push(row(r, "*", &r.total));
        }
    }
    let hidden = rows.len().saturating_sub(MAX_ROWS);
    rows.truncate(MAX_ROWS);
    let mut widths: Vec<usize> = HEADER.iter().map(|h| h.chars().count()).collect();
    for r in &rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: &[&str]| -> String {
        let cells: Vec<String> = cells
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(i, (c, w))| {
                // Names to the left, figures to the right.
                if i == 0 || i == 2 {
                    format!("{c:<w$}")
                } else {
                    format!("{c:>w$}")
                }
            })
            .collect();
        cells.join("  ").trim_end().to_string()
    };
    let mut out = line(&HEADER);
    for r in &rows {
        out.push('\n');
        out.push_str(&line(&r.each_ref().map(String::as_str)));
    }
    if hidden > 0 {
        out.push_str(&format!(
            "\n… and {hidden} more row(s): every run is in summary.csv"
        ));
    }
    out
}

/// Columns of summary.csv that hold names; every other holds a number, or nothing.
const NAMES: [&str; 3] = ["scenario", "variant", "function"];

/// A row of `summary.csv` as a JSON object, its keys in the file's column order.
pub struct JsonRow(Vec<(&'static str, serde_json::Value)>);

impl serde::Serialize for JsonRow {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

/// The rows of `summary.csv` of every run, as JSON objects keyed by its columns in order:
/// names as strings, figures as numbers, an empty cell (or one that is not a finite
/// number) as null.
pub fn json(results: &[Vec<RunReport>]) -> Vec<JsonRow> {
    use crate::output::csv::{SUMMARY_COLUMNS, summary_row};
    use serde_json::{Number, Value};
    let mut rows = Vec::new();
    for r in results.iter().flatten() {
        for f in r.functions.iter().chain(std::iter::once(&r.total)) {
            let cells = summary_row(r, f);
            let row = SUMMARY_COLUMNS
                .iter()
                .zip(cells)
                .map(|(&column, cell)| {
                    let value = if NAMES.contains(&column) {
                        Value::String(cell)
                    } else if let Ok(n) = cell.parse::<u64>() {
                        Value::from(n)
                    } else {
                        cell.parse::<f64>()
                            .ok()
                            .and_then(Number::from_f64)
                            .map_or(Value::Null, Value::Number)
                    };
                    (column, value)
                })
                .collect();
            rows.push(JsonRow(row));
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_share_or_cost_shows_two_significant_digits_however_small_and_zero_is_zero() {
        let percent = |x| figure(x, 2);
        assert_eq!(percent(0.0), "0.00");
        assert_eq!(percent(2.6), "2.60");
        assert_eq!(percent(100.0), "100.00");
        assert_eq!(percent(0.01), "0.01");
        assert_eq!(percent(0.0099), "0.0099");
        assert_eq!(percent(0.0056), "0.0056");
        assert_eq!(percent(0.001), "0.0010");
        assert_eq!(percent(0.000_012_34), "0.000012");
        assert_eq!(percent(f64::NAN), "NaN");
        assert_eq!(figure(0.0617, 4), "0.0617");
        assert_eq!(figure(0.0001, 4), "0.0001");
        assert_eq!(figure(0.000_034_5, 4), "0.000034");
        assert_eq!(figure(-0.000_034_5, 4), "-0.000034");
    }
}
