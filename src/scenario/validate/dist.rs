//! A distribution: a bare duration (a constant), or a table with `dist` and the parameters
//! of that distribution only (`empirical` takes Azure-style percentiles).

use super::{Ctx, R};
use crate::engine::{Dist, Time};
use crate::scenario::raw::{RawDist, RawDistTable, RawDuration, parse_duration};
use rand_distr::{Gamma, LogNormal, Pareto, Weibull};

pub(super) fn validate_dist(ctx: &Ctx, key: &str, d: &RawDist) -> R<Dist> {
    let t = match d {
        RawDist::Constant(RawDuration(t)) => return Ok(Dist::Constant(*t)),
        RawDist::Table(t) => t,
        RawDist::Trace => {
            return Err(ctx.err(
                key,
                "`\"trace\"` (each invocation's own duration in the trace) applies only to a function's `duration`",
            ));
        }
    };
    let kind = ctx.choice(
        &format!("{key}.dist"),
        &t.dist,
        &[
            "constant",
            "exponential",
            "uniform",
            "normal",
            "lognormal",
            "gamma",
            "weibull",
            "pareto",
            "empirical",
        ],
        "distribution",
    )?;
    let ns = |d: Option<RawDuration>| d.map(|d| d.0.as_nanos() as f64);
    let need = |v: Option<f64>, what: &str| -> R<f64> {
        v.ok_or_else(|| ctx.err(key, format!("a `{kind}` distribution needs `{what}`")))
    };
    let positive = |v: f64, what: &str| -> R<f64> {
        if v.is_finite() && v > 0.0 {
            Ok(v)
        } else {
            Err(ctx.err(key, format!("`{what}` must be greater than 0, got {v}")))
        }
    };
    let only = |allowed: &[&str]| -> R<()> { check_only(ctx, key, kind, t, allowed) };
    Ok(match kind {
        "constant" => {
            only(&["value"])?;
            Dist::Constant(Time(need(ns(t.value), "value")? as u64))
        }
        "exponential" => {
            only(&["mean"])?;
            Dist::Exponential {
                mean: positive(need(ns(t.mean), "mean")?, "mean")?,
            }
        }
        "uniform" => {
            only(&["min", "max"])?;
            let (min, max) = (need(ns(t.min), "min")?, need(ns(t.max), "max")?);
            if min > max {
                return Err(ctx.err(key, "`min` must not exceed `max`"));
            }
            Dist::Uniform { min, max }
        }
        "normal" => {
            only(&["mean", "std"])?;
            Dist::Normal {
                mean: positive(need(ns(t.mean), "mean")?, "mean")?,
                std: need(ns(t.std), "std")?,
            }
        }
        "lognormal" => {
            if t.median.is_some() || t.sigma.is_some() {
                only(&["median", "sigma"])?;
                let median = positive(need(ns(t.median), "median")?, "median")?;
                let sigma = need(t.sigma, "sigma")?;
                if !sigma.is_finite() || sigma < 0.0 {
                    return Err(ctx.err(key, format!("`sigma` must be ≥ 0, got {sigma}")));
                }
                Dist::LogNormal(
                    LogNormal::new(median.ln(), sigma).map_err(|e| ctx.err(key, e.to_string()))?,
                )
            } else {
                only(&["mean", "std"])?;
                let mean = positive(
                    need(ns(t.mean), "mean` and `std` (or `median` and `sigma`)")?,
                    "mean",
                )?;
                let std = need(ns(t.std), "std")?;
                let s2 = (1.0 + (std / mean).powi(2)).ln();
                Dist::LogNormal(
                    LogNormal::new(mean.ln() - s2 / 2.0, s2.sqrt())
                        .map_err(|e| ctx.err(key, e.to_string()))?,
                )
            }
        }
        "gamma" => {
            only(&["shape", "mean"])?;
            let shape = positive(need(t.shape, "shape")?, "shape")?;
            let mean = positive(need(ns(t.mean), "mean")?, "mean")?;
            Dist::Gamma(Gamma::new(shape, mean / shape).map_err(|e| ctx.err(key, e.to_string()))?)
        }
        "weibull" => {
            only(&["shape", "scale"])?;
            let shape = positive(need(t.shape, "shape")?, "shape")?;
            let scale = positive(need(ns(t.scale), "scale")?, "scale")?;
            Dist::Weibull(Weibull::new(scale, shape).map_err(|e| ctx.err(key, e.to_string()))?)
        }
        "pareto" => {
            only(&["shape", "scale"])?;
            let shape = positive(need(t.shape, "shape")?, "shape")?;
            let scale = positive(need(ns(t.scale), "scale")?, "scale")?;
            Dist::Pareto(Pareto::new(scale, shape).map_err(|e| ctx.err(key, e.to_string()))?)
        }
        _ => {
            only(&["percentiles"])?;
            empirical(ctx, key, t.percentiles.as_ref())?
        }
    })
}

