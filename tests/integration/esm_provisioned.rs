//! ESM provisioned mode: event pollers between `min` and `max`, their throughput, their
//! scaling (SQS three times as fast as standard mode; Kafka weighed every 10 s), and the
//! EPU-hours they are billed, per second with a one-minute minimum, shared in a Kafka
//! poller group.

use crate::{assert_conserved, run};
use lambdasim::metrics::RunReport;

fn mapping(service: &str, source_extra: &str, arrival: &str, duration: &str) -> String {
    format!(
        r#"
duration = "{duration}"
seed = 4
[[functions]]
name = "consumer"
duration = "10ms"
init = "0s"
timeout = "10s"
[[sources]]
name = "input"
service = "{service}"
{source_extra}
arrival = {arrival}
[output]
timeseries_interval = "1s"
"#
    )
}

fn pollers(r: &RunReport) -> Vec<f64> {
    r.series[0].iter().map(|b| b.pollers).collect()
}

fn parse_err(text: &str) -> lambdasim::scenario::InputError {
    lambdasim::scenario::parse(text, std::path::Path::new("t.toml")).unwrap_err()
}

#[test]
fn fixed_pollers_are_billed_their_epu_hours() {
    // SQS: min = max = 3 event pollers, one per EPU, for the 10 minutes: 0.5 EPU-hour at
    // $0.00925.
    let r = run(&mapping(
        "sqs",
        "provisioned_pollers = { min = 3, max = 3 }",
        "{ process = \"poisson\", rate = 50.0 }",
        "10m",
    ));
    assert_conserved(&r);
    let s = &r.source_reports[0];
    assert!((s.epu_hours - 0.5).abs() < 1e-12, "{}", s.epu_hours);
    assert!((s.esm_cost_usd - 0.5 * 0.009_25).abs() < 1e-12);
    let f = &r.functions[0];
    assert!((f.costs.esm - 0.5 * 0.009_25).abs() < 1e-12);
    // In the total, beside the requests and the compute.
    let rest = f.costs.request + f.costs.compute;
    assert!((f.costs.total() - rest - f.costs.esm).abs() < 1e-12);
    assert!((r.total.costs.esm - f.costs.esm).abs() < 1e-15);
    // Ten concurrent invokes per SQS poller.
    assert_eq!(s.max_pollers, 30);
    // Kafka: 11 pollers need 2 EPUs (10 pollers each): 2 × 1/6 h at $0.185.
    let r = run(&mapping(
        "msk",
        "partitions = 20\nprovisioned_pollers = { min = 11, max = 11 }",
        "{ process = \"poisson\", rate = 50.0 }",
        "10m",
    ));
    assert_conserved(&r);
    let s = &r.source_reports[0];
    assert!((s.epu_hours - 2.0 / 6.0).abs() < 1e-12, "{}", s.epu_hours);
    assert!((r.functions[0].costs.esm - 2.0 / 6.0 * 0.185).abs() < 1e-12);
    // Standard mode is not billed.
    let r = run(&mapping(
        "msk",
        "partitions = 20",
        "{ process = \"poisson\", rate = 50.0 }",
        "10m",
    ));
    assert_eq!(r.source_reports[0].epu_hours, 0.0);
    assert_eq!(r.functions[0].costs.esm, 0.0);
}

#[test]
fn an_epu_is_billed_at_least_a_minute_and_in_whole_seconds() {
    // A 20-second run with 2 SQS pollers: each is charged the minute.
    let r = run(&mapping(
        "sqs",
        "provisioned_pollers = { min = 2, max = 2 }",
        "{ process = \"constant\", rate = 1.0 }",
        "20s",
    ));
    let s = &r.source_reports[0];
    assert!(
        (s.epu_hours - 2.0 * 60.0 / 3600.0).abs() < 1e-12,
        "{}",
        s.epu_hours
    );
    // 90.5 s: 91 s each.
    let r = run(&mapping(
        "sqs",
        "provisioned_pollers = { min = 2, max = 2 }",
        "{ process = \"constant\", rate = 1.0 }",
        "90500ms",
    ));
    let s = &r.source_reports[0];
    assert!(
        (s.epu_hours - 2.0 * 91.0 / 3600.0).abs() < 1e-12,
        "{}",
        s.epu_hours
    );
}

