//! CSV exporters: `summary.csv`, `timeseries.csv`, `invocations.csv`, `sources.csv`,
//! `variants.csv` and `comparison.csv`. Each returns bytes.

use crate::engine::Time;
use crate::metrics::{FunctionReport, RunReport};

/// Columns of `summary.csv`: the columns every version keeps in this order, then the lambdasim extensions (docs/scenarios.md).
pub const SUMMARY_COLUMNS: &[&str] = &[
    "scenario",
    "variant",
    "replication",
    "function",
    "requests",
    "succeeded",
    "failed",
    "unfinished",
    "invocations",
    "cold_starts",
    "cold_start_ratio",
    "throttles",
    "errors",
    "timeouts",
    "retries",
    "dry_runs",
    "latency_mean_ms",
    "latency_p50_ms",
    "latency_p90_ms",
    "latency_p99_ms",
    "latency_max_ms",
    "max_concurrency",
    "mean_concurrency",
    "mean_instances",
    "billed_gb_seconds",
    "idle_gb_seconds",
    "request_cost_usd",
    "compute_cost_usd",
    "provisioned_cost_usd",
    "total_cost_usd",
    // Extensions (docs/scenarios.md).
    "seed",
    "dlq",
    "queue_wait_p50_ms",
    "queue_wait_p99_ms",
    "event_age_p50_ms",
    "event_age_p99_ms",
    "oldest_age_p99_ms",
    "memory_mb",
    "prewarms",
    "prewarm_hits",
    "function_cold_start_p75",
    "evictions",
    "monthly_cost_usd",
    "restores",
    "snapstart_cost_usd",
    "instance_hours",
    "instance_cost_usd",
    "management_fee_usd",
    "tenant_environments",
    "tenant_cost_usd",
    "ephemeral_cost_usd",
    "streaming_cost_usd",
    "esm_cost_usd",
    "recursion_stopped",
    "spillover",
];

/// Columns of `timeseries.csv`.
pub const TIMESERIES_COLUMNS: &[&str] = &[
    "scenario",
    "variant",
    "replication",
    "function",
    "time_s",
    "arrivals",
    "invocations",
    "cold_starts",
    "throttles",
    "concurrency",
    "instances_busy",
    "instances_idle",
    "instances_initializing",
    "queue_depth",
    "cost_usd",
    // Extensions.
    "concurrency_max",
    "dlq",
    "pollers",
    "oldest_age_s",
    "provisioned",
    "evictions",
    "host_memory_mb",
    "managed_instances",
    "managed_environments",
    "cpu_utilization",
];

/// Columns of `invocations.csv`.
pub const INVOCATION_COLUMNS: &[&str] = &[
    "scenario",
    "variant",
    "replication",
    "request_id",
    "function",
    "source",
    "invocation_type",
    "attempt",
    "arrival_ms",
    "start_ms",
    "end_ms",
    "cold",
    "init_ms",
    "duration_ms",
    "billed_ms",
    "outcome",
];

/// A float with fixed decimals; empty for NaN (nothing to report).
fn num(x: f64, decimals: usize) -> String {
    if x.is_nan() {
        String::new()
    } else {
        format!("{x:.decimals$}")
    }
}

fn ms(t: Time) -> String {
    format!("{:.3}", t.as_millis_f64())
}

