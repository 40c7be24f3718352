//! The time axis of the charts of one run, and the report's bins merged to fit on it.

use super::scale::nonneg;
use crate::metrics::{BinReport, RunReport};

/// Most bins drawn on a time axis; longer series are merged into wider bins.
const MAX_DRAWN_BINS: usize = 2000;

/// The time axis of a run and the (possibly merged) bins drawn on it.
pub(super) struct TimeGrid {
    /// Seconds per axis unit.
    unit_s: f64,
    /// Axis unit name.
    unit: &'static str,
    /// Run length, s.
    end_s: f64,
    /// Width of a drawn bin, s (after merging).
    pub(super) bin_s: f64,
    /// Report bins per drawn bin.
    factor: usize,
    /// Report bins per function (the longest series).
    pub(super) len: usize,
}

impl TimeGrid {
    pub(super) fn new(report: &RunReport) -> Self {
        Self::with_max_bins(report, MAX_DRAWN_BINS)
    }

    /// A grid drawing at most `max_bins` bins.
    pub(super) fn with_max_bins(report: &RunReport, max_bins: usize) -> Self {
        let len = report.series.iter().map(Vec::len).max().unwrap_or(0);
        let duration_s = nonneg(report.duration.as_secs_f64());
        let mut interval_s = nonneg(report.interval.as_secs_f64());
        if interval_s <= 0.0 {
            interval_s = if duration_s > 0.0 && len > 0 {
                duration_s / len as f64
            } else {
                1.0
            };
        }
        let factor = len.div_ceil(max_bins.max(1)).max(1);
        let end_s = duration_s.max(len as f64 * interval_s);
        let (unit_s, unit) = if end_s > 5.0 * 3600.0 {
            (3600.0, "h")
        } else if end_s > 600.0 {
            (60.0, "min")
        } else {
            (1.0, "s")
        };
        TimeGrid {
            unit_s,
            unit,
            end_s,
            bin_s: interval_s * factor as f64,
            factor,
            len,
        }
    }

    pub(super) fn axis_label(&self) -> String {
        format!("time ({})", self.unit)
    }

    /// The end of the time axis, in axis units (never 0).
    pub(super) fn x_end(&self) -> f64 {
        let end = self.end_s / self.unit_s;
        if end > 0.0 { end } else { 1.0 }
    }

    /// Bins summed over all functions.
    pub(super) fn sum_over_functions(&self, report: &RunReport) -> Vec<BinReport> {
        let mut out = vec![BinReport::default(); self.len];
        for series in &report.series {
            for (acc, b) in out.iter_mut().zip(series) {
                acc.arrivals = acc.arrivals.saturating_add(b.arrivals);
                acc.invocations = acc.invocations.saturating_add(b.invocations);
                acc.cold_starts = acc.cold_starts.saturating_add(b.cold_starts);
                acc.throttles = acc.throttles.saturating_add(b.throttles);
                acc.concurrency += nonneg(b.concurrency);
                acc.concurrency_max = acc.concurrency_max.saturating_add(b.concurrency_max);
                acc.instances_busy += nonneg(b.instances_busy);
                acc.instances_idle += nonneg(b.instances_idle);
                acc.instances_initializing += nonneg(b.instances_initializing);
                acc.queue_depth += nonneg(b.queue_depth);
                acc.provisioned += nonneg(b.provisioned);
                acc.dlq = acc.dlq.saturating_add(b.dlq);
                acc.pollers += nonneg(b.pollers);
                acc.oldest_age_s = acc.oldest_age_s.max(nonneg(b.oldest_age_s));
                acc.cost_usd += nonneg(b.cost_usd);
            }
        }
        out
    }

    /// Merges `factor` consecutive bins: counts add up, averages average, peaks take the max.
    pub(super) fn group(&self, bins: &[BinReport]) -> Vec<BinReport> {
        bins.chunks(self.factor)
            .map(|chunk| {
                let k = chunk.len() as f64;
                let mean =
                    |f: fn(&BinReport) -> f64| chunk.iter().map(|b| nonneg(f(b))).sum::<f64>() / k;
                let sum = |f: fn(&BinReport) -> u64| {
                    chunk.iter().fold(0u64, |a, b| a.saturating_add(f(b)))
                };
                BinReport {
                    time_s: chunk[0].time_s,
                    arrivals: sum(|b| b.arrivals),
                    invocations: sum(|b| b.invocations),
                    cold_starts: sum(|b| b.cold_starts),
                    throttles: sum(|b| b.throttles),
                    concurrency: mean(|b| b.concurrency),
                    concurrency_max: chunk.iter().map(|b| b.concurrency_max).max().unwrap_or(0),
                    instances_busy: mean(|b| b.instances_busy),
                    instances_idle: mean(|b| b.instances_idle),
                    instances_initializing: mean(|b| b.instances_initializing),
                    queue_depth: mean(|b| b.queue_depth),
                    provisioned: mean(|b| b.provisioned),
                    dlq: sum(|b| b.dlq),
                    pollers: mean(|b| b.pollers),
                    oldest_age_s: chunk
                        .iter()
                        .map(|b| nonneg(b.oldest_age_s))
                        .fold(0.0, f64::max),
                    cost_usd: chunk.iter().map(|b| nonneg(b.cost_usd)).sum(),
                    evictions: sum(|b| b.evictions),
                    host_memory_mb: chunk[0]
                        .host_memory_mb
                        .map(|_| mean(|b| b.host_memory_mb.unwrap_or(0.0))),
                    managed: chunk[0].managed.map(|_| {
                        let m = |b: &BinReport| b.managed.unwrap_or_default();
                        let envs: f64 = chunk.iter().map(|b| nonneg(m(b).environments)).sum();
                        // Utilisation weighted by the environments it is of.
                        let busy: f64 = chunk
                            .iter()
                            .map(|b| nonneg(m(b).cpu_utilization * m(b).environments))
                            .sum();
                        crate::metrics::ManagedBin {
                            instances: chunk.iter().map(|b| nonneg(m(b).instances)).sum::<f64>()
                                / k,
                            environments: envs / k,
                            cpu_utilization: busy / envs,
                        }
                    }),
                }
            })
            .collect()
    }

    /// A step line through grouped bin values: each value held over its bin.
    pub(super) fn steps(&self, values: &[f64]) -> Vec<(f64, f64)> {
        let mut pts = Vec::with_capacity(2 * values.len());
        for (i, v) in values.iter().enumerate() {
            let t0 = i as f64 * self.bin_s;
            let t1 = ((i + 1) as f64 * self.bin_s).min(self.end_s.max(t0));
            pts.push((t0 / self.unit_s, *v));
            pts.push((t1 / self.unit_s, *v));
        }
        pts
    }
}
