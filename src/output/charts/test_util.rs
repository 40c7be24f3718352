//! Synthetic reports and sweeps for the charts' tests, and ways to look inside the files
//! rendered from them.

use crate::billing::Costs;
use crate::engine::Time;
use crate::metrics::{
    BinReport, FunctionReport, LatencyReport, RunReport, SourceReport, latency_histogram,
};

pub(super) fn function(
    name: &str,
    latencies_us: &[u64],
    costs: Costs,
    limit: u32,
) -> FunctionReport {
    let mut h = latency_histogram();
    let mut sum_ns = 0u128;
    let mut max_ns = 0u64;
    for &us in latencies_us {
        h.record(us).expect("in range");
        sum_ns += u128::from(us) * 1000;
        max_ns = max_ns.max(us * 1000);
    }
    let n = latencies_us.len() as u64;
    FunctionReport {
        function: name.to_string(),
        memory_mb: 128,
        requests: n,
        succeeded: n,
        failed: 0,
        unfinished: 0,
        invocations: n,
        cold_starts: n / 20,
        throttles: n / 50,
        errors: 0,
        timeouts: 0,
        retries: 0,
        dry_runs: 0,
        dlq: 0,
        prewarms: 0,
        prewarm_hits: 0,
        evictions: 0,
        revived: 0,
        restores: 0,
        tenant_environments: 0,
        streamed_bytes: 0,
        response_too_large: 0,
        out_of_memory: false,
        spillover: 0,
        chained: 0,
        emitted: 0,
        chain_ends: 0,
        recursion_stopped: 0,
        pipeline_latency: crate::metrics::Recorder::default().report(),
        function_cold_start_p75: f64::NAN,
        queue_wait: LatencyReport::new(crate::metrics::latency_histogram(), 0, 0),
        event_age: LatencyReport::new(crate::metrics::latency_histogram(), 0, 0),
        oldest_age: LatencyReport::new(crate::metrics::latency_histogram(), 0, 0),
        latency: LatencyReport::new(h, sum_ns, max_ns),
        max_concurrency: 0,
        mean_concurrency: 0.0,
        mean_instances: 0.0,
        idle_gb_seconds: 0.0,
        instance_hours: 0.0,
        costs,
        limit,
    }
}

/// A series of `bins` bins with a burst in the middle, scaled by `scale`.
fn series(bins: usize, scale: f64) -> Vec<BinReport> {
    (0..bins)
        .map(|i| {
            let burst = if (bins * 4 / 10..bins * 6 / 10).contains(&i) {
                8.0
            } else {
                1.0
            };
            let wave = 1.0 + 0.5 * (i as f64 / 7.0).sin();
            let busy = scale * burst * wave;
            BinReport {
                time_s: i as f64,
                arrivals: (busy * 10.0) as u64,
                invocations: (busy * 10.0) as u64,
                cold_starts: if i == bins * 4 / 10 {
                    (scale * 7.0) as u64
                } else {
                    u64::from(i % 9 == 0)
                },
                throttles: if (bins * 4 / 10..bins * 45 / 100).contains(&i) {
                    (scale * 3.0) as u64
                } else {
                    0
                },
                concurrency: busy,
                concurrency_max: (busy * 1.4).ceil() as u32,
                instances_busy: busy,
                instances_idle: if burst > 1.0 {
                    2.0 * scale
                } else {
                    0.6 * scale * burst
                },
                instances_initializing: if i == bins * 4 / 10 { 3.0 * scale } else { 0.0 },
                queue_depth: 0.0,
                provisioned: 0.0,
                dlq: 0,
                evictions: 0,
                host_memory_mb: None,
                managed: None,
                pollers: 0.0,
                oldest_age_s: 0.0,
                cost_usd: busy * 1e-4,
            }
        })
        .collect()
}

fn latencies(base_us: u64, n: u64) -> Vec<u64> {
    // Mostly warm around base, 5 % cold starts ten times slower.
    (0..n)
        .map(|i| {
            let jitter = (i * 7919) % 1000;
            if i % 20 == 0 {
                base_us * 10 + jitter * base_us / 100
            } else {
                base_us + jitter * base_us / 400
            }
        })
        .collect()
}