#[test]
fn a_poller_group_shares_its_epus() {
    // Two Kafka mappings of 5 pollers each: in one group, 10 pollers fill one EPU; apart,
    // each needs its own.
    let two = |group: &str, a: u32, b: u32| {
        format!(
            r#"
duration = "30m"
seed = 4
[[functions]]
name = "a"
duration = "10ms"
[[functions]]
name = "b"
duration = "10ms"
[[sources]]
name = "ta"
service = "kafka"
function = "a"
partitions = 10
provisioned_pollers = {{ min = {a}, max = {a} }}
{group}
arrival = {{ process = "poisson", rate = 20.0 }}
[[sources]]
name = "tb"
service = "kafka"
function = "b"
partitions = 10
provisioned_pollers = {{ min = {b}, max = {b} }}
{group}
arrival = {{ process = "poisson", rate = 20.0 }}
"#
        )
    };
    // 3 and 7 pollers in one group: 10 fill one EPU, for half an hour, shared 3 : 7.
    let r = run(&two("poller_group = \"shared\"", 3, 7));
    assert_conserved(&r);
    let hours: Vec<f64> = r.source_reports.iter().map(|s| s.epu_hours).collect();
    assert!((hours[0] - 0.15).abs() < 1e-9, "{hours:?}");
    assert!((hours[1] - 0.35).abs() < 1e-9, "{hours:?}");
    assert!((r.total.costs.esm - 0.5 * 0.185).abs() < 1e-9);
    let r = run(&two("", 5, 5));
    let hours: Vec<f64> = r.source_reports.iter().map(|s| s.epu_hours).collect();
    assert_eq!(hours, [0.5, 0.5]);
}

#[test]
fn provisioned_sqs_pollers_read_at_most_a_megabyte_a_second_each() {
    // 1,000 messages of 100 KB at t = 0, batches of 10 (1,024,000 bytes), 2 pollers:
    // 2 MiB/s, with a second of it saved up at the start. Three batches start at once
    // (the credit goes 974,848 bytes below zero), the fourth when it is back at zero,
    // 974,848 / 2,097,152 s later, then one every 1,024,000 / 2,097,152 s: the last of the
    // 100 starts at 0.46484375 + 96 × 0.48828125 = 47.33984375 s and ends 10 ms later.
    let r = run(&mapping(
        "sqs",
        "batch_size = 10\nbatching_window = \"1s\"\nmessage_bytes = \"100KB\"\nprovisioned_pollers = { min = 2, max = 2 }",
        "{ process = \"burst\", at = \"0s\", count = 1000 }",
        "2m",
    ));
    assert_conserved(&r);
    let f = &r.functions[0];
    assert_eq!(f.succeeded, 1000);
    assert_eq!(r.source_reports[0].batches, 100);
    assert!(
        (f.latency.max_ms - 47_349.843_75).abs() < 1e-6,
        "{}",
        f.latency.max_ms
    );
    // At most 2 MiB a second: about 20 messages a second; in the first, the 3 at once and
    // those at 0.46 and 0.95 s.
    let per_second: Vec<u64> = r.series[0].iter().map(|b| b.invocations).collect();
    assert_eq!(per_second[0], 5, "{per_second:?}");
    assert!(
        per_second[1..47].iter().all(|&n| n == 2 || n == 3),
        "{per_second:?}"
    );
    // The same queue in standard mode has no such limit: done within a second or two.
    let r = run(&mapping(
        "sqs",
        "batch_size = 10\nbatching_window = \"1s\"",
        "{ process = \"burst\", at = \"0s\", count = 1000 }",
        "2m",
    ));
    assert!(r.functions[0].latency.max_ms < 2_000.0);
}

