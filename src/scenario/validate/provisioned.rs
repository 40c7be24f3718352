//! `provisioned_concurrency`: a whole number, a schedule of steps, or a policy table
//! (`schedule`, `target_tracking`), with the helpers that read its free-form tables.

use super::{Ctx, R, did_you_mean};
use crate::engine::Time;
use crate::policies::provisioning::{
    DEFAULT_ALLOCATION_DELAY, DEFAULT_SCALE_IN_POINTS, DEFAULT_SCALE_OUT_POINTS,
};
use crate::policies::{ProvisioningSpec, TargetTracking};
use crate::scenario::raw::parse_duration;

/// The most provisioned concurrency a function may ask for.
const MAX_PROVISIONED: i64 = 10_000_000;

/// `provisioned_concurrency`: a whole number, a schedule `[{ at, value }, …]`, or a table
/// `{ policy = "schedule" | "target_tracking", … }`.
pub(super) fn validate_provisioned(ctx: &Ctx, key: &str, v: &toml::Value) -> R<ProvisioningSpec> {
    let shapes = "expected a whole number of environments, a schedule like [{ at = \"0s\", value = 10 }, { at = \"2h\", value = 50 }], or a table like { policy = \"target_tracking\", target = 0.7, min = 1, max = 100 }";
    match v {
        toml::Value::Integer(n) => Ok(ProvisioningSpec::Fixed(ctx.int(
            key,
            *n,
            0,
            MAX_PROVISIONED,
            "provisioned_concurrency",
        )?)),
        toml::Value::Array(a) => Ok(ProvisioningSpec::Schedule {
            steps: pc_schedule(ctx, key, a)?,
            allocation_delay: DEFAULT_ALLOCATION_DELAY,
        }),
        toml::Value::Table(t) => pc_table(ctx, key, t),
        other => Err(ctx.err(key, format!("{shapes}, got {}", other.type_str()))),
    }
}

/// A duration given as a string in a free-form table.
fn table_duration(ctx: &Ctx, key: &str, v: &toml::Value) -> R<Time> {
    match v {
        toml::Value::String(text) => parse_duration(text).map_err(|e| ctx.err(key, e)),
        toml::Value::Integer(0) => Ok(Time::ZERO),
        other => Err(ctx.err(
            key,
            format!("expected a duration string like \"2m\", got {other}"),
        )),
    }
}

/// A whole number in a free-form table.
fn table_int(ctx: &Ctx, key: &str, v: &toml::Value, lo: i64, hi: i64, what: &str) -> R<u32> {
    match v {
        toml::Value::Integer(n) => ctx.int(key, *n, lo, hi, what),
        other => Err(ctx.err(key, format!("{what} must be a whole number, got {other}"))),
    }
}

/// Refuses keys of a free-form table that are not in `allowed`.
fn only_keys(ctx: &Ctx, key: &str, t: &toml::Table, allowed: &[&str], what: &str) -> R<()> {
    for name in t.keys() {
        if !allowed.contains(&name.as_str()) {
            let help = did_you_mean(name, allowed.iter().copied(), "expected one of");
            return Err(ctx.err_help(
                &format!("{key}.{name}"),
                format!("unknown key `{name}` in {what}"),
                Some(help),
            ));
        }
    }
    Ok(())
}

fn pc_schedule(ctx: &Ctx, key: &str, a: &[toml::Value]) -> R<Vec<(Time, u32)>> {
    if a.is_empty() {
        return Err(ctx.err(
            key,
            "a schedule needs at least one step, e.g. [{ at = \"0s\", value = 10 }]",
        ));
    }
    let mut steps: Vec<(Time, u32)> = Vec::with_capacity(a.len());
    for (j, step) in a.iter().enumerate() {
        let sk = format!("{key}[{j}]");
        let toml::Value::Table(t) = step else {
            return Err(ctx.err(
                &sk,
                format!("a schedule step is a table {{ at = \"2h\", value = 50 }}, got {step}"),
            ));
        };
        only_keys(ctx, &sk, t, &["at", "value"], "a schedule step")?;
        let at = match t.get("at") {
            Some(v) => table_duration(ctx, &format!("{sk}.at"), v)?,
            None => {
                return Err(ctx.err(
                    &sk,
                    "a schedule step needs `at`, the time it takes effect (e.g. at = \"2h\")",
                ));
            }
        };
        let value = match t.get("value") {
            Some(v) => table_int(ctx, &format!("{sk}.value"), v, 0, MAX_PROVISIONED, "value")?,
            None => {
                return Err(ctx.err(
                    &sk,
                    "a schedule step needs `value`, the provisioned concurrency from `at` on",
                ));
            }
        };
        if let Some(&(prev, _)) = steps.last()
            && at <= prev
        {
            return Err(ctx.err(
                    &format!("{sk}.at"),
                    format!("schedule steps must be in strictly increasing `at` order: {at} comes after {prev}"),
                ));
        }
        steps.push((at, value));
    }
    Ok(steps)
}

