//! Poll sources: SQS and stream event source mappings.

use crate::{assert_conserved, run};
use lambdasim::metrics::{AttemptOutcome, RunReport, SourceReport};

fn source(r: &RunReport) -> &SourceReport {
    &r.source_reports[0]
}

fn sqs(function_extra: &str, source_extra: &str, arrival: &str, duration: &str) -> String {
    format!(
        r#"
duration = "{duration}"
seed = 3
[account]
concurrency_limit = 5000
[[functions]]
name = "worker"
duration = "1s"
init = "0s"
timeout = "10s"
{function_extra}
[[sources]]
service = "sqs"
{source_extra}
arrival = {arrival}
[output]
timeseries_interval = "1s"
invocations = true
"#
    )
}

#[test]
fn sqs_pollers_grow_by_five_a_second_while_messages_wait() {
    let r = run(&sqs(
        "",
        "",
        "{ process = \"burst\", at = \"0s\", count = 2000000 }",
        "5m",
    ));
    assert_conserved(&r);
    let s = &r.series[0];
    for (k, bin) in s.iter().enumerate().take(240).skip(1) {
        assert_eq!(bin.pollers, 5.0 + 5.0 * k as f64, "second {k}");
    }
    // Capped at 1,250, and never more concurrent batches than pollers.
    assert_eq!(s[260].pollers, 1250.0);
    assert_eq!(source(&r).max_pollers, 1250);
    assert!(r.functions[0].max_concurrency <= 1250);
    // MaximumConcurrency caps the mapping.
    let r = run(&sqs(
        "",
        "max_concurrency = 50",
        "{ process = \"burst\", at = \"0s\", count = 100000 }",
        "2m",
    ));
    assert_eq!(source(&r).max_pollers, 50);
    assert_eq!(r.functions[0].max_concurrency, 50);
    assert_eq!(r.series[0][30].pollers, 50.0);
}

#[test]
fn batches_are_full_under_a_backlog_and_single_in_a_trickle() {
    let backlog = run(&sqs(
        "",
        "",
        "{ process = \"burst\", at = \"1s\", count = 50000 }",
        "10m",
    ));
    assert_conserved(&backlog);
    let b = source(&backlog);
    assert_eq!(b.requests, 50_000);
    assert!(b.batched as f64 / b.batches as f64 > 9.9, "{b:?}");
    let trickle = run(&sqs("", "", "{ process = \"poisson\", rate = 1.0 }", "1h")
        .replace("duration = \"1s\"", "duration = \"10ms\""));
    let t = source(&trickle);
    assert_eq!(t.batched, t.batches, "one message per batch: {t:?}");
    // A batching window gathers a trickle: 5 s at 1 message/s gives about 5 per batch.
    let windowed = run(&sqs(
        "",
        "batch_size = 100\nbatching_window = \"5s\"",
        "{ process = \"constant\", rate = 1.0 }",
        "1h",
    )
    .replace("duration = \"1s\"", "duration = \"10ms\""));
    assert_conserved(&windowed);
    // Messages at t = 0, 1, …, 3,599 s. The first of a batch opens a 5 s window; the
    // message due when it closes opens the next. So every batch holds exactly 5 messages
    // (5k … 5k + 4, invoked at 5k + 5 s), and the last batch, due at the end, is not run.
    let w = source(&windowed);
    assert_eq!((w.batches, w.batched), (719, 3595));
    // A message waits 5, 4, 3, 2 or 1 s for its batch, plus the 10 ms run: 3.01 s on
    // average, 5.01 s at most.
    let f = &windowed.functions[0];
    assert_eq!((f.succeeded, f.unfinished), (3595, 5));
    assert_eq!(f.latency.max_ms, 5_010.0);
    assert!(
        (f.latency.mean_ms - 3_010.0).abs() < 1e-9,
        "{}",
        f.latency.mean_ms
    );
    // A window that ends between two polls (2.5 s) starts its batch when it ends, not at
    // the next poll: 3 messages a batch, waiting 2.5, 1.5 and 0.5 s.
    let between = run(&sqs(
        "",
        "batch_size = 100\nbatching_window = \"2500ms\"",
        "{ process = \"constant\", rate = 1.0 }",
        "1h",
    )
    .replace("duration = \"1s\"", "duration = \"10ms\""));
    let f = &between.functions[0];
    assert_eq!(f.latency.max_ms, 2_510.0);
    assert!(
        (f.latency.mean_ms - 1_510.0).abs() < 1e-9,
        "{}",
        f.latency.mean_ms
    );
    let b = source(&between);
    assert_eq!(b.batched, 3 * b.batches);
}

