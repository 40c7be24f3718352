//! The runs of a sweep gathered per variant: each metric's mean and confidence interval,
//! the variants laid out by memory size, and the Pareto front of a trade-off.

use super::format::{count_of, fmt_span, group_thousands, without_word};
use super::scale::{MAX_PLOTTED, nonneg};
use super::style::SEP;
use crate::metrics::RunReport;

/// The mean of a metric over a variant's replications and the half-width of its 95 %
/// confidence interval (NaN with one replication).
#[derive(Clone, Copy, Debug)]
pub(super) struct Estimate {
    /// NaN when no replication has a value.
    pub(super) mean: f64,
    /// NaN when unknown (one replication) or zero.
    pub(super) ci: f64,
}

impl Estimate {
    fn of(xs: impl Iterator<Item = f64>) -> Self {
        let xs: Vec<f64> = xs.collect();
        let (mean, ci) = crate::metrics::stats::mean_ci95(&xs);
        Estimate {
            mean: if mean.is_finite() {
                nonneg(mean)
            } else {
                f64::NAN
            },
            ci: if ci.is_finite() && ci > 0.0 {
                ci.min(MAX_PLOTTED)
            } else {
                f64::NAN
            },
        }
    }

    pub(super) fn known(&self) -> bool {
        self.mean.is_finite()
    }

    /// The ends of the error bar (never below 0: the metrics are not negative).
    pub(super) fn bar(&self) -> Option<(f64, f64)> {
        (self.known() && self.ci.is_finite())
            .then(|| ((self.mean - self.ci).max(0.0), self.mean + self.ci))
    }

    pub(super) fn low(&self) -> f64 {
        self.bar().map_or(self.mean, |b| b.0)
    }

    pub(super) fn high(&self) -> f64 {
        self.bar().map_or(self.mean, |b| b.1)
    }

    /// Whether the two cannot be told apart: their 95 % intervals overlap (or, without
    /// intervals, their means are equal).
    pub(super) fn overlaps(&self, other: &Estimate) -> bool {
        match (self.bar(), other.bar()) {
            (Some(a), Some(b)) => a.0 <= b.1 && b.0 <= a.1,
            _ => self.mean == other.mean,
        }
    }
}

/// The spread of the known means, as a share of the largest: (max − min) / max.
pub(super) fn spread(estimates: &[Estimate]) -> f64 {
    let known = estimates.iter().filter(|e| e.known()).map(|e| e.mean);
    let (lo, hi) = known.fold((f64::INFINITY, 0.0f64), |(lo, hi), m| {
        (lo.min(m), hi.max(m))
    });
    if hi > 0.0 && lo.is_finite() {
        (hi - lo) / hi
    } else {
        0.0
    }
}

/// One variant of a sweep, its replications aggregated.
pub(super) struct VariantStats {
    pub(super) name: String,
    replications: usize,
    /// p99 latency of all functions (the `*` row), ms.
    p99: Estimate,
    /// Mean latency of all functions, ms.
    pub(super) latency: Estimate,
    /// Total cost per run, USD.
    pub(super) cost: Estimate,
    /// The memory size of each function (in its first replication), in file order.
    memory: Vec<(String, u32)>,
    /// Cold-start % of the function at the 75th percentile.
    cold_p75: Estimate,
    /// Idle memory time: GB-s, or relative to the fixed 10-minute keep-alive variant.
    wasted: Estimate,
    /// Each function's keep-alive policy (in its first replication).
    keep_alive: Vec<String>,
}

/// The two metrics of a trade-off chart, both better when lower.
#[derive(Clone, Copy)]
pub(super) struct Plane {
    pub(super) x: fn(&VariantStats) -> Estimate,
    pub(super) y: fn(&VariantStats) -> Estimate,
    /// Keep-alive policies (cold starts against wasted memory), else cost against p99.
    pub(super) policies: bool,
}

/// Cost against p99 latency (the `variants` chart).
pub(super) const COST_P99: Plane = Plane {
    x: |v| v.p99,
    y: |v| v.cost,
    policies: false,
};

/// Cold-start % of the 75th-percentile function against wasted memory (the `policies`
/// chart).
pub(super) const COLD_WASTE: Plane = Plane {
    x: |v| v.wasted,
    y: |v| v.cold_p75,
    policies: true,
};

impl VariantStats {
    /// Whether it has a point in a chart of `plane`.
    pub(super) fn plotted(&self, plane: Plane) -> bool {
        (plane.x)(self).known() && (plane.y)(self).known()
    }
}

