//! SQS FIFO queues: messages in order within their group, one batch per group at a time,
//! concurrency bounded by the groups with messages, a failed batch blocking its group.

use crate::{assert_conserved, run};
use lambdasim::metrics::RunReport;

fn fifo(function_extra: &str, source_extra: &str, arrival: &str, duration: &str) -> String {
    format!(
        r#"
duration = "{duration}"
seed = 5
[[functions]]
name = "orders"
duration = "1s"
init = "0s"
timeout = "10s"
{function_extra}
[[sources]]
service = "sqs"
fifo = true
{source_extra}
arrival = {arrival}
[output]
timeseries_interval = "1s"
invocations = true
"#
    )
}

fn starts(r: &RunReport) -> Vec<f64> {
    r.attempts
        .as_ref()
        .unwrap()
        .iter()
        .map(|a| a.start.as_secs_f64())
        .collect()
}

#[test]
fn one_group_is_processed_in_order_one_batch_at_a_time() {
    let r = run(&fifo(
        "",
        "message_groups = 1",
        "{ process = \"poisson\", rate = 20.0 }",
        "2m",
    ));
    assert_conserved(&r);
    let attempts = r.attempts.as_ref().unwrap();
    assert!(attempts.len() > 100, "{}", attempts.len());
    for w in attempts.windows(2) {
        assert!(w[1].start >= w[0].end, "batches of one group overlap");
        assert!(w[1].arrival >= w[0].arrival, "messages out of order");
    }
    assert_eq!(r.functions[0].max_concurrency, 1);
    // A standard queue runs the same messages many batches at a time.
    let standard = run(
        &fifo("", "", "{ process = \"poisson\", rate = 20.0 }", "2m").replace("fifo = true\n", ""),
    );
    assert!(standard.functions[0].max_concurrency >= 3);
}

#[test]
fn concurrency_is_bounded_by_the_groups_with_messages() {
    // A backlog over 4 groups: 4 batches at a time, never more.
    let r = run(&fifo(
        "",
        "message_groups = 4",
        "{ process = \"burst\", at = \"0s\", count = 2000 }",
        "3m",
    ));
    assert_conserved(&r);
    let f = &r.functions[0];
    assert_eq!(f.max_concurrency, 4);
    assert_eq!(r.source_reports[0].max_pollers, 4);
    // The bound drawn as pollers: 4 while the backlog lasts, never exceeded.
    for (k, bin) in r.series[0].iter().enumerate() {
        assert!(
            bin.concurrency <= bin.pollers + 1e-9,
            "second {k}: {} batches in flight, bound {}",
            bin.concurrency,
            bin.pollers
        );
    }
    assert_eq!(r.series[0][10].pollers, 4.0);
    // 2,000 messages, batches of 10, 4 at a time, 1 s each: 50 s if the groups held 500
    // each; the largest of 4 multinomial groups holds 500 + about one standard deviation
    // (19), and at most 4.5 of them (586) here.
    assert_eq!(f.succeeded, 2000);
    let drained = f.latency.max_ms / 1000.0;
    assert!((50.0..=59.0).contains(&drained), "{drained}");
    // `max_concurrency` caps it below the groups.
    let r = run(&fifo(
        "",
        "message_groups = 40\nmax_concurrency = 3",
        "{ process = \"burst\", at = \"0s\", count = 2000 }",
        "3m",
    ));
    assert_eq!(r.functions[0].max_concurrency, 3);
}

#[test]
fn a_failed_batch_blocks_its_group_until_it_is_dead_lettered() {
    // Three messages of one group, batches of one, every invocation fails; visible again
    // 30 s after each failure; dead-lettered at the second receive. The second message
    // waits for the first to leave: 0 and 31 s for the first, then 32 and 63 s, 64 and
    // 95 s. A standard queue would start all three at once.
    let r = run(&fifo(
        "error_rate = 1.0",
        "message_groups = 1\nbatch_size = 1\nvisibility_timeout = \"30s\"\nmax_receive_count = 2",
        "{ process = \"burst\", at = \"0s\", count = 3 }",
        "5m",
    ));
    assert_conserved(&r);
    assert_eq!(starts(&r), [0.0, 31.0, 32.0, 63.0, 64.0, 95.0]);
    let f = &r.functions[0];
    assert_eq!((f.failed, f.dlq), (3, 3));
    assert_eq!(r.source_reports[0].redelivered, 3);
}

