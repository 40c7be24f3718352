//! The end of a run: what is still unfinished, the bill, and the `RunReport` with its
//! per-function figures, time series and totals.

use super::{Cluster, EnvState, NO_BATCH, World, queue_wait_span};
use crate::billing::{self, Costs, Sizing, Usage};
use crate::engine::Time;
use crate::metrics::{
    BinReport, FuncMetrics, FunctionReport, ManagedBin, Recorder, RunReport, TraceKind,
};
use crate::model::config::{Function, Scenario};
use crate::sources::InvocationType;

/// The cold-start ratio of the function at the 75th percentile (nearest rank) over the
/// functions with at least one invocation; NaN without any.
pub(super) fn function_cold_start_p75(functions: &[FunctionReport]) -> f64 {
    let mut r: Vec<f64> = functions
        .iter()
        .filter(|f| f.invocations > 0)
        .map(FunctionReport::cold_start_ratio)
        .collect();
    if r.is_empty() {
        return f64::NAN;
    }
    r.sort_by(f64::total_cmp);
    r[(r.len() * 3).div_ceil(4) - 1]
}

impl World<'_> {
    /// Closes the books at the end of the run and builds the report.
    pub fn report(mut self, seed: u64, replication: u32, events: u64) -> RunReport {
        let sc = self.sc;
        let end = self.end;
        let duration_ns = end.as_nanos() as f64;
        let unfinished = self.unfinished();
        self.cut_trace_at_end();
        self.shared_trace_at_end();
        for func in &mut self.funcs {
            func.m.series.advance(end);
        }
        if let Some(c) = &self.cluster
            && cfg!(debug_assertions)
        {
            c.check(&self.envs);
        }
        let cluster = self.cluster.as_ref().map(Cluster::report);
        let (costs, total_costs) = self.bill();
        let pool_capacity = self.pool.capacity;
        let source_reports = self.source_reports();

        let mut functions = Vec::with_capacity(self.funcs.len());
        let mut series = Vec::with_capacity(self.funcs.len());
        let mut total_latency = Recorder::default();
        let mut total_pipeline = Recorder::default();
        let mut total_queue_wait = Recorder::default();
        let mut total_event_age = Recorder::default();
        let mut total_oldest_age = Recorder::default();
        let mut total = empty_total(
            self.max_executing,
            total_costs,
            sc.account.concurrency_limit,
        );
        for (i, (spec, func)) in sc.functions.iter().zip(self.funcs).enumerate() {
            let m = func.m;
            series.push(bin_rows(sc, spec, &m, cluster.is_some()));
            total_latency.merge(&m.latency);
            total_pipeline.merge(&m.pipeline_latency);
            total_queue_wait.merge(&m.queue_wait);
            total_event_age.merge(&m.event_age);
            total_oldest_age.merge(&m.oldest_age);
            // Without a reservation, the limit is the pool the unreserved functions share;
            // on Managed Instances, the slots of the most environments it can have.
            let limit = match &spec.managed {
                Some(m) => m.most_concurrency(&sc.capacity_providers[m.provider]),
                None => spec.reserved_concurrency.unwrap_or(pool_capacity),
            };
            let r = function_report(spec, m, unfinished[i], costs[i], limit, duration_ns);
            add_to_total(&mut total, &r);
            functions.push(r);
        }
        total.function_cold_start_p75 = function_cold_start_p75(&functions);
        total.latency = total_latency.report();
        total.pipeline_latency = total_pipeline.report();
        total.queue_wait = total_queue_wait.report();
        total.event_age = total_event_age.report();
        total.oldest_age = total_oldest_age.report();
        RunReport {
            scenario: sc.name.clone(),
            variant: sc.variant.clone(),
            replication,
            seed,
            duration: end,
            interval: sc.output.timeseries_interval,
            concurrency_limit: sc.account.concurrency_limit,
            functions,
            total,
            series,
            sources: sc.sources.iter().map(|s| s.name.clone()).collect(),
            source_reports,
            asynchronous: sc
                .sources
                .iter()
                .any(|s| s.invocation == InvocationType::Event),
            poll: sc.sources.iter().any(|s| s.mapping.is_some()),
            attempts: self.attempts,
            trace: self.trace,
            events,
            stopped_at: self.stopped_at,
            keep_alive: sc.functions.iter().map(|f| f.keep_alive.label()).collect(),
            cluster,
        }
    }

    /// Requests of each function still open at the end: initialising or running, waiting
    /// for another attempt, or (poll sources) not yet processed by their mapping.
    fn unfinished(&self) -> Vec<u64> {
        let mut unfinished = vec![0u64; self.funcs.len()];
        for env in &self.envs {
            let running = matches!(env.state, EnvState::Initializing | EnvState::Busy);
            if running && env.batch == NO_BATCH {
                unfinished[env.func as usize] += 1;
            }
        }
        self.mapping_unfinished(&mut unfinished);
        self.shared_unfinished(&mut unfinished);
        // Requests waiting for another attempt (an executing one is counted above).
        for p in &self.pending {
            if p.live && !p.executing {
                unfinished[p.func as usize] += 1;
            }
        }
        unfinished
    }

    /// The trace shows what is still open at the end, cut at the end.
    fn cut_trace_at_end(&mut self) {
        let end = self.end;
        let Some(t) = &mut self.trace else { return };
        for p in self.pending.iter().filter(|p| p.live && p.queued) {
            t.push(queue_wait_span(p, end));
        }
        for env in &self.envs {
            let running = matches!(env.state, EnvState::Initializing | EnvState::Busy);
            if !running {
                continue;
            }
            let span = |kind, start: Time, stop: Time| {
                env.span(kind, start.min(end), stop.min(end), None, "unfinished")
            };
            let init_end = env.start + env.init;
            if env.cold {
                t.push(span(TraceKind::Init, env.start, init_end));
            }
            if init_end < end {
                t.push(span(TraceKind::Invoke, init_end, end));
            }
        }
    }

    /// The bill of each function and of the run. Provisioned environments still
    /// allocated are billed up to the end of the run.
    fn bill(&mut self) -> (Vec<Costs>, Costs) {
        let end = self.end;
        for env in self
            .envs
            .iter()
            .filter(|e| e.provisioned && e.state != EnvState::Gone)
        {
            let lifetime = billing::provisioned_period(end.saturating_sub(env.born));
            self.funcs[env.func as usize].pc.billed_ns += u128::from(lifetime.as_nanos());
        }
        self.close_epus(end);
        let usage: Vec<(Sizing, Usage)> = self
            .sc
            .functions
            .iter()
            .zip(&self.funcs)
            .enumerate()
            .map(|(f, (spec, func))| {
                let (sqs_epu_ns, kafka_epu_ns) = self.epu_ns(f);
                let sizing = Sizing {
                    memory_mb: spec.memory_mb,
                    architecture: spec.architecture,
                    ephemeral_storage_mb: spec.ephemeral_storage_mb,
                    snapstart_charged: spec.snapstart.as_ref().is_some_and(|s| s.charged),
                    edge: spec.edge,
                    managed: instance_price(self.sc, spec),
                };
                let usage = Usage {
                    requests: func.m.invocations,
                    ondemand_ms: func.m.ondemand_ms,
                    provisioned_exec_ms: func.m.provisioned_exec_ms,
                    provisioned_env_ns: func.pc.billed_ns,
                    restores: func.m.restores,
                    tenant_environments: func.m.tenant_environments,
                    streamed_bytes: func.m.streamed_bytes,
                    instance_ns: func
                        .m
                        .series
                        .bins()
                        .iter()
                        .map(|b| b.managed_instances_area)
                        .sum(),
                    sqs_epu_ns,
                    kafka_epu_ns,
                };
                (sizing, usage)
            })
            .collect();
        billing::bill(&self.sc.pricing, &usage, self.sc.duration)
    }
}