#[test]
fn a_failing_message_returns_after_its_visibility_timeout_then_goes_to_the_dlq() {
    let r = run(&sqs(
        "error_rate = 1.0",
        "visibility_timeout = \"60s\"\nmax_receive_count = 3",
        "{ process = \"burst\", at = \"0s\", count = 1 }",
        "5m",
    ));
    assert_conserved(&r);
    let f = &r.functions[0];
    assert_eq!((f.requests, f.failed, f.dlq, f.invocations), (1, 1, 1, 3));
    let s = source(&r);
    assert_eq!((s.batches, s.redelivered, s.dlq), (3, 2, 1));
    // Received at 0 s, 61 s and 122 s; each attempt fails after 1 s.
    let starts: Vec<f64> = r
        .attempts
        .as_ref()
        .unwrap()
        .iter()
        .map(|a| a.start.as_millis_f64())
        .collect();
    assert_eq!(starts, [0.0, 61_000.0, 122_000.0]);
    assert_eq!(r.series[0][123].dlq, 1);
    // Without max_receive_count the message comes back for ever.
    let r = run(&sqs(
        "error_rate = 1.0",
        "visibility_timeout = \"60s\"",
        "{ process = \"burst\", at = \"0s\", count = 1 }",
        "5m",
    ));
    assert_conserved(&r);
    assert_eq!((r.functions[0].dlq, r.functions[0].unfinished), (0, 1));
}

#[test]
fn a_throttled_mapping_backs_down_and_its_messages_return() {
    let r = run(&sqs(
        "reserved_concurrency = 4",
        "visibility_timeout = \"30s\"",
        "{ process = \"poisson\", rate = 60.0 }",
        "10m",
    ));
    assert_conserved(&r);
    let f = &r.functions[0];
    // 60 messages/s against 40 a second of capacity: a backlog from the start. The 5th
    // batch is throttled at once; then the mapping holds 4 pollers for `sqs_throttle_hold`
    // (60 s) and tries a 5th at the first poll after it: one throttle at 0, 61, 121, …,
    // 541 s.
    let throttled: Vec<usize> = (0..r.series[0].len())
        .filter(|&k| r.series[0][k].throttles > 0)
        .collect();
    assert_eq!(throttled, [0, 61, 121, 181, 241, 301, 361, 421, 481, 541]);
    assert_eq!(f.throttles, 10);
    assert_eq!(f.max_concurrency, 4);
    // The first throttled batch held the one message then waiting (none had queued yet),
    // the nine later ones full batches of 10, all received again 30 s later.
    assert_eq!(source(&r).redelivered, 1 + 9 * 10);
    assert_eq!(f.failed, 0, "nothing is lost without max_receive_count");
    // The same with `max_concurrency` at the initial 5 pollers: it backs down all the same
    // (only a broker's consumers are fixed).
    let r = run(&sqs(
        "reserved_concurrency = 4",
        "visibility_timeout = \"30s\"\nmax_concurrency = 5",
        "{ process = \"poisson\", rate = 60.0 }",
        "10m",
    ));
    let again: Vec<usize> = (0..r.series[0].len())
        .filter(|&k| r.series[0][k].throttles > 0)
        .collect();
    assert_eq!(again, throttled);
}

#[test]
fn report_batch_item_failures_returns_only_the_bad_messages() {
    let text = |items: bool| {
        sqs(
            "",
            &format!(
                "record_error_rate = 0.1\nmax_receive_count = 1\nreport_batch_item_failures = {items}"
            ),
            "{ process = \"burst\", at = \"1s\", count = 100000 }",
            "20m",
        )
    };
    let with = run(&text(true));
    let without = run(&text(false));
    for r in [&with, &without] {
        assert_conserved(r);
    }
    let n = 100_000.0;
    let w = with.functions[0].dlq as f64 / n;
    assert!((w - 0.1).abs() < 0.01, "{w}");
    // A whole batch of 10 fails when any of its messages is bad: 1 − 0.9^10 ≈ 0.65.
    let wo = without.functions[0].dlq as f64 / n;
    assert!((wo - 0.651).abs() < 0.03, "{wo}");
}