/// `percentiles = { p0 = "…", p50 = "…", p100 = "…" }`: the Azure Functions format.
fn empirical(ctx: &Ctx, key: &str, table: Option<&toml::Value>) -> R<Dist> {
    let pkey = format!("{key}.percentiles");
    let Some(toml::Value::Table(table)) = table else {
        return Err(ctx.err(
            key,
            "an `empirical` distribution needs `percentiles`, a table like { p0 = \"5ms\", p50 = \"120ms\", p100 = \"2s\" }",
        ));
    };
    let mut points = Vec::with_capacity(table.len());
    for (name, value) in table {
        let k = format!("{pkey}.{name}");
        let q = name
            .strip_prefix('p')
            .and_then(|n| n.parse::<f64>().ok())
            .filter(|q| (0.0..=100.0).contains(q))
            .ok_or_else(|| {
                ctx.err(
                    &k,
                    format!("`{name}` is not a percentile: write p0 … p100, e.g. p50 or p99.9"),
                )
            })?;
        let v = match value {
            toml::Value::String(text) => parse_duration(text).map_err(|e| ctx.err(&k, e))?,
            toml::Value::Integer(0) => Time::ZERO,
            other => {
                return Err(ctx.err(
                    &k,
                    format!("expected a duration string like \"120ms\", got {other}"),
                ));
            }
        };
        points.push((q / 100.0, v.as_nanos() as f64, k));
    }
    points.sort_by(|a, b| a.0.total_cmp(&b.0));
    if points.first().is_none_or(|p| p.0 != 0.0) || points.last().is_none_or(|p| p.0 != 1.0) {
        return Err(ctx.err(
            &pkey,
            "the percentiles must include p0 (the minimum) and p100 (the maximum)",
        ));
    }
    for w in points.windows(2) {
        if w[1].1 < w[0].1 {
            return Err(ctx.err(
                &w[1].2,
                "percentile values must not decrease as the percentile grows",
            ));
        }
    }
    Ok(Dist::Empirical(
        points.into_iter().map(|(q, v, _)| (q, v)).collect(),
    ))
}

/// Refuses parameters that do not belong to the chosen distribution.
fn check_only(ctx: &Ctx, key: &str, kind: &str, t: &RawDistTable, allowed: &[&str]) -> R<()> {
    let present = [
        ("value", t.value.is_some()),
        ("mean", t.mean.is_some()),
        ("min", t.min.is_some()),
        ("max", t.max.is_some()),
        ("std", t.std.is_some()),
        ("median", t.median.is_some()),
        ("sigma", t.sigma.is_some()),
        ("shape", t.shape.is_some()),
        ("scale", t.scale.is_some()),
        ("percentiles", t.percentiles.is_some()),
    ];
    for (name, is) in present {
        if is && !allowed.contains(&name) {
            return Err(ctx.err(
                &format!("{key}.{name}"),
                format!(
                    "`{name}` is not a parameter of the `{kind}` distribution (expected {})",
                    allowed.join(", ")
                ),
            ));
        }
    }
    Ok(())
}