/// The runs of one scenario file, per variant.
pub(super) struct Sweep {
    pub(super) scenario: String,
    seed: u64,
    duration_s: f64,
    /// Functions of the scenario (of its first run).
    pub(super) functions: usize,
    /// In order of first appearance in the runs.
    pub(super) variants: Vec<VariantStats>,
    /// Set when the variants differ in a function's memory size.
    pub(super) memory: Option<MemorySweep>,
    /// The variants differ in keep-alive policy.
    pub(super) policies: bool,
    /// `wasted` is relative to a variant with a fixed 10-minute keep-alive everywhere.
    pub(super) normalised: bool,
}

/// The variants laid out by the memory size of one function.
pub(super) struct MemorySweep {
    /// The first function whose memory size differs between variants.
    pub(super) function: String,
    /// A line per setting of the other swept keys, in order of first appearance.
    pub(super) lines: Vec<MemoryLine>,
}

/// Variants that differ only in the memory size of the function.
pub(super) struct MemoryLine {
    /// The variant name without its `memory_mb=…` part (empty when nothing else is swept).
    pub(super) label: String,
    /// (memory MB, variant index), by memory size.
    pub(super) points: Vec<(u32, usize)>,
}

impl Sweep {
    pub(super) fn of(runs: &[RunReport]) -> Self {
        let mut index: std::collections::BTreeMap<&str, usize> = Default::default();
        let mut groups: Vec<Vec<&RunReport>> = Vec::new();
        for r in runs {
            let i = *index.entry(r.variant.as_str()).or_insert_with(|| {
                groups.push(Vec::new());
                groups.len() - 1
            });
            groups[i].push(r);
        }
        let base_idle = crate::output::csv::idle_baseline(&groups);
        let scale = base_idle.unwrap_or(1.0);
        let variants: Vec<VariantStats> = groups
            .iter()
            .map(|reps| VariantStats {
                name: reps[0].variant.clone(),
                replications: reps.len(),
                p99: Estimate::of(reps.iter().map(|r| r.total.latency.p99_ms)),
                latency: Estimate::of(reps.iter().map(|r| r.total.latency.mean_ms)),
                cost: Estimate::of(reps.iter().map(|r| r.total.costs.total())),
                memory: reps[0]
                    .functions
                    .iter()
                    .map(|f| (f.function.clone(), f.memory_mb))
                    .collect(),
                cold_p75: Estimate::of(
                    reps.iter().map(|r| r.total.function_cold_start_p75 * 100.0),
                ),
                wasted: Estimate::of(reps.iter().map(|r| r.total.idle_gb_seconds / scale)),
                keep_alive: reps[0].keep_alive.clone(),
            })
            .collect();
        let policies = variants
            .iter()
            .any(|v| v.keep_alive != variants[0].keep_alive);
        let first = runs.first();
        Sweep {
            scenario: first.map(|r| r.scenario.clone()).unwrap_or_default(),
            seed: first.map_or(0, |r| r.seed),
            duration_s: first.map_or(0.0, |r| nonneg(r.duration.as_secs_f64())),
            functions: first.map_or(0, |r| r.functions.len()),
            memory: memory_sweep(&variants),
            policies,
            normalised: base_idle.is_some(),
            variants,
        }
    }

    /// "8 variants × 4 replications · 30 min simulated · seed 3".
    fn subtitle(&self) -> Vec<String> {
        let reps = self
            .variants
            .iter()
            .map(|v| v.replications)
            .max()
            .unwrap_or(0);
        vec![
            format!(
                "{} variants × {}",
                group_thousands(self.variants.len() as u64),
                count_of(reps as u64, "replication", "replications")
            ),
            format!("{} simulated", fmt_span(self.duration_s)),
            format!("seed {}", self.seed),
        ]
    }

    /// The subtitle and what the error bars show, joined.
    pub(super) fn subtitle_with_ci(&self) -> String {
        let mut sub = self.subtitle();
        sub.push(if self.any_ci() {
            "error bars: 95 % confidence intervals".to_string()
        } else {
            "one replication: no confidence intervals".to_string()
        });
        sub.join(SEP)
    }

    /// Whether any point has an error bar.
    pub(super) fn any_ci(&self) -> bool {
        self.variants
            .iter()
            .any(|v| v.replications > 1 && (v.cost.bar().is_some() || v.p99.bar().is_some()))
    }
}

/// The memory size of `function` in `v`.
fn memory_of(v: &VariantStats, function: &str) -> Option<u32> {
    v.memory
        .iter()
        .find(|(name, _)| name == function)
        .map(|&(_, m)| m)
}

