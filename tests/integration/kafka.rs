//! Kafka (MSK, self-managed) and Amazon MQ mappings: partitions read in order, consumers
//! scaled each minute from the lag and landing three minutes later, batching windows; a
//! broker's fixed consumers and its redelivery.

use crate::{assert_conserved, run};
use lambdasim::metrics::RunReport;

fn kafka(
    service: &str,
    function_extra: &str,
    source_extra: &str,
    arrival: &str,
    duration: &str,
) -> String {
    format!(
        r#"
duration = "{duration}"
seed = 9
[[functions]]
name = "consumer"
duration = "1s"
init = "0s"
timeout = "10s"
{function_extra}
[[sources]]
service = "{service}"
{source_extra}
arrival = {arrival}
[output]
timeseries_interval = "1s"
invocations = true
"#
    )
}

fn pollers(r: &RunReport) -> Vec<f64> {
    r.series[0].iter().map(|b| b.pollers).collect()
}

#[test]
fn one_partition_is_read_in_order_one_batch_at_a_time() {
    let r = run(&kafka(
        "msk",
        "",
        "batch_size = 10",
        "{ process = \"poisson\", rate = 30.0 }",
        "3m",
    ));
    assert_conserved(&r);
    let attempts = r.attempts.as_ref().unwrap();
    assert!(attempts.len() > 100);
    for w in attempts.windows(2) {
        assert!(w[1].start >= w[0].end, "batches of one partition overlap");
        assert!(w[1].arrival >= w[0].arrival, "records out of order");
    }
    assert_eq!(r.functions[0].max_concurrency, 1);
}

#[test]
fn consumers_follow_the_lag_each_minute_and_land_three_minutes_later() {
    // A backlog of 100,000 records over 10 partitions (about 10,000 each), 100 records a
    // batch, 1 s a batch, one consumer at first, which goes round the partitions. At 60 s
    // the lag has not shrunk and 10 partitions hold records: 10 consumers, landing at
    // 240 s. By then 240 batches are done, about 24 from each partition, so all 10 still
    // hold records and the weighings at 240 and 300 s change nothing. The other 76,000
    // records take 10 consumers about 76 s: drained by about 316 s. The weighing at 360 s
    // finds nothing left: 1 consumer at 540 s.
    let r = run(&kafka(
        "kafka",
        "",
        "partitions = 10",
        "{ process = \"burst\", at = \"0s\", count = 100000 }",
        "15m",
    ));
    assert_conserved(&r);
    let p = pollers(&r);
    assert!(p[..240].iter().all(|&x| x == 1.0), "{:?}", &p[..241]);
    assert!(p[240..540].iter().all(|&x| x == 10.0), "{:?}", &p[240..541]);
    assert!(p[540..].iter().all(|&x| x == 1.0), "{:?}", &p[540..]);
    assert_eq!(r.source_reports[0].max_pollers, 10);
    assert_eq!(r.functions[0].max_concurrency, 10);
    let f = &r.functions[0];
    assert_eq!(f.succeeded, 100_000);
    // The fullest partition (about 10,000 + 3 σ, σ ≈ 95) sets the end.
    let drained = f.latency.max_ms / 1000.0;
    assert!((310.0..325.0).contains(&drained), "drained at {drained} s");
    // The lag, in records and age, is the queue depth and the oldest age.
    let s = &r.source_reports[0];
    assert!(s.queue_depth_max >= 99_900, "{}", s.queue_depth_max);
    assert!(r.series[0][120].oldest_age_s >= 119.0);
}

#[test]
fn a_throttled_function_gets_fewer_consumers() {
    // As above, but only 3 environments. The 10 consumers land at 240 s and are
    // throttled at once, so the weighing at 240 s asks for the 3 that ran: 3 at 420 s.
    let r = run(&kafka(
        "msk",
        "reserved_concurrency = 3",
        "partitions = 10",
        "{ process = \"burst\", at = \"0s\", count = 100000 }",
        "15m",
    ));
    assert_conserved(&r);
    let p = pollers(&r);
    assert_eq!((p[239], p[240], p[419], p[420]), (1.0, 10.0, 10.0, 3.0));
    // Then fewer as the partitions drain, one by one: never more than 3 again.
    assert!(
        p[420..].windows(2).all(|w| w[1] <= w[0] && w[0] <= 3.0),
        "{:?}",
        &p[420..]
    );
    assert_eq!(*p.last().unwrap(), 1.0);
    assert!(r.functions[0].throttles > 0);
    assert_eq!(r.functions[0].max_concurrency, 3);
}

