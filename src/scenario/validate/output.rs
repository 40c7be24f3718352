//! `[output]`: the output folder, the time-series interval, and the optional files; and
//! `[recommend]`, what picks the variant of a sweep to recommend.

use super::{Ctx, R};
use crate::engine::Time;
use crate::model::config::{DEFAULT_TRACE_LIMIT, Output, default_interval};
use crate::scenario::raw::{RawDuration, RawScenario};
use std::path::PathBuf;

const MAX_SERIES_ROWS: u64 = 1_000_000;

/// `[output]`, with its defaults for a run of `duration`.
pub(super) fn validate_output(ctx: &Ctx, raw: &RawScenario, duration: Time) -> R<Output> {
    let mut output = Output {
        dir: PathBuf::from("output"),
        timeseries_interval: default_interval(duration),
        invocations: false,
        charts: true,
        report: true,
        trace: false,
        trace_limit: DEFAULT_TRACE_LIMIT,
    };
    if let Some(o) = &raw.output {
        output.trace = o.trace.unwrap_or(false);
        if let Some(n) = o.trace_limit {
            if !(1..=100_000_000).contains(&n) {
                return Err(ctx.err(
                    "output.trace_limit",
                    format!("trace_limit must be between 1 and 100000000 events, got {n}"),
                ));
            }
            if !output.trace {
                return Err(ctx.err(
                    "output.trace_limit",
                    "`trace_limit` applies only with `trace = true`",
                ));
            }
            output.trace_limit = n as u64;
        }
        if let Some(d) = &o.dir {
            if d.is_empty() {
                return Err(ctx.err("output.dir", "the output folder must not be empty"));
            }
            output.dir = PathBuf::from(d);
        }
        if let Some(RawDuration(t)) = o.timeseries_interval {
            if t == Time::ZERO {
                return Err(ctx.err(
                    "output.timeseries_interval",
                    "the interval must be greater than 0",
                ));
            }
            let rows = duration.as_nanos().div_ceil(t.as_nanos());
            if rows > MAX_SERIES_ROWS {
                return Err(ctx.err(
                    "output.timeseries_interval",
                    format!("{rows} intervals per function is too many (at most {MAX_SERIES_ROWS}); choose a longer interval"),
                ));
            }
            output.timeseries_interval = t;
        }
        output.invocations = o.invocations.unwrap_or(false);
        output.charts = o.charts.unwrap_or(true);
        output.report = o.report.unwrap_or(true);
    }
    Ok(output)
}

/// `[recommend]`: `strategy` (`cost`, the default, `speed` or `balanced`) and, for
/// `balanced`, `balanced_weight` (0 = speed only, 1 = cost only; 0.5 by default).
pub(super) fn validate_recommend(
    ctx: &Ctx,
    raw: &RawScenario,
) -> R<Option<crate::metrics::recommend::Strategy>> {
    use crate::metrics::recommend::Strategy;
    let Some(r) = &raw.recommend else {
        return Ok(None);
    };
    let name = r.strategy.as_deref().unwrap_or("cost");
    let strategy = match ctx.choice(
        "recommend.strategy",
        name,
        &["cost", "speed", "balanced"],
        "strategy",
    )? {
        "speed" => Strategy::Speed,
        "balanced" => {
            let weight = r.balanced_weight.unwrap_or(0.5);
            if !(0.0..=1.0).contains(&weight) {
                return Err(ctx.err(
                    "recommend.balanced_weight",
                    format!("balanced_weight trades cost (1) against speed (0): between 0 and 1, got {weight}"),
                ));
            }
            Strategy::Balanced { weight }
        }
        _ => Strategy::Cost,
    };
    if r.balanced_weight.is_some() && !matches!(strategy, Strategy::Balanced { .. }) {
        return Err(ctx.err(
            "recommend.balanced_weight",
            "`balanced_weight` applies to `strategy = \"balanced\"`",
        ));
    }
    Ok(Some(strategy))
}
