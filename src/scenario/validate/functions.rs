//! `[[functions]]`: each function's memory, timeout, durations, concurrency, retries and
//! keep-alive, and what the functions' reserved concurrency adds up to in the account.

use super::compute::{
    Around, EdgeAround, validate_edge, validate_ephemeral, validate_response, validate_snapstart,
    validate_tenant_isolation,
};
use super::dist::validate_dist;
use super::keep_alive::validate_keep_alive;
use super::managed::{MEMORY_MB, ManagedAround, is_managed, validate_managed};
use super::provisioned::validate_provisioned;
use super::{Ctx, R, check_name};
use crate::billing::{Architecture, Pricing};
use crate::engine::{Dist, Time};
use crate::model::config::{Account, Function};
use crate::model::managed::{CapacityProvider, MAX_ASYNC_TIMEOUT};
use crate::policies::{KeepAliveSpec, ProvisioningSpec};
use crate::scenario::raw::RawDist;
use crate::scenario::raw::{RawFunction, RawScenario};
use rand_distr::LogNormal;
use std::collections::HashSet;

/// AWS's defaults where a key is absent.
const DEFAULT_MEMORY_MB: i64 = 128;
const DEFAULT_TIMEOUT: Time = Time::from_secs(3);
const DEFAULT_KEEP_ALIVE: Time = Time::from_secs(360);
const MAX_TIMEOUT: Time = Time::from_secs(900);
/// AWS's bounds on MaximumEventAgeInSeconds; the upper one is the default.
const MIN_EVENT_AGE: Time = Time::from_secs(60);
const MAX_EVENT_AGE: Time = Time::from_secs(6 * 3600);

/// Every `[[functions]]` table, in order, with the platform's default keep-alive; names
/// must be unique.
pub(super) fn validate_functions(
    ctx: &Ctx,
    raw: &RawScenario,
    pricing: &Pricing,
    providers: &[CapacityProvider],
) -> R<Vec<Function>> {
    // Functions without their own keep_alive take the platform's, else AWS-like fixed.
    let default_keep_alive = match raw.platform.as_ref().and_then(|p| p.keep_alive.as_ref()) {
        Some(ka) => validate_keep_alive(ctx, "platform.keep_alive", ka)?,
        None => KeepAliveSpec::Fixed {
            idle: DEFAULT_KEEP_ALIVE,
        },
    };
    if raw.functions.is_empty() {
        return Err(ctx.err(
            "functions",
            "a scenario needs at least one [[functions]] table",
        ));
    }
    let mut functions = Vec::with_capacity(raw.functions.len());
    let mut names = HashSet::new();
    for (i, f) in raw.functions.iter().enumerate() {
        let func = validate_function(ctx, i, f, pricing, providers, &default_keep_alive)?;
        if !names.insert(func.name.clone()) {
            return Err(ctx.err(
                &format!("functions[{i}].name"),
                format!("a function named `{}` already exists", func.name),
            ));
        }
        functions.push(func);
    }
    Ok(functions)
}