pub(super) fn report(nfuncs: usize, bins: usize) -> RunReport {
    let mut functions = Vec::new();
    let mut all = Vec::new();
    for i in 0..nfuncs {
        let lat = latencies(20_000 * (i as u64 + 1), 2000);
        all.extend_from_slice(&lat);
        let costs = Costs {
            billed_gb_seconds: 100.0,
            request: 0.0004 * (i + 1) as f64,
            compute: 0.0123 * (i + 1) as f64,
            provisioned: if i == 1 { 0.02 } else { 0.0 },
            ..Costs::default()
        };
        let limit = if i == 0 { 40 } else { 1000 };
        functions.push(function(&format!("function-{}", i + 1), &lat, costs, limit));
    }
    let mut total = function("*", &all, Costs::default(), 1000);
    for f in &functions {
        total.costs.request += f.costs.request;
        total.costs.compute += f.costs.compute;
        total.costs.provisioned += f.costs.provisioned;
    }
    RunReport {
        scenario: "burst-demo".to_string(),
        variant: "base".to_string(),
        replication: 0,
        seed: 42,
        duration: Time::from_secs(bins as u64),
        interval: Time::from_secs(1),
        concurrency_limit: 1000,
        series: (0..nfuncs).map(|i| series(bins, 1.0 + i as f64)).collect(),
        functions,
        total,
        sources: vec!["api".to_string()],
        attempts: None,
        trace: None,
        source_reports: Vec::new(),
        asynchronous: false,
        poll: false,
        events: 0,
        stopped_at: None,
        keep_alive: vec!["fixed 6m".to_string(); nfuncs],
        cluster: None,
    }
}

/// `report(nfuncs, bins)` invoked asynchronously: each function's backlog builds during
/// the burst and drains after it, and events go to the DLQ while it is deep.
pub(super) fn async_report(nfuncs: usize, bins: usize) -> RunReport {
    let mut r = report(nfuncs, bins);
    r.asynchronous = true;
    let burst = bins * 4 / 10..bins * 6 / 10;
    for (k, (series, f)) in r.series.iter_mut().zip(&mut r.functions).enumerate() {
        let scale = 1.0 + k as f64;
        let mut depth = 0.0f64;
        for (i, b) in series.iter_mut().enumerate() {
            depth = if burst.contains(&i) {
                depth + 40.0 * scale
            } else {
                (depth * 0.93 - 5.0).max(0.0)
            };
            b.queue_depth = depth;
            b.throttles = (depth / 10.0) as u64;
            b.dlq = if depth > 300.0 * scale {
                (depth / 400.0 * (1 + (i * 7 + k) % 5) as f64) as u64
            } else {
                0
            };
        }
        f.dlq = series.iter().map(|b| b.dlq).sum();
        f.throttles = series.iter().map(|b| b.throttles).sum();
        f.retries = 2 * f.dlq + f.requests / 40;
    }
    r.total.dlq = r.functions.iter().map(|f| f.dlq).sum();
    r.total.throttles = r.functions.iter().map(|f| f.throttles).sum();
    r.total.retries = r.functions.iter().map(|f| f.retries).sum();
    r
}

/// A source of `function`, polled or not.
pub(super) fn source(
    name: &str,
    service: &'static str,
    function: &str,
    poll: bool,
) -> SourceReport {
    SourceReport::empty(name.to_string(), service, function.to_string(), poll)
}

