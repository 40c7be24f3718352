//! The event source mapping of a poll source: batching, and the settings of an SQS queue
//! or of a stream (Kinesis, DynamoDB Streams).

use super::dist::validate_dist;
use super::{Ctx, R};
use crate::engine::Time;
use crate::model::config::{Function, Mapping, MappingKind};
use crate::scenario::raw::RawSource;

/// AWS's limits on event source mappings and queues.
const MAX_BATCHING_WINDOW: Time = Time::from_secs(300);
const MAX_VISIBILITY_TIMEOUT: Time = Time::from_secs(12 * 3600);
const MAX_RETENTION: Time = Time::from_secs(365 * 86_400);

/// The event source mapping of a poll source (docs/scenarios.md, "Poll sources").
pub(super) fn validate_mapping(
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