fn stream(function_extra: &str, source_extra: &str, rate: f64, duration: &str) -> String {
    format!(
        r#"
duration = "{duration}"
seed = 4
[[functions]]
name = "consumer"
duration = "200ms"
init = "0s"
timeout = "30s"
{function_extra}
[[sources]]
service = "kinesis"
{source_extra}
arrival = {{ process = "poisson", rate = {rate} }}
[output]
timeseries_interval = "1s"
invocations = true
"#
    )
}

#[test]
fn a_stream_runs_at_most_shards_times_parallelization_batches_in_order() {
    let r = run(&stream(
        "",
        "shards = 3\nparallelization_factor = 2\nbatch_size = 10",
        500.0,
        "5m",
    )
    .replace("duration = \"200ms\"", "duration = \"2s\""));
    assert_conserved(&r);
    assert_eq!(r.functions[0].max_concurrency, 6);
    assert_eq!(source(&r).max_pollers, 6);
    // One lane: batches run one at a time, oldest records first.
    let r = run(&stream("", "batch_size = 10", 200.0, "2m"));
    assert_conserved(&r);
    let attempts = r.attempts.as_ref().unwrap();
    assert!(attempts.len() > 100);
    for w in attempts.windows(2) {
        assert!(w[1].start >= w[0].end, "batches overlap");
        assert!(w[1].arrival >= w[0].arrival, "records out of order");
    }
    assert_eq!(r.functions[0].max_concurrency, 1);
}

#[test]
fn a_poison_record_blocks_its_shard_and_the_iterator_age_climbs() {
    // Every record is bad: the shard's first batch fails for ever.
    let r = run(&stream(
        "",
        "record_error_rate = 1.0\nretention = \"1h\"",
        5.0,
        "10m",
    ));
    assert_conserved(&r);
    let f = &r.functions[0];
    assert_eq!(f.succeeded, 0);
    assert!(f.retries > 500, "a retry each poll: {}", f.retries);
    for k in [60usize, 300, 590] {
        let age = r.series[0][k].oldest_age_s;
        assert!(
            (age - k as f64).abs() < 2.0,
            "second {k}: iterator age {age}"
        );
    }
    // With max_retry_attempts the batch goes to the on-failure destination and the shard
    // moves on.
    let r = run(&stream(
        "",
        "record_error_rate = 1.0\nmax_retry_attempts = 2",
        5.0,
        "10m",
    ));
    assert_conserved(&r);
    let f = &r.functions[0];
    assert!(f.dlq > 2500, "{}", f.dlq);
    assert!(r.series[0][590].oldest_age_s < 10.0);
    // Past the retention, blocked records expire.
    let r = run(&stream(
        "",
        "record_error_rate = 1.0\nretention = \"2m\"",
        5.0,
        "10m",
    ));
    assert_conserved(&r);
    let s = source(&r);
    assert!(s.expired > 1500 && r.functions[0].failed == s.expired);
    assert!(r.series[0][590].oldest_age_s <= 121.0);
}

#[test]
fn bisecting_isolates_poison_records() {
    let text = |bisect: bool| {
        stream(
            "",
            &format!(
                "record_error_rate = 0.0002\nmax_retry_attempts = 0\nbisect_on_error = {bisect}"
            ),
            200.0,
            "1h",
        )
        .replace("duration = \"200ms\"", "duration = \"20ms\"")
    };
    let plain = run(&text(false));
    let bisect = run(&text(true));
    for r in [&plain, &bisect] {
        assert_conserved(r);
    }
    // About 144 poison records among 720,000: bisecting (a halving per poll) drops about
    // as many records; without it each takes its whole batch down.
    let poison = 144.0;
    let b = bisect.functions[0].dlq as f64;
    assert!((b - poison).abs() < 0.3 * poison, "{b}");
    let f = &bisect.functions[0];
    assert!(
        f.unfinished * 20 < f.requests,
        "the shard keeps up: {}",
        f.unfinished
    );
    assert!(plain.functions[0].dlq as f64 > 5.0 * b);
}