fn validate_function(
    ctx: &Ctx,
    i: usize,
    f: &RawFunction,
    pricing: &Pricing,
    providers: &[CapacityProvider],
    default_keep_alive: &KeepAliveSpec,
) -> R<Function> {
    let k = |key: &str| format!("functions[{i}].{key}");
    let name = f.name.clone().unwrap_or_else(|| format!("function{i}"));
    check_name(ctx, &k("name"), &name, "the function name")?;
    // Managed Instances: 2–32 GB environments, and invocations up to 90 minutes.
    let managed = is_managed(ctx, &k("compute"), f)?;
    let ((lo, hi), max_timeout) = if managed {
        (MEMORY_MB, MAX_ASYNC_TIMEOUT)
    } else {
        ((128, 10_240), MAX_TIMEOUT)
    };
    let memory_mb = ctx.int(
        &k("memory_mb"),
        f.memory_mb.unwrap_or(DEFAULT_MEMORY_MB.max(lo)),
        lo,
        hi,
        if managed {
            "memory_mb (MB) of a managed environment"
        } else {
            "memory_mb (MB)"
        },
    )?;
    let architecture = match &f.architecture {
        None => pricing.default_architecture,
        Some(a) => match ctx.choice(&k("architecture"), a, &["x86_64", "arm64"], "architecture")? {
            "arm64" => Architecture::Arm64,
            _ => Architecture::X86_64,
        },
    };
    let timeout = f.timeout.map_or(DEFAULT_TIMEOUT, |d| d.0);
    if timeout == Time::ZERO || timeout > max_timeout {
        return Err(ctx.err(
            &k("timeout"),
            format!(
                "the timeout must be greater than 0 and at most {}, got {timeout}",
                if managed {
                    "90m on Managed Instances (15m for synchronous invocations)"
                } else {
                    "900s"
                }
            ),
        ));
    }
    let Some(duration) = &f.duration else {
        return Err(ctx.err(&format!("functions[{i}]"), format!("function `{name}` needs a `duration` (its execution time, e.g. duration = \"120ms\")")));
    };
    let (duration, duration_from_trace) = match duration {
        // Given by the trace for each invocation (checked with the sources).
        RawDist::Trace => (Dist::Constant(Time::ZERO), true),
        d => (validate_dist(ctx, &k("duration"), d)?, false),
    };
    let package = match &f.package {
        None => "zip",
        Some(p) => ctx.choice(&k("package"), p, &["zip", "image"], "package type")?,
    };
    let runtime_init = match &f.runtime {
        None => None,
        Some(r) => {
            let names = crate::model::runtimes::names();
            if !names.iter().any(|n| n == r) {
                return Err(ctx.err_help(
                    &k("runtime"),
                    match crate::scenario::suggest(r, names.iter().map(String::as_str)) {
                        Some(s) => format!("unknown runtime `{r}`: did you mean `{s}`?"),
                        None => format!("unknown runtime `{r}`"),
                    },
                    Some(format!(
                        "the runtimes of the lambda-perf benchmark: {}",
                        names.join(", ")
                    )),
                ));
            }
            let arch = architecture.as_str();
            match crate::model::runtimes::init(r, package, arch) {
                Some(d) => Some(d),
                None => {
                    return Err(ctx.err(
                        &k("runtime"),
                        format!("the lambda-perf benchmark has no cold starts of `{r}` as a {package} package on {arch}: give `init`"),
                    ));
                }
            }
        }
    };
    let init = match (&f.init, runtime_init) {
        (Some(d), _) => validate_dist(ctx, &k("init"), d)?,
        // The runtime's measured cold starts (lambda-perf).
        (None, Some(d)) => d,
        // A typical managed-runtime cold start (AWS's published measurements).
        (None, None) => {
            Dist::LogNormal(LogNormal::new((200e6f64).ln(), 0.3).expect("valid constants"))
        }
    };
    if f.package.is_some() && f.runtime.is_none() {
        return Err(ctx.err(
            &k("package"),
            "`package` picks the runtime's cold starts (zip or image): it needs `runtime`",
        ));
    }
    let efs_mount = match (f.efs.unwrap_or(false), &f.efs_mount) {
        (true, Some(d)) => Some(validate_dist(ctx, &k("efs_mount"), d)?),
        (true, None) => {
            return Err(ctx.err(
                &k("efs"),
                "`efs = true` needs `efs_mount`, the time to mount the file system on each INIT (e.g. efs_mount = \"60ms\")",
            ));
        }
        (false, Some(_)) => {
            return Err(ctx.err(
                &k("efs_mount"),
                "`efs_mount` applies only with `efs = true`",
            ));
        }
        (false, None) => None,
    };
    let reserved_concurrency = match f.reserved_concurrency {
        Some(r) => Some(ctx.int(
            &k("reserved_concurrency"),
            r,
            0,
            10_000_000,
            "reserved_concurrency",
        )?),
        None => None,
    };
    let provisioned_concurrency = match &f.provisioned_concurrency {
        None => ProvisioningSpec::Fixed(0),
        Some(v) => validate_provisioned(ctx, &k("provisioned_concurrency"), v)?,
    };
    if let Some(r) = reserved_concurrency {
        let max = provisioned_concurrency.max();
        if max > r {
            return Err(ctx.err(
                &k("provisioned_concurrency"),
                format!(
                    "provisioned concurrency (up to {max}) cannot exceed reserved concurrency ({r})"
                ),
            ));
        }
    }
    let error_rate = f.error_rate.unwrap_or(0.0);
    if !(0.0..=1.0).contains(&error_rate) {
        return Err(ctx.err(
            &k("error_rate"),
            format!("error_rate is a probability between 0 and 1, got {error_rate}"),
        ));
    }
    let max_event_age = f.max_event_age.map_or(MAX_EVENT_AGE, |d| d.0);
    if !(MIN_EVENT_AGE..=MAX_EVENT_AGE).contains(&max_event_age) {
        return Err(ctx.err(
            &k("max_event_age"),
            format!("max_event_age must be between 60s and 6h (AWS's MaximumEventAgeInSeconds), got {max_event_age}"),
        ));
    }
    let cpu_scaling = match (f.cpu_bound_fraction, f.reference_memory_mb) {
        (None, None) => None,
        // On Managed Instances the CPU-bound share is shared, not scaled (`managed`).
        _ if managed => None,
        (Some(c), Some(r)) => {
            if !(0.0..=1.0).contains(&c) {
                return Err(ctx.err(
                    &k("cpu_bound_fraction"),
                    format!("cpu_bound_fraction is the CPU-bound share of the duration, between 0 and 1, got {c}"),
                ));
            }
            let r = ctx.int(
                &k("reference_memory_mb"),
                r,
                128,
                10_240,
                "reference_memory_mb (MB)",
            )?;
            Some((c, r))
        }
        (Some(_), None) => {
            return Err(ctx.err(
                &k("cpu_bound_fraction"),
                "`cpu_bound_fraction` needs `reference_memory_mb`: the memory size at which `duration` was measured",
            ));
        }
        (None, Some(_)) => {
            return Err(ctx.err(
                &k("reference_memory_mb"),
                "`reference_memory_mb` needs `cpu_bound_fraction`: the share of the duration that scales with CPU",
            ));
        }
    };
    let threads = match f.threads {
        None => 1,
        Some(n) => ctx.int(
            &k("threads"),
            n,
            1,
            64,
            "threads (the vCPUs the code can use)",
        )?,
    };
    let margin = match f.memory_margin {
        None => 0.1,
        Some(m) if (0.0..=1.0).contains(&m) => m,
        Some(m) => {
            return Err(ctx.err(
                &k("memory_margin"),
                format!("memory_margin is the share added to max_memory_used_mb, between 0 and 1, got {m}"),
            ));
        }
    };
    if f.memory_margin.is_some() && f.max_memory_used_mb.is_none() {
        return Err(ctx.err(
            &k("memory_margin"),
            "`memory_margin` needs `max_memory_used_mb`: the most memory the function was seen to use",
        ));
    }
    let memory_needed_mb = match f.max_memory_used_mb {
        None => None,
        Some(n) => {
            let used = ctx.int(
                &k("max_memory_used_mb"),
                n,
                1,
                hi,
                "max_memory_used_mb (MB)",
            )?;
            Some(f64::from(used) * (1.0 + margin))
        }
    };
    let duration_scale = cpu_scaling.map_or(1.0, |(c, r)| {
        crate::model::config::duration_scale(c, r, memory_mb, threads)
    });
    let max_retry_attempts = match f.max_retry_attempts {
        Some(n) => ctx.int(&k("max_retry_attempts"), n, 0, 2, "max_retry_attempts")?,
        None => 2,
    };
    let ephemeral_storage_mb = validate_ephemeral(ctx, &k("ephemeral_storage_mb"), f)?;
    let snapstart = validate_snapstart(
        ctx,
        &k,
        f,
        &Around {
            runtime: f.runtime.as_deref(),
            image: package == "image",
            efs: efs_mount.is_some(),
            ephemeral_storage_mb,
            provisioned: &provisioned_concurrency,
        },
    )?;
    let tenant_isolation =
        validate_tenant_isolation(ctx, &k, f, snapstart.is_some(), &provisioned_concurrency)?;
    let response = validate_response(ctx, &k, f)?;
    let edge = validate_edge(
        ctx,
        &k,
        f,
        &EdgeAround {
            memory_mb,
            timeout,
            architecture,
            provisioned: &provisioned_concurrency,
            snapstart: snapstart.is_some(),
            tenant_isolation,
            response: response.is_some(),
        },
    )?;
    let managed = validate_managed(ctx, &k, f, providers, &ManagedAround { memory_mb })?;
    let keep_alive = match &f.keep_alive {
        None => default_keep_alive.clone(),
        Some(ka) => validate_keep_alive(ctx, &k("keep_alive"), ka)?,
    };
    if tenant_isolation && matches!(keep_alive, KeepAliveSpec::HybridHistogram(_)) {
        let key = if f.keep_alive.is_some() {
            k("keep_alive.policy")
        } else {
            "platform.keep_alive.policy".to_string()
        };
        return Err(ctx.err(
            &key,
            "tenant isolation cannot pre-warm: an environment serves one tenant, and a pre-warmed one would have none; choose `fixed`, `none` or `aws`",
        ));
    }
    Ok(Function {
        chain: Default::default(),
        name,
        memory_mb,
        architecture,
        timeout,
        duration,
        duration_from_trace,
        init,
        efs_mount,
        reserved_concurrency,
        provisioned_concurrency,
        error_rate,
        max_event_age,
        max_retry_attempts,
        keep_alive,
        duration_scale,
        cpu_scaling,
        threads,
        memory_needed_mb,
        runtime: f.runtime.clone(),
        image: package == "image",
        snapstart,
        ephemeral_storage_mb,
        edge,
        tenant_isolation,
        response,
        managed,
    })
}