/// An SQS backlog: 20 messages/s, plus 200,000 arriving over 10 s from `burst_s`. Each
/// poller drains 50 messages/s; pollers start at 5, grow by 5/s while messages wait and
/// shrink by 10/s once the queue is empty. Returns the peak pollers.
pub(super) fn sqs_series(series: &mut [BinReport], burst_s: usize) -> u32 {
    let mut waiting: std::collections::VecDeque<(usize, f64)> = Default::default();
    let mut depth = 0.0f64;
    let mut pollers = 5u32;
    let mut peak = pollers;
    for (t, b) in series.iter_mut().enumerate() {
        let arrivals = 20.0
            + if (burst_s..burst_s + 10).contains(&t) {
                20_000.0
            } else {
                0.0
            };
        waiting.push_back((t, arrivals));
        let before = depth;
        let mut capacity = f64::from(pollers) * 50.0;
        let done = capacity.min(depth + arrivals);
        while capacity > 0.0 {
            let Some(front) = waiting.front_mut() else {
                break;
            };
            let take = front.1.min(capacity);
            front.1 -= take;
            capacity -= take;
            if front.1 <= 0.0 {
                waiting.pop_front();
            }
        }
        depth = waiting.iter().map(|(_, n)| n).sum();
        b.arrivals = arrivals as u64;
        b.invocations = (done / 10.0) as u64;
        b.queue_depth = (before + depth) / 2.0 + 0.3;
        b.pollers = f64::from(pollers);
        b.oldest_age_s = waiting.front().map_or(0.25, |(a, _)| (t + 1 - a) as f64);
        b.concurrency = done / 50.0;
        b.instances_busy = done / 50.0;
        b.concurrency_max = pollers;
        b.dlq = 0;
        pollers = if depth > 1.0 {
            (pollers + 5).min(1250)
        } else {
            pollers.saturating_sub(10).max(5)
        };
        peak = peak.max(pollers);
    }
    peak
}

/// A Kinesis stream of 4 shards at 200 records/s: from `block_s` one shard's batch
/// fails until its iterator age reaches 600 s; the batch then goes to the on-failure
/// destination and the shard catches up at 1,000 records/s.
fn kinesis_series(series: &mut [BinReport], block_s: usize) -> u64 {
    let mut backlog = 0.0f64;
    let mut blocked_since = None;
    let mut failed = 0;
    for (t, b) in series.iter_mut().enumerate() {
        let before = backlog;
        if t == block_s {
            blocked_since = Some(t);
        }
        b.oldest_age_s = 0.4 + 0.1 * ((t * 7) % 5) as f64;
        match blocked_since {
            Some(s) if t - s >= 600 => {
                blocked_since = None;
                b.dlq = 100;
                failed += 100;
                b.oldest_age_s = 600.0;
            }
            Some(s) => {
                backlog += 50.0;
                b.oldest_age_s = (t + 1 - s) as f64;
            }
            None => {
                b.oldest_age_s = b.oldest_age_s.max(backlog / 50.0);
                backlog = (backlog - 950.0).max(0.0);
            }
        }
        b.arrivals = 200;
        b.queue_depth = (before + backlog) / 2.0 + 40.0;
        b.pollers = 4.0;
        b.concurrency = 2.5;
        b.instances_busy = 2.5;
        b.concurrency_max = 4;
    }
    failed
}

/// One function read from SQS over `bins` seconds (see [`sqs_series`]).
pub(super) fn sqs_report(bins: usize) -> RunReport {
    let mut r = report(1, bins);
    r.scenario = "sqs-backlog".to_string();
    r.functions[0].function = "worker".to_string();
    r.poll = true;
    let peak = sqs_series(&mut r.series[0], 60);
    let mut s = source("orders", "sqs", "worker", true);
    s.max_pollers = peak;
    s.redelivered = 1234;
    r.source_reports = vec![s];
    r.sources = vec!["orders".to_string()];
    r.total.dlq = 0;
    r
}

/// One function reading a Kinesis stream over `bins` seconds (see [`kinesis_series`]).
pub(super) fn kinesis_report(bins: usize) -> RunReport {
    let mut r = report(1, bins);
    r.scenario = "kinesis-blocked-shard".to_string();
    r.functions[0].function = "consumer".to_string();
    r.poll = true;
    let dlq = kinesis_series(&mut r.series[0], bins / 6);
    r.functions[0].dlq = dlq;
    r.total.dlq = dlq;
    let mut s = source("clicks", "kinesis", "consumer", true);
    s.max_pollers = 4;
    s.dlq = dlq;
    s.expired = 0;
    r.source_reports = vec![s];
    r.sources = vec!["clicks".to_string()];
    r
}