/// The EC2 price of a managed function's instances; `None` on the default compute.
fn instance_price(sc: &Scenario, spec: &Function) -> Option<billing::InstancePrice> {
    spec.managed.as_ref().map(|m| {
        let p = &sc.capacity_providers[m.provider];
        billing::InstancePrice {
            hourly: p.hourly_price,
            savings_plan_discount: p.savings_plan_discount,
        }
    })
}

/// The `timeseries.csv` rows of one function: each bin's counts, its time averages of
/// the levels, and its cost.
fn bin_rows(sc: &Scenario, spec: &Function, m: &FuncMetrics, cluster: bool) -> Vec<BinReport> {
    let rates = sc.pricing.rates(spec.architecture);
    let gb = spec.memory_gb();
    let instance = instance_price(sc, spec).map(|p| p.per_ns());
    m.series
        .bins()
        .iter()
        .enumerate()
        .map(|(k, b)| {
            let len = m.series.bin_len(k).as_nanos() as f64;
            let pc_cost = b.provisioned_area as f64 / 1e9 * gb * rates.provisioned_per_gb_second;
            let p = &sc.pricing;
            let snapstart_cost = match &spec.snapstart {
                Some(s) if s.charged => {
                    (len / 1e9 * p.snapstart_cache_per_gb_second
                        + b.restores as f64 * p.snapstart_restore_per_gb)
                        * gb
                }
                _ => 0.0,
            };
            // With tenant isolation every cold start starts a tenant's environment.
            let tenant_cost = if spec.tenant_isolation {
                b.cold_starts as f64 * gb * p.tenant_environment_per_gb
            } else {
                0.0
            };
            let streaming_cost =
                b.streamed_bytes as f64 / billing::BYTES_PER_GB * p.streaming_per_gb;
            let ephemeral_cost = billing::ephemeral_gb(spec.ephemeral_storage_mb)
                * (b.ondemand_ms + b.provisioned_exec_ms) as f64
                / 1000.0
                * p.ephemeral_per_gb_second;
            BinReport {
                time_s: (m.series.interval().as_nanos() as f64 * k as f64) / 1e9,
                arrivals: b.arrivals,
                invocations: b.invocations,
                cold_starts: b.cold_starts,
                throttles: b.throttles,
                concurrency: (b.busy_area + b.init_area + b.requests_area) as f64 / len,
                concurrency_max: b.max_concurrency,
                instances_busy: b.busy_area as f64 / len,
                instances_idle: b.idle_area as f64 / len,
                instances_initializing: b.init_area as f64 / len,
                provisioned: b.provisioned_area as f64 / len,
                queue_depth: b.queue_area as f64 / len,
                dlq: b.dlq,
                pollers: b.pollers_area as f64 / len,
                oldest_age_s: b.age_max_ns as f64 / 1e9,
                cost_usd: if let Some((ec2, fee)) = instance {
                    b.invocations as f64 * sc.pricing.per_request()
                        + b.managed_instances_area as f64 * (ec2 + fee)
                } else if spec.edge {
                    b.invocations as f64 * p.edge_per_million_requests / 1e6
                        + billing::gb_seconds(b.ondemand_ms, spec.memory_mb) * p.edge_per_gb_second
                } else {
                    // Summed in this order, so that the figures of runs without a
                    // Savings Plan stay the same to the last bit.
                    let kept = 1.0 - p.savings_plan_discount;
                    b.invocations as f64 * sc.pricing.per_request()
                        + billing::gb_seconds(b.ondemand_ms, spec.memory_mb)
                            * rates.per_gb_second()
                            * kept
                        + billing::gb_seconds(b.provisioned_exec_ms, spec.memory_mb)
                            * rates.provisioned_duration_per_gb_second
                            * kept
                        + pc_cost * kept
                } + snapstart_cost
                    + ephemeral_cost
                    + tenant_cost
                    + streaming_cost,
                evictions: b.evictions,
                host_memory_mb: cluster
                    .then(|| b.held_area as f64 / len * f64::from(spec.memory_mb)),
                managed: spec.managed.as_ref().map(|m| ManagedBin {
                    instances: b.managed_instances_area as f64 / len,
                    environments: b.environments_area as f64 / len,
                    cpu_utilization: b.cpu_area as f64
                        / (b.environments_area as f64 * f64::from(m.env_vcpus)),
                }),
            }
        })
        .collect()
}

