//! `[recommend]`: the variant of a sweep a strategy picks, as AWS Lambda Power Tuning
//! defines its strategies (`cost`, `speed`, `balanced` with `balanced_weight`), and its
//! change against the baseline. Variants that ran out of memory are never picked.

use super::RunReport;

/// What to optimise.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Strategy {
    /// The cheapest per invocation (ties: the faster).
    Cost,
    /// The fastest on average (ties: the cheaper).
    Speed,
    /// The least `w · cost / max cost + (1 − w) · duration / max duration`.
    Balanced {
        /// 0 = speed only, 1 = cost only.
        weight: f64,
    },
}

impl Strategy {
    /// The name used in scenario files and `recommendation.csv`.
    pub fn name(self) -> &'static str {
        match self {
            Strategy::Cost => "cost",
            Strategy::Speed => "speed",
            Strategy::Balanced { .. } => "balanced",
        }
    }
}

/// One variant, its replications averaged: what a strategy compares.
#[derive(Clone, Debug, PartialEq)]
pub struct Candidate {
    /// The variant's name.
    pub variant: String,
    /// The first function's memory.
    pub memory_mb: u32,
    /// Mean cost of an invocation, USD (Power Tuning's `averagePrice`).
    pub cost_per_invocation: f64,
    /// Mean latency, ms (Power Tuning's `averageDuration`).
    pub mean_ms: f64,
    /// Mean p50 and p99 latency, ms.
    pub p50_ms: f64,
    /// See `p50_ms`.
    pub p99_ms: f64,
    /// Mean monthly cost, USD.
    pub monthly_cost_usd: f64,
    /// Some function's memory is below what it needs.
    pub out_of_memory: bool,
}

/// The choice and what it changes.
#[derive(Clone, Debug, PartialEq)]
pub struct Recommendation {
    /// The strategy used.
    pub strategy: Strategy,
    /// The variant chosen.
    pub chosen: Candidate,
    /// The variant it is compared with: `baseline` when the sweep has one, else the first
    /// that does not run out of memory.
    pub baseline: Candidate,
    /// Every candidate (out-of-memory ones excluded), in sweep order.
    pub candidates: Vec<Candidate>,
}

fn mean(xs: impl Iterator<Item = f64>) -> f64 {
    let (mut sum, mut n) = (0.0, 0usize);
    for x in xs.filter(|x| !x.is_nan()) {
        sum += x;
        n += 1;
    }
    if n == 0 { f64::NAN } else { sum / n as f64 }
}

/// The variants of `runs` (in order of first appearance), their replications averaged.
pub fn candidates(runs: &[RunReport]) -> Vec<Candidate> {
    super::by_variant(runs)
        .into_iter()
        .map(|(v, reps)| {
            let per = |f: fn(&RunReport) -> f64| mean(reps.iter().map(|r| f(r)));
            Candidate {
                variant: v.to_string(),
                memory_mb: reps[0].functions.first().map_or(0, |f| f.memory_mb),
                cost_per_invocation: per(|r| {
                    if r.total.invocations == 0 {
                        f64::NAN
                    } else {
                        r.total.costs.total() / r.total.invocations as f64
                    }
                }),
                mean_ms: per(|r| r.total.latency.mean_ms),
                p50_ms: per(|r| r.total.latency.p50_ms),
                p99_ms: per(|r| r.total.latency.p99_ms),
                monthly_cost_usd: per(|r| r.total.costs.monthly),
                out_of_memory: reps.iter().any(|r| r.total.out_of_memory),
            }
        })
        .collect()
}

/// The variant `strategy` picks among `runs`' variants, none of which ran out of memory
/// (nor `baseline`, a replay, which is compared with and not picked); `None` when no
/// variant qualifies.
pub fn recommend(
    runs: &[RunReport],
    strategy: Strategy,
    baseline_name: &str,
) -> Option<Recommendation> {
    let (baseline, pool) = split(candidates(runs), baseline_name)?;
    let chosen = pick(&pool, strategy)?.clone();
    Some(Recommendation {
        strategy,
        chosen,
        baseline,
        candidates: pool,
    })
}

