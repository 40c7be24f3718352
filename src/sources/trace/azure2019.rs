//! The Azure Functions 2019 per-minute counts (`HashFunction,HashApp,HashOwner,<minute
//! columns>`): the counts of each minute, in total or function by function.

use super::{EachFunction, TraceError, TraceFunction, bad, column, each_csv_row, first_header};
use crate::read::quote;
use std::path::Path;

/// Per-minute totals of the selected rows of an azure2019 counts file; with `each`, also
/// every selected row as a function, with its non-zero minutes.
pub(super) fn azure2019_minutes(
    path: &Path,
    function: Option<&str>,
    each: bool,
) -> Result<(Vec<u64>, Option<EachFunction>), TraceError> {
    let header = first_header(path)?;
    let hash = column(&header, &["HashFunction"])
        .ok_or_else(|| bad(1, "an azure2019 trace needs a HashFunction column"))?;
    let app = column(&header, &["HashApp"]);
    let owner = column(&header, &["HashOwner"]);
    // Minute columns: `1`..`1440` or `minute_1`..`minute_1440`, in order of the minute.
    let mut minute_cols: Vec<(u32, usize)> = header
        .iter()
        .enumerate()
        .filter_map(|(i, h)| {
            let h = h.trim();
            h.strip_prefix("minute_")
                .unwrap_or(h)
                .parse::<u32>()
                .ok()
                .filter(|m| *m >= 1)
                .map(|m| (m, i))
        })
        .collect();
    minute_cols.sort_unstable();
    if minute_cols.is_empty() {
        return Err(bad(
            1,
            "an azure2019 trace needs minute columns (`1`… or `minute_1`…)",
        ));
    }
    for (k, (m, _)) in minute_cols.iter().enumerate() {
        if *m as usize != k + 1 {
            return Err(bad(1, format!("minute column {} is missing", k + 1)));
        }
    }
    let mut totals = vec![0u64; minute_cols.len()];
    let mut fs = each.then(|| EachFunction {
        by_minute: vec![Vec::new(); minute_cols.len()],
        ..EachFunction::default()
    });
    each_csv_row(path, |rec, line| {
        if function.is_some_and(|f| rec.get(hash) != Some(f)) {
            return Ok(());
        }
        let row = fs.as_ref().map_or(0, |fs| fs.functions.len() as u32);
        let mut row_total = 0u64;
        for (k, (_, i)) in minute_cols.iter().enumerate() {
            let field = rec.get(*i).unwrap_or("").trim();
            let n: u64 = if field.is_empty() {
                0
            } else {
                field.parse().map_err(|_| {
                    bad(
                        line,
                        format!("minute {}: `{}` is not a count", k + 1, quote(field)),
                    )
                })?
            };
            let too_many = || {
                bad(
                    line,
                    format!(
                        "minute {}: the counts add up to too many invocations",
                        k + 1
                    ),
                )
            };
            totals[k] = totals[k].checked_add(n).ok_or_else(too_many)?;
            row_total = row_total.checked_add(n).ok_or_else(too_many)?;
            if let (Some(fs), true) = (&mut fs, n > 0) {
                let n = u32::try_from(n).map_err(|_| {
                    bad(
                        line,
                        format!("minute {}: {n} invocations is too many", k + 1),
                    )
                })?;
                fs.by_minute[k].push((row, n));
            }
        }
        if let Some(fs) = &mut fs {
            let field = |c: Option<usize>| c.and_then(|c| rec.get(c)).unwrap_or("").to_string();
            fs.functions.push(TraceFunction {
                owner: field(owner),
                app: field(app),
                func: field(Some(hash)),
                count: row_total,
                ..TraceFunction::default()
            });
        }
        Ok(())
    })?;
    Ok((totals, fs))
}

pub(super) fn azure2019_has(path: &Path, function: &str) -> Result<bool, TraceError> {
    let header = first_header(path)?;
    let hash = column(&header, &["HashFunction"]).unwrap_or(0);
    let mut found = false;
    each_csv_row(path, |rec, _| {
        found |= rec.get(hash) == Some(function);
        Ok(())
    })?;
    Ok(found)
}
