//! The scenario file format: serde types that mirror the TOML exactly. Validation into the
//! model's types happens in `validate/` (one file per section); nothing outside `scenario/`
//! sees these.

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, de::value::MapAccessDeserializer};
use std::fmt;

/// A duration written as a string with units, e.g. `"250ms"`, `"1h30m"`, `"0.5s"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RawDuration(pub crate::engine::Time);

/// The bound of a written duration: under 584 years of 365 days, inside the range of
/// integer nanoseconds with room to spare, and printed back in days, which parse again.
pub const MAX_DURATION: crate::engine::Time =
    crate::engine::Time(584 * 365 * 86_400 * crate::engine::Time::NS_PER_S);

fn too_long(s: &str) -> String {
    format!(
        "`{}` is too long: durations must be under 584 years",
        super::error::quote(s)
    )
}

fn not_a_duration(s: &str) -> String {
    format!(
        "`{}` is not a duration: write a number and a unit, e.g. \"250ms\", \"2s\", \"1h30m\"",
        super::error::quote(s)
    )
}

/// Parses `"250ms"`, `"2s"`, `"1h30m"`, `"1h 30m"`, `"0.5s"`, `"1.5m"`, `"1e3ms"`.
pub fn parse_duration(s: &str) -> Result<crate::engine::Time, String> {
    let t = s.trim();
    if t.is_empty() {
        return Err("an empty string is not a duration".into());
    }
    // humantime reads `M` as months and `y` as years: calendar units have no fixed length.
    let calendar = t
        .split(|c: char| !c.is_alphabetic())
        .any(|u| matches!(u, "M" | "month" | "months" | "y" | "year" | "years"));
    if calendar {
        return Err(format!(
            "`{}`: months and years are not fixed durations; use s, m (minutes), h or d",
            super::error::quote(s)
        ));
    }
    match humantime::parse_duration(t) {
        Ok(d) if d.as_nanos() < u128::from(MAX_DURATION.as_nanos()) => {
            return Ok(crate::engine::Time(d.as_nanos() as u64));
        }
        Ok(_) | Err(humantime::DurationError::NumberOverflow) => return Err(too_long(s)),
        Err(_) => {}
    }
    // humantime takes whole numbers only; also accept one decimal number (or one in
    // scientific notation) with a unit.
    let split = t
        .rfind(|c: char| !(c.is_alphabetic() || c == ' '))
        .map_or(0, |i| i + t[i..].chars().next().map_or(1, char::len_utf8));
    let (num, unit) = t.split_at(split);
    let unit_ns: f64 = match unit.trim() {
        "ns" => 1.0,
        "us" | "µs" => 1e3,
        "ms" => 1e6,
        "s" | "sec" | "secs" => 1e9,
        "m" | "min" | "mins" => 60e9,
        "h" | "hr" | "hrs" => 3600e9,
        "d" | "day" | "days" => 86_400e9,
        _ => return Err(not_a_duration(s)),
    };
    let num = num.trim();
    let numeric = !num.is_empty()
        && num
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-'));
    match num.parse::<f64>() {
        Ok(x) if numeric && x.is_finite() && x >= 0.0 => {
            let ns = (x * unit_ns).round();
            if ns < MAX_DURATION.as_nanos() as f64 {
                Ok(crate::engine::Time(ns as u64))
            } else {
                Err(too_long(s))
            }
        }
        Ok(x) if numeric && x.is_infinite() && x > 0.0 => Err(too_long(s)),
        _ => Err(not_a_duration(s)),
    }
}

impl<'de> Deserialize<'de> for RawDuration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = RawDuration;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a duration string with units, like \"250ms\", \"2s\" or \"1h30m\"")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<RawDuration, E> {
                parse_duration(s).map(RawDuration).map_err(E::custom)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<RawDuration, E> {
                if v == 0 {
                    Ok(RawDuration(crate::engine::Time::ZERO))
                } else {
                    Err(E::custom(format!(
                        "a bare number is ambiguous: write a unit, e.g. \"{v}s\" or \"{v}ms\""
                    )))
                }
            }
        }
        d.deserialize_any(V)
    }
}

