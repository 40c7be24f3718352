//! The service catalog: every AWS service a source can be, how it invokes Lambda, and which
//! invocation types it may use.

/// How Lambda is invoked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InvocationType {
    /// Synchronous: the caller waits for the result.
    RequestResponse,
    /// Asynchronous: queued by Lambda, 202 to the caller.
    Event,
    /// Validate only; nothing runs.
    DryRun,
}

impl InvocationType {
    /// The name used in scenario files and outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            InvocationType::RequestResponse => "RequestResponse",
            InvocationType::Event => "Event",
            InvocationType::DryRun => "DryRun",
        }
    }
}

/// The three ways services reach Lambda.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SourceModel {
    /// The service calls Invoke and waits.
    SyncPush,
    /// The service hands the event to Lambda's internal queue.
    AsyncPush,
    /// Lambda polls the service through an event source mapping.
    Poll,
}

/// A service from the catalog (docs/scenarios.md, "Service catalog").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Service {
    /// Canonical name, as written in scenario files.
    pub name: &'static str,
    /// How it invokes.
    pub model: SourceModel,
    /// The invocation types AWS allows for it; the first is the default.
    pub allowed: &'static [InvocationType],
}

use InvocationType::{DryRun, Event, RequestResponse};

const SYNC: &[InvocationType] = &[RequestResponse, DryRun];
const SYNC_OR_EVENT: &[InvocationType] = &[RequestResponse, Event, DryRun];
const EVENT: &[InvocationType] = &[Event];
const POLL: &[InvocationType] = &[RequestResponse];

macro_rules! svc {
    ($name:literal, $model:ident, $allowed:ident) => {
        Service {
            name: $name,
            model: SourceModel::$model,
            allowed: $allowed,
        }
    };
}

/// Every service, in the order of the service catalog in docs/scenarios.md.
pub const CATALOG: &[Service] = &[
    svc!("api_gateway", SyncPush, SYNC_OR_EVENT),
    svc!("alb", SyncPush, SYNC),
    svc!("cognito", SyncPush, SYNC),
    svc!("lex", SyncPush, SYNC),
    svc!("alexa", SyncPush, SYNC),
    svc!("cloudfront", SyncPush, SYNC),
    svc!("kinesis_firehose", SyncPush, SYNC),
    svc!("step_functions", SyncPush, SYNC_OR_EVENT),
    svc!("s3_batch", SyncPush, SYNC),
    svc!("direct", SyncPush, SYNC_OR_EVENT),
    svc!("s3", AsyncPush, EVENT),
    svc!("sns", AsyncPush, EVENT),
    svc!("ses", AsyncPush, EVENT),
    svc!("cloudformation", AsyncPush, EVENT),
    svc!("cloudwatch_logs", AsyncPush, EVENT),
    svc!("eventbridge", AsyncPush, EVENT),
    svc!("codecommit", AsyncPush, EVENT),
    svc!("config", AsyncPush, EVENT),
    svc!("iot", AsyncPush, EVENT),
    svc!("iot_events", AsyncPush, EVENT),
    svc!("codepipeline", AsyncPush, EVENT),
    svc!("sqs", Poll, POLL),
    svc!("kinesis", Poll, POLL),
    svc!("dynamodb_streams", Poll, POLL),
    svc!("msk", Poll, POLL),
    svc!("kafka", Poll, POLL),
    svc!("mq", Poll, POLL),
];

/// Accepted aliases and the canonical names they stand for.
pub const ALIASES: &[(&str, &str)] = &[("cloudwatch_events", "eventbridge")];

/// Looks a service up by name or alias.
pub fn lookup(name: &str) -> Option<&'static Service> {
    let canonical = ALIASES
        .iter()
        .find(|(a, _)| *a == name)
        .map_or(name, |(_, c)| *c);
    CATALOG.iter().find(|s| s.name == canonical)
}

/// All names a user may write, for error messages and suggestions.
pub fn all_names() -> impl Iterator<Item = &'static str> + Clone {
    CATALOG
        .iter()
        .map(|s| s.name)
        .chain(ALIASES.iter().map(|(a, _)| *a))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_matches_the_spec() {
        assert_eq!(CATALOG.len(), 27);
        assert_eq!(
            CATALOG
                .iter()
                .filter(|s| s.model == SourceModel::Poll)
                .map(|s| s.name)
                .collect::<Vec<_>>(),
            ["sqs", "kinesis", "dynamodb_streams", "msk", "kafka", "mq"]
        );
        assert_eq!(
            CATALOG
                .iter()
                .filter(|s| s.model == SourceModel::AsyncPush)
                .count(),
            11
        );
        assert_eq!(lookup("cloudwatch_events").unwrap().name, "eventbridge");
        assert!(lookup("direct").unwrap().allowed.contains(&Event));
        assert!(!lookup("alb").unwrap().allowed.contains(&Event));
        assert!(lookup("rabbitmq").is_none());
    }
}
