//! The event source mapping of a poll source: batching, and the settings of an SQS queue
//! (standard or FIFO), an Amazon MQ broker, a stream (Kinesis, DynamoDB Streams) or a
//! Kafka topic (MSK, self-managed).

use super::dist::validate_dist;
use super::size::validate_size_dist;
use super::sources::mix;
use super::{Ctx, R};
use crate::engine::Dist;
use crate::engine::Time;
use crate::model::config::{Function, Mapping, MappingKind, ProvisionedPollers, QueueKind, Source};
use crate::scenario::raw::{RawPollers, RawSource, RawTenants};
use crate::sources::tenants::{Popularity, TenantMix};

/// AWS's limits on event source mappings and queues.
const MAX_BATCHING_WINDOW: Time = Time::from_secs(300);
const MAX_VISIBILITY_TIMEOUT: Time = Time::from_secs(12 * 3600);
const MAX_RETENTION: Time = Time::from_secs(365 * 86_400);
/// A FIFO queue's batches hold at most 10 messages.
const MAX_FIFO_BATCH: i64 = 10;
/// The most message groups a FIFO queue may be given (a bound on the run's memory).
const MAX_GROUPS: i64 = 1_000_000;
/// The most partitions of a Kafka topic (a bound on the run's memory).
const MAX_PARTITIONS: i64 = 100_000;
/// Amazon MQ's consumers per mapping: ActiveMQ 5, RabbitMQ 1 (AWS, "Using Lambda with
/// Amazon MQ"); AWS support may raise it.
const ACTIVEMQ_CONCURRENCY: i64 = 5;
const RABBITMQ_CONCURRENCY: i64 = 1;
/// Assumptions, documented in docs/model.md: a broker redelivers a failed message after
/// 1 s (ActiveMQ's initialRedeliveryDelay) and dead-letters it after 7 receives
/// (ActiveMQ's maximumRedeliveries, 6) or 20 (RabbitMQ quorum queues' delivery-limit).
const BROKER_REDELIVERY_DELAY: Time = Time::from_secs(1);
const ACTIVEMQ_RECEIVES: u32 = 7;
const RABBITMQ_RECEIVES: u32 = 20;
/// Kafka keeps records for 7 days by default (`log.retention.hours = 168`).
const KAFKA_RETENTION: Time = Time::from_secs(7 * 86_400);
/// ESM provisioned mode (AWS): SQS 2 to 10,000 event pollers (200 at most by default);
/// Kafka 1 to 2,000 (200 by default); a Kafka poller group holds at most 100 mappings
/// and 2,000 pollers.
const SQS_POLLERS: (i64, i64) = (2, 10_000);
const KAFKA_POLLERS: (i64, i64) = (1, 2_000);
const DEFAULT_MAX_POLLERS: i64 = 200;
/// AWS's `MinimumPollers` is at most 200.
const MOST_MIN_POLLERS: i64 = 200;
/// The largest message or record: 1 MiB (SQS's limit; Kafka's default `message.max.bytes`
/// is about as much).
const MAX_MESSAGE_BYTES: u64 = 1 << 20;
const GROUP_MAPPINGS: usize = 100;
const GROUP_POLLERS: u64 = 2_000;
/// The size of a message or record when `message_bytes` is not given: an assumption.
const DEFAULT_MESSAGE_BYTES: u64 = 1024;

