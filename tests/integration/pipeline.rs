//! Pipelines: functions that emit events to sources and send asynchronous events to
//! destinations; counts that balance across stages, end-to-end latency, recursive loop
//! detection, and the checks of their keys.

use crate::{assert_conserved, run, scenario};

/// api (sync, 100 ms) emits to an S3 bucket whose events invoke `resize` (200 ms), which
/// emits to the `jobs` queue that `index` (300 ms) drains.
fn three_stages(resize_extra: &str, extra: &str) -> String {
    format!(
        r#"
duration = "10m"
seed = 2
[[functions]]
name = "api"
duration = "100ms"
init = "0s"
emits = [{{ source = "uploads" }}]
[[functions]]
name = "resize"
duration = "200ms"
init = "0s"
emits = [{{ source = "jobs", count = 1 }}]
{resize_extra}
[[functions]]
name = "index"
duration = "300ms"
init = "0s"
[[sources]]
name = "web"
service = "api_gateway"
function = "api"
arrival = {{ process = "constant", rate = 1.0 }}
[[sources]]
name = "uploads"
service = "s3"
function = "resize"
[[sources]]
name = "jobs"
service = "sqs"
function = "index"
batch_size = 1
{extra}
"#
    )
}

#[test]
fn a_deterministic_chain_takes_the_sum_of_its_stages() {
    let r = run(&three_stages("", ""));
    assert_conserved(&r);
    let [api, resize, index] = &r.functions[..] else {
        panic!("three functions")
    };
    // Every stage takes every request of the one before (the last may be running).
    assert_eq!(api.requests, 600);
    assert_eq!(resize.requests, api.succeeded);
    assert_eq!(index.requests, resize.succeeded);
    assert_eq!(
        (api.emitted, resize.chained),
        (api.succeeded, resize.requests)
    );
    // Only `index` ends chains, each 100 + 200 + 300 ms after its arrival.
    assert_eq!((api.chain_ends, resize.chain_ends), (0, 0));
    assert_eq!(index.chain_ends, index.succeeded);
    let p = &index.pipeline_latency;
    assert!(
        (p.mean_ms - 600.0).abs() < 1e-9 && (p.max_ms - 600.0).abs() < 1e-9,
        "{p:?}"
    );
    assert!((index.latency.max_ms - 300.0).abs() < 1e-9);
}

#[test]
fn a_failure_goes_to_its_destination_and_counts_in_both_stages() {
    // `resize` fails 30 % of its events, none retried: each goes to `repair`, invoked
    // asynchronously, and counts as failed in `resize` and as a request of `repair`.
    let text = three_stages(
        "error_rate = 0.3\nmax_retry_attempts = 0\non_failure = { function = \"repair\" }",
        "[[functions]]\nname = \"repair\"\nduration = \"50ms\"\ninit = \"0s\"\n",
    );
    let sc = scenario(&text);
    assert!(sc.sources.iter().any(|s| s.name == "resize.on_failure"));
    let r = run(&text);
    assert_conserved(&r);
    let resize = &r.functions[1];
    let index = &r.functions[2];
    let repair = &r.functions[3];
    assert!(resize.failed > 100, "{}", resize.failed);
    assert_eq!(repair.requests, resize.failed);
    assert_eq!(repair.chained, resize.failed);
    assert_eq!(index.requests, resize.succeeded);
    assert_eq!(resize.emitted, resize.succeeded + resize.failed);
    // The requests balance across the stages: every arrival at `api` ended in `index`
    // or in `repair`.
    let ends = index.chain_ends + repair.chain_ends + index.unfinished + repair.unfinished;
    assert!(ends + resize.unfinished + 1 >= r.functions[0].requests);
    assert_eq!(repair.chain_ends, repair.succeeded);
    // A failure's chain: 100 ms, 200 ms failing, then 50 ms.
    assert!((repair.pipeline_latency.max_ms - 350.0).abs() < 1e-9);
}