/// The `summary.csv` row of one function.
fn function_report(
    spec: &Function,
    m: FuncMetrics,
    unfinished: u64,
    costs: Costs,
    limit: u32,
    duration_ns: f64,
) -> FunctionReport {
    let (mut busy, mut idle, mut init) = (0u128, 0u128, 0u128);
    let (mut requests, mut environments, mut instance_ns) = (0u128, 0u128, 0u128);
    for b in m.series.bins() {
        busy += b.busy_area;
        idle += b.idle_area;
        init += b.init_area;
        requests += b.requests_area;
        environments += b.environments_area;
        instance_ns += b.managed_instances_area;
    }
    FunctionReport {
        function: spec.name.clone(),
        memory_mb: spec.memory_mb,
        requests: m.requests,
        succeeded: m.succeeded,
        failed: m.failed,
        unfinished,
        invocations: m.invocations,
        cold_starts: m.cold_starts,
        throttles: m.throttles,
        errors: m.errors,
        timeouts: m.timeouts,
        retries: m.retries,
        dry_runs: m.dry_runs,
        dlq: m.dlq,
        prewarms: m.prewarms,
        prewarm_hits: m.prewarm_hits,
        evictions: m.evictions,
        revived: m.revived,
        restores: m.restores,
        tenant_environments: m.tenant_environments,
        streamed_bytes: m.streamed_bytes,
        response_too_large: m.response_too_large,
        out_of_memory: spec.out_of_memory(),
        spillover: m.spillover,
        chained: m.chained,
        emitted: m.emitted,
        chain_ends: m.chain_ends,
        recursion_stopped: m.recursion_stopped,
        pipeline_latency: m.pipeline_latency.report(),
        function_cold_start_p75: f64::NAN,
        latency: m.latency.report(),
        queue_wait: m.queue_wait.report(),
        event_age: m.event_age.report(),
        oldest_age: m.oldest_age.report(),
        max_concurrency: m.max_concurrency,
        mean_concurrency: (busy + init + requests) as f64 / duration_ns,
        // On Managed Instances: the execution environments, not the EC2 instances.
        mean_instances: (busy + idle + init + environments) as f64 / duration_ns,
        idle_gb_seconds: idle as f64 / 1e9 * spec.memory_gb(),
        instance_hours: instance_ns as f64 / 3.6e12,
        costs,
        limit,
    }
}