/// The first function whose memory size differs between variants, and the variants grouped
/// by everything else: their name without the function's `memory_mb=…` and the memory sizes
/// of the other functions.
fn memory_sweep(variants: &[VariantStats]) -> Option<MemorySweep> {
    let function = variants.first()?.memory.iter().find_map(|(f, _)| {
        let mut sizes = variants.iter().filter_map(|v| memory_of(v, f));
        let first = sizes.next()?;
        sizes.any(|m| m != first).then(|| f.clone())
    })?;
    type Key = (String, Vec<(String, u32)>);
    let mut index: std::collections::BTreeMap<Key, usize> = Default::default();
    let mut lines: Vec<MemoryLine> = Vec::new();
    let mut others_of: Vec<Vec<(String, u32)>> = Vec::new();
    for (i, v) in variants.iter().enumerate() {
        let Some(m) = memory_of(v, &function) else {
            continue;
        };
        let label = without_word(&v.name, &format!("memory_mb={m}"));
        let others: Vec<(String, u32)> = v
            .memory
            .iter()
            .filter(|(f, _)| *f != function)
            .cloned()
            .collect();
        let g = *index
            .entry((label.clone(), others.clone()))
            .or_insert_with(|| {
                lines.push(MemoryLine {
                    label,
                    points: Vec::new(),
                });
                others_of.push(others);
                lines.len() - 1
            });
        lines[g].points.push((m, i));
    }
    // Lines whose labels coincide differ in other functions' memory: say so.
    let labels: Vec<String> = lines.iter().map(|l| l.label.clone()).collect();
    for (line, others) in lines.iter_mut().zip(&others_of) {
        if labels.iter().filter(|l| **l == line.label).count() > 1 {
            let sizes: Vec<String> = others.iter().map(|(f, m)| format!("{f} {m} MB")).collect();
            line.label = format!("{} ({})", line.label, sizes.join(", "))
                .trim()
                .to_string();
        }
    }
    for line in &mut lines {
        line.points.sort_by_key(|&(m, _)| m);
    }
    Some(MemorySweep { function, lines })
}

/// Whether each variant is Pareto-optimal: plotted, and no other variant is at least as
/// cheap and as fast and better in one of the two.
pub(super) fn pareto_front(variants: &[VariantStats], plane: Plane) -> Vec<bool> {
    let mut order: Vec<usize> = (0..variants.len())
        .filter(|&i| variants[i].plotted(plane))
        .collect();
    let key = |i: usize| ((plane.x)(&variants[i]).mean, (plane.y)(&variants[i]).mean);
    order.sort_by(|&a, &b| {
        let (pa, ca) = key(a);
        let (pb, cb) = key(b);
        pa.total_cmp(&pb).then(ca.total_cmp(&cb))
    });
    let mut front = vec![false; variants.len()];
    // The cheapest cost among strictly faster variants.
    let mut best = f64::INFINITY;
    let mut k = 0;
    while k < order.len() {
        let p = key(order[k]).0;
        let same: Vec<usize> = order[k..]
            .iter()
            .copied()
            .take_while(|&i| key(i).0 == p)
            .collect();
        // Sorted by cost within equal latencies: the first is the cheapest.
        let cheapest = key(same[0]).1;
        if cheapest < best {
            for &i in same.iter().take_while(|&&i| key(i).1 == cheapest) {
                front[i] = true;
            }
            best = cheapest;
        }
        k += same.len();
    }
    front
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pareto_front_keeps_the_undominated_variants() {
        let v = |p99: f64, cost: f64| VariantStats {
            name: String::new(),
            replications: 1,
            p99: Estimate {
                mean: p99,
                ci: f64::NAN,
            },
            latency: Estimate {
                mean: p99,
                ci: f64::NAN,
            },
            cost: Estimate {
                mean: cost,
                ci: f64::NAN,
            },
            memory: Vec::new(),
            cold_p75: Estimate {
                mean: f64::NAN,
                ci: f64::NAN,
            },
            wasted: Estimate {
                mean: f64::NAN,
                ci: f64::NAN,
            },
            keep_alive: Vec::new(),
        };
        let vs = [
            v(100.0, 5.0),    // fastest
            v(200.0, 3.0),    // cheaper, slower
            v(200.0, 4.0),    // dominated by the one above
            v(300.0, 3.0),    // dominated: as cheap, slower
            v(400.0, 1.0),    // cheapest
            v(f64::NAN, 0.5), // no data
            v(100.0, 5.0),    // a tie with the fastest: both optimal
        ];
        assert_eq!(
            pareto_front(&vs, COST_P99),
            [true, true, false, false, true, false, true]
        );
        assert_eq!(
            without_word("a=1 memory_mb=512 b=2", "memory_mb=512"),
            "a=1 b=2"
        );
    }
}