#[test]
fn dynamodb_streams_behave_like_kinesis() {
    // The same stream read from DynamoDB and from Kinesis, with bad records and retries:
    // the same records, batches, retries, DLQ and latencies, draw for draw (the source is
    // named, so its random stream does not depend on the service's name).
    let text = stream(
        "",
        "name = \"events\"\nshards = 2\nrecord_error_rate = 0.001\nmax_retry_attempts = 2",
        100.0,
        "5m",
    );
    let k = run(&text);
    let d = run(&text.replace("kinesis", "dynamodb_streams"));
    assert_conserved(&d);
    assert_eq!(source(&d).service, "dynamodb_streams");
    let (kf, df) = (&k.functions[0], &d.functions[0]);
    assert!(
        kf.errors > 0 && kf.dlq > 0,
        "the comparison covers failures"
    );
    assert_eq!(
        (
            df.requests,
            df.succeeded,
            df.invocations,
            df.errors,
            df.retries,
            df.dlq,
            df.unfinished
        ),
        (
            kf.requests,
            kf.succeeded,
            kf.invocations,
            kf.errors,
            kf.retries,
            kf.dlq,
            kf.unfinished
        )
    );
    assert_eq!(df.latency.mean_ms, kf.latency.mean_ms);
    let (ks, ds) = (source(&k), source(&d));
    assert_eq!(
        (ds.batches, ds.batched, ds.max_pollers),
        (ks.batches, ks.batched, ks.max_pollers)
    );
}

#[test]
fn a_throttled_sqs_mapping_waits_for_its_next_poll() {
    // The function takes 2 batches at once (20 messages/s); 5 messages/s arrive.
    let r = run(&sqs(
        "reserved_concurrency = 2",
        "visibility_timeout = \"10s\"\nmax_receive_count = 3",
        "{ process = \"poisson\", rate = 5.0 }",
        "10m",
    ));
    assert_conserved(&r);
    let f = &r.functions[0];
    // After a throttle the mapping does not grow for `sqs_throttle_hold` (60 s): at most
    // one throttle a minute, each at least 60 s after the one before.
    let throttled: Vec<usize> = (0..r.series[0].len())
        .filter(|&k| r.series[0][k].throttles > 0)
        .collect();
    assert!(
        throttled.windows(2).all(|w| w[1] - w[0] >= 60),
        "{throttled:?}"
    );
    assert!((1..=10).contains(&throttled.len()), "{throttled:?}");
    assert_eq!(f.throttles as usize, throttled.len());
    assert!(
        (f.dlq as f64) < 0.01 * f.requests as f64,
        "{} to the DLQ",
        f.dlq
    );
    // Reserved at 0: one throttled batch per poll, every message redriven to the DLQ.
    let r = run(&sqs(
        "reserved_concurrency = 0",
        "visibility_timeout = \"10s\"\nmax_receive_count = 2",
        "{ process = \"poisson\", rate = 5.0 }",
        "10m",
    ));
    assert_conserved(&r);
    let f = &r.functions[0];
    // One throttled batch per poll that finds messages (at most one a second; with 5
    // messages/s and the returning ones, nearly every poll does), nothing ever runs.
    let per_second = r.series[0].iter().map(|b| b.throttles).max().unwrap();
    assert_eq!(per_second, 1);
    assert!((590..=600).contains(&f.throttles), "{}", f.throttles);
    assert_eq!(f.invocations, 0);
    // Every message is received twice, then redriven: DLQ arrivals = second receives, and
    // the rest are still waiting at the end.
    let s = source(&r);
    assert_eq!(s.redelivered, s.dlq);
    assert_eq!(f.dlq + f.unfinished, f.requests);
}

#[test]
fn sqs_pollers_do_not_grow_while_a_batch_gathers() {
    let r = run(&sqs(
        "",
        "batch_size = 10000\nbatching_window = \"300s\"",
        "{ process = \"poisson\", rate = 0.05 }",
        "1h",
    )
    .replace("duration = \"1s\"", "duration = \"10ms\""));
    assert_conserved(&r);
    assert_eq!(source(&r).max_pollers, 5);
}