/// `echo` drains `loop_q` and sends each message back to it.
fn echo(extra: &str) -> String {
    format!(
        r#"
duration = "10m"
seed = 1
[[functions]]
name = "echo"
duration = "10ms"
init = "0s"
emits = [{{ source = "loop_q" }}]
{extra}
[[sources]]
name = "loop_q"
service = "sqs"
function = "echo"
batch_size = 1
arrival = {{ process = "burst", at = "0s", count = 1 }}
"#
    )
}

#[test]
fn a_loop_is_stopped_after_sixteen_invocations() {
    let text = echo("");
    let sc = scenario(&text);
    assert!(
        sc.warnings
            .iter()
            .any(|w| w.contains("`echo`") && w.contains("loop")),
        "{:?}",
        sc.warnings
    );
    let r = run(&text);
    assert_conserved(&r);
    let f = &r.functions[0];
    // 16 invocations; the 17th message is dropped.
    assert_eq!(f.invocations, 16);
    assert_eq!((f.requests, f.succeeded, f.failed), (17, 16, 1));
    assert_eq!(f.recursion_stopped, 1);
    // Allowed, the loop goes on for the whole run (an invocation every 10 ms or so).
    let r = run(&echo("recursive_loop = \"allow\""));
    assert_conserved(&r);
    assert_eq!(r.functions[0].recursion_stopped, 0);
    assert!(r.functions[0].invocations > 10_000);
}

#[test]
fn fan_out_and_filters_emit_their_counts() {
    // `split` emits 3 events to `parts` and, with probability 0.25, one to `audit`.
    let text = r#"
duration = "30m"
seed = 5
[[functions]]
name = "split"
duration = "10ms"
emits = [{ source = "parts", count = 3 }, { source = "audit", probability = 0.25 }]
[[functions]]
name = "part"
duration = "10ms"
[[sources]]
name = "in"
service = "sns"
function = "split"
arrival = { process = "poisson", rate = 5.0 }
[[sources]]
name = "parts"
service = "eventbridge"
function = "part"
[[sources]]
name = "audit"
service = "sqs"
function = "part"
"#;
    let r = run(text);
    assert_conserved(&r);
    let split = &r.functions[0];
    let part = &r.functions[1];
    let n = split.succeeded as f64;
    let audit = part.requests as f64 - 3.0 * n;
    // Binomial(n, 0.25): within 4 standard deviations.
    let sd = (n * 0.25 * 0.75).sqrt();
    assert!((audit - 0.25 * n).abs() < 4.0 * sd, "{audit} of {n}");
    assert_eq!(split.emitted, part.requests);
}

#[test]
fn pipeline_settings_are_checked() {
    let err =
        |text: &str| lambdasim::scenario::parse(text, std::path::Path::new("t.toml")).unwrap_err();
    let e = err(&three_stages("", "").replace("source = \"jobs\", count = 1", "source = \"job\""));
    assert_eq!(e.key.as_deref(), Some("functions[1].emits[0].source"));
    assert!(e.help.as_deref().unwrap_or("").contains("`jobs`"), "{e:?}");
    let e = err(&three_stages(
        "on_failure = { function = \"repiar\" }",
        "[[functions]]\nname = \"repair\"\nduration = \"1s\"\n",
    ));
    assert_eq!(e.key.as_deref(), Some("functions[1].on_failure.function"));
    assert!(
        e.help.as_deref().unwrap_or("").contains("`repair`"),
        "{e:?}"
    );
    let e = err(&three_stages(
        "on_success = { function = \"index\", source = \"jobs\" }",
        "",
    ));
    assert_eq!(e.key.as_deref(), Some("functions[1].on_success"));
    let e = err(&three_stages(
        "emits = [{ source = \"jobs\", count = 2, probability = 0.5 }]",
        "",
    )
    .replace("emits = [{ source = \"jobs\", count = 1 }]\n", ""));
    assert_eq!(e.key.as_deref(), Some("functions[1].emits[0].probability"));
    let e = err(&three_stages("recursive_loop = \"sometimes\"", ""));
    assert_eq!(e.key.as_deref(), Some("functions[1].recursive_loop"));
    // A source with no arrival that nothing feeds.
    let e = err(&three_stages("", "").replace("emits = [{ source = \"jobs\", count = 1 }]\n", ""));
    assert_eq!(e.key.as_deref(), Some("sources[2]"));
    assert!(e.message.contains("arrival"), "{e}");
    // on_failure on a queue's source: only streams and Kafka.
    let e = err(&three_stages("", "on_failure = { source = \"uploads\" }"));
    assert_eq!(e.key.as_deref(), Some("sources[2].on_failure"));
}