/// A row of `summary.csv`: run `r`'s figures of `f` (a function, or the total `*`).
pub fn summary_row(r: &RunReport, f: &FunctionReport) -> Vec<String> {
    vec![
        r.scenario.clone(),
        r.variant.clone(),
        r.replication.to_string(),
        f.function.clone(),
        f.requests.to_string(),
        f.succeeded.to_string(),
        f.failed.to_string(),
        f.unfinished.to_string(),
        f.invocations.to_string(),
        f.cold_starts.to_string(),
        num(f.cold_start_ratio(), 6),
        f.throttles.to_string(),
        f.errors.to_string(),
        f.timeouts.to_string(),
        f.retries.to_string(),
        f.dry_runs.to_string(),
        num(f.latency.mean_ms, 3),
        num(f.latency.p50_ms, 3),
        num(f.latency.p90_ms, 3),
        num(f.latency.p99_ms, 3),
        num(f.latency.max_ms, 3),
        f.max_concurrency.to_string(),
        num(f.mean_concurrency, 4),
        num(f.mean_instances, 4),
        num(f.costs.billed_gb_seconds, 3),
        num(f.idle_gb_seconds, 3),
        num(f.costs.request, 6),
        num(f.costs.compute, 6),
        num(f.costs.provisioned, 6),
        num(f.costs.total(), 6),
        r.seed.to_string(),
        f.dlq.to_string(),
        num(f.queue_wait.p50_ms, 3),
        num(f.queue_wait.p99_ms, 3),
        num(f.event_age.p50_ms, 3),
        num(f.event_age.p99_ms, 3),
        num(f.oldest_age.p99_ms, 3),
        if f.memory_mb == 0 {
            String::new()
        } else {
            f.memory_mb.to_string()
        },
        f.prewarms.to_string(),
        f.prewarm_hits.to_string(),
        num(f.function_cold_start_p75, 6),
        f.evictions.to_string(),
        num(f.costs.monthly, 6),
        f.restores.to_string(),
        num(f.costs.snapstart, 6),
        num(f.instance_hours, 6),
        num(f.costs.instance, 6),
        num(f.costs.management_fee, 6),
        f.tenant_environments.to_string(),
        num(f.costs.tenant, 6),
        num(f.costs.ephemeral, 6),
        num(f.costs.streaming, 6),
        num(f.costs.esm, 6),
        f.recursion_stopped.to_string(),
        f.spillover.to_string(),
    ]
}

/// `summary.csv` for the runs of one scenario: each function, then `*`, per run.
pub fn summary(runs: &[RunReport]) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(SUMMARY_COLUMNS)?;
    for r in runs {
        for f in r.functions.iter().chain(std::iter::once(&r.total)) {
            w.write_record(summary_row(r, f))?;
        }
    }
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

/// `timeseries.csv` for the runs of one scenario.
pub fn timeseries(runs: &[RunReport]) -> Result<Vec<u8>, csv::Error> {
    let mut out = header(TIMESERIES_COLUMNS)?;
    for r in runs {
        timeseries_rows(r, &mut out)?;
    }
    Ok(out)
}

/// The header line of a CSV file of `columns`.
pub fn header(columns: &[&str]) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(columns)?;
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

/// Writes one run's rows of `timeseries.csv`, with no header, to `out`: what a finished
/// run writes to its part of the file.
pub fn timeseries_rows<W: std::io::Write>(r: &RunReport, out: W) -> Result<(), csv::Error> {
    let mut w = csv::Writer::from_writer(out);
    let rep = r.replication.to_string();
    for (f, bins) in r.functions.iter().zip(&r.series) {
        for b in bins {
            w.write_record([
                r.scenario.as_str(),
                r.variant.as_str(),
                rep.as_str(),
                f.function.as_str(),
                &num(b.time_s, 3),
                &b.arrivals.to_string(),
                &b.invocations.to_string(),
                &b.cold_starts.to_string(),
                &b.throttles.to_string(),
                &num(b.concurrency, 4),
                &num(b.instances_busy, 4),
                &num(b.instances_idle, 4),
                &num(b.instances_initializing, 4),
                &num(b.queue_depth, 4),
                &num(b.cost_usd, 8),
                &b.concurrency_max.to_string(),
                &b.dlq.to_string(),
                &num(b.pollers, 4),
                &num(b.oldest_age_s, 3),
                &num(b.provisioned, 4),
                &b.evictions.to_string(),
                &b.host_memory_mb.map_or(String::new(), |m| num(m, 1)),
                &b.managed.map_or(String::new(), |m| num(m.instances, 4)),
                &b.managed.map_or(String::new(), |m| num(m.environments, 4)),
                &b.managed
                    .map_or(String::new(), |m| num(m.cpu_utilization, 4)),
            ])?;
        }
    }
    w.flush()?;
    Ok(())
}