/// The whole file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    pub name: Option<String>,
    pub description: Option<String>,
    pub duration: Option<RawDuration>,
    pub seed: Option<i64>,
    pub replications: Option<i64>,
    pub account: Option<RawAccount>,
    pub pricing: Option<RawPricing>,
    pub platform: Option<RawPlatform>,
    #[serde(default)]
    pub functions: Vec<RawFunction>,
    #[serde(default)]
    pub sources: Vec<RawSource>,
    #[serde(default)]
    pub capacity_providers: Vec<RawCapacityProvider>,
    pub output: Option<RawOutput>,
    pub recommend: Option<RawRecommend>,
    pub sweep: Option<toml::Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAccount {
    pub concurrency_limit: Option<i64>,
    pub scaling_rate: Option<i64>,
    pub scaling_interval: Option<RawDuration>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPricing {
    pub preset: Option<String>,
    pub per_gb_second: Option<f64>,
    pub per_million_requests: Option<f64>,
    pub bill_init: Option<bool>,
    pub provisioned_per_gb_second: Option<f64>,
    pub provisioned_duration_per_gb_second: Option<f64>,
    pub free_tier: Option<bool>,
    pub snapstart_cache_per_gb_second: Option<f64>,
    pub snapstart_restore_per_gb: Option<f64>,
    pub ephemeral_per_gb_second: Option<f64>,
    pub edge_per_million_requests: Option<f64>,
    pub edge_per_gb_second: Option<f64>,
    pub savings_plan_discount: Option<f64>,
    pub tenant_environment_per_gb: Option<f64>,
    pub streaming_per_gb: Option<f64>,
    pub streaming_free_gb: Option<f64>,
    pub sqs_per_epu_hour: Option<f64>,
    pub kafka_per_epu_hour: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPlatform {
    pub instance_selection: Option<String>,
    pub async_backoff_initial: Option<RawDuration>,
    pub async_backoff_max: Option<RawDuration>,
    pub async_retry_delay: Option<RawDuration>,
    pub sqs_pollers_initial: Option<i64>,
    pub sqs_pollers_per_minute: Option<i64>,
    pub sqs_pollers_max: Option<i64>,
    pub poll_interval: Option<RawDuration>,
    pub sqs_throttle_hold: Option<RawDuration>,
    pub kafka_scale_interval: Option<RawDuration>,
    pub kafka_scale_delay: Option<RawDuration>,
    pub kafka_provisioned_scale_interval: Option<RawDuration>,
    pub kafka_provisioned_scale_delay: Option<RawDuration>,
    pub provisioned_scale_in_cooldown: Option<RawDuration>,
    pub sqs_invokes_per_poller: Option<i64>,
    pub kafka_pollers_per_epu: Option<i64>,
    pub hosts: Option<i64>,
    pub host_memory_mb: Option<i64>,
    pub host_cores: Option<toml::Value>,
    pub placement: Option<String>,
    pub eviction: Option<String>,
    pub keep_alive: Option<RawKeepAlive>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFunction {
    pub name: Option<String>,
    pub memory_mb: Option<i64>,
    pub architecture: Option<String>,
    pub timeout: Option<RawDuration>,
    pub duration: Option<RawDist>,
    pub init: Option<RawDist>,
    pub reserved_concurrency: Option<i64>,
    pub provisioned_concurrency: Option<toml::Value>,
    pub error_rate: Option<f64>,
    pub keep_alive: Option<RawKeepAlive>,
    pub efs: Option<bool>,
    pub efs_mount: Option<RawDist>,
    pub max_event_age: Option<RawDuration>,
    pub max_retry_attempts: Option<i64>,
    pub cpu_bound_fraction: Option<f64>,
    pub reference_memory_mb: Option<i64>,
    pub threads: Option<i64>,
    pub max_memory_used_mb: Option<i64>,
    pub runtime: Option<String>,
    pub package: Option<String>,
    pub memory_margin: Option<f64>,
    pub snapstart: Option<bool>,
    pub restore: Option<RawDist>,
    pub billed_restore_share: Option<f64>,
    pub ephemeral_storage_mb: Option<i64>,
    pub edge: Option<bool>,
    pub edge_trigger: Option<String>,
    pub tenant_isolation: Option<bool>,
    pub response_bytes: Option<toml::Value>,
    pub streaming: Option<bool>,
    pub compute: Option<String>,
    pub capacity_provider: Option<String>,
    pub per_vcpu_concurrency: Option<i64>,
    pub memory_per_vcpu_gb: Option<i64>,
    pub min_environments: Option<i64>,
    pub max_environments: Option<i64>,
    pub emits: Option<Vec<RawEmit>>,
    pub on_success: Option<RawDestination>,
    pub on_failure: Option<RawDestination>,
    pub recursive_loop: Option<String>,
}

/// One of a function's `emits`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEmit {
    pub source: Option<String>,
    /// An integer, or a table `{ dist = "poisson", mean }` / `{ dist = "uniform", min, max }`.
    pub count: Option<toml::Value>,
    pub probability: Option<f64>,
}

/// A destination: `{ function = "…" }` or `{ source = "…" }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDestination {
    pub function: Option<String>,
    pub source: Option<String>,
}

/// A `[[capacity_providers]]` table (Lambda Managed Instances).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCapacityProvider {
    pub name: Option<String>,
    pub instance_type: Option<String>,
    pub vcpus: Option<i64>,
    pub memory_gb: Option<i64>,
    pub hourly_price: Option<f64>,
    pub max_vcpus: Option<i64>,
    pub savings_plan_discount: Option<f64>,
    pub launch_delay: Option<RawDuration>,
    pub target_utilization: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawKeepAlive {
    pub policy: String,
    pub idle: Option<RawDist>,
    pub lifetime: Option<RawDist>,
    pub range: Option<RawDuration>,
    pub bin: Option<RawDuration>,
    pub head: Option<f64>,
    pub tail: Option<f64>,
    pub margin: Option<f64>,
    pub min_samples: Option<i64>,
    pub cv_min: Option<f64>,
    pub max_out_of_range: Option<f64>,
    pub fallback: Option<RawDuration>,
}

/// A distribution: a bare duration string (a constant) or a table with `dist`.
#[derive(Debug)]
pub enum RawDist {
    Constant(RawDuration),
    Table(RawDistTable),
    /// `"trace"`: each invocation's own duration in the trace that drives it.
    Trace,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDistTable {
    pub dist: String,
    pub value: Option<RawDuration>,
    pub mean: Option<RawDuration>,
    pub min: Option<RawDuration>,
    pub max: Option<RawDuration>,
    pub std: Option<RawDuration>,
    pub median: Option<RawDuration>,
    pub sigma: Option<f64>,
    pub shape: Option<f64>,
    pub scale: Option<RawDuration>,
    pub percentiles: Option<toml::Value>,
}

impl<'de> Deserialize<'de> for RawDist {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawDist;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a duration string (a constant) or a table like { dist = \"lognormal\", median = \"120ms\", sigma = 0.6 }")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<RawDist, E> {
                if s == "trace" {
                    return Ok(RawDist::Trace);
                }
                parse_duration(s)
                    .map(|t| RawDist::Constant(RawDuration(t)))
                    .map_err(E::custom)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawDist, A::Error> {
                RawDistTable::deserialize(MapAccessDeserializer::new(map)).map(RawDist::Table)
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSource {
    pub name: Option<String>,
    pub service: String,
    pub function: Option<String>,
    pub invocation: Option<String>,
    pub arrival: Option<OneOrMany<RawArrival>>,
    pub client_retries: Option<i64>,
    pub client_backoff: Option<RawDist>,
    pub batch_size: Option<i64>,
    pub batching_window: Option<RawDuration>,
    pub max_concurrency: Option<i64>,
    pub visibility_timeout: Option<RawDuration>,
    pub max_receive_count: Option<i64>,
    pub report_batch_item_failures: Option<bool>,
    pub shards: Option<i64>,
    pub parallelization_factor: Option<i64>,
    pub max_retry_attempts: Option<i64>,
    pub retention: Option<RawDuration>,
    pub bisect_on_error: Option<bool>,
    pub per_record: Option<RawDist>,
    pub record_error_rate: Option<f64>,
    pub partitions: Option<i64>,
    pub fifo: Option<bool>,
    /// A count, or a table like `tenants` (read in validation, for keyed errors).
    pub message_groups: Option<toml::Value>,
    pub broker: Option<String>,
    pub redelivery_delay: Option<RawDuration>,
    /// `{ min, max }`, `true` (AWS's defaults) or `false` (standard mode), read in
    /// validation.
    pub provisioned_pollers: Option<toml::Value>,
    pub poller_group: Option<String>,
    pub on_failure: Option<RawDestination>,
    /// A size or a distribution table of sizes (read in validation, for keyed errors).
    pub message_bytes: Option<toml::Value>,
    pub tenants: Option<RawTenants>,
}

/// `provisioned_pollers = { min, max }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPollers {
    pub min: Option<i64>,
    pub max: Option<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTenants {
    pub count: i64,
    pub popularity: Option<String>,
    pub s: Option<f64>,
}

/// One table, or an array of them.
#[derive(Debug)]
pub struct OneOrMany<T>(pub Vec<T>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for OneOrMany<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = OneOrMany<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(
                    "a table like { process = \"poisson\", rate = 10.0 }, or an array of them",
                )
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                T::deserialize(MapAccessDeserializer::new(map)).map(|t| OneOrMany(vec![t]))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut v = Vec::new();
                while let Some(t) = seq.next_element()? {
                    v.push(t);
                }
                Ok(OneOrMany(v))
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

/// One path, or an array of them.
#[derive(Debug)]
pub struct Paths(pub Vec<String>);

impl<'de> Deserialize<'de> for Paths {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Paths;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a path like \"logs/api.log\", or an array of them")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Paths, E> {
                Ok(Paths(vec![s.to_string()]))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Paths, A::Error> {
                let mut v = Vec::new();
                while let Some(t) = seq.next_element::<String>()? {
                    v.push(t);
                }
                Ok(Paths(v))
            }
        }
        d.deserialize_any(V)
    }
}

// Every field of every process: each process refuses the fields of the others by name, so
// the error names the process rather than an unknown key.
#[allow(dead_code)]
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawArrival {
    pub process: String,
    pub rate: Option<f64>,
    pub at: Option<RawDuration>,
    pub count: Option<i64>,
    pub over: Option<RawDuration>,
    pub stages: Option<Vec<RawStage>>,
    pub ramp: Option<String>,
    pub start_rate: Option<f64>,
    pub mean_rate: Option<f64>,
    pub amplitude: Option<f64>,
    pub period: Option<RawDuration>,
    pub peak_at: Option<RawDuration>,
    pub rates: Option<Vec<f64>>,
    pub mean_dwell: Option<Vec<RawDuration>>,
    pub path: Option<Paths>,
    pub format: Option<String>,
    pub function: Option<String>,
    pub column: Option<String>,
    pub spread: Option<String>,
    pub each_function: Option<bool>,
    pub durations: Option<String>,
    pub memory: Option<String>,
    pub cold_starts: Option<String>,
    pub start: Option<String>,
    pub week_offset: Option<RawDuration>,
    pub traffic_scale: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStage {
    pub duration: RawDuration,
    pub rate: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRecommend {
    pub strategy: Option<String>,
    pub balanced_weight: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOutput {
    pub dir: Option<String>,
    pub timeseries_interval: Option<RawDuration>,
    pub invocations: Option<bool>,
    pub charts: Option<bool>,
    pub report: Option<bool>,
    pub trace: Option<bool>,
    pub trace_limit: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Time;

    #[test]
    fn durations_with_units() {
        assert_eq!(parse_duration("250ms"), Ok(Time::from_millis(250)));
        assert_eq!(parse_duration("1h30m"), Ok(Time::from_secs(5400)));
        assert_eq!(parse_duration("1h 30m"), Ok(Time::from_secs(5400)));
        assert_eq!(parse_duration("0.5s"), Ok(Time::from_millis(500)));
        assert_eq!(parse_duration("1.5m"), Ok(Time::from_secs(90)));
        assert!(parse_duration("12").is_err());
        assert!(parse_duration("fast").is_err());
        assert!(parse_duration("-1s").is_err());
        assert!(parse_duration("10M").is_err(), "M is months in humantime");
        assert!(
            parse_duration("999999999h")
                .unwrap_err()
                .contains("too long")
        );
        assert_eq!(parse_duration("2d"), Ok(Time::from_secs(172_800)));
        assert_eq!(parse_duration("1.5d"), Ok(Time::from_secs(129_600)));
        assert_eq!(parse_duration("1.5 days"), Ok(Time::from_secs(129_600)));
        // Scientific notation, which humantime does not read, in each unit.
        assert_eq!(parse_duration("1e1d"), Ok(Time::from_secs(864_000)));
        assert_eq!(parse_duration("1.5e1h"), Ok(Time::from_secs(54_000)));
        assert_eq!(parse_duration("2e1 days"), Ok(Time::from_secs(1_728_000)));
    }

    #[test]
    fn the_longest_duration_is_just_under_the_bound() {
        // 584 years of 365 days is the bound, itself refused, in any notation.
        let days = MAX_DURATION.0 / (86_400 * Time::NS_PER_S);
        assert_eq!(days, 584 * 365);
        // In scientific notation the bound is reached exactly in floating point too.
        let exact = format!("{:e}ns", MAX_DURATION.0 as f64);
        for at in [format!("{days}d"), format!("{days}.0d"), exact] {
            assert!(
                parse_duration(&at).unwrap_err().contains("too long"),
                "{at}"
            );
        }
        let under = format!("{}.5d", days - 1);
        assert_eq!(
            parse_duration(&under),
            Ok(Time(MAX_DURATION.0 - 43_200 * Time::NS_PER_S))
        );
    }
}