/// The baseline that `all` is compared with, and the candidates a strategy may pick: those
/// that fit in memory and have a cost and a latency, the baseline left out unless it is
/// the only one.
fn split(all: Vec<Candidate>, baseline_name: &str) -> Option<(Candidate, Vec<Candidate>)> {
    let baseline = all
        .iter()
        .find(|c| c.variant == baseline_name)
        .or(all.iter().find(|c| !c.out_of_memory))
        .or(all.first())?
        .clone();
    let pool: Vec<Candidate> = all
        .into_iter()
        .filter(|c| {
            !c.out_of_memory
                && c.variant != baseline_name
                && c.cost_per_invocation.is_finite()
                && c.mean_ms.is_finite()
        })
        .collect();
    let pool = if pool.is_empty() && !baseline.out_of_memory && baseline.mean_ms.is_finite() {
        vec![baseline.clone()]
    } else {
        pool
    };
    Some((baseline, pool))
}

/// Power Tuning's rule for each strategy (the first in sweep order on a tie).
fn pick(pool: &[Candidate], strategy: Strategy) -> Option<&Candidate> {
    let key = |c: &Candidate| -> (f64, f64) {
        match strategy {
            Strategy::Cost => (c.cost_per_invocation, c.mean_ms),
            Strategy::Speed => (c.mean_ms, c.cost_per_invocation),
            Strategy::Balanced { weight } => {
                let max_cost = pool
                    .iter()
                    .map(|c| c.cost_per_invocation)
                    .fold(0.0, f64::max);
                let max_ms = pool.iter().map(|c| c.mean_ms).fold(0.0, f64::max);
                let norm = |x: f64, max: f64| if max > 0.0 { x / max } else { 0.0 };
                (
                    weight * norm(c.cost_per_invocation, max_cost)
                        + (1.0 - weight) * norm(c.mean_ms, max_ms),
                    0.0,
                )
            }
        }
    };
    pool.iter().reduce(|best, c| {
        let (a, b) = (key(c), key(best));
        if a.0 < b.0 || (a.0 == b.0 && a.1 < b.1) {
            c
        } else {
            best
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(variant: &str, memory: u32, cost: f64, ms: f64, oom: bool) -> Candidate {
        Candidate {
            variant: variant.into(),
            memory_mb: memory,
            cost_per_invocation: cost,
            mean_ms: ms,
            p50_ms: ms,
            p99_ms: 2.0 * ms,
            monthly_cost_usd: cost * 1e6,
            out_of_memory: oom,
        }
    }

    /// A hand-checked sweep: a CPU-bound function at 4 sizes (cost per invocation in µ$,
    /// mean ms), and 64 MB too small.
    fn sweep() -> Vec<Candidate> {
        vec![
            c("m=64", 64, 0.5, 900.0, true),
            c("m=128", 128, 2.1, 1000.0, false),
            c("m=256", 256, 2.0, 480.0, false),
            c("m=512", 512, 2.4, 260.0, false),
            c("m=1024", 1024, 4.0, 200.0, false),
        ]
    }

    fn chosen(s: Strategy) -> String {
        let pool: Vec<Candidate> = sweep().into_iter().filter(|c| !c.out_of_memory).collect();
        pick(&pool, s).unwrap().variant.clone()
    }

    #[test]
    fn a_mean_over_replications_skips_those_without_a_value() {
        assert_eq!(mean([1.0, 3.0, f64::NAN, 8.0].into_iter()), 4.0);
        assert!(mean([f64::NAN].into_iter()).is_nan());
        assert!(mean(std::iter::empty()).is_nan());
    }

    #[test]
    fn strategies_are_named_as_in_the_files() {
        assert_eq!(Strategy::Cost.name(), "cost");
        assert_eq!(Strategy::Speed.name(), "speed");
        assert_eq!(Strategy::Balanced { weight: 0.3 }.name(), "balanced");
    }

    #[test]
    fn each_strategy_picks_as_power_tuning_does() {
        // Cost: 256 MB is the cheapest (64 MB would be, but it runs out of memory).
        assert_eq!(chosen(Strategy::Cost), "m=256");
        // Speed: 1,024 MB.
        assert_eq!(chosen(Strategy::Speed), "m=1024");
        // Balanced at 0.5, normalised by the maxima (4.0 µ$, 1000 ms):
        //   128: 0.5·0.525 + 0.5·1.00 = 0.7625;  256: 0.5·0.50 + 0.5·0.48 = 0.49;
        //   512: 0.5·0.60 + 0.5·0.26 = 0.43;     1024: 0.5·1.00 + 0.5·0.20 = 0.60.
        assert_eq!(chosen(Strategy::Balanced { weight: 0.5 }), "m=512");
        // Weight 1 is cost, 0 is speed.
        assert_eq!(chosen(Strategy::Balanced { weight: 1.0 }), "m=256");
        assert_eq!(chosen(Strategy::Balanced { weight: 0.0 }), "m=1024");
        // At 0.8: 256 scores 0.8·0.5 + 0.2·0.48 = 0.496, 512 0.8·0.6 + 0.2·0.26 = 0.532.
        assert_eq!(chosen(Strategy::Balanced { weight: 0.8 }), "m=256");
    }

    #[test]
    fn the_pool_leaves_out_the_replay_and_what_does_not_fit() {
        let names = |pool: &[Candidate]| -> Vec<String> {
            pool.iter().map(|c| c.variant.clone()).collect()
        };
        // The replay is the cheapest and fits; 64 MB is cheaper still but runs out of
        // memory (with a cost and a latency all the same); 2048 MB has no latency.
        let mut all = vec![c("baseline", 128, 0.1, 100.0, false)];
        all.extend(sweep());
        all.push(c("m=2048", 2048, 8.0, f64::NAN, false));
        let (baseline, pool) = split(all.clone(), "baseline").unwrap();
        assert_eq!(baseline.variant, "baseline");
        assert_eq!(names(&pool), ["m=128", "m=256", "m=512", "m=1024"]);
        // Without a replay, the first that fits is the baseline, and stays a candidate.
        let (baseline, pool) = split(all[1..].to_vec(), "baseline").unwrap();
        assert_eq!(baseline.variant, "m=128");
        assert_eq!(names(&pool), ["m=128", "m=256", "m=512", "m=1024"]);
        // The replay alone is its own candidate; out of memory, nothing is.
        let (_, pool) = split(all[..1].to_vec(), "baseline").unwrap();
        assert_eq!(names(&pool), ["baseline"]);
        let (baseline, pool) = split(all[1..2].to_vec(), "baseline").unwrap();
        assert_eq!((baseline.variant.as_str(), pool.len()), ("m=64", 0));
        assert!(split(Vec::new(), "baseline").is_none());
    }

    #[test]
    fn ties_go_to_the_faster_or_the_cheaper() {
        let pool = vec![
            c("a", 128, 1.0, 300.0, false),
            c("b", 256, 1.0, 200.0, false),
        ];
        assert_eq!(pick(&pool, Strategy::Cost).unwrap().variant, "b");
        let pool = vec![
            c("a", 128, 2.0, 200.0, false),
            c("b", 256, 1.0, 200.0, false),
        ];
        assert_eq!(pick(&pool, Strategy::Speed).unwrap().variant, "b");
        // In either order: the tie-break decides, not the position.
        for pool in [
            vec![
                c("b", 256, 1.0, 200.0, false),
                c("a", 128, 1.0, 300.0, false),
            ],
            vec![
                c("a", 128, 1.0, 300.0, false),
                c("b", 256, 1.0, 200.0, false),
            ],
        ] {
            assert_eq!(pick(&pool, Strategy::Cost).unwrap().variant, "b");
        }
        assert!(pick(&[], Strategy::Cost).is_none());
        // A full tie goes to the first in sweep order.
        let pool = vec![
            c("a", 128, 1.0, 200.0, false),
            c("b", 256, 1.0, 200.0, false),
        ];
        for s in [
            Strategy::Cost,
            Strategy::Speed,
            Strategy::Balanced { weight: 0.5 },
        ] {
            assert_eq!(pick(&pool, s).unwrap().variant, "a", "{s:?}");
        }
        // Everything free (within the free tier, say): balanced goes by speed alone, the
        // zero cost left out of the normalisation rather than dividing by it.
        let pool = vec![
            c("a", 128, 0.0, 300.0, false),
            c("b", 256, 0.0, 200.0, false),
        ];
        assert_eq!(
            pick(&pool, Strategy::Balanced { weight: 0.5 })
                .unwrap()
                .variant,
            "b"
        );
    }
}
