//! Asynchronous (Event) invocation: the internal queue, throttle backoff, retries after
//! function errors, maximum event age, the DLQ; synchronous client retries; conservation
//! under every invocation type.

use crate::{assert_conserved, run};
use lambdasim::engine::Time;
use lambdasim::metrics::{AttemptOutcome, AttemptRecord, RunReport};
use std::collections::BTreeMap;

/// The attempts of each request, in order.
fn by_request(r: &RunReport) -> BTreeMap<u64, Vec<AttemptRecord>> {
    let mut m: BTreeMap<u64, Vec<AttemptRecord>> = BTreeMap::new();
    for a in r.attempts.as_ref().expect("invocations = true") {
        m.entry(a.request).or_default().push(*a);
    }
    for v in m.values_mut() {
        v.sort_by_key(|a| a.attempt);
    }
    m
}

/// Every attempt is counted once: as an invocation or a throttle, and each request's
/// attempts after its first are retries.
fn assert_attempts_add_up(r: &RunReport) {
    for f in r.functions.iter().chain(std::iter::once(&r.total)) {
        assert_eq!(
            f.invocations + f.throttles,
            f.requests - f.dry_runs + f.retries,
            "attempts of {}",
            f.function
        );
    }
}

const S: u64 = 1_000_000_000;

fn secs(t: Time) -> f64 {
    t.as_nanos() as f64 / 1e9
}

/// One async function that always fails, 1 event every 100 s.
fn always_failing(extra: &str) -> String {
    format!(
        r#"
duration = "2h"
seed = 3
[[functions]]
name = "f"
duration = "100ms"
init = "200ms"
error_rate = 1.0
{extra}
[[sources]]
service = "s3"
arrival = {{ process = "constant", rate = 0.01 }}
[output]
invocations = true
"#
    )
}

#[test]
fn an_always_failing_event_runs_one_plus_max_retry_attempts_times_then_goes_to_the_dlq() {
    for retries in [0u32, 1, 2] {
        let r = run(&always_failing(&format!("max_retry_attempts = {retries}")));
        assert_conserved(&r);
        assert_attempts_add_up(&r);
        let f = &r.functions[0];
        assert_eq!(f.requests, 72);
        assert_eq!(f.succeeded, 0);
        assert_eq!(
            f.dlq, f.failed,
            "every failure of an async event is a DLQ arrival"
        );
        assert_eq!(f.throttles, 0);
        let mut finished = 0;
        for (id, attempts) in by_request(&r) {
            let done = attempts.len() as u32 == 1 + retries;
            assert!(attempts.len() as u32 <= 1 + retries, "request {id}");
            assert!(attempts.iter().all(|a| a.outcome == AttemptOutcome::Error));
            // The n-th retry starts n minutes after the attempt before it ended.
            for w in attempts.windows(2) {
                let n = u64::from(w[1].attempt - 1);
                assert_eq!(w[1].start - w[0].end, Time(n * 60 * S), "request {id}");
            }
            if done {
                finished += 1;
            }
        }
        assert_eq!(f.dlq, finished);
        assert!(
            f.unfinished <= 1,
            "only the last event may still be retrying"
        );
        if retries == 2 {
            // With the defaults, a failure lands at least 3 minutes after arrival.
            assert!(f.event_age.count == f.dlq);
            let min_age = f.event_age.histogram.as_ref().unwrap().min() as f64 / 1e6;
            assert!(min_age >= 180.0, "{min_age}");
        }
    }
}

/// A function that can create exactly one environment ever (the scaling bucket holds one
/// token and refills after 1000 days) and discards it after each use: after its first
/// invocation, every attempt is throttled.
fn permanently_throttled(
    extra_fn: &str,
    extra_platform: &str,
    rate: f64,
    duration: &str,
) -> String {
    format!(
        r#"
duration = "{duration}"
seed = 11
[account]
scaling_rate = 1
scaling_interval = "1000d"
[platform]
{extra_platform}
[[functions]]
name = "f"
duration = "1s"
init = "0s"
keep_alive = {{ policy = "none" }}
{extra_fn}
[[sources]]
service = "eventbridge"
arrival = {{ process = "constant", rate = {rate} }}
[output]
invocations = true
"#
    )
}