#[test]
fn a_partial_batch_failure_returns_the_bad_message_and_all_after_it() {
    // Every message is bad and reported alone: nothing of a batch succeeds, and the whole
    // batch returns (the first bad one and those after it), in order. A FIFO queue has no
    // batching window: the first message is a batch alone, then 10, 10 and 4.
    let r = run(&fifo(
        "",
        "message_groups = 1\nrecord_error_rate = 1.0\nreport_batch_item_failures = true\nmax_receive_count = 1",
        "{ process = \"burst\", at = \"0s\", count = 25 }",
        "2m",
    ));
    assert_conserved(&r);
    let f = &r.functions[0];
    assert_eq!((f.succeeded, f.dlq, f.invocations), (0, 25, 4));
    // No bad message: each batch succeeds whole.
    let r = run(&fifo(
        "",
        "message_groups = 1\nreport_batch_item_failures = true",
        "{ process = \"burst\", at = \"0s\", count = 25 }",
        "2m",
    ));
    assert_eq!(
        (r.functions[0].succeeded, r.functions[0].invocations),
        (25, 4)
    );
}

#[test]
fn hot_groups_hold_the_backlog_and_cap_the_concurrency() {
    // 100 groups of Zipf popularity (s = 1.5): the hottest group holds about 40 % of the
    // messages, and, processed one batch at a time, it keeps the queue long after the
    // other groups are done.
    let r = run(&fifo(
        "",
        "message_groups = { count = 100, popularity = \"zipf\", s = 1.5 }",
        "{ process = \"burst\", at = \"0s\", count = 5000 }",
        "20m",
    ));
    assert_conserved(&r);
    let f = &r.functions[0];
    assert_eq!(f.succeeded, 5000);
    // The hottest group's ~2,000 messages take ~200 batches of 1 s each.
    let h: f64 = (1..=100).map(|k| (k as f64).powf(-1.5)).sum();
    let hottest = 5000.0 / h;
    let sd = (5000.0 * (1.0 / h) * (1.0 - 1.0 / h)).sqrt();
    let last = f.latency.max_ms / 1000.0;
    assert!(
        (last - hottest / 10.0).abs() < 4.0 * sd / 10.0 + 2.0,
        "the queue drained after {last} s; the hottest group holds about {hottest:.0}"
    );
}

#[test]
fn fifo_settings_are_checked() {
    let err = |extra: &str| {
        let text = fifo("", extra, "{ process = \"poisson\", rate = 1.0 }", "1m");
        lambdasim::scenario::parse(&text, std::path::Path::new("t.toml")).unwrap_err()
    };
    let e = err("message_groups = 4\nbatch_size = 11");
    assert_eq!(e.key.as_deref(), Some("sources[0].batch_size"));
    assert!(e.message.contains("at most 10"), "{e}");
    let e = err("");
    assert_eq!(e.key.as_deref(), Some("sources[0]"));
    assert!(e.message.contains("message_groups"), "{e}");
    let e = err("message_groups = 4\nbatching_window = \"1s\"");
    assert_eq!(e.key.as_deref(), Some("sources[0].batching_window"));
    let e = err("message_groups = 0");
    assert!(e.message.contains("between 1 and"), "{e}");
    let e = err("message_groups = \"many\"");
    assert!(e.message.contains("not a string"), "{e}");
    let e = err("message_groups = { count = 4, popularity = \"zipff\" }");
    assert_eq!(
        e.key.as_deref(),
        Some("sources[0].message_groups.popularity")
    );
    let e = err("message_groups = { count = 4, hot = 1 }");
    assert!(e.message.contains("hot"), "{e}");
    // A standard queue has no groups; a stream has no `fifo`.
    let text = fifo(
        "",
        "message_groups = 4",
        "{ process = \"poisson\", rate = 1.0 }",
        "1m",
    )
    .replace("fifo = true\n", "");
    let e = lambdasim::scenario::parse(&text, std::path::Path::new("t.toml")).unwrap_err();
    assert_eq!(e.key.as_deref(), Some("sources[0].message_groups"));
    let text = fifo(
        "",
        "message_groups = 4",
        "{ process = \"poisson\", rate = 1.0 }",
        "1m",
    )
    .replace("\"sqs\"", "\"kinesis\"");
    let e = lambdasim::scenario::parse(&text, std::path::Path::new("t.toml")).unwrap_err();
    assert_eq!(e.key.as_deref(), Some("sources[0].fifo"));
    assert!(e.message.contains("`sqs` sources"), "{e}");
}