/// The reserved (else provisioned) concurrency of all functions must leave the account's
/// unreserved minimum; `origin` names the `[[functions]]` table of each function.
pub(super) fn check_reserved(
    ctx: &Ctx,
    account: &Account,
    functions: &[Function],
    origin: &[usize],
) -> R<()> {
    // AWS: at least 100 of the account's concurrency stays unreserved.
    let unreserved_min = 100.min(account.concurrency_limit);
    let max_reservable = account.concurrency_limit - unreserved_min;
    let mut claimed: u64 = 0;
    for (f, &i) in functions.iter().zip(origin) {
        claimed += u64::from(
            f.reserved_concurrency
                .unwrap_or(f.provisioned_concurrency.max()),
        );
        if claimed > u64::from(max_reservable) {
            let key = if f.reserved_concurrency.is_some() {
                "reserved_concurrency"
            } else {
                "provisioned_concurrency"
            };
            let limit = account.concurrency_limit;
            let aside = if max_reservable == 0 {
                format!("an account with concurrency_limit = {limit} can set none aside")
            } else {
                format!(
                    "an account with concurrency_limit = {limit} can set at most {max_reservable} aside"
                )
            };
            return Err(ctx.err_help(
                &format!("functions[{i}].{key}"),
                format!(
                    "reserved and provisioned concurrency add up to {claimed}, and {aside}: AWS keeps 100 unreserved"
                ),
                Some(format!(
                    "lower it, or raise `account.concurrency_limit` to at least {}",
                    claimed + 100
                )),
            ));
        }
    }
    Ok(())
}

/// Warns of settings that are valid but probably not what the user meant: a constant
/// duration over the timeout (every invocation times out), and a provisioned-concurrency
/// step at or after the end of the run (it never applies).
pub(super) fn warn_mistakes(ctx: &Ctx, functions: &[Function], origin: &[usize], end: Time) {
    for (f, &i) in functions.iter().zip(origin) {
        if let Dist::Constant(t) = f.duration
            && t > f.timeout
        {
            ctx.warn(
                &format!("functions[{i}].duration"),
                format!(
                    "every invocation takes {t}, longer than the timeout of {}: every one times out",
                    f.timeout
                ),
            );
        }
        if let ProvisioningSpec::Schedule { steps, .. } = &f.provisioned_concurrency {
            for &(at, value) in steps.iter().filter(|&&(at, _)| at >= end) {
                ctx.warn(
                    &format!("functions[{i}].provisioned_concurrency"),
                    format!(
                        "the step to {value} at {at} comes at or after the end of the run ({end}): it never applies"
                    ),
                );
            }
        }
    }
}
