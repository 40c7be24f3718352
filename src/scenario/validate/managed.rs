//! Lambda Managed Instances: `[[capacity_providers]]`, a function's `compute =
//! "managed_instances"` with its `capacity_provider`, `per_vcpu_concurrency`,
//! `memory_per_vcpu_gb`, `min_environments` and `max_environments`, what AWS does not
//! allow with them, and the sources that may invoke such a function.

use super::{Ctx, R, check_name, did_you_mean};
use crate::engine::Time;
use crate::model::config::{Function, Source};
use crate::model::managed::{
    CapacityProvider, MAX_ASYNC_TIMEOUT, Managed, RESERVED_GB, RESERVED_VCPUS, per_vcpu_cap,
};
use crate::scenario::raw::{RawDuration, RawFunction, RawScenario};
use crate::sources::{ArrivalProcess, InvocationType};

/// Assumption (AWS publishes no figure): an instance takes a minute from launch until
/// environments can start on it.
const DEFAULT_LAUNCH_DELAY: Time = Time::from_secs(60);
/// Assumption (AWS publishes no figure): scaling aims at 50 % CPU utilisation.
const DEFAULT_TARGET: f64 = 0.5;
/// AWS's default `MaxVCpuCount`.
const DEFAULT_MAX_VCPUS: i64 = 400;
/// Assumption: without `cpu_bound_fraction`, half of a request's duration is CPU-bound.
const DEFAULT_CPU_FRACTION: f64 = 0.5;
/// AWS's `PerExecutionEnvironmentMaxConcurrency` is at most 1,600.
const MAX_ENV_CONCURRENCY: u32 = 1600;
/// Memory of a managed environment, MB: 2 to 32 GB.
pub(super) const MEMORY_MB: (i64, i64) = (2048, 32_768);

/// Every `[[capacity_providers]]` table; names are unique.
pub(super) fn validate_providers(ctx: &Ctx, raw: &RawScenario) -> R<Vec<CapacityProvider>> {
    let mut out: Vec<CapacityProvider> = Vec::with_capacity(raw.capacity_providers.len());
    for (i, p) in raw.capacity_providers.iter().enumerate() {
        let k = |key: &str| format!("capacity_providers[{i}].{key}");
        let table = format!("capacity_providers[{i}]");
        let need = |key: &str, what: &str| {
            ctx.err(
                &table,
                format!("a capacity provider needs `{key}` ({what})"),
            )
        };
        let name = p.name.clone().ok_or_else(|| need("name", "its name"))?;
        check_name(ctx, &k("name"), &name, "the capacity provider name")?;
        if out.iter().any(|q| q.name == name) {
            return Err(ctx.err(
                &k("name"),
                format!("a capacity provider named `{name}` already exists"),
            ));
        }
        let instance_type = p.instance_type.clone().ok_or_else(|| {
            need(
                "instance_type",
                "the EC2 instance type, e.g. \"m7g.xlarge\"",
            )
        })?;
        let vcpus = p
            .vcpus
            .ok_or_else(|| need("vcpus", "the instance type's vCPUs"))?;
        let vcpus = ctx.int(
            &k("vcpus"),
            vcpus,
            2,
            448,
            "vcpus (an instance keeps 1 for itself)",
        )?;
        let memory_gb = p
            .memory_gb
            .ok_or_else(|| need("memory_gb", "the instance type's memory, GB"))?;
        let memory_gb = ctx.int(
            &k("memory_gb"),
            memory_gb,
            3,
            24_576,
            "memory_gb (an instance keeps 1 GB for itself; environments need 2 or more)",
        )?;
        let hourly_price = ctx
            .price(&k("hourly_price"), p.hourly_price)?
            .ok_or_else(|| {
                need(
                    "hourly_price",
                    "the instance's EC2 on-demand price, USD per hour",
                )
            })?;
        let max_vcpus = ctx.int(
            &k("max_vcpus"),
            p.max_vcpus.unwrap_or(DEFAULT_MAX_VCPUS),
            1,
            1_000_000,
            "max_vcpus",
        )?;
        // Lambda starts three instances, one per Availability Zone.
        if max_vcpus < 3 * vcpus {
            return Err(ctx.err(
                &k("max_vcpus"),
                format!("max_vcpus = {max_vcpus} cannot hold the 3 instances Lambda starts (3 × {vcpus} vCPUs = {})", 3 * vcpus),
            ));
        }
        let savings_plan_discount = p.savings_plan_discount.unwrap_or(0.0);
        if !(0.0..1.0).contains(&savings_plan_discount) {
            return Err(ctx.err(
                &k("savings_plan_discount"),
                format!("savings_plan_discount is the discount on the EC2 price, at least 0 and below 1, got {savings_plan_discount}"),
            ));
        }
        let launch_delay = p
            .launch_delay
            .map_or(DEFAULT_LAUNCH_DELAY, |RawDuration(d)| d);
        if launch_delay > Time::from_secs(3600) {
            return Err(ctx.err(
                &k("launch_delay"),
                format!("launch_delay must be at most 1h, got {launch_delay}"),
            ));
        }
        let target_utilization = p.target_utilization.unwrap_or(DEFAULT_TARGET);
        if !(target_utilization > 0.0 && target_utilization <= 1.0) {
            return Err(ctx.err(
                &k("target_utilization"),
                format!("target_utilization is the CPU utilisation scaling aims at, above 0 and at most 1, got {target_utilization}"),
            ));
        }
        out.push(CapacityProvider {
            name,
            instance_type,
            vcpus,
            memory_gb,
            hourly_price,
            max_vcpus,
            savings_plan_discount,
            launch_delay,
            target_utilization,
        });
    }
    Ok(out)
}