fn pc_table(ctx: &Ctx, key: &str, t: &toml::Table) -> R<ProvisioningSpec> {
    let policies = ["schedule", "target_tracking"];
    let policy = match t.get("policy") {
        Some(toml::Value::String(p)) => ctx.choice(
            &format!("{key}.policy"),
            p,
            &policies,
            "provisioned-concurrency policy",
        )?,
        Some(other) => {
            return Err(ctx.err(
                &format!("{key}.policy"),
                format!("expected \"schedule\" or \"target_tracking\", got {other}"),
            ));
        }
        None => {
            return Err(ctx.err(
                key,
                "a provisioned-concurrency table needs `policy` (\"schedule\" or \"target_tracking\")",
            ));
        }
    };
    let allocation_delay = match t.get("allocation_delay") {
        Some(v) => table_duration(ctx, &format!("{key}.allocation_delay"), v)?,
        None => DEFAULT_ALLOCATION_DELAY,
    };
    if policy == "schedule" {
        only_keys(
            ctx,
            key,
            t,
            &["policy", "steps", "allocation_delay"],
            "a schedule",
        )?;
        let steps = match t.get("steps") {
            Some(toml::Value::Array(a)) => pc_schedule(ctx, &format!("{key}.steps"), a)?,
            Some(other) => {
                return Err(ctx.err(
                    &format!("{key}.steps"),
                    format!(
                        "`steps` is an array like [{{ at = \"0s\", value = 10 }}], got {other}"
                    ),
                ));
            }
            None => {
                return Err(ctx.err(
                    key,
                    "a schedule needs `steps`, e.g. steps = [{ at = \"0s\", value = 10 }, { at = \"2h\", value = 50 }]",
                ));
            }
        };
        return Ok(ProvisioningSpec::Schedule {
            steps,
            allocation_delay,
        });
    }
    only_keys(
        ctx,
        key,
        t,
        &[
            "policy",
            "target",
            "min",
            "max",
            "allocation_delay",
            "scale_out_cooldown",
            "scale_in_cooldown",
            "scale_out_points",
            "scale_in_points",
        ],
        "a target-tracking policy",
    )?;
    let tk = |name: &str| format!("{key}.{name}");
    let target = match t.get("target") {
        Some(toml::Value::Float(x)) if *x > 0.0 && *x < 1.0 => *x,
        Some(other) => {
            return Err(ctx.err(
                &tk("target"),
                format!("target is the utilisation to keep, a number strictly between 0 and 1 (e.g. 0.7), got {other}"),
            ));
        }
        None => {
            return Err(ctx.err(
                key,
                "target tracking needs `target`, the utilisation to keep (e.g. target = 0.7)",
            ));
        }
    };
    let min = match t.get("min") {
        Some(v) => table_int(ctx, &tk("min"), v, 1, MAX_PROVISIONED, "min")?,
        None => {
            return Err(ctx.err(
                key,
                "target tracking needs `min`, the least provisioned concurrency (≥ 1)",
            ));
        }
    };
    let max = match t.get("max") {
        Some(v) => table_int(ctx, &tk("max"), v, 1, MAX_PROVISIONED, "max")?,
        None => {
            return Err(ctx.err(
                key,
                "target tracking needs `max`, the most provisioned concurrency",
            ));
        }
    };
    if max < min {
        return Err(ctx.err(
            &tk("max"),
            format!("max ({max}) must be at least min ({min})"),
        ));
    }
    let cooldown = |name: &str| -> R<Time> {
        t.get(name)
            .map_or(Ok(Time::ZERO), |v| table_duration(ctx, &tk(name), v))
    };
    let points = |name: &str, default: u32| -> R<u32> {
        t.get(name)
            .map_or(Ok(default), |v| table_int(ctx, &tk(name), v, 1, 1440, name))
    };
    Ok(ProvisioningSpec::TargetTracking {
        params: TargetTracking {
            target,
            min,
            max,
            scale_out_points: points("scale_out_points", DEFAULT_SCALE_OUT_POINTS)?,
            scale_in_points: points("scale_in_points", DEFAULT_SCALE_IN_POINTS)?,
            scale_out_cooldown: cooldown("scale_out_cooldown")?,
            scale_in_cooldown: cooldown("scale_in_cooldown")?,
        },
        allocation_delay,
    })
}
