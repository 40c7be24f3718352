//! `[[sources]]`: each source's service, target function, invocation type, client retries
//! and arrival processes, and the requests all sources offer in one run.

use super::arrivals::validate_arrival;
use super::dist::validate_dist;
use super::mapping::validate_mapping;
use super::{Ctx, R, check_name, did_you_mean};
use crate::engine::{Dist, Time};
use crate::model::config::{Function, Source};
use crate::scenario::raw::{RawScenario, RawSource, RawTenants};
use crate::sources::ArrivalProcess;
use crate::sources::catalog::{self, InvocationType, SourceModel};
use crate::sources::tenants::{Popularity, TenantMix};
use crate::sources::trace::TraceFormat;
use std::collections::HashSet;

/// Client retries beyond this are a configuration mistake (SDKs default to 2–3).
const MAX_CLIENT_RETRIES: i64 = 100;
/// The base delay of the AWS SDKs' standard retry mode.
const DEFAULT_CLIENT_BACKOFF: Time = Time::from_millis(100);
/// The most requests one run may offer (about 20 minutes of simulation on one core).
const MAX_REQUESTS_PER_RUN: f64 = 1e10;

/// Every `[[sources]]` table, in order; names must be unique.
pub(super) fn validate_sources(
    ctx: &Ctx,
    raw: &RawScenario,
    functions: &[Function],
) -> R<Vec<Source>> {
    let mut sources = Vec::with_capacity(raw.sources.len());
    let mut source_names = HashSet::new();
    for (i, s) in raw.sources.iter().enumerate() {
        let src = validate_source(ctx, i, s, functions)?;
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
    super::mapping::check_poller_groups(ctx, &sources)?;
    Ok(sources)
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
    // Each mapping key and the services it applies to, named as in the messages.
    type Scope = (&'static [&'static str], &'static str);
    const POLL: Scope = (
        &["sqs", "kinesis", "dynamodb_streams", "msk", "kafka", "mq"],
        "poll sources (sqs, kinesis, dynamodb_streams, msk, kafka, mq)",
    );
    const QUEUES: Scope = (&["sqs", "mq"], "queue sources (sqs, mq)");
    const SQS: Scope = (&["sqs"], "`sqs` sources");
    const STREAMS: Scope = (
        &["kinesis", "dynamodb_streams"],
        "stream sources (kinesis, dynamodb_streams)",
    );
    const LANES: Scope = (
        &["kinesis", "dynamodb_streams", "msk", "kafka"],
        "stream and Kafka sources (kinesis, dynamodb_streams, msk, kafka)",
    );
    const KAFKA: Scope = (&["msk", "kafka"], "Kafka sources (msk, kafka)");
    const MQ: Scope = (&["mq"], "`mq` sources");
    const PROVISIONED: Scope = (
        &["sqs", "msk", "kafka"],
        "SQS and Kafka sources (sqs, msk, kafka)",
    );
    let poll_keys: [(&str, bool, Scope); 22] = [
        ("batch_size", s.batch_size.is_some(), POLL),
        ("batching_window", s.batching_window.is_some(), POLL),
        ("per_record", s.per_record.is_some(), POLL),
        ("record_error_rate", s.record_error_rate.is_some(), POLL),
        ("max_concurrency", s.max_concurrency.is_some(), QUEUES),
        ("visibility_timeout", s.visibility_timeout.is_some(), SQS),
        ("max_receive_count", s.max_receive_count.is_some(), QUEUES),
        (
            "report_batch_item_failures",
            s.report_batch_item_failures.is_some(),
            SQS,
        ),
        ("fifo", s.fifo.is_some(), SQS),
        ("message_groups", s.message_groups.is_some(), SQS),
        ("shards", s.shards.is_some(), STREAMS),
        (
            "parallelization_factor",
            s.parallelization_factor.is_some(),
            STREAMS,
        ),
        ("bisect_on_error", s.bisect_on_error.is_some(), STREAMS),
        ("max_retry_attempts", s.max_retry_attempts.is_some(), LANES),
        ("retention", s.retention.is_some(), LANES),
        ("partitions", s.partitions.is_some(), KAFKA),
        ("broker", s.broker.is_some(), MQ),
        ("redelivery_delay", s.redelivery_delay.is_some(), MQ),
        (
            "provisioned_pollers",
            s.provisioned_pollers.is_some(),
            PROVISIONED,
        ),
        ("poller_group", s.poller_group.is_some(), KAFKA),
        ("message_bytes", s.message_bytes.is_some(), PROVISIONED),
        ("on_failure", s.on_failure.is_some(), LANES),
    ];
    for (key, present, (services, applies)) in poll_keys {
        if present && !services.contains(&service.name) {
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
    let edge = functions[function].edge;
    if edge && service.name != "cloudfront" {
        return Err(ctx.err(
            &k("service"),
            format!(
                "`{}` is a Lambda@Edge function (`edge = true`): only `cloudfront` invokes it, not `{}`",
                functions[function].name, service.name
            ),
        ));
    }
    if !edge && service.name == "cloudfront" {
        ctx.warn(
            &k("service"),
            format!(
                "CloudFront invokes Lambda@Edge functions, and `{}` has no `edge = true`: it is priced as a regional function",
                functions[function].name
            ),
        );
    }
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
    // A source without `arrival` must be fed by functions (checked with the pipeline).
    let none = crate::scenario::raw::OneOrMany(Vec::new());
    let arrival = s.arrival.as_ref().unwrap_or(&none);
    let many = arrival.0.len() > 1;
    let mut processes = Vec::with_capacity(arrival.0.len());
    for (j, a) in arrival.0.iter().enumerate() {
        let key = if many {
            format!("sources[{i}].arrival[{j}]")
        } else {
            format!("sources[{i}].arrival")
        };
        let mut p = validate_arrival(ctx, &key, a)?;
        if functions[function].duration_from_trace {
            match &mut p {
                ArrivalProcess::Trace(t)
                    if matches!(t.format, TraceFormat::CloudWatch | TraceFormat::Azure2021)
                        && service.model != SourceModel::Poll =>
                {
                    t.own_durations = true;
                }
                _ => {
                    return Err(ctx.err(
                        &format!("functions[{function}].duration"),
                        format!("`duration = \"trace\"` runs each invocation for its own duration in the trace that drives it, but source `{name}` ({key}) is no cloudwatch or azure2021 trace of a push source"),
                    ));
                }
            }
        }
        if let ArrivalProcess::Trace(t) = &p
            && service.model == SourceModel::Poll
            && (t.each.is_some() || t.own_durations)
        {
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
        processes.push(p);
    }
    let mapping = if service.model == SourceModel::Poll {
        Some(validate_mapping(
            ctx,
            i,
            s,
            service.name,
            &functions[function],
        )?)
    } else {
        None
    };
    let tenants = validate_tenants(ctx, i, s, service.model, &functions[function])?;
    Ok(Source {
        name,
        service,
        function,
        invocation,
        arrival: processes,
        client_retries,
        client_backoff,
        mapping,
        tenants,
        on_failure: None,
    })
}

/// `tenants`: the tenants of a push source of a function with tenant isolation, which
/// every such source needs.
fn validate_tenants(
    ctx: &Ctx,
    i: usize,
    s: &RawSource,
    model: SourceModel,
    function: &Function,
) -> R<Option<TenantMix>> {
    let key = format!("sources[{i}].tenants");
    if function.tenant_isolation && model == SourceModel::Poll {
        return Err(ctx.err(
            &format!("sources[{i}].service"),
            format!("`{}` has tenant isolation, which applies to push invocations: an event source mapping cannot invoke it", function.name),
        ));
    }
    let Some(t) = &s.tenants else {
        if function.tenant_isolation && model != SourceModel::Poll {
            return Err(ctx.err(
                &format!("sources[{i}]"),
                format!("`{}` has tenant isolation: this source needs `tenants`, the tenants its requests come from (e.g. tenants = {{ count = 1000, popularity = \"zipf\", s = 1.1 }})", function.name),
            ));
        }
        return Ok(None);
    };
    if model == SourceModel::Poll {
        return Err(ctx.err(
            &key,
            "tenant isolation applies to push invocations, not to event source mappings",
        ));
    }
    if !function.tenant_isolation {
        return Err(ctx.err(
            &key,
            format!(
                "`tenants` needs a function with `tenant_isolation = true`; `{}` has none",
                function.name
            ),
        ));
    }
    mix(ctx, &key, t, 10_000_000, "tenant").map(Some)
}

/// A count of tenants or message groups, and how popular each is: `{ count, popularity,
/// s }`, Zipf with s = 1 by default.
pub(super) fn mix(ctx: &Ctx, key: &str, t: &RawTenants, max: i64, what: &str) -> R<TenantMix> {
    let count = ctx.int(
        &format!("{key}.count"),
        t.count,
        1,
        max,
        &format!("the {what} count"),
    )?;
    let popularity = match t.popularity.as_deref() {
        None | Some("zipf") => {
            let s = t.s.unwrap_or(1.0);
            if !s.is_finite() || s < 0.0 {
                return Err(ctx.err(
                    &format!("{key}.s"),
                    format!("s, the Zipf exponent, must be finite and ≥ 0, got {s}"),
                ));
            }
            Popularity::Zipf(s)
        }
        Some(p) => {
            ctx.choice(
                &format!("{key}.popularity"),
                p,
                &["zipf", "uniform"],
                &format!("{what} popularity"),
            )?;
            if t.s.is_some() {
                return Err(ctx.err(
                    &format!("{key}.s"),
                    "`s` is the exponent of `popularity = \"zipf\"`",
                ));
            }
            Popularity::Uniform
        }
    };
    Ok(TenantMix { count, popularity })
}

/// What all sources offer in one run must stay within what one run may simulate.
pub(super) fn check_offered(ctx: &Ctx, sources: &[Source], duration: Time) -> R<()> {
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
    Ok(())
}