/// Whether the function asks for Managed Instances (`compute`).
pub(super) fn is_managed(ctx: &Ctx, key: &str, f: &RawFunction) -> R<bool> {
    match f.compute.as_deref() {
        None => Ok(false),
        Some(c) => Ok(
            ctx.choice(key, c, &["default", "managed_instances"], "compute type")?
                == "managed_instances",
        ),
    }
}

/// The keys of `f` that only Managed Instances take, if any is given without them.
fn managed_only_key(f: &RawFunction) -> Option<&'static str> {
    [
        (f.capacity_provider.is_some(), "capacity_provider"),
        (f.per_vcpu_concurrency.is_some(), "per_vcpu_concurrency"),
        (f.memory_per_vcpu_gb.is_some(), "memory_per_vcpu_gb"),
        (f.min_environments.is_some(), "min_environments"),
        (f.max_environments.is_some(), "max_environments"),
    ]
    .into_iter()
    .find(|(given, _)| *given)
    .map(|(_, key)| key)
}

/// What the rest of the function says, that Managed Instances must agree with.
pub(super) struct ManagedAround {
    pub memory_mb: u32,
}

/// A function's Managed Instances settings, or `None` for the default compute; refuses
/// what AWS does not run on Managed Instances (or this model does not).
pub(super) fn validate_managed(
    ctx: &Ctx,
    k: &dyn Fn(&str) -> String,
    f: &RawFunction,
    providers: &[CapacityProvider],
    around: &ManagedAround,
) -> R<Option<Managed>> {
    if !is_managed(ctx, &k("compute"), f)? {
        // Kept, so that a sweep of `compute` can switch between the two.
        if let Some(key) = managed_only_key(f) {
            ctx.warn(
                &k(key),
                "ignored with compute = \"default\": it applies to Managed Instances",
            );
        }
        return Ok(None);
    }
    // Kept, so that a sweep of `compute` can switch between the two.
    for (given, key) in [
        (f.reference_memory_mb.is_some(), "reference_memory_mb"),
        (f.threads.is_some(), "threads"),
    ] {
        if given {
            ctx.warn(
                &k(key),
                "ignored on Managed Instances: `duration` is a request's time alone in its environment, using at most one vCPU, and `cpu_bound_fraction` the share of it that needs the vCPU",
            );
        }
    }
    // What Managed Instances do not have.
    let refused = [
        (
            f.provisioned_concurrency.is_some(),
            "provisioned_concurrency",
            "provisioned concurrency: environments are always running",
        ),
        (
            f.reserved_concurrency.is_some(),
            "reserved_concurrency",
            "reserved concurrency: the capacity provider bounds the concurrency",
        ),
        (
            f.snapstart == Some(true),
            "snapstart",
            "SnapStart: there are no cold starts",
        ),
        (
            f.tenant_isolation == Some(true),
            "tenant_isolation",
            "tenant isolation",
        ),
        (f.edge == Some(true), "edge", "Lambda@Edge"),
        (
            f.keep_alive.is_some(),
            "keep_alive",
            "a keep-alive policy: environments stay up and scale on utilisation",
        ),
        (
            f.response_bytes.is_some(),
            "response_bytes",
            "response sizes in this version of lambdasim",
        ),
        (
            f.ephemeral_storage_mb.is_some(),
            "ephemeral_storage_mb",
            "ephemeral storage settings: environments use the instance's storage",
        ),
    ];
    if let Some((_, key, what)) = refused.into_iter().find(|(given, ..)| *given) {
        return Err(ctx.err(&k(key), format!("Managed Instances do not take {what}")));
    }
    let Some(pname) = &f.capacity_provider else {
        return Err(ctx.err(
            &k("compute"),
            "compute = \"managed_instances\" needs `capacity_provider`, the name of a [[capacity_providers]] table",
        ));
    };
    let Some(provider) = providers.iter().position(|p| &p.name == pname) else {
        let help = if providers.is_empty() {
            "add a [[capacity_providers]] table with name, instance_type, vcpus, memory_gb and hourly_price".to_string()
        } else {
            did_you_mean(
                pname,
                providers.iter().map(|p| p.name.as_str()),
                "the capacity providers",
            )
        };
        return Err(ctx.err_help(
            &k("capacity_provider"),
            format!("no capacity provider named `{pname}`"),
            Some(help),
        ));
    };
    let p = &providers[provider];
    let ratio = match f.memory_per_vcpu_gb {
        None => 2,
        Some(r @ (2 | 4 | 8)) => r as u32,
        Some(r) => {
            return Err(ctx.err(
                &k("memory_per_vcpu_gb"),
                format!("memory_per_vcpu_gb is the memory:vCPU ratio of an environment, 2, 4 or 8 (GB per vCPU), got {r}"),
            ));
        }
    };
    let per_gb = 1024 * ratio;
    if !around.memory_mb.is_multiple_of(per_gb) {
        return Err(ctx.err(
            &k("memory_mb"),
            format!(
                "a managed environment's memory_mb is a whole number of vCPUs at {ratio} GB per vCPU: a multiple of {per_gb}, got {}",
                around.memory_mb
            ),
        ));
    }
    let env_gb = around.memory_mb / 1024;
    let env_vcpus = env_gb / ratio;
    let (uv, um) = (p.vcpus - RESERVED_VCPUS, p.memory_gb - RESERVED_GB);
    if env_vcpus > uv || env_gb > um {
        return Err(ctx.err_help(
            &k("memory_mb"),
            format!(
                "an environment of {env_vcpus} vCPU and {env_gb} GB does not fit on a `{}` instance of capacity provider `{}`, which has {uv} vCPU and {um} GB for environments (it keeps 1 vCPU and 1 GB)",
                p.instance_type, p.name
            ),
            Some("choose a smaller memory_mb, another memory_per_vcpu_gb, or a larger instance type".into()),
        ));
    }
    let cap = f.runtime.as_deref().map(per_vcpu_cap);
    if cap == Some(None) {
        return Err(ctx.err(
            &k("runtime"),
            format!(
                "Managed Instances run Node.js, Java, .NET and Python, not `{}`",
                f.runtime.as_deref().unwrap_or_default()
            ),
        ));
    }
    let cap = cap.flatten();
    let per_vcpu = match (f.per_vcpu_concurrency, cap) {
        (None, Some(c)) => c,
        (None, None) => {
            return Err(ctx.err(
                &k("compute"),
                "a managed function needs `runtime` (its default per_vcpu_concurrency: Node.js 64, Java and .NET 32, Python 16) or `per_vcpu_concurrency`",
            ));
        }
        (Some(n), cap) => {
            let hi = cap.unwrap_or(64);
            let what = match cap {
                Some(_) => format!("per_vcpu_concurrency (at most {hi} for this runtime)"),
                None => "per_vcpu_concurrency".to_string(),
            };
            ctx.int(&k("per_vcpu_concurrency"), n, 1, i64::from(hi), &what)?
        }
    };
    let concurrency = per_vcpu * env_vcpus;
    if concurrency > MAX_ENV_CONCURRENCY {
        return Err(ctx.err(
            &k("per_vcpu_concurrency"),
            format!("{per_vcpu} per vCPU × {env_vcpus} vCPUs = {concurrency} requests per environment, more than AWS's {MAX_ENV_CONCURRENCY}"),
        ));
    }
    let cpu_fraction = match f.cpu_bound_fraction {
        None => DEFAULT_CPU_FRACTION,
        Some(c) if (0.0..=1.0).contains(&c) => c,
        Some(c) => {
            return Err(ctx.err(
                &k("cpu_bound_fraction"),
                format!("cpu_bound_fraction is the CPU-bound share of the duration, between 0 and 1, got {c}"),
            ));
        }
    };
    // The most environments the provider's vCPUs hold, packed onto whole instances.
    let per_instance = p.envs_per_instance(env_vcpus, env_gb);
    let fit = (p.max_vcpus / p.vcpus) * per_instance;
    let min_environments = ctx.int(
        &k("min_environments"),
        f.min_environments.unwrap_or(3),
        3,
        i64::from(fit.max(3)),
        "min_environments (AWS keeps at least 3; at most what max_vcpus holds)",
    )?;
    let max_environments = match f.max_environments {
        None => u32::MAX,
        Some(n) => ctx.int(
            &k("max_environments"),
            n,
            i64::from(min_environments),
            10_000_000,
            "max_environments (at least min_environments)",
        )?,
    };
    Ok(Some(Managed {
        provider,
        env_vcpus,
        env_gb,
        concurrency,
        cpu_fraction,
        min_environments,
        max_environments,
    }))
}