/// The event source mapping of a poll source (docs/scenarios.md, "Poll sources").
pub(super) fn validate_mapping(
    ctx: &Ctx,
    i: usize,
    s: &RawSource,
    service: &str,
    function: &Function,
) -> R<Mapping> {
    let k = |key: &str| format!("sources[{i}].{key}");
    let sqs = service == "sqs";
    let mq = service == "mq";
    let kafka = matches!(service, "msk" | "kafka");
    let fifo = sqs && s.fifo.unwrap_or(false);
    let batch_size = ctx.int(
        &k("batch_size"),
        s.batch_size.unwrap_or(if sqs { 10 } else { 100 }),
        1,
        if fifo { MAX_FIFO_BATCH } else { 10_000 },
        if fifo {
            "batch_size (a FIFO queue's batches hold at most 10 messages)"
        } else {
            "batch_size"
        },
    )?;
    // Kafka and MQ mappings gather for 500 ms by default; SQS and streams do not.
    let default_window = if kafka || mq {
        Time::from_millis(500)
    } else {
        Time::ZERO
    };
    let batching_window = s.batching_window.map_or(default_window, |d| d.0);
    if batching_window > MAX_BATCHING_WINDOW {
        return Err(ctx.err(
            &k("batching_window"),
            format!("batching_window must be at most 300s (AWS's MaximumBatchingWindowInSeconds), got {batching_window}"),
        ));
    }
    if fifo && batching_window > Time::ZERO {
        return Err(ctx.err(
            &k("batching_window"),
            "a FIFO queue's mapping has no batching window (AWS: \"Batching window is not supported for FIFO queues\")",
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
        sqs_queue(ctx, i, s, fifo, function)?
    } else if mq {
        broker(ctx, i, s)?
    } else {
        lanes(ctx, i, s, service, kafka)?
    };
    let provisioned = provisioned_pollers(ctx, i, s, kafka, fifo)?;
    Ok(Mapping {
        batch_size,
        batching_window,
        per_record,
        record_error_rate,
        kind,
        provisioned,
    })
}

/// ESM provisioned mode: `provisioned_pollers = { min, max }` on an SQS standard queue or
/// a Kafka topic, with `message_bytes` and (Kafka) `poller_group`.
fn provisioned_pollers(
    ctx: &Ctx,
    i: usize,
    s: &RawSource,
    kafka: bool,
    fifo: bool,
) -> R<Option<ProvisionedPollers>> {
    let k = |key: &str| format!("sources[{i}].{key}");
    let p = match &s.provisioned_pollers {
        None | Some(toml::Value::Boolean(false)) => None,
        Some(toml::Value::Boolean(true)) => Some(RawPollers {
            min: None,
            max: None,
        }),
        Some(v @ toml::Value::Table(_)) => {
            Some(v.clone().try_into().map_err(|e: toml::de::Error| {
                ctx.err(
                    &k("provisioned_pollers"),
                    format!(
                        "provisioned_pollers is a table {{ min, max }} (or true, or false for standard mode): {}",
                        e.message()
                    ),
                )
            })?)
        }
        Some(other) => {
            return Err(ctx.err(
                &k("provisioned_pollers"),
                format!(
                    "provisioned_pollers is a table {{ min, max }} (or true, or false for standard mode), not a {}",
                    other.type_str()
                ),
            ));
        }
    };
    let Some(p) = p else {
        // With `provisioned_pollers = false` (a sweep's standard variant, say) they are
        // the settings of the provisioned variants, and mean nothing here.
        if s.provisioned_pollers.is_some() {
            return Ok(None);
        }
        for (key, given) in [
            ("poller_group", s.poller_group.is_some()),
            ("message_bytes", s.message_bytes.is_some()),
        ] {
            if given {
                return Err(ctx.err_help(
                    &k(key),
                    format!("`{key}` applies to a mapping in provisioned mode, and this one is in standard mode"),
                    Some("add provisioned_pollers = { min = 2, max = 200 }".into()),
                ));
            }
        }
        return Ok(None);
    };
    if fifo {
        return Err(ctx.err(
            &k("provisioned_pollers"),
            "lambdasim models provisioned mode for SQS standard queues, and this queue is FIFO",
        ));
    }
    if s.max_concurrency.is_some() {
        return Err(ctx.err_help(
            &k("max_concurrency"),
            "a mapping in provisioned mode has no max_concurrency: AWS refuses MaximumConcurrency with provisioned pollers",
            Some("bound the mapping with provisioned_pollers.max instead".into()),
        ));
    }
    let ((lo, hi), what) = if kafka {
        (KAFKA_POLLERS, "a Kafka mapping's event pollers")
    } else {
        (SQS_POLLERS, "an SQS mapping's event pollers")
    };
    let min = ctx.int(
        &k("provisioned_pollers.min"),
        p.min.unwrap_or(lo),
        lo,
        MOST_MIN_POLLERS,
        &format!("provisioned_pollers.min ({what})"),
    )?;
    let max = ctx.int(
        &k("provisioned_pollers.max"),
        p.max.unwrap_or(DEFAULT_MAX_POLLERS.max(i64::from(min))),
        lo,
        hi,
        &format!("provisioned_pollers.max ({what})"),
    )?;
    if min > max {
        return Err(ctx.err(
            &k("provisioned_pollers.min"),
            format!("provisioned_pollers.min ({min}) is above provisioned_pollers.max ({max})"),
        ));
    }
    let message_bytes = match &s.message_bytes {
        Some(v) => validate_size_dist(ctx, &k("message_bytes"), v)?,
        None => Dist::Constant(Time(DEFAULT_MESSAGE_BYTES)),
    };
    if let Dist::Constant(b) = message_bytes
        && b.as_nanos() > MAX_MESSAGE_BYTES
    {
        return Err(ctx.err(
            &k("message_bytes"),
            format!(
                "a message or record is at most 1 MB (SQS's limit), got {} bytes",
                b.as_nanos()
            ),
        ));
    }
    if let Some(g) = &s.poller_group {
        super::check_name(ctx, &k("poller_group"), g, "the poller group's name")?;
    }
    Ok(Some(ProvisionedPollers {
        min,
        max,
        group: s.poller_group.clone(),
        message_bytes,
    }))
}

/// The Kafka mappings of one poller group: at most 100, with at most 2,000 pollers
/// (their `max`) in all.
pub(super) fn check_poller_groups(ctx: &Ctx, sources: &[Source]) -> R<()> {
    fn grouped(s: &Source) -> Option<(&str, u32)> {
        s.mapping
            .as_ref()
            .and_then(|m| m.provisioned.as_ref())
            .and_then(|p| p.group.as_deref().map(|g| (g, p.max)))
    }
    for (i, s) in sources.iter().enumerate() {
        let Some((g, _)) = grouped(s) else { continue };
        let (mut mappings, mut pollers) = (0usize, 0u64);
        for t in &sources[..=i] {
            if let Some((h, max)) = grouped(t)
                && h == g
            {
                mappings += 1;
                pollers += u64::from(max);
            }
        }
        if mappings > GROUP_MAPPINGS {
            return Err(ctx.err(
                &format!("sources[{i}].poller_group"),
                format!("poller group `{g}` already holds {GROUP_MAPPINGS} mappings, AWS's most"),
            ));
        }
        if pollers > GROUP_POLLERS {
            return Err(ctx.err_help(
                &format!("sources[{i}].poller_group"),
                format!("the mappings of poller group `{g}` may run {pollers} pollers in all with this one; AWS allows at most {GROUP_POLLERS}"),
                Some("lower provisioned_pollers.max, or put this mapping in another group".into()),
            ));
        }
    }
    Ok(())
}

/// An SQS queue, standard or FIFO.
fn sqs_queue(
    ctx: &Ctx,
    i: usize,
    s: &RawSource,
    fifo: bool,
    function: &Function,
) -> R<MappingKind> {
    let k = |key: &str| format!("sources[{i}].{key}");
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
    let queue = match (&s.message_groups, fifo) {
        (Some(_), false) => {
            return Err(ctx.err_help(
                &k("message_groups"),
                "`message_groups` are those of a FIFO queue, and this one is standard",
                Some("add fifo = true".into()),
            ));
        }
        (None, true) => {
            return Err(ctx.err_help(
                &format!("sources[{i}]"),
                "a FIFO queue needs `message_groups`: how many groups its messages are spread over",
                Some("add e.g. message_groups = 10, or message_groups = { count = 1000, popularity = \"zipf\", s = 1.1 }".into()),
            ));
        }
        (Some(g), true) => QueueKind::Fifo {
            groups: message_groups(ctx, &k("message_groups"), g)?,
        },
        (None, false) => QueueKind::Standard,
    };
    Ok(MappingKind::Sqs {
        max_concurrency,
        visibility_timeout,
        max_receive_count,
        report_batch_item_failures: s.report_batch_item_failures.unwrap_or(false),
        queue,
    })
}

/// `message_groups`: a count (every group alike) or `{ count, popularity, s }`.
fn message_groups(ctx: &Ctx, key: &str, v: &toml::Value) -> R<TenantMix> {
    match v {
        toml::Value::Integer(n) => Ok(TenantMix {
            count: ctx.int(key, *n, 1, MAX_GROUPS, "message_groups")?,
            popularity: Popularity::Uniform,
        }),
        toml::Value::Table(_) => {
            let t: RawTenants = v.clone().try_into().map_err(|e: toml::de::Error| {
                ctx.err(
                    key,
                    format!(
                        "message_groups is a count, or a table {{ count, popularity, s }}: {}",
                        e.message()
                    ),
                )
            })?;
            mix(ctx, key, &t, MAX_GROUPS, "message group")
        }
        other => Err(ctx.err(
            key,
            format!(
                "message_groups is a count, or a table {{ count, popularity, s }}, not a {}",
                other.type_str()
            ),
        )),
    }
}

/// An Amazon MQ broker's queue: a fixed number of consumers, redelivery by the broker.
fn broker(ctx: &Ctx, i: usize, s: &RawSource) -> R<MappingKind> {
    let k = |key: &str| format!("sources[{i}].{key}");
    let rabbit = match s.broker.as_deref() {
        None => false,
        Some(b) => ctx.choice(&k("broker"), b, &["activemq", "rabbitmq"], "broker")? == "rabbitmq",
    };
    let concurrency = ctx.int(
        &k("max_concurrency"),
        s.max_concurrency.unwrap_or(if rabbit {
            RABBITMQ_CONCURRENCY
        } else {
            ACTIVEMQ_CONCURRENCY
        }),
        1,
        1000,
        "max_concurrency (an MQ mapping's consumers)",
    )?;
    let visibility_timeout = s.redelivery_delay.map_or(BROKER_REDELIVERY_DELAY, |d| d.0);
    if visibility_timeout > MAX_VISIBILITY_TIMEOUT {
        return Err(ctx.err(
            &k("redelivery_delay"),
            format!("redelivery_delay must be at most 12h, got {visibility_timeout}"),
        ));
    }
    let max_receive_count = ctx.int(
        &k("max_receive_count"),
        s.max_receive_count.unwrap_or(i64::from(if rabbit {
            RABBITMQ_RECEIVES
        } else {
            ACTIVEMQ_RECEIVES
        })),
        1,
        1000,
        "max_receive_count",
    )?;
    Ok(MappingKind::Sqs {
        max_concurrency: Some(concurrency),
        visibility_timeout,
        max_receive_count: Some(max_receive_count),
        report_batch_item_failures: false,
        queue: QueueKind::Broker,
    })
}

/// A Kinesis or DynamoDB stream, or a Kafka topic: ordered lanes.
fn lanes(ctx: &Ctx, i: usize, s: &RawSource, service: &str, kafka: bool) -> R<MappingKind> {
    let k = |key: &str| format!("sources[{i}].{key}");
    let shards = if kafka {
        ctx.int(
            &k("partitions"),
            s.partitions.unwrap_or(1),
            1,
            MAX_PARTITIONS,
            "partitions",
        )?
    } else {
        ctx.int(&k("shards"), s.shards.unwrap_or(1), 1, 100_000, "shards")?
    };
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
    let default_retention = if kafka {
        KAFKA_RETENTION
    } else {
        Time::from_secs(86_400)
    };
    let retention = s.retention.map_or(default_retention, |d| d.0);
    if service == "dynamodb_streams" && retention > Time::from_secs(86_400) {
        return Err(ctx.err(
            &k("retention"),
            format!("DynamoDB Streams keep records for 24h; retention must be at most 24h, got {retention}"),
        ));
    }
    if retention < Time::from_secs(1) || retention > MAX_RETENTION {
        let which = if kafka {
            "Kafka: the topic's retention.ms, 7d by default"
        } else {
            "Kinesis: 24h to 365d; DynamoDB Streams: 24h"
        };
        return Err(ctx.err(
            &k("retention"),
            format!("retention must be between 1s and 365d ({which}), got {retention}"),
        ));
    }
    Ok(MappingKind::Stream {
        shards,
        parallelization_factor,
        max_retry_attempts,
        retention,
        bisect_on_error: s.bisect_on_error.unwrap_or(false),
        kafka,
    })
}
