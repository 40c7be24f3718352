//! `[account]` and `[platform]`: the account's concurrency and scaling, the platform's
//! retries and pollers, and a finite cluster of hosts (`hosts`, `host_memory_mb`, …).

use super::{Ctx, R};
use crate::engine::Time;
use crate::model::config::{Account, ClusterSpec, Function, MIN_BACKOFF, Platform};
use crate::policies::{EvictionSpec, PlacementSpec, SelectionSpec, cpu_share, host_cpu};
use crate::scenario::raw::{RawDuration, RawPlatform, RawScenario};

/// `[account]`: the concurrency limit and the scaling rate.
pub(super) fn validate_account(ctx: &Ctx, raw: &RawScenario) -> R<Account> {
    let mut account = Account::default();
    if let Some(a) = &raw.account {
        if let Some(v) = a.concurrency_limit {
            account.concurrency_limit = ctx.int(
                "account.concurrency_limit",
                v,
                1,
                10_000_000,
                "the concurrency limit",
            )?;
        }
        if let Some(v) = a.scaling_rate {
            account.scaling_rate =
                ctx.int("account.scaling_rate", v, 1, 10_000_000, "the scaling rate")?;
        }
        if let Some(RawDuration(t)) = a.scaling_interval {
            if t == Time::ZERO {
                return Err(ctx.err(
                    "account.scaling_interval",
                    "the scaling interval must be greater than 0",
                ));
            }
            account.scaling_interval = t;
        }
    }
    Ok(account)
}

/// `[platform]`, except its `keep_alive` (checked with the functions it is the default of).
pub(super) fn validate_platform(ctx: &Ctx, raw: &RawScenario) -> R<Platform> {
    let mut platform = Platform::default();
    if let Some(p) = &raw.platform {
        platform.cluster = validate_cluster(ctx, p)?;
        if let Some(s) = &p.instance_selection {
            platform.instance_selection = match ctx.choice(
                "platform.instance_selection",
                s,
                &["mru", "lru", "random"],
                "instance selection",
            )? {
                "lru" => SelectionSpec::Lru,
                "random" => SelectionSpec::Random,
                _ => SelectionSpec::Mru,
            };
        }
        for (key, v, slot) in [
            (
                "async_backoff_initial",
                p.async_backoff_initial,
                &mut platform.async_backoff_initial,
            ),
            (
                "async_backoff_max",
                p.async_backoff_max,
                &mut platform.async_backoff_max,
            ),
            (
                "async_retry_delay",
                p.async_retry_delay,
                &mut platform.async_retry_delay,
            ),
        ] {
            if let Some(RawDuration(t)) = v {
                if t < MIN_BACKOFF && key != "async_retry_delay" {
                    return Err(ctx.err(
                        &format!("platform.{key}"),
                        format!(
                            "a backoff must be at least {MIN_BACKOFF} (AWS's is 1s): shorter ones retry throttled events without end"
                        ),
                    ));
                }
                *slot = t;
            }
        }
        for (key, v, lo, hi, slot) in [
            (
                "sqs_pollers_initial",
                p.sqs_pollers_initial,
                1,
                100_000,
                &mut platform.sqs_pollers_initial,
            ),
            (
                "sqs_pollers_per_minute",
                p.sqs_pollers_per_minute,
                0,
                1_000_000,
                &mut platform.sqs_pollers_per_minute,
            ),
            (
                "sqs_pollers_max",
                p.sqs_pollers_max,
                1,
                100_000,
                &mut platform.sqs_pollers_max,
            ),
            (
                "sqs_invokes_per_poller",
                p.sqs_invokes_per_poller,
                1,
                100,
                &mut platform.sqs_invokes_per_poller,
            ),
            (
                "kafka_pollers_per_epu",
                p.kafka_pollers_per_epu,
                1,
                100,
                &mut platform.kafka_pollers_per_epu,
            ),
        ] {
            if let Some(n) = v {
                *slot = ctx.int(&format!("platform.{key}"), n, lo, hi, key)?;
            }
        }
        if platform.sqs_pollers_max < platform.sqs_pollers_initial {
            return Err(ctx.err(
                "platform.sqs_pollers_max",
                format!(
                    "sqs_pollers_max ({}) is below sqs_pollers_initial ({})",
                    platform.sqs_pollers_max, platform.sqs_pollers_initial
                ),
            ));
        }
        if let Some(RawDuration(t)) = p.poll_interval {
            if t < Time::from_millis(1) {
                return Err(ctx.err(
                    "platform.poll_interval",
                    format!("the poll interval must be at least 1ms, got {t}"),
                ));
            }
            platform.poll_interval = t;
        }
        if let Some(RawDuration(t)) = p.sqs_throttle_hold {
            platform.sqs_throttle_hold = t;
        }
        if let Some(RawDuration(t)) = p.kafka_scale_interval {
            if t < Time::from_secs(1) {
                return Err(ctx.err(
                    "platform.kafka_scale_interval",
                    format!("the Kafka lag is weighed at most once a second, got {t}"),
                ));
            }
            platform.kafka_scale_interval = t;
        }
        if let Some(RawDuration(t)) = p.kafka_scale_delay {
            platform.kafka_scale_delay = t;
        }
        if let Some(RawDuration(t)) = p.kafka_provisioned_scale_interval {
            if t < Time::from_secs(1) {
                return Err(ctx.err(
                    "platform.kafka_provisioned_scale_interval",
                    format!("the Kafka lag is weighed at most once a second, got {t}"),
                ));
            }
            platform.kafka_provisioned_scale_interval = t;
        }
        if let Some(RawDuration(t)) = p.kafka_provisioned_scale_delay {
            platform.kafka_provisioned_scale_delay = t;
        }
        if let Some(RawDuration(t)) = p.provisioned_scale_in_cooldown {
            platform.provisioned_scale_in_cooldown = t;
        }
        if platform.async_backoff_max < platform.async_backoff_initial {
            return Err(ctx.err(
                "platform.async_backoff_max",
                format!(
                    "the longest backoff ({}) is shorter than the first ({})",
                    platform.async_backoff_max, platform.async_backoff_initial
                ),
            ));
        }
    }
    Ok(platform)
}