#[test]
fn a_throttled_or_failed_partition_waits_for_the_next_poll() {
    // Records keep arriving on 10 partitions while only 3 environments exist: each
    // throttled partition tries again at the next poll, not at its next record, so a
    // second holds at most one throttle per partition.
    let r = run(&kafka(
        "msk",
        "reserved_concurrency = 3",
        "partitions = 10",
        "{ process = \"poisson\", rate = 1000.0 }",
        "8m",
    ));
    assert_conserved(&r);
    assert!(r.functions[0].throttles > 100);
    for (k, bin) in r.series[0].iter().enumerate() {
        assert!(
            bin.throttles <= 10,
            "second {k}: {} throttles",
            bin.throttles
        );
    }
    // A failing batch of one partition is retried once a poll, however fast records come.
    let r = run(&kafka(
        "kafka",
        "error_rate = 1.0",
        "",
        "{ process = \"poisson\", rate = 100.0 }",
        "2m",
    )
    .replace("duration = \"1s\"", "duration = \"10ms\""));
    assert_conserved(&r);
    let f = &r.functions[0];
    assert!(
        (110..=121).contains(&f.retries),
        "{} retries in 120 s",
        f.retries
    );
}

#[test]
fn consumers_go_round_the_partitions() {
    // One consumer (for the first 4 minutes), 4 partitions, 40 records/s, 1 s a batch: it
    // can take 100 records a second, so going round the partitions it keeps every one
    // within a few seconds. Kept on one partition, the other three would wait minutes.
    let r = run(&kafka(
        "msk",
        "",
        "partitions = 4",
        "{ process = \"poisson\", rate = 40.0 }",
        "4m",
    ));
    assert_conserved(&r);
    let worst = r.series[0]
        .iter()
        .map(|b| b.oldest_age_s)
        .fold(0.0, f64::max);
    assert!(worst < 10.0, "the oldest record waited {worst} s");
}

#[test]
fn a_batch_waits_for_its_window_or_until_it_is_full() {
    // One record a second on one partition, the default window of 500 ms: each record is
    // a batch of one, started 500 ms after it arrived.
    let r = run(&kafka(
        "kafka",
        "",
        "",
        "{ process = \"constant\", rate = 1.0 }",
        "1m",
    ));
    assert_conserved(&r);
    let f = &r.functions[0];
    assert_eq!(r.source_reports[0].batched, r.source_reports[0].batches);
    assert!(
        (f.latency.mean_ms - 1500.0).abs() < 1e-6,
        "{}",
        f.latency.mean_ms
    );
    // 1,000 a second and batches of 100: full at once, and no waiting for the window.
    let r = run(&kafka(
        "kafka",
        "",
        "batch_size = 100\nbatching_window = \"5s\"",
        "{ process = \"constant\", rate = 1000.0 }",
        "1m",
    )
    .replace("duration = \"1s\"", "duration = \"10ms\""));
    let s = &r.source_reports[0];
    assert!(
        s.batched as f64 / s.batches as f64 > 99.0,
        "{} / {}",
        s.batched,
        s.batches
    );
    assert!(r.functions[0].latency.p99_ms < 200.0);
}

#[test]
fn a_failed_batch_blocks_its_partition_and_goes_on_failure_after_its_retries() {
    let r = run(&kafka(
        "msk",
        "error_rate = 1.0",
        "max_retry_attempts = 2",
        "{ process = \"burst\", at = \"0s\", count = 3 }",
        "5m",
    ));
    assert_conserved(&r);
    let f = &r.functions[0];
    // One batch of 3 (at the end of its window), tried 3 times: at 0.5 s, then at the
    // polls after each failure.
    assert_eq!((f.invocations, f.retries, f.dlq, f.failed), (3, 2, 3, 3));
}