/// Three functions over `bins` seconds: one invoked asynchronously, one read from SQS,
/// one reading a Kinesis stream (whose blocked shard fails over with 800 bins or more).
pub(super) fn mixed_report(bins: usize) -> RunReport {
    let mut r = async_report(3, bins);
    r.scenario = "mixed-sources".to_string();
    r.poll = true;
    r.functions[1].function = "sqs-worker".to_string();
    r.functions[2].function = "stream-consumer".to_string();
    for b in r.series[1..].iter_mut().flatten() {
        b.dlq = 0;
    }
    let peak = sqs_series(&mut r.series[1], bins / 15);
    let dlq = kinesis_series(&mut r.series[2], bins / 8);
    r.functions[1].dlq = 0;
    r.functions[2].dlq = dlq;
    r.total.dlq = r.functions.iter().map(|f| f.dlq).sum();
    let mut sqs = source("orders", "sqs", "sqs-worker", true);
    sqs.max_pollers = peak;
    r.source_reports = vec![
        source("uploads", "s3", "function-1", false),
        sqs,
        source("clicks", "kinesis", "stream-consumer", true),
    ];
    r
}

pub(super) fn names(files: &[(String, Vec<u8>)]) -> Vec<&str> {
    files.iter().map(|(n, _)| n.as_str()).collect()
}

pub(super) fn svg<'a>(files: &'a [(String, Vec<u8>)], name: &str) -> &'a str {
    let (_, bytes) = files.iter().find(|(n, _)| n == name).expect("file present");
    std::str::from_utf8(bytes).expect("SVG is UTF-8")
}

pub(super) const PNG_SIGNATURE: &[u8] = &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];

/// A deterministic jitter in [-1, 1) from two indices.
fn jitter(a: usize, b: usize) -> f64 {
    let h = (a as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ (b as u64 + 7).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    ((h >> 11) % 2000) as f64 / 1000.0 - 1.0
}

/// One run of variant `name` with the given whole-scenario figures.
pub(super) fn variant_run(
    name: &str,
    rep: u32,
    memory_mb: u32,
    p99: f64,
    mean: f64,
    cost: f64,
) -> RunReport {
    let mut r = report(1, 10);
    r.variant = name.to_string();
    r.replication = rep;
    r.functions[0].function = "api".to_string();
    r.functions[0].memory_mb = memory_mb;
    r.total.latency.p99_ms = p99;
    r.total.latency.mean_ms = mean;
    r.total.costs = Costs {
        billed_gb_seconds: 0.0,
        request: 0.002,
        compute: cost - 0.002,
        provisioned: 0.0,
        ..Costs::default()
    };
    r
}

/// A sweep of a CPU-bound function (single-threaded: no faster beyond one vCPU at
/// 1,769 MB, and slowed by memory pressure at the smallest sizes) over `memories` ×
/// `policies` (`fixed/…` keeps environments warm, `none` starts each request cold), with
/// `reps` replications each: latency falls with memory, cost is U-shaped.
pub(super) fn sweep_runs(memories: &[u32], policies: &[&str], reps: u32) -> Vec<RunReport> {
    let mut runs = Vec::new();
    for (p, policy) in policies.iter().enumerate() {
        for (k, &m) in memories.iter().enumerate() {
            let name = if policy.is_empty() {
                format!("memory_mb={m}")
            } else {
                format!("keep_alive={policy} memory_mb={m}")
            };
            let m_f = f64::from(m);
            let cpu = 600.0 * 1769.0 / m_f.min(1769.0) * (1.0 + 64.0 / m_f);
            let cold = match *policy {
                "none" => 380.0,
                "fixed/1m" => 40.0,
                _ => 6.0,
            };
            for rep in 0..reps {
                let noise = 1.0 + 0.03 * jitter(p * 100 + k, rep as usize);
                let mean = (cpu + 40.0 + cold) * noise;
                let p99 = (cpu * 1.5 + 40.0 + cold * 3.0) * (1.0 + 0.06 * jitter(rep as usize, k));
                let gb_s = 10_000.0 * m_f / 1024.0 * (cpu + 40.0 + cold * 0.8) / 1000.0;
                let cost = 0.002 + gb_s * 0.000_016_666_7 * noise;
                runs.push(variant_run(&name, rep, m, p99, mean, cost));
            }
        }
    }
    runs
}