#[test]
fn provisioned_sqs_scales_three_times_as_fast() {
    // A backlog that keeps every batch slot busy (batches of 60 s): standard mode adds
    // 300 slots a minute (5 at each 1-second poll, from 5), provisioned mode 900 a minute
    // in whole pollers of 10 slots (from min = 2: 20), 1.5 pollers a poll, the half
    // carried to the next. The poll at 0 s, before the backlog, adds nothing but the
    // provisioned half it carries.
    let arrival = "{ process = \"burst\", at = \"0s\", count = 100000 }";
    let slow = |extra: &str| {
        run(&mapping("sqs", extra, arrival, "30s")
            .replace("\"10ms\"", "\"60s\"\ntimeout = \"60s\"")
            .replace("timeout = \"10s\"\n", "")
            .replace("[[sources]]", "[[sources]]\nvisibility_timeout = \"5m\""))
    };
    let standard = pollers(&slow(""));
    let provisioned = pollers(&slow(
        "provisioned_pollers = { min = 2, max = 1000 }\nmessage_bytes = \"100B\"",
    ));
    for k in [2usize, 10, 20] {
        // The polls at 1, …, k have added slots by bin k.
        let n = k as f64;
        let added_standard = standard[k] - 5.0;
        assert_eq!(added_standard, 5.0 * n, "standard at {k} s: {standard:?}");
        let added = provisioned[k] - 20.0;
        assert_eq!(
            added,
            10.0 * (1.5 * n + 0.5).floor(),
            "provisioned at {k} s: {provisioned:?}"
        );
        assert!((added / added_standard - 3.0).abs() <= 10.0 / added_standard);
    }
}

#[test]
fn provisioned_kafka_pollers_follow_the_lag_every_ten_seconds() {
    // 100,000 records on 10 partitions, batches of 100 taking 1 s, from min = 1 poller:
    // weighed at 10 s, the lag has grown and 10 partitions hold records: 10 pollers, landing
    // 10 s later. Standard mode weighs at 60 s and lands at 240 s.
    let text = mapping(
        "msk",
        "partitions = 10\nprovisioned_pollers = { min = 1, max = 10 }",
        "{ process = \"burst\", at = \"0s\", count = 100000 }",
        "10m",
    )
    .replace("\"10ms\"", "\"1s\"");
    let r = run(&text);
    assert_conserved(&r);
    let p = pollers(&r);
    assert!(p[..20].iter().all(|&x| x == 1.0), "{:?}", &p[..21]);
    assert_eq!(p[20], 10.0, "{:?}", &p[..30]);
    let f = &r.functions[0];
    assert_eq!(f.succeeded, 100_000);
    // 100,000 records at 10 batches of 100 a second: drained about 100 s after 20 s.
    assert!(f.latency.max_ms < 130_000.0, "{}", f.latency.max_ms);
    // Idle afterwards: back to `min` (after the one-minute cooldown), never below.
    assert_eq!(*p.last().unwrap(), 1.0);
    assert!(p.iter().all(|&x| x >= 1.0));
    // The same arrivals and partition keys as in standard mode.
    let standard = run(&text.replace("provisioned_pollers = { min = 1, max = 10 }", ""));
    assert_eq!(standard.functions[0].requests, f.requests);
    assert!(standard.functions[0].latency.max_ms > 300_000.0);
}

#[test]
fn a_standard_variant_of_a_sweep_keeps_the_provisioned_settings_unused() {
    let text = mapping(
        "kafka",
        "partitions = 4\nmessage_bytes = \"2KB\"\npoller_group = \"g\"\nprovisioned_pollers = false",
        "{ process = \"poisson\", rate = 10.0 }",
        "1m",
    );
    let r = run(&text);
    assert_conserved(&r);
    assert_eq!(r.source_reports[0].epu_hours, 0.0);
    // `true`: AWS's defaults (Kafka: from 1 poller).
    let r = run(&text.replace("= false", "= true"));
    assert!((r.source_reports[0].epu_hours - 1.0 / 60.0).abs() < 1e-12);
}

