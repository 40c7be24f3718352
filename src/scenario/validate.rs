//! Validation: every rule a user can break, checked once, with the key and position of the
//! offending value. Turns `raw` types into the model's.

use super::error::{InputError, line_col, locate, suggest};
use super::raw::{
    RawArrival, RawDist, RawDistTable, RawDuration, RawFunction, RawKeepAlive, RawPlatform,
    RawScenario, RawSource,
};
use crate::billing::{Architecture, Pricing};
use crate::engine::Dist;
use crate::engine::Time;
use crate::model::config::{
    Account, ClusterSpec, DEFAULT_TRACE_LIMIT, Function, Mapping, MappingKind, Output, Platform,
    Scenario, Source, default_interval,
};
use crate::policies::keepalive::HybridParams;
use crate::policies::provisioning::{
    DEFAULT_ALLOCATION_DELAY, DEFAULT_SCALE_IN_POINTS, DEFAULT_SCALE_OUT_POINTS,
};
use crate::policies::{
    EvictionSpec, KeepAliveSpec, PlacementSpec, ProvisioningSpec, SelectionSpec, TargetTracking,
    cpu_share, host_cpu,
};
use crate::sources::catalog::{self, InvocationType, SourceModel};
use crate::sources::{ArrivalProcess, Ramp, Stage};
use rand_distr::{Gamma, LogNormal, Pareto, Weibull};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// AWS's defaults where a key is absent.
const DEFAULT_MEMORY_MB: i64 = 128;
const DEFAULT_TIMEOUT: Time = Time::from_secs(3);
const DEFAULT_KEEP_ALIVE: Time = Time::from_secs(360);
const MAX_TIMEOUT: Time = Time::from_secs(900);
/// AWS's bounds on MaximumEventAgeInSeconds; the upper one is the default.
const MIN_EVENT_AGE: Time = Time::from_secs(60);
const MAX_EVENT_AGE: Time = Time::from_secs(6 * 3600);
/// Client retries beyond this are a configuration mistake (SDKs default to 2–3).
const MAX_CLIENT_RETRIES: i64 = 100;
/// The base delay of the AWS SDKs' standard retry mode.
const DEFAULT_CLIENT_BACKOFF: Time = Time::from_millis(100);
/// AWS's limits on event source mappings and queues.
const MAX_BATCHING_WINDOW: Time = Time::from_secs(300);
const MAX_VISIBILITY_TIMEOUT: Time = Time::from_secs(12 * 3600);
const MAX_RETENTION: Time = Time::from_secs(365 * 86_400);
const MAX_SERIES_ROWS: u64 = 1_000_000;
/// A rate above one event per nanosecond cannot be represented in integer time.
const MAX_RATE: f64 = 1e9;
/// The most requests one run may offer (about 20 minutes of simulation on one core).
const MAX_REQUESTS_PER_RUN: f64 = 1e10;

struct Ctx<'a> {
    text: &'a str,
    file: String,
    /// The scenario's folder: trace paths are relative to it.
    dir: PathBuf,
}

type R<T> = Result<T, InputError>;

impl Ctx<'_> {
    fn err(&self, key: &str, message: impl Into<String>) -> InputError {
        let position = locate(self.text, key).map(|s| line_col(self.text, s.start));
        InputError {
            file: self.file.clone(),
            position,
            key: Some(key.to_string()),
            message: message.into(),
            help: None,
        }
    }

    fn err_help(&self, key: &str, message: impl Into<String>, help: Option<String>) -> InputError {
        InputError {
            help,
            ..self.err(key, message)
        }
    }

    fn not_yet(&self, key: &str, what: &str) -> InputError {
        self.err(
            key,
            format!("{what} is not supported yet by this version of lambdasim"),
        )
    }

    fn int(&self, key: &str, v: i64, lo: i64, hi: i64, what: &str) -> R<u32> {
        if v < lo || v > hi {
            return Err(self.err(
                key,
                format!("{what} must be between {lo} and {hi}, got {v}"),
            ));
        }
        Ok(v as u32)
    }

    fn rate(&self, key: &str, v: f64) -> R<f64> {
        if !v.is_finite() || v < 0.0 {
            return Err(self.err(
                key,
                format!("a rate must be a finite number of events per second ≥ 0, got {v}"),
            ));
        }
        if v > MAX_RATE {
            return Err(self.err(
                key,
                format!("a rate must be at most {MAX_RATE:e} per second (time resolution is 1 ns), got {v:e}"),
            ));
        }
        Ok(v)
    }

    fn price(&self, key: &str, v: Option<f64>) -> R<Option<f64>> {
        match v {
            Some(p) if !p.is_finite() || p < 0.0 => {
                Err(self.err(key, format!("a price must be finite and ≥ 0, got {p}")))
            }
            other => Ok(other),
        }
    }

    fn choice<'c>(&self, key: &str, value: &str, options: &[&'c str], what: &str) -> R<&'c str> {
        if let Some(o) = options.iter().find(|o| **o == value) {
            return Ok(o);
        }
        let help = did_you_mean(value, options.iter().copied(), "expected one of");
        Err(self.err_help(key, format!("unknown {what} `{value}`"), Some(help)))
    }
}