/// `invocations.csv` for the runs of one scenario that recorded their attempts.
pub fn invocations(runs: &[RunReport]) -> Result<Vec<u8>, csv::Error> {
    let mut out = header(INVOCATION_COLUMNS)?;
    for r in runs {
        invocation_rows(r, &mut out)?;
    }
    Ok(out)
}

/// Writes one run's rows of `invocations.csv` (none when it recorded no attempts), with
/// no header, to `out`.
pub fn invocation_rows<W: std::io::Write>(r: &RunReport, out: W) -> Result<(), csv::Error> {
    let mut w = csv::Writer::from_writer(out);
    if let Some(attempts) = &r.attempts {
        let rep = r.replication.to_string();
        for a in attempts {
            w.write_record([
                r.scenario.as_str(),
                r.variant.as_str(),
                rep.as_str(),
                &a.request.to_string(),
                r.functions[a.function as usize].function.as_str(),
                r.sources[a.source as usize].as_str(),
                a.invocation.as_str(),
                &a.attempt.to_string(),
                &ms(a.arrival),
                &ms(a.start),
                &ms(a.end),
                if a.cold { "true" } else { "false" },
                &ms(a.init),
                &ms(a.duration),
                &a.billed_ms.to_string(),
                a.outcome.as_str(),
            ])?;
        }
    }
    w.flush()?;
    Ok(())
}

/// Columns of `sources.csv` (a lambdasim extension).
pub const SOURCE_COLUMNS: &[&str] = &[
    "scenario",
    "variant",
    "replication",
    "source",
    "service",
    "function",
    "requests",
    "batches",
    "mean_batch_size",
    "dlq",
    "expired",
    "redelivered",
    "max_pollers",
    "queue_depth_mean",
    "queue_depth_max",
    "oldest_age_p50_ms",
    "oldest_age_p99_ms",
    "oldest_age_max_ms",
    "epu_hours",
    "esm_cost_usd",
];

/// `sources.csv`: one row per (replication, source); the poll columns are empty for push
/// sources.
pub fn sources(runs: &[RunReport]) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(SOURCE_COLUMNS)?;
    for r in runs {
        for s in &r.source_reports {
            let poll = |v: String| if s.poll { v } else { String::new() };
            let age = |x: fn(&crate::metrics::LatencyReport) -> f64| {
                s.oldest_age
                    .as_ref()
                    .map_or(String::new(), |a| num(x(a), 3))
            };
            let mean_batch = if s.batches == 0 {
                f64::NAN
            } else {
                s.batched as f64 / s.batches as f64
            };
            w.write_record([
                r.scenario.clone(),
                r.variant.clone(),
                r.replication.to_string(),
                s.source.clone(),
                s.service.to_string(),
                s.function.clone(),
                s.requests.to_string(),
                poll(s.batches.to_string()),
                poll(num(mean_batch, 3)),
                poll(s.dlq.to_string()),
                poll(s.expired.to_string()),
                poll(s.redelivered.to_string()),
                poll(s.max_pollers.to_string()),
                poll(num(s.queue_depth_mean, 3)),
                poll(s.queue_depth_max.to_string()),
                age(|a| a.p50_ms),
                age(|a| a.p99_ms),
                age(|a| a.max_ms),
                poll(num(s.epu_hours, 6)),
                poll(num(s.esm_cost_usd, 6)),
            ])?;
        }
    }
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

/// Columns of `pipeline.csv` (a lambdasim extension, written when functions send events
/// to one another).
pub const PIPELINE_COLUMNS: &[&str] = &[
    "scenario",
    "variant",
    "replication",
    "function",
    "requests",
    "chained",
    "emitted",
    "recursion_stopped",
    "chain_ends",
    "pipeline_latency_mean_ms",
    "pipeline_latency_p50_ms",
    "pipeline_latency_p99_ms",
    "pipeline_latency_max_ms",
];