#[test]
fn a_throttled_event_backs_off_exponentially_and_expires_at_its_maximum_age() {
    let r = run(&permanently_throttled(
        "max_event_age = \"2m\"",
        "",
        0.1,
        "700s",
    ));
    assert_conserved(&r);
    assert_attempts_add_up(&r);
    let f = &r.functions[0];
    assert_eq!(f.requests, 70);
    assert_eq!(f.invocations, 1, "only the first event ever runs");
    assert_eq!(f.succeeded, 1);
    // Events at 10 s … 570 s reach 120 s of age before the run ends at 700 s (exclusive);
    // 580 s … 690 s do not.
    assert_eq!(f.dlq, 57);
    assert_eq!(f.failed, 57);
    assert_eq!(f.unfinished, 12);
    // Each expires exactly at its maximum age.
    assert_eq!(f.event_age.max_ms, 120_000.0);
    let ages = f.event_age.histogram.as_ref().unwrap();
    assert_eq!(ages.len(), 58, "57 expired + 1 success");
    // Throttled at 0, 1, 3, 7, 15, 31, 63 s after arrival (backoff 1, 2, 4 … 64 s); the
    // next try would be at 127 s, past the age, so it is dropped at 120 s.
    for (id, attempts) in by_request(&r) {
        if id == 0 {
            continue;
        }
        let offsets: Vec<f64> = attempts.iter().map(|a| secs(a.start - a.arrival)).collect();
        let expected = [0.0, 1.0, 3.0, 7.0, 15.0, 31.0, 63.0];
        assert_eq!(&offsets[..], &expected[..offsets.len()], "request {id}");
        if secs(attempts[0].arrival) <= 580.0 {
            assert_eq!(offsets.len(), 7, "request {id}");
        }
    }
    let unfinished = [7, 7, 7, 7, 7, 7, 6, 6, 6, 5, 5, 4];
    assert_eq!(f.throttles, 57 * 7 + unfinished.iter().sum::<u64>());
    // About 12 events wait at any time once the queue fills.
    let late: Vec<f64> = r.series[0][200..600]
        .iter()
        .map(|b| b.queue_depth)
        .collect();
    let mean = late.iter().sum::<f64>() / late.len() as f64;
    assert!((mean - 12.0).abs() < 0.2, "{mean}");
}

/// Whole seconds between the starts of consecutive attempts of `request`.
fn start_gaps_s(r: &RunReport, request: u64) -> Vec<u64> {
    by_request(r)[&request]
        .windows(2)
        .map(|w| (w[1].start - w[0].start).as_nanos() / S)
        .collect()
}

#[test]
fn the_throttle_backoff_doubles_up_to_five_minutes() {
    let r = run(&permanently_throttled(
        "max_event_age = \"1h\"",
        "",
        0.0005,
        "1h",
    ));
    let gaps = start_gaps_s(&r, 1);
    assert_eq!(&gaps[..10], &[1, 2, 4, 8, 16, 32, 64, 128, 256, 300]);
    assert!(gaps[10..].iter().all(|&g| g == 300));
    // The backoff is a platform parameter.
    let r = run(&permanently_throttled(
        "max_event_age = \"1h\"",
        "async_backoff_initial = \"10s\"\nasync_backoff_max = \"30s\"",
        0.0005,
        "1h",
    ));
    let gaps = start_gaps_s(&r, 1);
    assert_eq!(&gaps[..4], &[10, 20, 30, 30]);
}