#[test]
fn a_stream_with_many_idle_shards_is_cheap_and_reads_a_partial_backlog_at_once() {
    let r = run(&stream(
        "",
        "shards = 100000\nparallelization_factor = 10",
        2.0,
        "1h",
    ));
    assert_conserved(&r);
    assert_eq!(source(&r).max_pollers, 1_000_000);
    // 150 records/s into one lane, batches of 100 taking 300 ms: the lane never waits for
    // a poll while records are left.
    let r = run(&stream("", "batch_size = 100", 150.0, "2m")
        .replace("poisson", "constant")
        .replace("duration = \"200ms\"", "duration = \"300ms\""));
    let attempts = r.attempts.as_ref().unwrap();
    let gaps = attempts
        .windows(2)
        .filter(|w| w[1].start > w[0].end)
        .count();
    assert!(gaps < 3, "{gaps} waits for a poll with records left");
}

#[test]
fn sqs_pollers_scale_back_down_to_five_when_the_queue_empties() {
    // 20,000 messages at t = 0, batches of 10 taking 1 s: the pollers grow by 5 a second
    // while messages wait, then shrink by 5 a second once the queue is empty, to 5.
    let r = run(&sqs(
        "",
        "",
        "{ process = \"burst\", at = \"0s\", count = 20000, over = \"1ms\" }",
        "3m",
    ));
    assert_conserved(&r);
    let pollers: Vec<f64> = r.series[0].iter().map(|b| b.pollers).collect();
    let peak = pollers.iter().cloned().fold(0.0, f64::max);
    let top = pollers.iter().position(|&p| p == peak).unwrap();
    assert!(peak >= 50.0, "{pollers:?}");
    let down: Vec<f64> = pollers[top..]
        .iter()
        .cloned()
        .take_while(|&p| p > 5.0)
        .collect();
    for w in down.windows(2) {
        assert_eq!(w[0] - w[1], 5.0, "shrinks by 5 a second: {down:?}");
    }
    // Step by step, not at once: peak, peak − 5, …, 10.
    assert_eq!(down.len() as f64, (peak - 5.0) / 5.0, "{down:?}");
    assert!(
        pollers[top + down.len()..].iter().all(|&p| p == 5.0),
        "{pollers:?}"
    );
    assert_eq!(*pollers.last().unwrap(), 5.0);
}

#[test]
fn stream_max_retry_attempts_allows_exactly_that_many_retries() {
    for retries in [0u64, 1, 3] {
        let r = run(&format!(
            r#"
duration = "1m"
[[functions]]
name = "consumer"
duration = "200ms"
init = "0s"
[[sources]]
service = "kinesis"
record_error_rate = 1.0
max_retry_attempts = {retries}
arrival = {{ process = "burst", at = "0s", count = 1, over = "1ms" }}
"#
        ));
        assert_conserved(&r);
        let f = &r.functions[0];
        // One bad record: the first attempt and `retries` retries fail, then the DLQ.
        assert_eq!(
            (f.invocations, f.errors, f.retries, f.dlq, f.failed),
            (retries + 1, retries + 1, retries, 1, 1),
            "max_retry_attempts = {retries}"
        );
    }
}

#[test]
fn after_a_throttle_sqs_backs_down_to_the_batches_in_flight() {
    // A backlog on a function reserved at 20, batches taking exactly 1 s. The pollers grow
    // 5, 10, 15, 20; at t = 4 s a 25th batch is throttled, the mapping falls back to the 20
    // it has in flight and starts nothing until its next poll (t = 5 s), and does not try
    // to grow again for `sqs_throttle_hold` (60 s): one throttle at 4, 64 and 124 s, and 20
    // pollers from t = 3 s on. A mapping that kept its 25 pollers would throttle at every
    // poll.
    let r = run(&sqs(
        "reserved_concurrency = 20",
        "",
        "{ process = \"burst\", at = \"0s\", count = 100000, over = \"1ms\" }",
        "3m",
    ));
    assert_conserved(&r);
    let s = &r.series[0];
    assert_eq!(r.functions[0].throttles, 3);
    let throttled: Vec<usize> = (0..s.len()).filter(|&k| s[k].throttles > 0).collect();
    assert_eq!(throttled, [4, 64, 124]);
    for (k, bin) in s.iter().enumerate().skip(3) {
        assert_eq!(bin.pollers, 20.0, "second {k}");
        // The seconds of a throttle start nothing (the mapping waits for its next poll).
        let starts = if throttled.contains(&k) { 0 } else { 20 };
        assert_eq!(bin.invocations, starts, "second {k}");
    }
}