#[test]
fn an_activemq_mapping_has_five_consumers_and_rabbitmq_one() {
    let backlog = "{ process = \"burst\", at = \"0s\", count = 10000 }";
    let r = run(&kafka("mq", "", "", backlog, "5m"));
    assert_conserved(&r);
    assert_eq!(r.functions[0].max_concurrency, 5);
    assert_eq!(r.source_reports[0].max_pollers, 5);
    assert_eq!(pollers(&r)[100], 5.0);
    // Batches of 100 by default: 10,000 records in 100 batches, 20 rounds of 5.
    assert_eq!(r.source_reports[0].batches, 100);
    assert!((r.functions[0].latency.max_ms - 20_000.0).abs() < 1.0);
    let r = run(&kafka("mq", "", "broker = \"rabbitmq\"", backlog, "5m"));
    assert_eq!(r.functions[0].max_concurrency, 1);
    let r = run(&kafka("mq", "", "max_concurrency = 12", backlog, "5m"));
    assert_eq!(r.functions[0].max_concurrency, 12);
}

#[test]
fn a_broker_redelivers_after_a_second_and_dead_letters_after_seven_receives() {
    let r = run(&kafka(
        "mq",
        "error_rate = 1.0",
        "batching_window = \"0s\"",
        "{ process = \"burst\", at = \"0s\", count = 1 }",
        "1m",
    ));
    assert_conserved(&r);
    let starts: Vec<f64> = r
        .attempts
        .as_ref()
        .unwrap()
        .iter()
        .map(|a| a.start.as_secs_f64())
        .collect();
    // Each attempt fails after 1 s and is redelivered 1 s later.
    assert_eq!(starts, [0.0, 2.0, 4.0, 6.0, 8.0, 10.0, 12.0]);
    assert_eq!(r.functions[0].dlq, 1);
    let r = run(&kafka(
        "mq",
        "error_rate = 1.0",
        "batching_window = \"0s\"\nbroker = \"rabbitmq\"",
        "{ process = \"burst\", at = \"0s\", count = 1 }",
        "2m",
    ));
    assert_eq!(r.functions[0].invocations, 20);
}

#[test]
fn kafka_and_mq_settings_are_checked() {
    let err = |service: &str, extra: &str| {
        let text = kafka(
            service,
            "",
            extra,
            "{ process = \"poisson\", rate = 1.0 }",
            "1m",
        );
        lambdasim::scenario::parse(&text, std::path::Path::new("t.toml")).unwrap_err()
    };
    let e = err("msk", "partitions = 0");
    assert_eq!(e.key.as_deref(), Some("sources[0].partitions"));
    let e = err("kafka", "shards = 2");
    assert_eq!(e.key.as_deref(), Some("sources[0].shards"));
    assert!(e.message.contains("stream sources"), "{e}");
    let e = err("kafka", "bisect_on_error = true");
    assert_eq!(e.key.as_deref(), Some("sources[0].bisect_on_error"));
    let e = err("kinesis", "partitions = 2");
    assert!(e.message.contains("Kafka sources (msk, kafka)"), "{e}");
    let e = err("msk", "batch_size = 10001");
    assert!(e.message.contains("between 1 and 10000"), "{e}");
    let e = err("mq", "broker = \"kafka\"");
    assert_eq!(e.key.as_deref(), Some("sources[0].broker"));
    let e = err("mq", "visibility_timeout = \"1m\"");
    assert!(e.message.contains("`sqs` sources"), "{e}");
    let e = err("sqs", "redelivery_delay = \"1s\"");
    assert!(e.message.contains("`mq` sources"), "{e}");
    let e = err("mq", "max_concurrency = 0");
    assert!(e.message.contains("between 1 and 1000"), "{e}");
    let e = err("msk", "retention = \"400d\"");
    assert!(e.message.contains("Kafka"), "{e}");
}
