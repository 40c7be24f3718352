//! An `arrival` process: `poisson`, `constant`, `burst`, `stages`, `diurnal`, `mmpp`,
//! `weekly` or `trace`, with the parameters of the chosen process only.

use super::traces::validate_trace;
use super::{Ctx, R};
use crate::engine::Time;
use crate::scenario::raw::RawArrival;
use crate::sources::{ArrivalProcess, Ramp, Stage};

pub(super) fn validate_arrival(ctx: &Ctx, key: &str, a: &RawArrival) -> R<ArrivalProcess> {
    let kind = ctx.choice(
        &format!("{key}.process"),
        &a.process,
        &[
            "poisson", "constant", "burst", "stages", "diurnal", "mmpp", "weekly", "trace",
        ],
        "arrival process",
    )?;
    let present = [
        ("rate", a.rate.is_some()),
        ("at", a.at.is_some()),
        ("count", a.count.is_some()),
        ("over", a.over.is_some()),
        ("stages", a.stages.is_some()),
        ("ramp", a.ramp.is_some()),
        ("start_rate", a.start_rate.is_some()),
        ("mean_rate", a.mean_rate.is_some()),
        ("amplitude", a.amplitude.is_some()),
        ("period", a.period.is_some()),
        ("peak_at", a.peak_at.is_some()),
        ("rates", a.rates.is_some()),
        ("mean_dwell", a.mean_dwell.is_some()),
        ("path", a.path.is_some()),
        ("format", a.format.is_some()),
        ("function", a.function.is_some()),
        ("column", a.column.is_some()),
        ("spread", a.spread.is_some()),
        ("each_function", a.each_function.is_some()),
        ("durations", a.durations.is_some()),
        ("memory", a.memory.is_some()),
        ("cold_starts", a.cold_starts.is_some()),
        ("start", a.start.is_some()),
        ("week_offset", a.week_offset.is_some()),
        ("traffic_scale", a.traffic_scale.is_some()),
    ];
    let allowed: &[&str] = match kind {
        "poisson" | "constant" => &["rate"],
        "burst" => &["at", "count", "over"],
        "stages" => &["stages", "ramp", "start_rate"],
        "diurnal" => &["mean_rate", "amplitude", "period", "peak_at"],
        "mmpp" => &["rates", "mean_dwell"],
        "weekly" => &["rates", "week_offset", "traffic_scale"],
        "trace" => &[
            "path",
            "format",
            "function",
            "column",
            "spread",
            "each_function",
            "durations",
            "memory",
            "cold_starts",
            "start",
        ],
        _ => {
            return Err(ctx.not_yet(
                &format!("{key}.process"),
                &format!("the `{kind}` arrival process"),
            ));
        }
    };
    for (name, is) in present {
        if is && !allowed.contains(&name) {
            return Err(ctx.err(
                &format!("{key}.{name}"),
                format!(
                    "`{name}` is not a parameter of the `{kind}` process (expected {})",
                    allowed.join(", ")
                ),
            ));
        }
    }
    let need_rate = || -> R<f64> {
        let r = a.rate.ok_or_else(|| {
            ctx.err(
                key,
                format!("a `{kind}` process needs `rate` (events per second)"),
            )
        })?;
        ctx.rate(&format!("{key}.rate"), r)
    };
    Ok(match kind {
        "poisson" => ArrivalProcess::Poisson { rate: need_rate()? },
        "constant" => ArrivalProcess::Constant { rate: need_rate()? },
        "burst" => {
            let count = a
                .count
                .ok_or_else(|| ctx.err(key, "a `burst` needs `count`"))?;
            if count < 0 {
                return Err(ctx.err(
                    &format!("{key}.count"),
                    format!("`count` must be ≥ 0, got {count}"),
                ));
            }
            ArrivalProcess::Burst {
                at: a.at.map_or(Time::ZERO, |d| d.0),
                count: count as u64,
                over: a.over.map_or(Time::ZERO, |d| d.0),
            }
        }
        "diurnal" => {
            let mean_rate = a.mean_rate.ok_or_else(|| {
                ctx.err(
                    key,
                    "a `diurnal` process needs `mean_rate` (events per second)",
                )
            })?;
            let mean_rate = ctx.rate(&format!("{key}.mean_rate"), mean_rate)?;
            let amplitude = a.amplitude.unwrap_or(0.5);
            if !(0.0..=1.0).contains(&amplitude) {
                return Err(ctx.err(
                    &format!("{key}.amplitude"),
                    format!("`amplitude` is the relative swing of the rate, between 0 and 1, got {amplitude}"),
                ));
            }
            ctx.rate(&format!("{key}.mean_rate"), mean_rate * (1.0 + amplitude))?;
            let period = a.period.map_or(Time::from_secs(86_400), |d| d.0);
            if period < Time::from_secs(1) {
                return Err(ctx.err(
                    &format!("{key}.period"),
                    format!("`period` must be at least 1s, got {period}"),
                ));
            }
            let peak_at = a.peak_at.map_or(Time::ZERO, |d| d.0);
            ArrivalProcess::Diurnal {
                mean_rate,
                amplitude,
                period,
                peak_at,
            }
        }
        "trace" => validate_trace(ctx, key, a)?,
        "weekly" => {
            let Some(rates) = &a.rates else {
                return Err(ctx.err(
                    key,
                    "a `weekly` process needs `rates`: 168 events-per-second rates, one per hour of the week from Monday 00:00 UTC",
                ));
            };
            if rates.len() != 168 {
                return Err(ctx.err(
                    &format!("{key}.rates"),
                    format!("`rates` needs 168 values (one per hour of the week, Monday 00:00 UTC first), got {}", rates.len()),
                ));
            }
            let scale = match a.traffic_scale {
                None => 1.0,
                Some(s) if s.is_finite() && (0.0..=1e6).contains(&s) => s,
                Some(s) => {
                    return Err(ctx.err(
                        &format!("{key}.traffic_scale"),
                        format!(
                            "`traffic_scale` multiplies every rate: a number from 0 to 1e6, got {s}"
                        ),
                    ));
                }
            };
            let mut out = Vec::with_capacity(168);
            for (j, r) in rates.iter().enumerate() {
                out.push(ctx.rate(&format!("{key}.rates[{j}]"), *r)?);
            }
            let offset = a.week_offset.as_ref().map_or(Time::ZERO, |d| d.0);
            if offset >= Time::from_secs(7 * 86_400) {
                return Err(ctx.err(
                    &format!("{key}.week_offset"),
                    format!("`week_offset` is where in the week t = 0 falls, from Monday 00:00 UTC: under 7d, got {offset}"),
                ));
            }
            ArrivalProcess::Weekly(crate::sources::weekly::Weekly {
                rates: out,
                scale,
                offset,
            })
        }
        "mmpp" => {
            let (Some(rates), Some(dwell)) = (&a.rates, &a.mean_dwell) else {
                return Err(ctx.err(
                    key,
                    "an `mmpp` process needs `rates` (events per second in each state) and `mean_dwell` (the mean time in each state), e.g. rates = [5.0, 200.0], mean_dwell = [\"10m\", \"30s\"]",
                ));
            };
            if rates.is_empty() || rates.len() != dwell.len() {
                return Err(ctx.err(
                    &format!("{key}.mean_dwell"),
                    format!("`rates` and `mean_dwell` must have the same number of states (at least 1), got {} and {}", rates.len(), dwell.len()),
                ));
            }
            let mut out = Vec::with_capacity(rates.len());
            for (j, r) in rates.iter().enumerate() {
                out.push(ctx.rate(&format!("{key}.rates[{j}]"), *r)?);
            }
            let mut dwell_out = Vec::with_capacity(dwell.len());
            for (j, d) in dwell.iter().enumerate() {
                if d.0 < Time::from_millis(1) {
                    return Err(ctx.err(
                        &format!("{key}.mean_dwell[{j}]"),
                        format!("a mean dwell must be at least 1ms, got {}", d.0),
                    ));
                }
                dwell_out.push(d.0);
            }
            ArrivalProcess::Mmpp {
                rates: out,
                mean_dwell: dwell_out,
            }
        }
        _ => {
            let stages = a.stages.as_ref().ok_or_else(|| {
                ctx.err(
                    key,
                    "a `stages` process needs `stages = [{ duration = \"1m\", rate = 10.0 }, …]`",
                )
            })?;
            if stages.is_empty() {
                return Err(ctx.err(&format!("{key}.stages"), "`stages` must not be empty"));
            }
            let mut out = Vec::with_capacity(stages.len());
            for (j, s) in stages.iter().enumerate() {
                out.push(Stage {
                    duration: s.duration.0,
                    rate: ctx.rate(&format!("{key}.stages[{j}].rate"), s.rate)?,
                });
            }
            let ramp = match a.ramp.as_deref() {
                None => Ramp::Step,
                Some(r) => {
                    match ctx.choice(&format!("{key}.ramp"), r, &["step", "linear"], "ramp")? {
                        "linear" => Ramp::Linear,
                        _ => Ramp::Step,
                    }
                }
            };
            let start_rate = match a.start_rate {
                Some(r) => ctx.rate(&format!("{key}.start_rate"), r)?,
                None => 0.0,
            };
            ArrivalProcess::Stages {
                stages: out,
                ramp,
                start_rate,
            }
        }
    })
}