/// "did you mean `x`?" for a likely misspelling, else the list of what is allowed.
fn did_you_mean<'a>(
    word: &str,
    candidates: impl Iterator<Item = &'a str> + Clone,
    list: &str,
) -> String {
    match suggest(word, candidates.clone()) {
        Some(s) => format!("did you mean `{s}`?"),
        None => format!("{list}: {}", candidates.collect::<Vec<_>>().join(", ")),
    }
}

fn check_name(ctx: &Ctx, key: &str, name: &str, what: &str) -> R<()> {
    let ok = !name.is_empty()
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    if !ok {
        return Err(ctx.err(
            key,
            format!("{what} `{name}` must use only A-Z a-z 0-9 _ . - and not start with `.`"),
        ));
    }
    Ok(())
}

pub fn validate(raw: RawScenario, text: &str, path: &Path) -> R<Scenario> {
    let ctx = Ctx {
        text,
        file: path.display().to_string(),
        dir: path.parent().map(Path::to_path_buf).unwrap_or_default(),
    };

    let name = match &raw.name {
        Some(n) => n.clone(),
        None => path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "scenario".into()),
    };
    check_name(&ctx, "name", &name, "the scenario name")?;
    let Some(RawDuration(duration)) = raw.duration else {
        return Err(InputError {
            file: ctx.file.clone(),
            position: None,
            key: Some("duration".into()),
            message:
                "missing required key `duration` (the simulated time, e.g. duration = \"30m\")"
                    .into(),
            help: None,
        });
    };
    if duration == Time::ZERO {
        return Err(ctx.err("duration", "the simulated duration must be greater than 0"));
    }
    let seed = match raw.seed {
        Some(s) if s < 0 => return Err(ctx.err("seed", format!("the seed must be ≥ 0, got {s}"))),
        Some(s) => s as u64,
        None => 0,
    };
    let replications = match raw.replications {
        Some(r) => ctx.int("replications", r, 1, 100_000, "replications")?,
        None => 1,
    };

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

    let mut platform = Platform::default();
    if let Some(p) = &raw.platform {
        platform.cluster = validate_cluster(&ctx, p)?;
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
                if t == Time::ZERO && key != "async_retry_delay" {
                    return Err(ctx.err(
                        &format!("platform.{key}"),
                        "a backoff must be greater than 0",
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

    let pricing = validate_pricing(&ctx, &raw)?;

    // Functions without their own keep_alive take the platform's, else AWS-like fixed.
    let default_keep_alive = match raw.platform.as_ref().and_then(|p| p.keep_alive.as_ref()) {
        Some(ka) => validate_keep_alive(&ctx, "platform.keep_alive", ka)?,
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
        let func = validate_function(&ctx, i, f, &pricing, &default_keep_alive)?;
        if !names.insert(func.name.clone()) {
            return Err(ctx.err(
                &format!("functions[{i}].name"),
                format!("a function named `{}` already exists", func.name),
            ));
        }
        functions.push(func);
    }
    let mut sources = Vec::with_capacity(raw.sources.len());
    let mut source_names = HashSet::new();
    for (i, s) in raw.sources.iter().enumerate() {
        let src = validate_source(&ctx, i, s, &functions)?;
        if !source_names.insert(src.name.clone()) {
            let key = if s.name.is_some() {
                format!("sources[{i}].name")
            } else {
                format!("sources[{i}]")
            };
            return Err(ctx.err_help(
                &key,
                format!("a source named `{}` already exists", src.name),
                Some("give each source a unique `name`".into()),
            ));
        }
        sources.push(src);
    }
    let origin = expand_trace_functions(&ctx, &mut functions, &mut sources)?;

    if let Some(c) = &platform.cluster {
        if let Some(f) = functions.iter().rev().max_by_key(|f| f.memory_mb) {
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
    }

    // AWS: at least 100 of the account's concurrency stays unreserved.
    let unreserved_min = 100.min(account.concurrency_limit);
    let max_reservable = account.concurrency_limit - unreserved_min;
    let mut claimed: u64 = 0;
    for (f, &i) in functions.iter().zip(&origin) {
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
            return Err(ctx.err(
                &format!("functions[{i}].{key}"),
                format!(
                    "reserved and provisioned concurrency add up to {claimed}, more than the {max_reservable} an account with concurrency_limit = {} may set aside (AWS keeps 100 unreserved)",
                    account.concurrency_limit
                ),
            ));
        }
    }

    let offered: f64 = sources.iter().map(|s| s.expected_requests(duration)).sum();
    if offered > MAX_REQUESTS_PER_RUN {
        let (i, _) = sources
            .iter()
            .enumerate()
            .map(|(i, s)| (i, s.expected_requests(duration)))
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .unwrap_or((0, 0.0));
        return Err(ctx.err_help(
            &format!("sources[{i}].arrival"),
            format!("the sources offer about {offered:.3e} requests per run, more than the {MAX_REQUESTS_PER_RUN:e} one run may simulate"),
            Some("shorten `duration`, lower the rates, or split the scenario into replications".into()),
        ));
    }

    let mut output = Output {
        dir: PathBuf::from("output"),
        timeseries_interval: default_interval(duration),
        invocations: false,
        charts: true,
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
    }

    Ok(Scenario {
        name,
        description: raw.description.clone().unwrap_or_default(),
        variant: "base".to_string(),
        path: Some(path.to_path_buf()),
        duration,
        seed,
        replications,
        account,
        platform,
        pricing,
        functions,
        sources,
        output,
    })
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

fn validate_pricing(ctx: &Ctx, raw: &RawScenario) -> R<Pricing> {
    let Some(p) = &raw.pricing else {
        return Ok(Pricing::preset("aws-x86-2025").expect("built-in preset"));
    };
    let preset = match &p.preset {
        Some(name) => ctx.choice(
            "pricing.preset",
            name,
            crate::billing::PRESETS,
            "pricing preset",
        )?,
        None => "aws-x86-2025",
    };
    let mut pricing = Pricing::preset(preset).expect("built-in preset");
    if let Some(v) = ctx.price("pricing.per_gb_second", p.per_gb_second)? {
        // An override is one flat rate for every function, whatever its architecture.
        pricing.x86.tiers = vec![(f64::INFINITY, v)];
        pricing.arm64.tiers = vec![(f64::INFINITY, v)];
    }
    if let Some(v) = ctx.price("pricing.per_million_requests", p.per_million_requests)? {
        pricing.per_million_requests = v;
    }
    if let Some(v) = ctx.price(
        "pricing.provisioned_per_gb_second",
        p.provisioned_per_gb_second,
    )? {
        pricing.x86.provisioned_per_gb_second = v;
        pricing.arm64.provisioned_per_gb_second = v;
    }
    if let Some(v) = ctx.price(
        "pricing.provisioned_duration_per_gb_second",
        p.provisioned_duration_per_gb_second,
    )? {
        pricing.x86.provisioned_duration_per_gb_second = v;
        pricing.arm64.provisioned_duration_per_gb_second = v;
    }
    if let Some(v) = p.bill_init {
        pricing.bill_init = v;
    }
    if let Some(v) = p.free_tier {
        pricing.free_tier = v;
    }
    Ok(pricing)
}

fn validate_function(
    ctx: &Ctx,
    i: usize,
    f: &RawFunction,
    pricing: &Pricing,
    default_keep_alive: &KeepAliveSpec,
) -> R<Function> {
    let k = |key: &str| format!("functions[{i}].{key}");
    let name = f.name.clone().unwrap_or_else(|| format!("function{i}"));
    check_name(ctx, &k("name"), &name, "the function name")?;
    let memory_mb = ctx.int(
        &k("memory_mb"),
        f.memory_mb.unwrap_or(DEFAULT_MEMORY_MB),
        128,
        10_240,
        "memory_mb (MB)",
    )?;
    let architecture = match &f.architecture {
        None => pricing.default_architecture,
        Some(a) => match ctx.choice(&k("architecture"), a, &["x86_64", "arm64"], "architecture")? {
            "arm64" => Architecture::Arm64,
            _ => Architecture::X86_64,
        },
    };
    let timeout = f.timeout.map_or(DEFAULT_TIMEOUT, |d| d.0);
    if timeout == Time::ZERO || timeout > MAX_TIMEOUT {
        return Err(ctx.err(
            &k("timeout"),
            format!("the timeout must be greater than 0 and at most 900s, got {timeout}"),
        ));
    }
    let Some(duration) = &f.duration else {
        return Err(ctx.err(&format!("functions[{i}]"), format!("function `{name}` needs a `duration` (its execution time, e.g. duration = \"120ms\")")));
    };
    let duration = validate_dist(ctx, &k("duration"), duration)?;
    let init = match &f.init {
        Some(d) => validate_dist(ctx, &k("init"), d)?,
        // A typical managed-runtime cold start (reference/aws-lambda.md).
        None => Dist::LogNormal(LogNormal::new((200e6f64).ln(), 0.3).expect("valid constants")),
    };
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
    let duration_scale = cpu_scaling.map_or(1.0, |(c, r)| {
        crate::model::config::duration_scale(c, r, memory_mb)
    });
    let max_retry_attempts = match f.max_retry_attempts {
        Some(n) => ctx.int(&k("max_retry_attempts"), n, 0, 2, "max_retry_attempts")?,
        None => 2,
    };
    let keep_alive = match &f.keep_alive {
        None => default_keep_alive.clone(),
        Some(ka) => validate_keep_alive(ctx, &k("keep_alive"), ka)?,
    };
    Ok(Function {
        name,
        memory_mb,
        architecture,
        timeout,
        duration,
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
    })
}

/// A `keep_alive` table (of a function, or the platform's default).
fn validate_keep_alive(ctx: &Ctx, key: &str, ka: &RawKeepAlive) -> R<KeepAliveSpec> {
    let policy = ctx.choice(
        &format!("{key}.policy"),
        &ka.policy,
        &["fixed", "none", "aws", "hybrid_histogram"],
        "keep-alive policy",
    )?;
    let hybrid = [
        ("range", ka.range.is_some()),
        ("bin", ka.bin.is_some()),
        ("head", ka.head.is_some()),
        ("tail", ka.tail.is_some()),
        ("margin", ka.margin.is_some()),
        ("min_samples", ka.min_samples.is_some()),
        ("cv_min", ka.cv_min.is_some()),
        ("max_out_of_range", ka.max_out_of_range.is_some()),
        ("fallback", ka.fallback.is_some()),
    ];
    let allowed: &[&str] = match policy {
        "fixed" => &["idle"],
        "none" => &[],
        "aws" => &["idle", "lifetime"],
        _ => &[
            "range",
            "bin",
            "head",
            "tail",
            "margin",
            "min_samples",
            "cv_min",
            "max_out_of_range",
            "fallback",
        ],
    };
    let present = [
        ("idle", ka.idle.is_some()),
        ("lifetime", ka.lifetime.is_some()),
    ];
    for (name, is) in present.iter().chain(&hybrid) {
        if *is && !allowed.contains(name) {
            return Err(ctx.err(
                &format!("{key}.{name}"),
                format!(
                    "`{name}` is not a parameter of the `{policy}` keep-alive policy{}",
                    if allowed.is_empty() {
                        String::new()
                    } else {
                        format!(" (expected {})", allowed.join(", "))
                    }
                ),
            ));
        }
    }
    Ok(match policy {
        "none" => KeepAliveSpec::None,
        "fixed" => match &ka.idle {
            None => {
                return Err(ctx.err(
                    key,
                    "a fixed keep-alive needs `idle`, e.g. { policy = \"fixed\", idle = \"10m\" }",
                ));
            }
            Some(d) => match validate_dist(ctx, &format!("{key}.idle"), d)? {
                Dist::Constant(idle) => KeepAliveSpec::Fixed { idle },
                _ => {
                    return Err(ctx.err(
                        &format!("{key}.idle"),
                        "a fixed keep-alive takes one duration; for a random idle lifetime use { policy = \"aws\", idle = { dist = … } }",
                    ));
                }
            },
        },
        "aws" => {
            let idle = match &ka.idle {
                Some(d) => validate_dist(ctx, &format!("{key}.idle"), d)?,
                None => Dist::Uniform {
                    min: 300e9,
                    max: 420e9,
                },
            };
            let lifetime = match &ka.lifetime {
                Some(d) => validate_dist(ctx, &format!("{key}.lifetime"), d)?,
                None => Dist::Uniform {
                    min: 7200e9,
                    max: 14400e9,
                },
            };
            KeepAliveSpec::Aws { idle, lifetime }
        }
        _ => {
            let mut p = HybridParams::default();
            let positive = |name: &str, v: Option<RawDuration>, slot: &mut Time| -> R<()> {
                if let Some(RawDuration(t)) = v {
                    if t == Time::ZERO {
                        return Err(ctx.err(
                            &format!("{key}.{name}"),
                            format!("`{name}` must be greater than 0"),
                        ));
                    }
                    *slot = t;
                }
                Ok(())
            };
            positive("range", ka.range, &mut p.range)?;
            positive("bin", ka.bin, &mut p.bin)?;
            if let Some(RawDuration(t)) = ka.fallback {
                p.fallback = t;
            } else {
                p.fallback = p.range;
            }
            if p.bin > p.range || p.range.as_nanos() / p.bin.as_nanos() > 10_000 {
                return Err(ctx.err(
                    &format!("{key}.bin"),
                    format!(
                        "the histogram needs 1 to 10,000 bins (its percentiles are recomputed at each start): `bin` ({}) must divide `range` ({}) into at most 10,000",
                        p.bin, p.range
                    ),
                ));
            }
            for (name, v, slot, lo, hi) in [
                ("head", ka.head, &mut p.head, 0.0, 1.0),
                ("tail", ka.tail, &mut p.tail, 0.0, 1.0),
                ("margin", ka.margin, &mut p.margin, 0.0, 1.0),
                ("cv_min", ka.cv_min, &mut p.cv_min, 0.0, 1e6),
                (
                    "max_out_of_range",
                    ka.max_out_of_range,
                    &mut p.max_out_of_range,
                    0.0,
                    1.0,
                ),
            ] {
                if let Some(x) = v {
                    if !(lo..=hi).contains(&x) {
                        return Err(ctx.err(
                            &format!("{key}.{name}"),
                            format!("`{name}` must be between {lo} and {hi}, got {x}"),
                        ));
                    }
                    *slot = x;
                }
            }
            if p.head > p.tail {
                return Err(ctx.err(
                    &format!("{key}.head"),
                    format!("`head` ({}) must not exceed `tail` ({})", p.head, p.tail),
                ));
            }
            if let Some(n) = ka.min_samples {
                p.min_samples = ctx.int(
                    &format!("{key}.min_samples"),
                    n,
                    1,
                    1_000_000_000,
                    "min_samples",
                )?;
            }
            KeepAliveSpec::HybridHistogram(p)
        }
    })
}

/// The most provisioned concurrency a function may ask for.
const MAX_PROVISIONED: i64 = 10_000_000;

/// `provisioned_concurrency`: a whole number, a schedule `[{ at, value }, …]`, or a table
/// `{ policy = "schedule" | "target_tracking", … }`.
fn validate_provisioned(ctx: &Ctx, key: &str, v: &toml::Value) -> R<ProvisioningSpec> {
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
        toml::Value::String(text) => super::raw::parse_duration(text).map_err(|e| ctx.err(key, e)),
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
        if let Some(&(prev, _)) = steps.last() {
            if at <= prev {
                return Err(ctx.err(
                    &format!("{sk}.at"),
                    format!("schedule steps must be in strictly increasing `at` order: {at} comes after {prev}"),
                ));
            }
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

fn validate_dist(ctx: &Ctx, key: &str, d: &RawDist) -> R<Dist> {
    let t = match d {
        RawDist::Constant(RawDuration(t)) => return Ok(Dist::Constant(*t)),
        RawDist::Table(t) => t,
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
            toml::Value::String(text) => {
                super::raw::parse_duration(text).map_err(|e| ctx.err(&k, e))?
            }
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

/// The most functions a scenario may hold once its traces are expanded (each keeps its own
/// metrics and time series).
const MAX_FUNCTIONS: usize = 10_000;

/// Replaces the template function of every `each_function` trace by one function per
/// function of the trace, named `<template>-<id>` (an 8-hex-digit prefix of the trace's
/// hash, longer if two would clash), with the trace's durations and memory where the
/// trace gives them. A template that no other arrival process targets is dropped. Returns,
/// for each resulting function, the index of the `[[functions]]` table it comes from.
fn expand_trace_functions(
    ctx: &Ctx,
    functions: &mut Vec<Function>,
    sources: &mut [Source],
) -> R<Vec<usize>> {
    let mut origin: Vec<usize> = (0..functions.len()).collect();
    let mut used_directly = vec![false; functions.len()];
    let mut expanded = false;
    let mut names: HashSet<String> = functions.iter().map(|f| f.name.clone()).collect();
    for src in sources.iter_mut() {
        let template = src.function;
        for p in src.arrival.iter_mut() {
            let ArrivalProcess::Trace(t) = p else {
                used_directly[template] = true;
                continue;
            };
            let Some(each) = &mut t.each else {
                used_directly[template] = true;
                continue;
            };
            expanded = true;
            let each = std::sync::Arc::make_mut(each);
            let base = functions[template].clone();
            each.targets.clear();
            for tf in &each.functions {
                let id = |n: usize| {
                    // Trace ids are hex hashes; anything else becomes a valid name.
                    let short = |h: &str| {
                        let id: String = h
                            .chars()
                            .take(n)
                            .map(|c| {
                                if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                                    c
                                } else {
                                    '_'
                                }
                            })
                            .collect();
                        if id.is_empty() { "_".to_string() } else { id }
                    };
                    if tf.app.is_empty()
                        || t.format == crate::sources::trace::TraceFormat::Azure2019
                    {
                        short(&tf.func)
                    } else {
                        format!("{}-{}", short(&tf.app), short(&tf.func))
                    }
                };
                let mut name = format!("{}-{}", base.name, id(8));
                if names.contains(&name) {
                    name = format!("{}-{}", base.name, id(usize::MAX));
                }
                let mut k = 2;
                let stem = name.clone();
                while names.contains(&name) {
                    name = format!("{stem}-{k}");
                    k += 1;
                }
                names.insert(name.clone());
                let mut f = Function {
                    name,
                    ..base.clone()
                };
                if let Some(d) = &tf.duration {
                    f.duration = d.clone();
                }
                if let Some(mb) = tf.memory_mb {
                    f.memory_mb = mb;
                    f.duration_scale = f
                        .cpu_scaling
                        .map_or(1.0, |(c, r)| crate::model::config::duration_scale(c, r, mb));
                }
                each.targets.push(functions.len() as u32);
                functions.push(f);
                origin.push(template);
            }
        }
    }
    if !expanded {
        return Ok(origin);
    }
    // Drop the templates nothing targets any more, and renumber.
    let mut keep = vec![true; functions.len()];
    for src in sources.iter() {
        for p in &src.arrival {
            if let ArrivalProcess::Trace(t) = p {
                if t.each.is_some() && !used_directly[src.function] {
                    keep[src.function] = false;
                }
            }
        }
    }
    let mut renumber = vec![u32::MAX; functions.len()];
    let mut next = 0u32;
    for (i, k) in keep.iter().enumerate() {
        if *k {
            renumber[i] = next;
            next += 1;
        }
    }
    for src in sources.iter_mut() {
        let mut first_target = None;
        for p in &mut src.arrival {
            if let ArrivalProcess::Trace(t) = p {
                if let Some(each) = &mut t.each {
                    let each = std::sync::Arc::make_mut(each);
                    for x in &mut each.targets {
                        *x = renumber[*x as usize];
                    }
                    first_target = first_target.or(each.targets.first().copied());
                }
            }
        }
        src.function = match renumber[src.function] {
            u32::MAX => first_target.unwrap_or(0) as usize,
            n => n as usize,
        };
    }
    let mut i = 0;
    functions.retain(|_| {
        i += 1;
        keep[i - 1]
    });
    let mut i = 0;
    origin.retain(|_| {
        i += 1;
        keep[i - 1]
    });
    if functions.len() > MAX_FUNCTIONS {
        return Err(ctx.err(
            "sources",
            format!(
                "the traces expand to {} functions, more than the {MAX_FUNCTIONS} one scenario may hold",
                functions.len()
            ),
        ));
    }
    Ok(origin)
}

fn validate_source(ctx: &Ctx, i: usize, s: &RawSource, functions: &[Function]) -> R<Source> {
    let k = |key: &str| format!("sources[{i}].{key}");
    let service = match catalog::lookup(&s.service) {
        Some(svc) => svc,
        None => {
            let help = did_you_mean(&s.service, catalog::all_names(), "services");
            return Err(ctx.err_help(
                &k("service"),
                format!("unknown service `{}`", s.service),
                Some(help),
            ));
        }
    };
    let sqs = service.name == "sqs";
    let poll_keys = [
        ("batch_size", s.batch_size.is_some(), "poll"),
        ("batching_window", s.batching_window.is_some(), "poll"),
        ("per_record", s.per_record.is_some(), "poll"),
        ("record_error_rate", s.record_error_rate.is_some(), "poll"),
        ("max_concurrency", s.max_concurrency.is_some(), "sqs"),
        ("visibility_timeout", s.visibility_timeout.is_some(), "sqs"),
        ("max_receive_count", s.max_receive_count.is_some(), "sqs"),
        (
            "report_batch_item_failures",
            s.report_batch_item_failures.is_some(),
            "sqs",
        ),
        ("shards", s.shards.is_some(), "stream"),
        (
            "parallelization_factor",
            s.parallelization_factor.is_some(),
            "stream",
        ),
        (
            "max_retry_attempts",
            s.max_retry_attempts.is_some(),
            "stream",
        ),
        ("retention", s.retention.is_some(), "stream"),
        ("bisect_on_error", s.bisect_on_error.is_some(), "stream"),
    ];
    for (key, present, scope) in poll_keys {
        let fits = match scope {
            "poll" => service.model == SourceModel::Poll,
            "sqs" => sqs,
            _ => service.model == SourceModel::Poll && !sqs,
        };
        if present && !fits {
            let applies = match scope {
                "poll" => "poll sources (sqs, kinesis, dynamodb_streams)",
                "sqs" => "`sqs` sources",
                _ => "stream sources (kinesis, dynamodb_streams)",
            };
            return Err(ctx.err(
                &k(key),
                format!(
                    "`{key}` applies only to {applies}, not to `{}`",
                    service.name
                ),
            ));
        }
    }
    if service.model == SourceModel::Poll && s.client_retries.is_some() {
        return Err(ctx.err(
            &k("client_retries"),
            "a poll source is invoked by its event source mapping, which retries on its own (visibility timeout or stream retries); `client_retries` applies to synchronous push sources",
        ));
    }
    let name = s.name.clone().unwrap_or_else(|| service.name.to_string());
    check_name(ctx, &k("name"), &name, "the source name")?;
    let function = match &s.function {
        Some(f) => match functions.iter().position(|x| &x.name == f) {
            Some(p) => p,
            None => {
                let help = did_you_mean(f, functions.iter().map(|x| x.name.as_str()), "functions");
                return Err(ctx.err_help(
                    &k("function"),
                    format!("no function named `{f}`"),
                    Some(help),
                ));
            }
        },
        None if functions.len() == 1 => 0,
        None => {
            return Err(ctx.err(
                &format!("sources[{i}]"),
                "this source needs `function`: the scenario has several functions",
            ));
        }
    };
    let invocation = match &s.invocation {
        None => service.allowed[0],
        Some(name) => {
            let all = ["RequestResponse", "Event", "DryRun"];
            let t = match ctx.choice(&k("invocation"), name, &all, "invocation type")? {
                "Event" => InvocationType::Event,
                "DryRun" => InvocationType::DryRun,
                _ => InvocationType::RequestResponse,
            };
            if !service.allowed.contains(&t) {
                let allowed: Vec<&str> = service.allowed.iter().map(|a| a.as_str()).collect();
                return Err(ctx.err(
                    &k("invocation"),
                    format!(
                        "`{}` cannot invoke with `{name}`; allowed: {}",
                        service.name,
                        allowed.join(", ")
                    ),
                ));
            }
            t
        }
    };
    let client_retries = match s.client_retries {
        None => 0,
        Some(n) => {
            if invocation != InvocationType::RequestResponse {
                return Err(ctx.err(
                    &k("client_retries"),
                    format!("client retries resubmit throttled synchronous requests; this source invokes with `{}`, which the caller never sees throttled", invocation.as_str()),
                ));
            }
            ctx.int(
                &k("client_retries"),
                n,
                0,
                MAX_CLIENT_RETRIES,
                "client_retries",
            )?
        }
    };
    let client_backoff = match &s.client_backoff {
        None => Dist::Constant(DEFAULT_CLIENT_BACKOFF),
        Some(d) => {
            if client_retries == 0 {
                return Err(ctx.err(
                    &k("client_backoff"),
                    "`client_backoff` applies only with `client_retries` ≥ 1",
                ));
            }
            validate_dist(ctx, &k("client_backoff"), d)?
        }
    };
    let Some(arrival) = &s.arrival else {
        return Err(ctx.err(
            &format!("sources[{i}]"),
            "a source needs `arrival`, e.g. arrival = { process = \"poisson\", rate = 10.0 }",
        ));
    };
    let many = arrival.0.len() > 1;
    let mut processes = Vec::with_capacity(arrival.0.len());
    for (j, a) in arrival.0.iter().enumerate() {
        let key = if many {
            format!("sources[{i}].arrival[{j}]")
        } else {
            format!("sources[{i}].arrival")
        };
        let p = validate_arrival(ctx, &key, a)?;
        if let ArrivalProcess::Trace(t) = &p {
            if service.model == SourceModel::Poll && (t.each.is_some() || t.own_durations) {
                let k = if t.each.is_some() {
                    "each_function"
                } else {
                    "durations"
                };
                return Err(ctx.err(
                    &format!("{key}.{k}"),
                    format!("`{k}` applies to push sources: a poll source's trace gives the times at which messages or records arrive"),
                ));
            }
        }
        processes.push(p);
    }
    let mapping = if service.model == SourceModel::Poll {
        Some(validate_mapping(ctx, i, s, sqs, &functions[function])?)
    } else {
        None
    };
    Ok(Source {
        name,
        service,
        function,
        invocation,
        arrival: processes,
        client_retries,
        client_backoff,
        mapping,
    })
}

/// The event source mapping of a poll source (SPEC.md §2, "Poll sources").
fn validate_mapping(
    ctx: &Ctx,
    i: usize,
    s: &RawSource,
    sqs: bool,
    function: &Function,
) -> R<Mapping> {
    let k = |key: &str| format!("sources[{i}].{key}");
    let batch_size = ctx.int(
        &k("batch_size"),
        s.batch_size.unwrap_or(if sqs { 10 } else { 100 }),
        1,
        10_000,
        "batch_size",
    )?;
    let batching_window = s.batching_window.map_or(Time::ZERO, |d| d.0);
    if batching_window > MAX_BATCHING_WINDOW {
        return Err(ctx.err(
            &k("batching_window"),
            format!("batching_window must be at most 300s (AWS's MaximumBatchingWindowInSeconds), got {batching_window}"),
        ));
    }
    if sqs && batch_size > 10 && batching_window < Time::from_secs(1) {
        return Err(ctx.err_help(
            &k("batch_size"),
            format!("an SQS batch_size above 10 (here {batch_size}) needs a batching_window of at least 1s, as AWS requires"),
            Some("add e.g. batching_window = \"1s\"".into()),
        ));
    }
    let per_record = match &s.per_record {
        Some(d) => Some(validate_dist(ctx, &k("per_record"), d)?),
        None => None,
    };
    let record_error_rate = s.record_error_rate.unwrap_or(0.0);
    if !(0.0..=1.0).contains(&record_error_rate) {
        return Err(ctx.err(
            &k("record_error_rate"),
            format!("record_error_rate is a probability between 0 and 1, got {record_error_rate}"),
        ));
    }
    let kind = if sqs {
        let max_concurrency = match s.max_concurrency {
            Some(n) => Some(ctx.int(&k("max_concurrency"), n, 2, 1000, "max_concurrency")?),
            None => None,
        };
        let visibility_timeout = s.visibility_timeout.map_or(Time::from_secs(30), |d| d.0);
        if visibility_timeout > MAX_VISIBILITY_TIMEOUT {
            return Err(ctx.err(
                &k("visibility_timeout"),
                format!(
                    "visibility_timeout must be at most 12h (SQS's limit), got {visibility_timeout}"
                ),
            ));
        }
        if visibility_timeout < function.timeout {
            let key = if s.visibility_timeout.is_some() {
                k("visibility_timeout")
            } else {
                format!("sources[{i}]")
            };
            return Err(ctx.err_help(
                &key,
                format!(
                    "the queue's visibility_timeout ({visibility_timeout}) is shorter than the timeout of function `{}` ({}); AWS refuses such a mapping",
                    function.name, function.timeout
                ),
                Some("AWS recommends at least 6 × the function timeout + batching_window".into()),
            ));
        }
        let max_receive_count = match s.max_receive_count {
            Some(n) => Some(ctx.int(&k("max_receive_count"), n, 1, 1000, "max_receive_count")?),
            None => None,
        };
        MappingKind::Sqs {
            max_concurrency,
            visibility_timeout,
            max_receive_count,
            report_batch_item_failures: s.report_batch_item_failures.unwrap_or(false),
        }
    } else {
        let shards = ctx.int(&k("shards"), s.shards.unwrap_or(1), 1, 100_000, "shards")?;
        let parallelization_factor = ctx.int(
            &k("parallelization_factor"),
            s.parallelization_factor.unwrap_or(1),
            1,
            10,
            "parallelization_factor",
        )?;
        let max_retry_attempts = match s.max_retry_attempts {
            None | Some(-1) => None,
            Some(n) => Some(ctx.int(
                &k("max_retry_attempts"),
                n,
                0,
                10_000,
                "max_retry_attempts (-1 for until the records expire)",
            )?),
        };
        let retention = s.retention.map_or(Time::from_secs(86_400), |d| d.0);
        if s.service == "dynamodb_streams" && retention > Time::from_secs(86_400) {
            return Err(ctx.err(
                &k("retention"),
                format!("DynamoDB Streams keep records for 24h; retention must be at most 24h, got {retention}"),
            ));
        }
        if retention < Time::from_secs(1) || retention > MAX_RETENTION {
            return Err(ctx.err(
                &k("retention"),
                format!("retention must be between 1s and 365d (Kinesis: 24h to 365d; DynamoDB Streams: 24h), got {retention}"),
            ));
        }
        MappingKind::Stream {
            shards,
            parallelization_factor,
            max_retry_attempts,
            retention,
            bisect_on_error: s.bisect_on_error.unwrap_or(false),
        }
    };
    Ok(Mapping {
        batch_size,
        batching_window,
        per_record,
        record_error_rate,
        kind,
    })
}

fn validate_arrival(ctx: &Ctx, key: &str, a: &RawArrival) -> R<ArrivalProcess> {
    let kind = ctx.choice(
        &format!("{key}.process"),
        &a.process,
        &[
            "poisson", "constant", "burst", "stages", "diurnal", "mmpp", "trace",
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
    ];
    let allowed: &[&str] = match kind {
        "poisson" | "constant" => &["rate"],
        "burst" => &["at", "count", "over"],
        "stages" => &["stages", "ramp", "start_rate"],
        "diurnal" => &["mean_rate", "amplitude", "period", "peak_at"],
        "mmpp" => &["rates", "mean_dwell"],
        "trace" => &[
            "path",
            "format",
            "function",
            "column",
            "spread",
            "each_function",
            "durations",
            "memory",
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

/// A `trace` arrival process: the file is checked whole here, streamed during the run.
fn validate_trace(ctx: &Ctx, key: &str, a: &RawArrival) -> R<ArrivalProcess> {
    use crate::sources::trace::{self, Spread, Trace, TraceFormat};
    let Some(rel) = &a.path else {
        return Err(ctx.err(
            key,
            "a `trace` process needs `path` (relative to the scenario file) and `format` (timestamps, azure2019 or azure2021)",
        ));
    };
    let format_name = a.format.as_deref().unwrap_or("timestamps");
    let format = match ctx.choice(
        &format!("{key}.format"),
        format_name,
        &["timestamps", "azure2019", "azure2021"],
        "trace format",
    )? {
        "azure2019" => TraceFormat::Azure2019,
        "azure2021" => TraceFormat::Azure2021,
        _ => TraceFormat::Timestamps {
            column: a.column.clone(),
        },
    };
    if a.column.is_some() && !matches!(format, TraceFormat::Timestamps { .. }) {
        return Err(ctx.err(
            &format!("{key}.column"),
            "`column` applies to the `timestamps` format",
        ));
    }
    if a.function.is_some() && matches!(format, TraceFormat::Timestamps { .. }) {
        return Err(ctx.err(
            &format!("{key}.function"),
            "`function` selects rows of an azure2019 or azure2021 trace",
        ));
    }
    let spread = match a.spread.as_deref() {
        None => Spread::Uniform,
        Some(sp) => {
            if format != TraceFormat::Azure2019 {
                return Err(ctx.err(
                    &format!("{key}.spread"),
                    "`spread` applies to the per-minute counts of `azure2019`",
                ));
            }
            match ctx.choice(
                &format!("{key}.spread"),
                sp,
                &["uniform", "even", "poisson"],
                "spread",
            )? {
                "even" => Spread::Even,
                "poisson" => Spread::Poisson,
                _ => Spread::Uniform,
            }
        }
    };
    let each = a.each_function.unwrap_or(false);
    if each && matches!(format, TraceFormat::Timestamps { .. }) {
        return Err(ctx.err(
            &format!("{key}.each_function"),
            "`each_function` replays every function of an azure2019 or azure2021 trace as its own function",
        ));
    }
    let own_durations = match (&a.durations, &format) {
        (None, _) => false,
        (Some(d), TraceFormat::Azure2021) if d == "trace" => true,
        (Some(_), TraceFormat::Azure2021) => {
            return Err(ctx.err(
                &format!("{key}.durations"),
                "for azure2021, `durations = \"trace\"` runs each invocation for its own duration in the trace (the only value)",
            ));
        }
        (Some(_), TraceFormat::Azure2019) if !each => {
            return Err(ctx.err(
                &format!("{key}.durations"),
                "`durations` (a function_durations_percentiles file) gives each function of the trace its own durations: it needs `each_function = true`",
            ));
        }
        (Some(_), TraceFormat::Azure2019) => false,
        (Some(_), TraceFormat::Timestamps { .. }) => {
            return Err(ctx.err(
                &format!("{key}.durations"),
                "`durations` applies to the azure2019 and azure2021 formats",
            ));
        }
    };
    if a.memory.is_some() && (format != TraceFormat::Azure2019 || !each) {
        return Err(ctx.err(
            &format!("{key}.memory"),
            "`memory` (an app_memory_percentiles file) applies to an azure2019 trace with `each_function = true`",
        ));
    }
    let at = |path: &Path, e: trace::TraceError| match e.line {
        Some(l) => format!("{}:{l}: {}", path.display(), e.message),
        None => format!("{}: {}", path.display(), e.message),
    };
    let path = ctx.dir.join(rel);
    let checked = trace::check(&path, &format, a.function.as_deref(), each).map_err(|e| {
        let k = if e.on_function { "function" } else { "path" };
        ctx.err(&format!("{key}.{k}"), at(&path, e))
    })?;
    let mut found = checked.each;
    if let Some(fs) = &mut found {
        if fs.functions.is_empty() {
            return Err(ctx.err(
                &format!("{key}.path"),
                format!("{}: the trace has no rows to replay", path.display()),
            ));
        }
        if format == TraceFormat::Azure2019 {
            if let Some(d) = &a.durations {
                let p = ctx.dir.join(d);
                trace::load_durations(&p, fs)
                    .map_err(|e| ctx.err(&format!("{key}.durations"), at(&p, e)))?;
            }
            if let Some(m) = &a.memory {
                let p = ctx.dir.join(m);
                trace::load_memory(&p, fs)
                    .map_err(|e| ctx.err(&format!("{key}.memory"), at(&p, e)))?;
            }
        }
    }
    Ok(ArrivalProcess::Trace(Trace {
        path,
        format,
        function: a.function.clone(),
        spread,
        count: checked.count,
        last: checked.last,
        own_durations,
        each: found.map(std::sync::Arc::new),
    }))
}