#[test]
fn reserved_concurrency_zero_sends_every_event_straight_to_the_dlq() {
    let r = run(r#"
duration = "10m"
[[functions]]
name = "f"
duration = "100ms"
reserved_concurrency = 0
[[sources]]
service = "sns"
arrival = { process = "poisson", rate = 5.0 }
"#);
    assert_conserved(&r);
    assert_attempts_add_up(&r);
    let f = &r.functions[0];
    assert!(f.requests > 2500);
    assert_eq!(f.dlq, f.requests);
    assert_eq!(f.throttles, f.requests);
    assert_eq!((f.invocations, f.retries, f.unfinished), (0, 0, 0));
    assert_eq!(f.event_age.max_ms, 0.0);
    assert_eq!(f.costs.total(), 0.0);
    assert_eq!(r.series[0].iter().map(|b| b.dlq).sum::<u64>(), f.dlq);
}

#[test]
fn async_latency_runs_from_arrival_to_the_successful_attempt_retries_included() {
    let r = run(r#"
duration = "1h"
seed = 8
[[functions]]
name = "f"
duration = "50ms"
error_rate = 0.5
[[sources]]
service = "iot"
arrival = { process = "poisson", rate = 2.0 }
[output]
invocations = true
"#);
    assert_conserved(&r);
    assert_attempts_add_up(&r);
    let f = &r.functions[0];
    let requests = by_request(&r);
    let mut retried_successes = 0u64;
    let mut max_latency = Time::ZERO;
    for attempts in requests.values() {
        let last = attempts.last().unwrap();
        if last.outcome == AttemptOutcome::Success {
            max_latency = max_latency.max(last.end - last.arrival);
            if last.attempt > 1 {
                retried_successes += 1;
            }
        }
    }
    // Half fail at first; of those, half succeed on the first retry, a quarter on the second.
    let expected = f.requests as f64 * (0.25 + 0.125);
    assert!((retried_successes as f64 - expected).abs() < 0.05 * expected);
    assert_eq!(f.latency.max_ms, max_latency.as_millis_f64());
    assert!(
        f.latency.max_ms > 180_000.0,
        "a success on the second retry waited 3 min"
    );
    assert!(f.latency.p90_ms > 60_000.0);
    // 1/8 of events fail three times.
    let dlq = f.requests as f64 / 8.0;
    assert!((f.dlq as f64 - dlq).abs() < 0.1 * dlq, "{} vs {dlq}", f.dlq);
    // Each error is retried, sent to the DLQ, or still waiting for its retry at the end.
    let waiting = f.errors - f.retries - f.dlq;
    assert!(waiting <= f.unfinished, "{waiting} > {}", f.unfinished);
}

#[test]
fn a_throttled_sync_request_is_retried_by_its_client_with_exponential_backoff() {
    // One environment at a time; two requests at once: the second is throttled, retried
    // after 100 ms (still busy) and 200 ms more (free): it succeeds at 300 + 150 ms.
    let r = run(r#"
duration = "10s"
[[functions]]
name = "f"
duration = "150ms"
init = "0s"
reserved_concurrency = 1
[[sources]]
service = "api_gateway"
client_retries = 2
client_backoff = "100ms"
arrival = { process = "burst", at = "1s", count = 2 }
[output]
invocations = true
"#);
    assert_conserved(&r);
    assert_attempts_add_up(&r);
    let f = &r.functions[0];
    assert_eq!((f.requests, f.succeeded, f.failed), (2, 2, 0));
    assert_eq!((f.throttles, f.retries, f.invocations), (2, 2, 2));
    assert_eq!(f.latency.max_ms, 450.0);
    let attempts = &by_request(&r)[&1];
    let starts: Vec<f64> = attempts.iter().map(|a| secs(a.start)).collect();
    assert_eq!(starts, [1.0, 1.1, 1.3]);

    // Without retries the 429 fails the request.
    let r = run(r#"
duration = "10s"
[[functions]]
name = "f"
duration = "150ms"
reserved_concurrency = 1
[[sources]]
service = "api_gateway"
arrival = { process = "burst", at = "1s", count = 2 }
"#);
    let f = &r.functions[0];
    assert_eq!(
        (f.succeeded, f.failed, f.throttles, f.retries),
        (1, 1, 1, 0)
    );
}

#[test]
fn a_client_that_runs_out_of_retries_fails_the_request() {
    let r = run(&permanently_throttled("", "", 1.0, "60s").replace(
        "service = \"eventbridge\"",
        "service = \"alb\"\nclient_retries = 3",
    ));
    assert_conserved(&r);
    assert_attempts_add_up(&r);
    let f = &r.functions[0];
    assert_eq!(f.succeeded, 1);
    // Attempts at 0, 0.1, 0.3, 0.7 s after arrival, then the request fails.
    for (id, attempts) in by_request(&r) {
        if id == 0 {
            continue;
        }
        let offsets: Vec<f64> = attempts
            .iter()
            .map(|a| (secs(a.start - a.arrival) * 1000.0).round() / 1000.0)
            .collect();
        assert_eq!(offsets, [0.0, 0.1, 0.3, 0.7], "request {id}");
    }
    assert_eq!(f.failed, f.requests - 1);
    assert_eq!(f.dlq, 0, "synchronous requests have no DLQ");
}

#[test]
fn conservation_holds_under_every_invocation_type_at_once() {
    let r = run(r#"
duration = "20m"
seed = 21
[account]
concurrency_limit = 400
[[functions]]
name = "shared"
duration = { dist = "lognormal", median = "800ms", sigma = 1.0 }
timeout = "3s"
error_rate = 0.2
reserved_concurrency = 30
max_event_age = "5m"
[[functions]]
name = "other"
duration = { dist = "exponential", mean = "2s" }
timeout = "4s"
error_rate = 0.1
max_retry_attempts = 1
[[sources]]
name = "sync"
service = "api_gateway"
function = "shared"
client_retries = 2
client_backoff = { dist = "uniform", min = "0ms", max = "200ms" }
arrival = { process = "poisson", rate = 15.0 }
[[sources]]
name = "async"
service = "api_gateway"
function = "shared"
invocation = "Event"
arrival = [{ process = "poisson", rate = 20.0 }, { process = "burst", at = "10m", count = 3000, over = "5s" }]
[[sources]]
name = "dry"
service = "direct"
function = "shared"
invocation = "DryRun"
arrival = { process = "poisson", rate = 3.0 }
[[sources]]
name = "s3"
service = "s3"
function = "other"
arrival = { process = "stages", stages = [{ duration = "10m", rate = 50.0 }, { duration = "10m", rate = 400.0 }] }
"#);
    assert_conserved(&r);
    assert_attempts_add_up(&r);
    let s = &r.functions[0];
    assert!(s.throttles > 1000 && s.dlq > 0 && s.retries > 0 && s.timeouts > 0);
    assert!(s.dry_runs > 3000);
    assert!(s.max_concurrency <= 30);
    let o = &r.functions[1];
    assert!(o.dlq > 0 && o.throttles > 0);
    assert!(r.series[0].iter().any(|b| b.queue_depth > 1.0));
    assert!(r.total.queue_wait.count > 0 && r.total.queue_wait.p99_ms > 0.0);
}

#[test]
fn asynchronous_runs_are_deterministic() {
    let text = always_failing("").replace("error_rate = 1.0", "error_rate = 0.3");
    let a = lambdasim::output::csv::summary(&[run(&text)]).unwrap();
    let b = lambdasim::output::csv::summary(&[run(&text)]).unwrap();
    assert_eq!(a, b);
    let c = lambdasim::output::csv::summary(&[run(&text.replace("seed = 3", "seed = 4"))]).unwrap();
    assert_ne!(a, c);
}

#[test]
fn a_backlog_drains_at_full_concurrency_oldest_first() {
    // 10,000 events at once into a function reserved at 100 with 1 s of work: each slot
    // freed goes to the oldest throttled event, so the backlog drains in exactly 100 s,
    // in arrival order, whatever the events' own backoff timers say.
    let r = run(r#"
duration = "10m"
[[functions]]
name = "f"
duration = "1s"
init = "0s"
reserved_concurrency = 100
[[sources]]
service = "s3"
arrival = { process = "burst", at = "0s", count = 10000 }
[output]
invocations = true
"#);
    assert_conserved(&r);
    assert_attempts_add_up(&r);
    let f = &r.functions[0];
    assert_eq!((f.succeeded, f.dlq), (10_000, 0));
    assert_eq!(f.latency.max_ms, 100_000.0);
    assert_eq!(f.queue_wait.max_ms, 99_000.0);
    assert_eq!(f.max_concurrency, 100);
    let starts: Vec<(u64, Time)> = by_request(&r)
        .into_iter()
        .map(|(id, a)| (id, a.last().unwrap().start))
        .collect();
    for (id, start) in starts {
        assert_eq!(start, Time((id / 100) * S), "request {id}");
    }
    // Busy 100 % for 100 s: exactly 10,000 s of execution over the 600 s run.
    assert!((f.mean_concurrency - 10_000.0 / 600.0).abs() < 1e-9);
}

#[test]
fn an_attempt_that_fails_after_the_maximum_age_goes_to_the_dlq_at_once() {
    let r = run(r#"
duration = "10m"
[[functions]]
name = "f"
timeout = "120s"
duration = "90s"
init = "0s"
error_rate = 1.0
max_event_age = "60s"
[[sources]]
service = "s3"
arrival = { process = "burst", at = "0s", count = 1 }
[output]
timeseries_interval = "1s"
trace = true
"#);
    assert_conserved(&r);
    let f = &r.functions[0];
    assert_eq!((f.invocations, f.failed, f.dlq, f.retries), (1, 1, 1, 0));
    assert_eq!(
        f.event_age.max_ms, 90_000.0,
        "dropped when its attempt failed"
    );
    assert!(r.series[0].iter().all(|b| b.queue_depth == 0.0));
    assert_eq!(r.series[0][90].dlq, 1);
}

#[test]
fn a_freed_slot_is_not_handed_over_without_a_scaling_token() {
    // One token a second, environments discarded after each use: the oldest throttled
    // event waits for a token instead of being throttled again by the freed slot.
    let r = run(r#"
duration = "30s"
[account]
scaling_rate = 1
scaling_interval = "1s"
[[functions]]
name = "f"
duration = "100ms"
init = "0s"
keep_alive = { policy = "none" }
[[sources]]
service = "sns"
arrival = { process = "burst", at = "0s", count = 3 }
[output]
invocations = true
"#);
    assert_conserved(&r);
    assert_attempts_add_up(&r);
    let f = &r.functions[0];
    assert_eq!((f.succeeded, f.throttles, f.retries), (3, 3, 3));
    let starts: Vec<f64> = by_request(&r)
        .values()
        .map(|a| secs(a.last().unwrap().start))
        .collect();
    assert_eq!(starts, [0.0, 1.0, 3.0]);
}

#[test]
fn freed_pool_slots_go_to_the_oldest_event_of_any_unreserved_function() {
    // `b` keeps a backlog in the shared pool (30/s offered, 20/s served); `a` sends a
    // trickle. Slots freed by `b` go to the oldest waiting event, whichever its function:
    // `a`'s events wait about as long as `b`'s instead of starving.
    let r = run(r#"
duration = "20m"
seed = 4
[account]
concurrency_limit = 20
[[functions]]
name = "a"
duration = "1s"
init = "0s"
max_event_age = "5m"
[[functions]]
name = "b"
duration = "1s"
init = "0s"
max_event_age = "5m"
[[sources]]
name = "a"
service = "sns"
function = "a"
arrival = { process = "poisson", rate = 1.0 }
[[sources]]
name = "b"
service = "sns"
function = "b"
arrival = { process = "poisson", rate = 30.0 }
"#);
    assert_conserved(&r);
    assert_attempts_add_up(&r);
    let (a, b) = (&r.functions[0], &r.functions[1]);
    assert!(a.succeeded > 500, "{}", a.succeeded);
    let dropped = |f: &lambdasim::metrics::FunctionReport| f.dlq as f64 / f.requests as f64;
    assert!(
        (dropped(a) - dropped(b)).abs() < 0.05,
        "a drops {:.3}, b {:.3}",
        dropped(a),
        dropped(b)
    );
    assert!((a.queue_wait.p50_ms - b.queue_wait.p50_ms).abs() < 0.2 * b.queue_wait.p50_ms);
}

#[test]
fn a_freed_environment_takes_a_throttled_event_without_a_scaling_token() {
    // Reserved at 1, one new environment an hour: the first S3 event starts cold at 0 and
    // takes the only token; the second is throttled. When the first ends (INIT 100 ms +
    // 100 ms), its environment is idle and the waiting event starts on it at once, though
    // the bucket is empty, not at its 1 s backoff.
    let r = crate::run(
        r#"
duration = "1m"
[account]
scaling_rate = 1
scaling_interval = "1h"
[[functions]]
name = "f"
duration = "100ms"
init = "100ms"
reserved_concurrency = 1
[[sources]]
service = "s3"
arrival = { process = "burst", at = "0s", count = 2, over = "1ms" }
[output]
invocations = true
"#,
    );
    crate::assert_conserved(&r);
    let starts: Vec<(f64, f64)> = r
        .attempts
        .as_ref()
        .unwrap()
        .iter()
        .filter(|a| a.outcome != lambdasim::metrics::AttemptOutcome::Throttled)
        .map(|a| {
            (
                a.start.as_nanos() as f64 / 1e6,
                a.end.as_nanos() as f64 / 1e6,
            )
        })
        .collect();
    assert_eq!(starts, [(0.0, 200.0), (200.0, 300.0)]);
}

#[test]
fn a_successful_event_is_as_old_as_its_latency() {
    // Nothing waits: every S3 event starts at once, so its age at its success is its
    // latency, 100 ms (no INIT).
    let r = crate::run(
        r#"
duration = "1m"
[[functions]]
name = "f"
duration = "100ms"
init = "0s"
[[sources]]
service = "s3"
arrival = { process = "constant", rate = 1.0 }
"#,
    );
    crate::assert_conserved(&r);
    let f = &r.functions[0];
    assert_eq!(f.succeeded, 60);
    assert_eq!(f.event_age.count, 60);
    assert_eq!((f.event_age.max_ms, f.event_age.mean_ms), (100.0, 100.0));
    assert_eq!((f.latency.max_ms, f.latency.mean_ms), (100.0, 100.0));
}

#[test]
fn a_slot_freed_in_the_shared_pool_goes_at_once_to_another_functions_throttled_event() {
    // An account of one: `a` holds the only slot from 0 to 100 ms, so `b`'s S3 event at
    // 1 ms is throttled. When `a` ends, the freed slot of the shared pool goes at once to
    // `b`'s waiting event (it starts at 100 ms, cold, and ends at 200 ms), not at its
    // retry after the 1 s backoff.
    let r = crate::run(
        r#"
duration = "1m"
[account]
concurrency_limit = 1
[[functions]]
name = "a"
duration = "100ms"
init = "0s"
[[functions]]
name = "b"
duration = "100ms"
init = "0s"
[[sources]]
name = "to_a"
service = "s3"
function = "a"
arrival = { process = "burst", at = "0s", count = 1, over = "1ms" }
[[sources]]
name = "to_b"
service = "s3"
function = "b"
arrival = { process = "burst", at = "1ms", count = 1, over = "1ms" }
[output]
invocations = true
"#,
    );
    crate::assert_conserved(&r);
    let started: Vec<(u32, f64, f64)> = r
        .attempts
        .as_ref()
        .unwrap()
        .iter()
        .filter(|a| a.outcome != lambdasim::metrics::AttemptOutcome::Throttled)
        .map(|a| {
            (
                a.function,
                a.start.as_nanos() as f64 / 1e6,
                a.end.as_nanos() as f64 / 1e6,
            )
        })
        .collect();
    assert_eq!(started, [(0, 0.0, 100.0), (1, 100.0, 200.0)]);
}

/// Reserved at 1, every attempt fails after 1.5 s, one retry a minute after a failure:
/// an S3 event at 0 and one at 0.5 s, with `output` in `[output]`.
fn throttled_and_retried(output: &str) -> lambdasim::metrics::RunReport {
    crate::run(&format!(
        r#"
duration = "5m"
[[functions]]
name = "f"
duration = "1500ms"
init = "0s"
reserved_concurrency = 1
error_rate = 1.0
max_retry_attempts = 1
[[sources]]
name = "one"
service = "s3"
arrival = {{ process = "burst", at = "0s", count = 1 }}
[[sources]]
name = "two"
service = "s3"
arrival = {{ process = "burst", at = "500ms", count = 1 }}
[output]
{output}
"#
    ))
}

#[test]
fn an_event_throttled_again_on_its_retry_is_taken_by_the_next_freed_slot() {
    // Reserved at 1, every attempt fails after 1.5 s, one retry a minute after a failure.
    // Event 1 runs 0–1.5 s; event 2 (at 0.5 s) is throttled and taken when the slot
    // frees, at 1.5 s, runs to 3 s. Event 1's retry runs 61.5–63 s. Event 2's retry, due
    // at 63 s, finds the slot still busy and is throttled again: it waits in the queue
    // once more, so the slot freed at 63 s takes it at once (not at its 1 s backoff).
    let r = throttled_and_retried("invocations = true");
    crate::assert_conserved(&r);
    let started: Vec<(u64, u32, f64)> = r
        .attempts
        .as_ref()
        .unwrap()
        .iter()
        .filter(|a| a.outcome != lambdasim::metrics::AttemptOutcome::Throttled)
        .map(|a| (a.request, a.attempt, a.start.as_nanos() as f64 / 1e9))
        .collect();
    let mut started = started;
    started.sort_by(|a, b| a.2.total_cmp(&b.2));
    assert_eq!(
        started,
        [(0, 1, 0.0), (1, 2, 1.5), (0, 2, 61.5), (1, 4, 63.0)]
    );
}

#[test]
fn a_queue_wait_span_names_the_attempt_it_leads_to() {
    // Reserved at 1: the second S3 event is throttled at 0 (its attempt 1) and waits in
    // the queue until the slot frees at 100 ms; the wait leads to its attempt 2.
    let r = crate::run(
        r#"
duration = "1m"
[[functions]]
name = "f"
duration = "100ms"
init = "0s"
reserved_concurrency = 1
[[sources]]
service = "s3"
arrival = { process = "burst", at = "0s", count = 2 }
[output]
trace = true
"#,
    );
    let waits: Vec<(u64, u32, u64, u64)> = r
        .trace
        .as_ref()
        .unwrap()
        .records
        .iter()
        .filter(|t| t.kind == lambdasim::metrics::TraceKind::QueueWait)
        .map(|t| {
            (
                t.request,
                t.attempt,
                t.start.as_nanos() / 1_000_000,
                t.end.as_nanos() / 1_000_000,
            )
        })
        .collect();
    assert_eq!(waits, [(1, 2, 0, 100)]);
}

#[test]
fn retries_after_errors_are_traced_and_waits_recorded_but_redeliveries_after_throttles_are_not_retries_in_the_trace()
 {
    // The scenario of `an_event_throttled_again_on_its_retry_…`: event 1 runs at 0 and
    // its retry at 61.5 s; event 2 is throttled at 0.5 s, taken at 1.5 s, fails, retries
    // at 63 s. The trace shows a retry instant for each retry after an error (61.5 s and
    // 63 s), none for a start after a throttle. Queue waits before the first start: 0 and
    // 1 s.
    let r = throttled_and_retried("trace = true");
    let retries: Vec<(u64, f64, &str)> = r
        .trace
        .as_ref()
        .unwrap()
        .records
        .iter()
        .filter(|t| t.kind == lambdasim::metrics::TraceKind::Retry)
        .map(|t| (t.request, t.start.as_nanos() as f64 / 1e9, t.note))
        .collect();
    assert_eq!(
        retries,
        [
            (0, 61.5, "after function error"),
            (1, 63.0, "after function error")
        ]
    );
    let w = &r.functions[0].queue_wait;
    assert_eq!((w.count, w.max_ms, w.mean_ms), (2, 1000.0, 500.0));
}

#[test]
fn an_events_queue_wait_runs_from_its_arrival_to_its_start() {
    // Two events at 10 s for a function reserved at 1, each 5 s long: the first starts
    // at once, the second when the first's slot frees at 15 s: waits 0 and 5 s.
    let r = crate::run(
        r#"
duration = "1m"
[[functions]]
name = "f"
duration = "5s"
timeout = "10s"
init = "0s"
reserved_concurrency = 1
[[sources]]
service = "s3"
arrival = { process = "burst", at = "10s", count = 2, over = "1ms" }
"#,
    );
    let f = &r.functions[0];
    assert_eq!(f.succeeded, 2);
    // The histogram keeps 3 significant digits: 5 s to within 5 ms.
    assert!(
        (f.queue_wait.max_ms - 5_000.0).abs() <= 5.0,
        "{}",
        f.queue_wait.max_ms
    );
}

/// The livelock of an adversarial review: one environment, 100 events of 10 s, and
/// backoffs as short as they may be.
const STORM: &str = r#"
duration = "1m"
[platform]
async_backoff_initial = "1ms"
async_backoff_max = "1ms"
[[functions]]
name = "f"
duration = "10s"
timeout = "15s"
init = "0s"
reserved_concurrency = 1
[[sources]]
service = "s3"
arrival = { process = "burst", at = "0s", count = 100, over = "1ms" }
"#;

#[test]
fn backoffs_shorter_than_a_millisecond_are_refused_so_retries_cannot_storm() {
    let e = lambdasim::scenario::parse(
        &STORM.replace("\"1ms\"", "\"1ns\""),
        std::path::Path::new("s.toml"),
    )
    .unwrap_err();
    assert_eq!(e.key.as_deref(), Some("platform.async_backoff_initial"));
    // At the floor, the events waiting on the one environment each retry every
    // millisecond: 99 of them for the first 10 s, 98 for the next, … 94 for the sixth,
    // so (99 + 98 + … + 94) × 10,000 throttles, and 6 invocations of 10 s.
    let r = run(STORM);
    assert_conserved(&r);
    let f = &r.functions[0];
    assert_eq!(f.invocations, 6);
    assert_eq!(f.throttles, (94..=99).sum::<u64>() * 10_000);
    assert_eq!(r.stopped_at, None);
}

#[test]
fn a_run_that_reaches_the_attempt_cap_stops_there_and_says_when() {
    let mut sc = crate::scenario(STORM);
    sc.platform.max_attempts = 10_000;
    let r = lambdasim::model::simulate(&sc, sc.seed, 0);
    assert_conserved(&r);
    let f = &r.functions[0];
    assert_eq!(f.invocations + f.throttles, 10_000, "every attempt counts");
    // One invocation, then 99 throttles a millisecond: the 10,000th attempt about
    // 101 ms in.
    let at = r.stopped_at.expect("stopped").as_millis_f64();
    assert!((95.0..=110.0).contains(&at), "stopped at {at} ms");
    assert_eq!(
        f.unfinished, 100,
        "what was in flight or waiting is unfinished"
    );
}