/// The `*` row before any function is added: the run's peak concurrency, its bill and
/// the account limit.
fn empty_total(max_concurrency: u32, costs: Costs, limit: u32) -> FunctionReport {
    FunctionReport {
        function: "*".to_string(),
        memory_mb: 0,
        requests: 0,
        succeeded: 0,
        failed: 0,
        unfinished: 0,
        invocations: 0,
        cold_starts: 0,
        throttles: 0,
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
        pipeline_latency: Recorder::default().report(),
        function_cold_start_p75: f64::NAN,
        latency: Recorder::default().report(),
        queue_wait: Recorder::default().report(),
        event_age: Recorder::default().report(),
        oldest_age: Recorder::default().report(),
        max_concurrency,
        mean_concurrency: 0.0,
        mean_instances: 0.0,
        idle_gb_seconds: 0.0,
        instance_hours: 0.0,
        costs,
        limit,
    }
}

/// Adds a function's counts and time averages to the `*` row (its latencies, peak and
/// costs are set apart).
fn add_to_total(total: &mut FunctionReport, r: &FunctionReport) {
    total.requests += r.requests;
    total.succeeded += r.succeeded;
    total.failed += r.failed;
    total.unfinished += r.unfinished;
    total.invocations += r.invocations;
    total.cold_starts += r.cold_starts;
    total.throttles += r.throttles;
    total.errors += r.errors;
    total.timeouts += r.timeouts;
    total.retries += r.retries;
    total.dry_runs += r.dry_runs;
    total.dlq += r.dlq;
    total.prewarms += r.prewarms;
    total.prewarm_hits += r.prewarm_hits;
    total.evictions += r.evictions;
    total.revived += r.revived;
    total.restores += r.restores;
    total.tenant_environments += r.tenant_environments;
    total.streamed_bytes += r.streamed_bytes;
    total.response_too_large += r.response_too_large;
    total.out_of_memory |= r.out_of_memory;
    total.spillover += r.spillover;
    total.chained += r.chained;
    total.emitted += r.emitted;
    total.chain_ends += r.chain_ends;
    total.recursion_stopped += r.recursion_stopped;
    total.mean_concurrency += r.mean_concurrency;
    total.mean_instances += r.mean_instances;
    total.idle_gb_seconds += r.idle_gb_seconds;
    total.instance_hours += r.instance_hours;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A function row whose every counter and time average is `k` times a distinct
    /// value.
    fn row(k: u64) -> FunctionReport {
        let mut r = empty_total(0, Costs::default(), 0);
        let mut n = 0;
        let mut next = || {
            n += 1;
            k * n
        };
        r.requests = next();
        r.succeeded = next();
        r.failed = next();
        r.unfinished = next();
        r.invocations = next();
        r.cold_starts = next();
        r.throttles = next();
        r.errors = next();
        r.timeouts = next();
        r.retries = next();
        r.dry_runs = next();
        r.dlq = next();
        r.prewarms = next();
        r.prewarm_hits = next();
        r.evictions = next();
        r.revived = next();
        r.restores = next();
        r.tenant_environments = next();
        r.streamed_bytes = next();
        r.response_too_large = next();
        r.spillover = next();
        r.chained = next();
        r.emitted = next();
        r.chain_ends = next();
        r.recursion_stopped = next();
        r.mean_concurrency = next() as f64;
        r.mean_instances = next() as f64;
        r.idle_gb_seconds = next() as f64;
        r.instance_hours = next() as f64;
        r
    }

    #[test]
    fn the_total_row_adds_up_every_function_row() {
        let mut total = empty_total(7, Costs::default(), 1000);
        add_to_total(&mut total, &row(1));
        add_to_total(&mut total, &row(10));
        // Each field is 1·n + 10·n = 11·n for its n.
        let want = row(11);
        let counts = |r: &FunctionReport| {
            [
                r.requests,
                r.succeeded,
                r.failed,
                r.unfinished,
                r.invocations,
                r.cold_starts,
                r.throttles,
                r.errors,
                r.timeouts,
                r.retries,
                r.dry_runs,
                r.dlq,
                r.prewarms,
                r.prewarm_hits,
                r.evictions,
                r.revived,
                r.restores,
                r.tenant_environments,
                r.streamed_bytes,
                r.response_too_large,
                r.spillover,
                r.chained,
                r.emitted,
                r.chain_ends,
                r.recursion_stopped,
            ]
        };
        assert_eq!(counts(&total), counts(&want));
        let means = |r: &FunctionReport| {
            [
                r.mean_concurrency,
                r.mean_instances,
                r.idle_gb_seconds,
                r.instance_hours,
            ]
        };
        assert_eq!(means(&total), means(&want));
        // The run's peak and limit are its own, not sums.
        assert_eq!((total.max_concurrency, total.limit), (7, 1000));
        // Out of memory anywhere is out of memory on the total.
        let mut oom = row(1);
        oom.out_of_memory = true;
        add_to_total(&mut total, &oom);
        assert!(total.out_of_memory);
    }
}