/// `[platform] hosts`, `host_memory_mb`, `placement`, `eviction`: a finite cluster, or
/// `None` (unbounded capacity) without `hosts`.
fn validate_cluster(ctx: &Ctx, p: &RawPlatform) -> R<Option<ClusterSpec>> {
    let Some(hosts) = p.hosts else {
        for (key, set) in [
            ("host_memory_mb", p.host_memory_mb.is_some()),
            ("host_cores", p.host_cores.is_some()),
            ("placement", p.placement.is_some()),
            ("eviction", p.eviction.is_some()),
        ] {
            if set {
                return Err(ctx.err_help(
                    &format!("platform.{key}"),
                    format!("`{key}` applies only to a finite cluster, and `hosts` is not set"),
                    Some("add `hosts = <number of hosts>` and `host_memory_mb` to [platform], or remove this key (capacity is unbounded by default)".into()),
                ));
            }
        }
        return Ok(None);
    };
    let hosts = ctx.int("platform.hosts", hosts, 1, 1_000_000, "the number of hosts")?;
    let Some(memory) = p.host_memory_mb else {
        return Err(ctx.err_help(
            "platform.hosts",
            "`hosts` needs `host_memory_mb`, the memory of each host",
            Some("add e.g. `host_memory_mb = 65536` to [platform]".into()),
        ));
    };
    let host_memory_mb = ctx.int(
        "platform.host_memory_mb",
        memory,
        128,
        16_777_216,
        "host_memory_mb",
    )?;
    let host_cpu = match &p.host_cores {
        None => None,
        Some(v) => {
            let cores = match v {
                toml::Value::Integer(n) => Some(*n as f64),
                toml::Value::Float(x) => Some(*x),
                _ => None,
            };
            match cores {
                Some(c) if c.is_finite() && c > 0.0 && c <= 1_000_000.0 => Some(host_cpu(c)),
                _ => {
                    return Err(ctx.err_help(
                        "platform.host_cores",
                        format!(
                            "host_cores must be a number of vCPUs > 0 and at most 1000000, got {v}"
                        ),
                        Some("e.g. `host_cores = 96`".into()),
                    ));
                }
            }
        }
    };
    let placement = match &p.placement {
        Some(s) => {
            let name = ctx.choice("platform.placement", s, PlacementSpec::NAMES, "placement")?;
            PlacementSpec::from_name(name).expect("a listed name")
        }
        None => PlacementSpec::default(),
    };
    let eviction = match &p.eviction {
        Some(s) => {
            let name = ctx.choice("platform.eviction", s, EvictionSpec::NAMES, "eviction")?;
            EvictionSpec::from_name(name).expect("a listed name")
        }
        None => EvictionSpec::default(),
    };
    Ok(Some(ClusterSpec {
        hosts,
        host_memory_mb,
        host_cpu,
        placement,
        eviction,
    }))
}

/// Once the functions are known (traces expanded): every function's environment must fit on
/// a host of the finite cluster, in memory and in vCPU.
pub(super) fn check_hosts_fit(
    ctx: &Ctx,
    raw: &RawScenario,
    platform: &Platform,
    functions: &[Function],
) -> R<()> {
    if let Some(c) = &platform.cluster
        && let Some(f) = functions.iter().rev().max_by_key(|f| f.memory_mb)
    {
        if f.memory_mb > c.host_memory_mb {
            return Err(ctx.err_help(
                    "platform.host_memory_mb",
                    format!(
                        "host_memory_mb = {} is smaller than function `{}`'s memory_mb = {}: its environments fit on no host",
                        c.host_memory_mb, f.name, f.memory_mb
                    ),
                    Some(format!("set host_memory_mb to at least {}", f.memory_mb)),
                ));
        }
        let share = cpu_share(f.memory_mb);
        if let Some(cpu) = c.host_cpu.filter(|&cpu| cpu < share) {
            let cores = raw
                .platform
                .as_ref()
                .and_then(|p| p.host_cores.as_ref())
                .map_or_else(|| format!("{cpu}/1769"), ToString::to_string);
            // The fewest cores, in thousandths rounded up, that hold the share.
            let milli = (u64::from(share) * 1000).div_ceil(1769);
            return Err(ctx.err_help(
                    "platform.host_cores",
                    format!(
                        "host_cores = {cores} is smaller than function `{}`'s vCPU share, {:.3} vCPU (memory_mb = {} / 1769, at most 6): its environments fit on no host",
                        f.name,
                        f64::from(share) / 1769.0,
                        f.memory_mb
                    ),
                    Some(format!(
                        "set host_cores to at least {}",
                        milli as f64 / 1000.0
                    )),
                ));
        }
    }
    Ok(())
}