#[test]
fn provisioned_mode_settings_are_checked() {
    let err = |service: &str, extra: &str| {
        parse_err(&mapping(
            service,
            extra,
            "{ process = \"poisson\", rate = 1.0 }",
            "1m",
        ))
    };
    let e = err(
        "sqs",
        "max_concurrency = 5\nprovisioned_pollers = { min = 2, max = 10 }",
    );
    assert_eq!(e.key.as_deref(), Some("sources[0].max_concurrency"));
    assert!(e.message.contains("MaximumConcurrency"), "{e}");
    let e = err("sqs", "provisioned_pollers = { min = 201, max = 300 }");
    assert_eq!(e.key.as_deref(), Some("sources[0].provisioned_pollers.min"));
    assert!(e.message.contains("between 2 and 200"), "{e}");
    let e = err("sqs", "message_bytes = \"2MB\"\nprovisioned_pollers = true");
    assert_eq!(e.key.as_deref(), Some("sources[0].message_bytes"));
    assert!(e.message.contains("at most 1 MB"), "{e}");
    let e = err("sqs", "provisioned_pollers = { min = 1 }");
    assert_eq!(e.key.as_deref(), Some("sources[0].provisioned_pollers.min"));
    assert!(e.message.contains("between 2 and 200"), "{e}");
    let e = err("msk", "provisioned_pollers = { max = 2001 }");
    assert_eq!(e.key.as_deref(), Some("sources[0].provisioned_pollers.max"));
    assert!(e.message.contains("between 1 and 2000"), "{e}");
    let e = err("sqs", "provisioned_pollers = { min = 20, max = 10 }");
    assert_eq!(e.key.as_deref(), Some("sources[0].provisioned_pollers.min"));
    assert!(e.message.contains("above"), "{e}");
    let e = err("sqs", "provisioned_pollers = { min = 2, most = 10 }");
    assert_eq!(e.key.as_deref(), Some("sources[0].provisioned_pollers"));
    assert!(e.message.contains("most"), "{e}");
    let e = err("sqs", "provisioned_pollers = 4");
    assert!(
        e.message.contains("not a integer") || e.message.contains("not an integer"),
        "{e}"
    );
    let e = err(
        "sqs",
        "fifo = true\nmessage_groups = 4\nprovisioned_pollers = true",
    );
    assert_eq!(e.key.as_deref(), Some("sources[0].provisioned_pollers"));
    assert!(e.message.contains("FIFO"), "{e}");
    let e = err("mq", "provisioned_pollers = true");
    assert_eq!(e.key.as_deref(), Some("sources[0].provisioned_pollers"));
    assert!(e.message.contains("SQS and Kafka sources"), "{e}");
    let e = err("kinesis", "message_bytes = \"1KB\"");
    assert_eq!(e.key.as_deref(), Some("sources[0].message_bytes"));
    let e = err("sqs", "poller_group = \"g\"\nprovisioned_pollers = true");
    assert_eq!(e.key.as_deref(), Some("sources[0].poller_group"));
    assert!(e.message.contains("Kafka sources"), "{e}");
    let e = err("msk", "poller_group = \"g\"");
    assert_eq!(e.key.as_deref(), Some("sources[0].poller_group"));
    assert!(e.message.contains("standard mode"), "{e}");
    assert!(
        e.help
            .as_deref()
            .unwrap_or("")
            .contains("provisioned_pollers")
    );
    let e = err("sqs", "message_bytes = \"1KB\"");
    assert_eq!(e.key.as_deref(), Some("sources[0].message_bytes"));
    let e = err(
        "sqs",
        "message_bytes = \"1 kilobyte\"\nprovisioned_pollers = true",
    );
    assert_eq!(e.key.as_deref(), Some("sources[0].message_bytes"));
    // A poller group of at most 2,000 pollers: 1,500 + 600 is too many.
    let group = |name: &str, max: u32| {
        format!(
            "[[sources]]\nname = \"{name}\"\nservice = \"msk\"\nfunction = \"consumer\"\npoller_group = \"g\"\nprovisioned_pollers = {{ max = {max} }}\narrival = {{ process = \"poisson\", rate = 1.0 }}\n"
        )
    };
    let text = mapping("msk", "", "{ process = \"poisson\", rate = 1.0 }", "1m").replace(
        "[output]",
        &format!("{}{}[output]", group("a", 1500), group("b", 600)),
    );
    let e = parse_err(&text);
    assert_eq!(e.key.as_deref(), Some("sources[2].poller_group"));
    assert!(
        e.message.contains("2100") && e.message.contains("2000"),
        "{e}"
    );
}