/// `pipeline.csv`: one row per (replication, function): the requests other functions sent
/// it, the events it sent on, and the latency of the chains that ended with it.
pub fn pipeline(runs: &[RunReport]) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(PIPELINE_COLUMNS)?;
    for r in runs {
        for f in &r.functions {
            let p = &f.pipeline_latency;
            w.write_record([
                r.scenario.clone(),
                r.variant.clone(),
                r.replication.to_string(),
                f.function.clone(),
                f.requests.to_string(),
                f.chained.to_string(),
                f.emitted.to_string(),
                f.recursion_stopped.to_string(),
                f.chain_ends.to_string(),
                num(p.mean_ms, 3),
                num(p.p50_ms, 3),
                num(p.p99_ms, 3),
                num(p.max_ms, 3),
            ])?;
        }
    }
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

/// Reads one number of a summary row.
type Metric = fn(&FunctionReport) -> f64;

/// The key metrics aggregated in `variants.csv` and `comparison.csv`, from each run's `*`
/// row.
const VARIANT_METRICS: &[(&str, Metric)] = &[
    ("requests", |f| f.requests as f64),
    ("failed", |f| f.failed as f64),
    ("cold_start_ratio", |f| f.cold_start_ratio()),
    ("function_cold_start_p75", |f| f.function_cold_start_p75),
    ("throttles", |f| f.throttles as f64),
    ("dlq", |f| f.dlq as f64),
    ("latency_mean_ms", |f| f.latency.mean_ms),
    ("latency_p50_ms", |f| f.latency.p50_ms),
    ("latency_p99_ms", |f| f.latency.p99_ms),
    ("mean_concurrency", |f| f.mean_concurrency),
    ("mean_instances", |f| f.mean_instances),
    ("billed_gb_seconds", |f| f.costs.billed_gb_seconds),
    ("idle_gb_seconds", |f| f.idle_gb_seconds),
    ("prewarm_hits", |f| f.prewarm_hits as f64),
    ("total_cost_usd", |f| f.costs.total()),
    ("evictions", |f| f.evictions as f64),
];

/// Metrics aggregated like `VARIANT_METRICS`, added later: their columns come after
/// `idle_gb_seconds_vs_fixed_10m`, so no column of `VARIANT_METRICS` moves. Among them,
/// the compute options' in one order (summary.csv's), and lambdasim's own (`spillover`)
/// last.
const LATER_VARIANT_METRICS: &[(&str, Metric)] = &[
    ("monthly_cost_usd", |f| f.costs.monthly),
    ("restores", |f| f.restores as f64),
    ("snapstart_cost_usd", |f| f.costs.snapstart),
    ("instance_hours", |f| f.instance_hours),
    ("instance_cost_usd", |f| f.costs.instance),
    ("management_fee_usd", |f| f.costs.management_fee),
    ("tenant_environments", |f| f.tenant_environments as f64),
    ("tenant_cost_usd", |f| f.costs.tenant),
    ("ephemeral_cost_usd", |f| f.costs.ephemeral),
    ("streaming_cost_usd", |f| f.costs.streaming),
    ("esm_cost_usd", |f| f.costs.esm),
    ("spillover", |f| f.spillover as f64),
];

/// The header of `variants.csv` and `comparison.csv`.
fn variant_header() -> Vec<String> {
    let mut h = vec![
        "scenario".to_string(),
        "variant".to_string(),
        "replications".to_string(),
    ];
    for (m, _) in VARIANT_METRICS {
        h.push(format!("{m}_mean"));
        h.push(format!("{m}_ci95"));
    }
    h.push("idle_gb_seconds_vs_fixed_10m".to_string());
    for (m, _) in LATER_VARIANT_METRICS {
        h.push(format!("{m}_mean"));
        h.push(format!("{m}_ci95"));
    }
    h.push("cost_per_cold_start_avoided_usd".to_string());
    h
}