#[test]
fn a_throttled_message_is_received_again_at_the_first_poll_after_its_visibility_timeout() {
    // Reserved at 1, two messages: the second one's batch is throttled at 0.5 ms (when it
    // arrives, the first is running). It is invisible until 30.0005 s and received again at
    // the next poll, t = 31 s, although the function is free from t = 10 s.
    let r = run(&sqs(
        "reserved_concurrency = 1",
        "batch_size = 1\nvisibility_timeout = \"30s\"",
        "{ process = \"burst\", at = \"0s\", count = 2, over = \"1ms\" }",
        "2m",
    )
    .replace("duration = \"1s\"", "duration = \"10s\""));
    assert_conserved(&r);
    let starts: Vec<(f64, bool)> = r
        .attempts
        .as_ref()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a.start.as_nanos() as f64 / 1e6,
                a.outcome == AttemptOutcome::Throttled,
            )
        })
        .collect();
    assert_eq!(starts, [(0.5, true), (0.0, false), (31_000.0, false)]);
    assert_eq!(source(&r).redelivered, 1);
}

#[test]
fn per_record_work_adds_to_the_batch_duration() {
    // Five records at t = 0 on one shard: one batch of 5 that runs 100 ms + 5 × 10 ms.
    let r = run(r#"
duration = "1m"
[[functions]]
name = "consumer"
duration = "100ms"
init = "0s"
[[sources]]
service = "kinesis"
per_record = "10ms"
arrival = { process = "burst", at = "0s", count = 5, over = "1ms" }
[output]
invocations = true
"#);
    assert_conserved(&r);
    assert_eq!(r.functions[0].invocations, 1);
    let runs: Vec<f64> = r
        .attempts
        .as_ref()
        .unwrap()
        .iter()
        .map(|a| a.duration.as_nanos() as f64 / 1e6)
        .collect();
    assert_eq!(runs, [150.0]);
}

#[test]
fn every_message_is_an_arrival_in_the_bin_of_its_time() {
    // 50 messages a second for 10 s, at exact times (constant): 50 in each 1 s bin.
    let r = run(&sqs(
        "",
        "",
        "{ process = \"constant\", rate = 50.0 }",
        "10s",
    ));
    let arrivals: Vec<u64> = r.series[0].iter().map(|b| b.arrivals).collect();
    assert_eq!(arrivals, vec![50; 10]);
    assert_eq!(r.functions[0].requests, 500);
}

#[test]
fn queue_depth_and_oldest_age_are_sampled_at_every_poll() {
    // 100 messages at 0 that nothing drains (reserved at 0): every poll from 1 s to 59 s
    // sees 100 waiting (visible or returning after a throttled batch); the poll at 0 runs
    // before they arrive. Depth: 59 × 100 / 60 samples; oldest age: the poll's time, at
    // most 59 s, median 29 s (to the histogram's 3 digits).
    let r = run(r#"
duration = "1m"
[[functions]]
name = "f"
duration = "1s"
init = "0s"
reserved_concurrency = 0
[[sources]]
service = "sqs"
arrival = { process = "burst", at = "0s", count = 100 }
"#);
    let s = source(&r);
    assert_eq!(s.queue_depth_max, 100);
    assert!(
        (s.queue_depth_mean - 5900.0 / 60.0).abs() < 1e-9,
        "{}",
        s.queue_depth_mean
    );
    let age = s.oldest_age.as_ref().unwrap();
    assert_eq!(age.max_ms, 59_000.0);
    assert!((age.p50_ms - 29_000.0).abs() < 29.0, "{}", age.p50_ms);
}

#[test]
fn the_oldest_message_in_flight_sets_the_age() {
    // One message a second; reserved at 1, batches of 1, each run 100 s: the first
    // message is in flight from the first poll to past the end, the others wait. The
    // oldest unprocessed message is that first one, so at the poll at 59 s the age is
    // 59 s (not 58 s, the oldest still in the queue).
    let r = run(r#"
duration = "1m"
[[functions]]
name = "f"
duration = "100s"
timeout = "120s"
init = "0s"
reserved_concurrency = 1
[[sources]]
service = "sqs"
batch_size = 1
visibility_timeout = "12m"
arrival = { process = "constant", rate = 1.0 }
"#);
    let s = source(&r);
    assert_eq!(s.oldest_age.as_ref().unwrap().max_ms, 59_000.0);
}

#[test]
fn records_in_flight_are_not_counted_as_waiting() {
    // 100 records at 0 on one shard, batches of 10, each run 100 s: from the first poll
    // that finds them (1 s), a batch of 10 is in flight past the end and 90 wait. Depth
    // at the 60 polls: 0, then 90 × 59.
    let r = run(r#"
duration = "1m"
[[functions]]
name = "f"
duration = "100s"
timeout = "120s"
init = "0s"
[[sources]]
service = "kinesis"
shards = 1
batch_size = 10
arrival = { process = "burst", at = "0s", count = 100 }
"#);
    let s = source(&r);
    assert_eq!(s.queue_depth_max, 90);
    assert!(
        (s.queue_depth_mean - 90.0 * 59.0 / 60.0).abs() < 1e-9,
        "{}",
        s.queue_depth_mean
    );
}

#[test]
fn stream_records_dead_lettered_are_counted_in_every_book_and_latency_is_from_arrival() {
    // Three bad records at 0 and one good one at 0.5 s on a single shard: the batch of
    // the three fails twice (max_retry_attempts = 1) and goes to the on-failure
    // destination; every book says 3: the function's, the source's, the time series'.
    let r = run(r#"
duration = "1m"
[[functions]]
name = "consumer"
duration = "200ms"
init = "0s"
[[sources]]
service = "kinesis"
shards = 1
record_error_rate = 1.0
max_retry_attempts = 1
arrival = { process = "burst", at = "0s", count = 3, over = "1ms" }
[output]
invocations = true
"#);
    assert_conserved(&r);
    let f = &r.functions[0];
    assert_eq!((f.dlq, f.failed, f.invocations), (3, 3, 2));
    assert_eq!(source(&r).dlq, 3);
    assert_eq!(r.series[0].iter().map(|b| b.dlq).sum::<u64>(), 3);
    // Each invocation of a batch has a request id of its own.
    let ids: std::collections::HashSet<u64> = r
        .attempts
        .as_ref()
        .unwrap()
        .iter()
        .map(|a| a.request)
        .collect();
    assert_eq!(ids.len(), 2);
    // A good record at 0.5 s: read at the poll at 1 s, done at 1.2 s: 700 ms.
    let r = run(r#"
duration = "1m"
[[functions]]
name = "consumer"
duration = "200ms"
init = "0s"
[[sources]]
service = "kinesis"
shards = 1
arrival = { process = "burst", at = "500ms", count = 1, over = "1ms" }
"#);
    let f = &r.functions[0];
    assert_eq!(f.succeeded, 1);
    assert_eq!(f.latency.max_ms, 700.0);
}

#[test]
fn a_finished_batch_no_longer_sets_the_oldest_age() {
    // Two messages at 0, read at the poll at 1 s in two batches of one, each done at
    // 30.5 s; a third at 40 s, read at 41 s and in flight to the end. The oldest age over
    // the polls is that of the first two at the last poll that samples them in flight
    // (29–30 s), not the 59 s that a finished batch's message would give at the last
    // poll.
    let r = run(r#"
duration = "1m"
[[functions]]
name = "f"
duration = "29500ms"
timeout = "60s"
init = "0s"
reserved_concurrency = 2
[[sources]]
service = "sqs"
batch_size = 1
visibility_timeout = "12m"
arrival = [
  { process = "burst", at = "0s", count = 2, over = "1ms" },
  { process = "burst", at = "40s", count = 1, over = "1ms" },
]
"#);
    assert_eq!(r.functions[0].succeeded, 2);
    let age = source(&r).oldest_age.as_ref().unwrap();
    assert!(
        (29_000.0..=30_000.0).contains(&age.max_ms),
        "{}",
        age.max_ms
    );
}

#[test]
fn sqs_pollers_keep_the_fraction_of_a_step_for_the_next_poll() {
    // At 60 pollers a minute the mapping adds 1 a second; at 90, 1.5 a second: 1, then 2,
    // as the half carries over. Over the same T seconds of backlog, 60 a minute adds
    // ⌊T⌋ = n and 90 a minute ⌊1.5·T⌋, which lies in [⌊1.5·n⌋, ⌊1.5·n + 1.5⌋).
    let added = |per_minute: u32| {
        let r = run(&sqs(
            "",
            "",
            "{ process = \"burst\", at = \"0s\", count = 2000000 }",
            "20s",
        )
        .replace(
            "seed = 3",
            &format!("seed = 3\n[platform]\nsqs_pollers_per_minute = {per_minute}"),
        ));
        source(&r).max_pollers - 5
    };
    let (one, one_and_a_half) = (added(60), added(90));
    assert!(one >= 10, "{one}");
    let low = one * 3 / 2;
    assert!(
        (low..=low + 1).contains(&one_and_a_half),
        "{one} {one_and_a_half}"
    );
}

#[test]
fn the_oldest_age_of_a_queue_is_its_own() {
    // Queue `a` has a message in flight from 1 s to past the end (a 100 s run); queue `b`
    // gets one message a second, each done within a second. `b`'s oldest age never
    // exceeds a second: `a`'s message is not `b`'s.
    let r = run(r#"
duration = "1m"
[[functions]]
name = "slow"
duration = "100s"
timeout = "120s"
init = "0s"
[[functions]]
name = "fast"
duration = "10ms"
init = "0s"
[[sources]]
name = "a"
service = "sqs"
function = "slow"
visibility_timeout = "12m"
arrival = { process = "burst", at = "0s", count = 1, over = "1ms" }
[[sources]]
name = "b"
service = "sqs"
function = "fast"
arrival = { process = "constant", rate = 1.0 }
"#);
    let age = |i: usize| r.source_reports[i].oldest_age.as_ref().unwrap().max_ms;
    assert!(age(0) >= 58_000.0, "{}", age(0));
    assert!(age(1) <= 1_000.0, "{}", age(1));
}

#[test]
fn a_full_batch_does_not_wait_for_the_batching_window() {
    // 1,000 messages within the first millisecond, batches of 10, a 5 s window: a batch
    // starts as soon as the long-polling pollers see 10 messages (the 10th arrives at
    // 9 µs), not when a window would end.
    let r = run(&sqs(
        "",
        "batch_size = 10\nbatching_window = \"5s\"",
        "{ process = \"burst\", at = \"0s\", count = 1000, over = \"1ms\" }",
        "1m",
    ));
    let first = r
        .attempts
        .as_ref()
        .unwrap()
        .iter()
        .map(|a| a.start.as_nanos())
        .min()
        .unwrap();
    assert_eq!(first, 9_000);
}

#[test]
fn a_full_stream_batch_does_not_wait_for_the_batching_window() {
    // 100 records at 0 on one shard, batches of 10, a 5 s window: the first batch is full
    // at the first poll that finds the records (1 s) and starts then.
    let text = r#"
duration = "1m"
[[functions]]
name = "f"
duration = "100ms"
init = "0s"
[[sources]]
service = "kinesis"
shards = 1
batch_size = 10
batching_window = "5s"
arrival = { process = "burst", at = "0s", count = 100, over = "1ms" }
[output]
invocations = true
"#;
    let r = run(text);
    let first = r
        .attempts
        .as_ref()
        .unwrap()
        .iter()
        .map(|a| a.start.as_nanos())
        .min()
        .unwrap();
    assert_eq!(first, 1_000_000_000);
    // Three records only: the batch waits for the window, to the poll at 5 s.
    let r = run(&text.replace("count = 100", "count = 3"));
    let starts: Vec<u64> = r
        .attempts
        .as_ref()
        .unwrap()
        .iter()
        .map(|a| a.start.as_nanos())
        .collect();
    assert_eq!(starts, [5_000_000_000]);
}