#[test]
fn kafka_partitions_waiting_for_throughput_are_read_when_it_comes_back() {
    // One poller of 5 MB/s, two partitions, records of 1 MB in batches of up to 5: each
    // batch takes the credit below zero, so the other partition (and then this one) waits
    // for the poller and for its throughput. 2 MB a second arrive: the poller keeps up,
    // and every record but the last few is done.
    let r = run(&mapping(
        "kafka",
        "partitions = 2\nbatch_size = 5\nmessage_bytes = \"1MB\"\nprovisioned_pollers = { min = 1, max = 1 }",
        "{ process = \"poisson\", rate = 2.0 }",
        "10m",
    ));
    assert_conserved(&r);
    let f = &r.functions[0];
    assert!(f.requests > 1000, "{}", f.requests);
    assert!(
        f.unfinished <= 15,
        "{} of {} unfinished",
        f.unfinished,
        f.requests
    );
    // A burst, then nothing: when one partition's last batch ends, the other's wait for
    // the throughput too, with no record arriving to wake them. 50 MB: the first batch
    // spends the second saved up, the second takes the credit 5 MB below zero, and the
    // remaining ~40 MB but the last batch come at 5 MB/s: all done in about 8.5 s.
    let r = run(&mapping(
        "kafka",
        "partitions = 2\nbatch_size = 5\nmessage_bytes = \"1MB\"\nprovisioned_pollers = { min = 1, max = 1 }",
        "{ process = \"burst\", at = \"0s\", count = 50 }",
        "2m",
    ));
    assert_conserved(&r);
    let f = &r.functions[0];
    assert_eq!(f.succeeded, 50);
    assert!(
        (8_000.0..9_500.0).contains(&f.latency.max_ms),
        "{}",
        f.latency.max_ms
    );
}

#[test]
fn a_throttled_provisioned_mapping_falls_back_below_what_was_refused() {
    // 25 environments, batches of 1 s, a queue always full: with 10 batches a poller, the
    // mapping falls back to 20 (rounded down), not to 30, which would be refused again at
    // every poll. It grows back to 30 only after `sqs_throttle_hold` (60 s): about one
    // throttle a minute.
    let text = mapping(
        "sqs",
        "provisioned_pollers = { min = 2, max = 50 }",
        "{ process = \"poisson\", rate = 200.0 }",
        "10m",
    )
    .replace("\"10ms\"", "\"1s\"\nreserved_concurrency = 25");
    let r = run(&text);
    assert_conserved(&r);
    let f = &r.functions[0];
    assert!(f.throttles <= 20, "{} throttles in 10 minutes", f.throttles);
    // Busy 20 to 25 at a time: at least 20 batches a second.
    assert!(f.invocations >= 20 * 590, "{} batches", f.invocations);
}

#[test]
fn provisioned_kafka_pollers_never_outnumber_the_partitions() {
    // One partition, records of 1 MB at 20 a second, up to 40 pollers: short of
    // throughput, they would double; but one partition is read by one poller, 5 MB/s.
    let r = run(&mapping(
        "kafka",
        "batch_size = 5\nmessage_bytes = \"1MB\"\nprovisioned_pollers = { min = 1, max = 40 }",
        "{ process = \"poisson\", rate = 20.0 }",
        "5m",
    ));
    assert_conserved(&r);
    assert!(pollers(&r).iter().all(|&p| p == 1.0));
    let f = &r.functions[0];
    // 5 MB/s of the 20 arriving: about a quarter of the 6,000 records read.
    assert!(
        f.succeeded < 1_700 && f.succeeded > 1_300,
        "{} of {} read",
        f.succeeded,
        f.requests
    );
}

#[test]
fn pollers_are_given_back_only_a_minute_after_the_last_were_added() {
    // A burst of 20,000 messages of 100 ms: the pollers grow, the queue drains, and they
    // come back down to `min`, but never within 60 s of the last increase.
    let text = mapping(
        "sqs",
        "provisioned_pollers = { min = 2, max = 100 }",
        "{ process = \"burst\", at = \"0s\", count = 20000 }",
        "5m",
    )
    .replace("\"10ms\"", "\"100ms\"");
    // The bin of the last increase before each decrease.
    let gaps = |p: &[f64]| -> Vec<usize> {
        let mut last_up = 0;
        let mut out = Vec::new();
        for k in 1..p.len() {
            if p[k] > p[k - 1] {
                last_up = k;
            } else if p[k] < p[k - 1] {
                out.push(k - last_up);
            }
        }
        out
    };
    let r = run(&text);
    assert_conserved(&r);
    let p = pollers(&r);
    let g = gaps(&p);
    assert!(!g.is_empty() && g.iter().all(|&d| d >= 60), "{g:?} {p:?}");
    assert_eq!(*p.last().unwrap(), 20.0);
    // Without the cooldown, they go as soon as the queue is empty.
    let r = run(&text.replace(
        "[output]",
        "[platform]\nprovisioned_scale_in_cooldown = \"0s\"\n[output]",
    ));
    let g = gaps(&pollers(&r));
    assert!(g.iter().any(|&d| d < 60), "{g:?}");
}