/// What each cold start this variant avoids against `first` (the sweep's first variant,
/// e.g. no provisioned concurrency) costs: the difference of mean total costs over the
/// difference of mean cold starts; NaN (empty) when it avoids none.
fn cost_per_cold_start_avoided(first: &[&RunReport], reps: &[&RunReport]) -> f64 {
    let mean = |rs: &[&RunReport], f: fn(&RunReport) -> f64| {
        rs.iter().map(|r| f(r)).sum::<f64>() / rs.len() as f64
    };
    let cold = |r: &RunReport| r.total.cold_starts as f64;
    let cost = |r: &RunReport| r.total.costs.total();
    let avoided = mean(first, cold) - mean(reps, cold);
    if avoided > 0.0 {
        (mean(reps, cost) - mean(first, cost)) / avoided
    } else {
        f64::NAN
    }
}

/// The keep-alive label of the baseline that wasted memory is normalised to.
pub const BASELINE_KEEP_ALIVE: &str = "fixed 10m";

/// The mean `idle_gb_seconds` of a variant's replications.
pub fn mean_idle(reps: &[&RunReport]) -> f64 {
    reps.iter().map(|r| r.total.idle_gb_seconds).sum::<f64>() / reps.len() as f64
}

/// The mean idle GB-s of the first variant in `groups` whose functions all keep
/// environments for a fixed 10 minutes (the baseline of Shahrad et al.'s comparisons), if
/// there is one and it kept anything idle: what wasted memory is normalised to.
pub fn idle_baseline(groups: &[Vec<&RunReport>]) -> Option<f64> {
    groups
        .iter()
        .find(|reps| {
            !reps[0].keep_alive.is_empty()
                && reps[0].keep_alive.iter().all(|k| k == BASELINE_KEEP_ALIVE)
        })
        .map(|reps| mean_idle(reps))
        .filter(|m| *m > 0.0)
}

/// One row per variant of `runs` (in order of first appearance): the mean of each key
/// metric over the replications and the half-width of its 95 % confidence interval.
fn variant_rows(runs: &[RunReport]) -> Vec<Vec<String>> {
    let (order, groups): (Vec<&str>, Vec<Vec<&RunReport>>) =
        crate::metrics::by_variant(runs).into_iter().unzip();
    let baseline = idle_baseline(&groups);
    order
        .iter()
        .zip(&groups)
        .map(|(v, reps)| {
            let mut row = vec![
                reps[0].scenario.clone(),
                v.to_string(),
                reps.len().to_string(),
            ];
            let aggregate = |metrics: &[(&str, Metric)], row: &mut Vec<String>| {
                for (_, get) in metrics {
                    let xs: Vec<f64> = reps.iter().map(|r| get(&r.total)).collect();
                    let (mean, ci) = crate::metrics::stats::mean_ci95(&xs);
                    row.push(num(mean, 6));
                    row.push(num(ci, 6));
                }
            };
            aggregate(VARIANT_METRICS, &mut row);
            row.push(baseline.map_or(String::new(), |b| num(mean_idle(reps) / b, 6)));
            aggregate(LATER_VARIANT_METRICS, &mut row);
            row.push(num(cost_per_cold_start_avoided(&groups[0], reps), 9));
            row
        })
        .collect()
}

/// `variants.csv`: one row per variant, replications aggregated (mean and 95 % CI).
pub fn variants(runs: &[RunReport]) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(variant_header())?;
    for row in variant_rows(runs) {
        w.write_record(row)?;
    }
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

/// `comparison.csv`: the rows of `variants.csv` of several scenarios, one after another.
pub fn comparison(scenarios: &[Vec<RunReport>]) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(variant_header())?;
    for runs in scenarios {
        for row in variant_rows(runs) {
            w.write_record(row)?;
        }
    }
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}