/// Across the scenario: one function per capacity provider, no finite cluster, no
/// `each_function` trace, and no synchronous source for a function whose timeout is
/// beyond 15 minutes (only asynchronous and event-source invocations may run 90).
pub(super) fn check_managed_use(
    ctx: &Ctx,
    functions: &[Function],
    sources: &[Source],
    origin: &[usize],
    cluster: bool,
) -> R<()> {
    // An `each_function` trace would give each of its functions the template's settings
    // (and its memory): capacity providers are not shared.
    for (si, s) in sources.iter().enumerate() {
        for (ci, p) in s.arrival.iter().enumerate() {
            if let ArrivalProcess::Trace(t) = p
                && let Some(each) = &t.each
                && each
                    .targets
                    .iter()
                    .any(|&f| functions[f as usize].managed.is_some())
            {
                let key = if s.arrival.len() > 1 {
                    format!("sources[{si}].arrival[{ci}].each_function")
                } else {
                    format!("sources[{si}].arrival.each_function")
                };
                return Err(ctx.err(
                    &key,
                    "an `each_function` trace cannot replay onto a managed function: its functions would share one capacity provider",
                ));
            }
        }
    }
    let mut used: Vec<Option<usize>> = Vec::new();
    for (f, &i) in functions.iter().zip(origin) {
        let Some(m) = &f.managed else { continue };
        let key = format!("functions[{i}].capacity_provider");
        if cluster {
            return Err(ctx.err(
                &key,
                "a managed function runs on its capacity provider, not on `[platform] hosts`: remove one or the other",
            ));
        }
        if used.len() <= m.provider {
            used.resize(m.provider + 1, None);
        }
        match used[m.provider] {
            Some(j) => {
                return Err(ctx.err(
                    &key,
                    format!("capacity provider `{}` already runs function {j}'s environments: this version of lambdasim gives each managed function a capacity provider of its own", functions.iter().zip(origin).find(|(_, o)| **o == j).map_or("?", |(g, _)| g.name.as_str())),
                ));
            }
            None => used[m.provider] = Some(i),
        }
    }
    for (si, s) in sources.iter().enumerate() {
        let f = &functions[s.function];
        let sync = s.invocation == InvocationType::RequestResponse && s.mapping.is_none();
        if f.managed.is_some() && sync && f.timeout > Time::from_secs(900) {
            return Err(ctx.err(
                &format!("sources[{si}].function"),
                format!(
                    "function `{}` has a timeout of {}, beyond the 15 minutes of a synchronous invocation: only asynchronous and event-source invocations run up to {} on Managed Instances",
                    f.name, f.timeout, MAX_ASYNC_TIMEOUT
                ),
            ));
        }
    }
    Ok(())
}