#[test]
fn a_stream_sends_the_records_whose_retries_ran_out_to_its_destination() {
    // Every batch of `ingest` fails, with no retries: each record goes to the on-failure
    // destination, `repair`, as an event of its own.
    let text = r#"
duration = "5m"
seed = 3
[[functions]]
name = "ingest"
duration = "20ms"
error_rate = 1.0
[[functions]]
name = "repair"
duration = "10ms"
[[sources]]
name = "clicks"
service = "kinesis"
function = "ingest"
shards = 2
max_retry_attempts = 0
on_failure = { function = "repair" }
arrival = { process = "poisson", rate = 50.0 }
"#;
    let r = run(text);
    assert_conserved(&r);
    let (ingest, repair) = (&r.functions[0], &r.functions[1]);
    assert!(ingest.dlq > 10_000, "{}", ingest.dlq);
    assert_eq!(r.source_reports[0].dlq, ingest.dlq);
    assert_eq!(repair.requests, ingest.dlq);
    assert_eq!(ingest.emitted, ingest.dlq);
    // Without the destination, the same records are only counted.
    let r = run(&text.replace("on_failure = { function = \"repair\" }\n", ""));
    assert_eq!(r.functions[1].requests, 0);
    assert_eq!(r.functions[0].dlq, ingest.dlq);
}

#[test]
fn each_function_of_a_trace_keeps_its_template_s_emits() {
    // The template `az` emits to `audit` (read by `log`); on_failure sends to `az`
    // itself, a template that the trace expands away for its arrivals but a destination
    // still targets. Expanded functions take the template's emits; nothing panics.
    let text = std::fs::read_to_string("scenarios/azure2019_day.toml")
        .unwrap()
        .replace("duration = \"24h\"", "duration = \"2h\"")
        .replace("path = \"traces/", "path = \"scenarios/traces/")
        .replace("durations = \"traces/", "durations = \"scenarios/traces/")
        .replace("memory = \"traces/", "memory = \"scenarios/traces/")
        .replace(
            "init = { dist = \"lognormal\", median = \"400ms\", sigma = 0.4 }",
            "init = { dist = \"lognormal\", median = \"400ms\", sigma = 0.4 }\nemits = [{ source = \"audit\", probability = 0.5 }]\n[[functions]]\nname = \"log\"\nduration = \"5ms\"\non_failure = { function = \"az\" }",
        )
        .replace(
            "[output]",
            "[[sources]]\nname = \"audit\"\nservice = \"sns\"\nfunction = \"log\"\n[output]",
        );
    let sc = scenario(&text);
    assert!(sc.functions.len() > 3, "{}", sc.functions.len());
    assert_eq!(sc.pipeline.component.len(), sc.functions.len());
    let r = run(&text);
    assert_conserved(&r);
    let log = r.functions.iter().find(|f| f.function == "log").unwrap();
    let emitted: u64 = r
        .functions
        .iter()
        .filter(|f| f.function != "log")
        .map(|f| f.emitted)
        .sum();
    assert!(
        log.requests > 100 && log.requests == emitted,
        "{} {emitted}",
        log.requests
    );
}
