//! Keep-alive: how long an execution environment stays idle before it is retired, and
//! whether the platform loads one ahead of the next invocation (pre-warming).
//!
//! A policy returns decisions; the model carries them out (src/model/world.rs). One policy
//! object exists per function and run, with its own random stream.

use crate::engine::Dist;
use crate::engine::{SimRng, Time};

/// What to do with an environment that has just become idle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeepAliveDecision {
    /// Keep it for this long, then retire it unless it was reused.
    KeepFor(Time),
    /// Retire it now.
    TerminateNow,
    /// Retire it now; `after` from now load a fresh environment (INIT, not billed to the
    /// customer) and keep it idle for `keep`. A start of the function before then cancels
    /// the pre-warm.
    Prewarm {
        /// Time from now to the start of the pre-warm.
        after: Time,
        /// Idle lifetime of the pre-warmed environment once loaded.
        keep: Time,
    },
}

/// A keep-alive policy.
pub trait KeepAlivePolicy: Send {
    /// An invocation of this function starts at `now` (policies that learn from idle
    /// times observe them here).
    fn on_start(&mut self, _now: Time) {}

    /// An environment of this function becomes idle at `now`.
    fn on_idle(&mut self, now: Time) -> KeepAliveDecision;

    /// The most a new on-demand environment may live: it is retired at its first idle
    /// moment after that. `Time::MAX`: for ever.
    fn lifetime(&mut self) -> Time {
        Time::MAX
    }

    /// Whether every window is the same length for the whole run, so that idle
    /// environments expire in the order they became idle (the model then only looks at
    /// the oldest one).
    fn constant_window(&self) -> bool {
        true
    }
}

/// A keep-alive policy as chosen in a scenario.
#[derive(Clone, Debug, PartialEq)]
pub enum KeepAliveSpec {
    /// Keep each idle environment for a fixed time.
    Fixed {
        /// Idle lifetime.
        idle: Time,
    },
    /// Retire every environment as soon as it finishes: every invocation is cold.
    None,
    /// Lambda as measured: a random idle lifetime for each idle period, and environments
    /// recycled after a random lifetime even when they are kept busy.
    Aws {
        /// Idle lifetime, drawn at each idle period.
        idle: Dist,
        /// Total lifetime, drawn for each new environment.
        lifetime: Dist,
    },
    /// Shahrad et al.'s hybrid histogram policy (USENIX ATC 2020).
    HybridHistogram(HybridParams),
}

/// Parameters of `hybrid_histogram`; defaults are the paper's.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HybridParams {
    /// Range of the idle-time histogram (4 h).
    pub range: Time,
    /// Width of a bin (1 min).
    pub bin: Time,
    /// Percentile that sets the pre-warm window (0.05).
    pub head: f64,
    /// Percentile that sets the end of the keep-alive window (0.99).
    pub tail: f64,
    /// Safety margin: the pre-warm window shrinks and the keep-alive end grows by it (0.1).
    pub margin: f64,
    /// Idle times needed before the histogram is trusted (10).
    pub min_samples: u32,
    /// Coefficient of variation of the bin counts below which the histogram is not
    /// representative (2).
    pub cv_min: f64,
    /// Share of idle times beyond `range` above which the histogram is not used (0.5).
    pub max_out_of_range: f64,
    /// Keep-alive when the histogram is not used (the range, 4 h, as in the paper's
    /// fallback to a standard keep-alive; the paper's ARIMA branch for mostly out-of-range
    /// idle times is not modelled and uses this too).
    pub fallback: Time,
}

impl Default for HybridParams {
    fn default() -> Self {
        HybridParams {
            range: Time::from_secs(4 * 3600),
            bin: Time::from_secs(60),
            head: 0.05,
            tail: 0.99,
            margin: 0.10,
            min_samples: 10,
            cv_min: 2.0,
            max_out_of_range: 0.5,
            fallback: Time::from_secs(4 * 3600),
        }
    }
}

impl KeepAliveSpec {
    /// The policy object for one function, drawing from `rng`.
    pub fn build(&self, rng: SimRng) -> Box<dyn KeepAlivePolicy> {
        match self {
            KeepAliveSpec::Fixed { idle } => Box::new(Fixed { idle: *idle }),
            KeepAliveSpec::None => Box::new(NoKeepAlive),
            KeepAliveSpec::Aws { idle, lifetime } => Box::new(Aws {
                idle: idle.clone(),
                lifetime: lifetime.clone(),
                rng,
            }),
            KeepAliveSpec::HybridHistogram(p) => Box::new(HybridHistogram::new(*p)),
        }
    }

    /// A short description: `fixed 10m`, `none`, `aws`, `hybrid_histogram`.
    pub fn label(&self) -> String {
        match self {
            KeepAliveSpec::Fixed { idle } => format!("fixed {idle}"),
            other => other.name().to_string(),
        }
    }

    /// Its name in a scenario.
    pub fn name(&self) -> &'static str {
        match self {
            KeepAliveSpec::Fixed { .. } => "fixed",
            KeepAliveSpec::None => "none",
            KeepAliveSpec::Aws { .. } => "aws",
            KeepAliveSpec::HybridHistogram(_) => "hybrid_histogram",
        }
    }
}

/// `fixed {idle}`.
pub struct Fixed {
    idle: Time,
}

impl KeepAlivePolicy for Fixed {
    fn on_idle(&mut self, _now: Time) -> KeepAliveDecision {
        KeepAliveDecision::KeepFor(self.idle)
    }
}

/// `none`.
pub struct NoKeepAlive;

impl KeepAlivePolicy for NoKeepAlive {
    fn on_idle(&mut self, _now: Time) -> KeepAliveDecision {
        KeepAliveDecision::TerminateNow
    }
}

/// `aws {idle, lifetime}`.
pub struct Aws {
    idle: Dist,
    lifetime: Dist,
    rng: SimRng,
}

impl KeepAlivePolicy for Aws {
    fn on_idle(&mut self, _now: Time) -> KeepAliveDecision {
        KeepAliveDecision::KeepFor(self.idle.sample(&mut self.rng))
    }

    fn lifetime(&mut self) -> Time {
        self.lifetime.sample(&mut self.rng)
    }

    fn constant_window(&self) -> bool {
        false
    }
}

/// `hybrid_histogram`: a histogram of the function's idle times (from the end of an
/// execution to the next start) in `bin`-wide bins over `range`.
///
/// When the histogram is representative, an environment is unloaded when it becomes idle,
/// a fresh one is pre-warmed at the `head` percentile of the idle times (less the margin)
/// and kept until their `tail` percentile (plus the margin); with a pre-warm window of 0
/// the environment simply stays loaded until then. Otherwise the policy keeps environments
/// for `fallback`.
pub struct HybridHistogram {
    p: HybridParams,
    bins: Vec<u32>,
    in_range: u64,
    out_of_range: u64,
    /// When an execution last ended, until the next start consumes it.
    last_end: Option<Time>,
    /// The windows for the current histogram (`None`: recompute).
    cached: Option<KeepAliveDecision>,
}

impl HybridHistogram {
    /// An empty histogram.
    pub fn new(p: HybridParams) -> Self {
        let n = p.range.as_nanos().div_ceil(p.bin.as_nanos().max(1)) as usize;
        HybridHistogram {
            p,
            bins: vec![0; n.max(1)],
            in_range: 0,
            out_of_range: 0,
            last_end: None,
            cached: None,
        }
    }

    /// Records one idle time.
    pub fn record(&mut self, idle: Time) {
        if idle >= self.p.range {
            self.out_of_range += 1;
        } else {
            // idle < range = at most n bins of `bin`: i < n.
            let i = (idle.as_nanos() / self.p.bin.as_nanos().max(1)) as usize;
            self.bins[i] += 1;
            self.in_range += 1;
        }
        self.cached = None;
    }

    /// The decision the current histogram gives.
    pub fn decision(&mut self) -> KeepAliveDecision {
        if let Some(d) = self.cached {
            return d;
        }
        let d = self.compute();
        self.cached = Some(d);
        d
    }

    fn compute(&self) -> KeepAliveDecision {
        let fallback = KeepAliveDecision::KeepFor(self.p.fallback);
        let total = self.in_range + self.out_of_range;
        if total < u64::from(self.p.min_samples) || self.in_range == 0 {
            return fallback;
        }
        if self.out_of_range as f64 > self.p.max_out_of_range * total as f64 {
            return fallback;
        }
        let n = self.bins.len() as f64;
        let mean = self.in_range as f64 / n;
        let var = self
            .bins
            .iter()
            .map(|&c| (f64::from(c) - mean).powi(2))
            .sum::<f64>()
            / n;
        if var.sqrt() / mean < self.p.cv_min {
            return fallback;
        }
        // The first bin whose cumulative count reaches each percentile.
        let bin_of = |q: f64| {
            let need = (q * self.in_range as f64).max(1.0);
            let mut cum = 0u64;
            for (i, &c) in self.bins.iter().enumerate() {
                cum += u64::from(c);
                if cum as f64 >= need {
                    return i as u64;
                }
            }
            self.bins.len() as u64 - 1
        };
        let bin = self.p.bin.as_nanos();
        let head = (bin_of(self.p.head) * bin) as f64 * (1.0 - self.p.margin);
        let end = ((bin_of(self.p.tail) + 1) * bin) as f64 * (1.0 + self.p.margin);
        let prewarm = Time(head.round() as u64);
        let end = Time(end.round() as u64);
        if prewarm == Time::ZERO {
            KeepAliveDecision::KeepFor(end)
        } else {
            KeepAliveDecision::Prewarm {
                after: prewarm,
                keep: end - prewarm,
            }
        }
    }
}

impl KeepAlivePolicy for HybridHistogram {
    fn on_start(&mut self, now: Time) {
        if let Some(end) = self.last_end.take() {
            self.record(now.saturating_sub(end));
        }
    }

    fn on_idle(&mut self, now: Time) -> KeepAliveDecision {
        self.last_end = Some(now);
        self.decision()
    }

    fn constant_window(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::RngStreams;

    fn rng() -> SimRng {
        RngStreams::new(7).stream("keep_alive")
    }

    const MIN: u64 = 60;

    #[test]
    fn fixed_and_none() {
        let mut f = KeepAliveSpec::Fixed {
            idle: Time::from_secs(600),
        }
        .build(rng());
        assert_eq!(
            f.on_idle(Time::from_secs(5)),
            KeepAliveDecision::KeepFor(Time::from_secs(600))
        );
        assert_eq!(f.lifetime(), Time::MAX);
        assert!(f.constant_window());
        let mut n = KeepAliveSpec::None.build(rng());
        assert_eq!(n.on_idle(Time::ZERO), KeepAliveDecision::TerminateNow);
    }

    #[test]
    fn aws_draws_windows_and_lifetimes_from_its_distributions() {
        let mut a = KeepAliveSpec::Aws {
            idle: Dist::Uniform {
                min: 300e9,
                max: 420e9,
            },
            lifetime: Dist::Constant(Time::from_secs(7200)),
        }
        .build(rng());
        assert!(!a.constant_window());
        let mut seen = Vec::new();
        for _ in 0..1000 {
            let KeepAliveDecision::KeepFor(w) = a.on_idle(Time::ZERO) else {
                panic!("aws keeps environments");
            };
            assert!(
                w >= Time::from_secs(300) && w <= Time::from_secs(420),
                "{w}"
            );
            seen.push(w);
        }
        let mean = seen.iter().map(|w| w.as_secs_f64()).sum::<f64>() / 1000.0;
        assert!((mean - 360.0).abs() < 5.0, "{mean}");
        assert_eq!(a.lifetime(), Time::from_secs(7200));
    }

    /// Feeds a sequence of idle times (minutes) through the policy as ends and starts.
    fn feed(h: &mut HybridHistogram, idle_minutes: &[u64]) -> KeepAliveDecision {
        let mut t = Time::from_secs(1000);
        let mut d = h.on_idle(t);
        for &m in idle_minutes {
            t += Time::from_secs(m * MIN);
            h.on_start(t);
            t += Time::from_secs(1);
            d = h.on_idle(t);
        }
        d
    }

    #[test]
    fn hybrid_falls_back_until_the_histogram_is_representative() {
        let p = HybridParams::default();
        let mut h = HybridHistogram::new(p);
        // Too few samples.
        assert_eq!(
            feed(&mut h, &[10; 9]),
            KeepAliveDecision::KeepFor(p.fallback)
        );
        // Idle times spread evenly over the range: CV of the bin counts below 2.
        let mut h = HybridHistogram::new(p);
        let spread: Vec<u64> = (0..240).collect();
        assert_eq!(
            feed(&mut h, &spread),
            KeepAliveDecision::KeepFor(p.fallback)
        );
        // Mostly beyond the 4 h range.
        let mut h = HybridHistogram::new(p);
        let mut far = vec![300; 20];
        far.extend([10; 10]);
        assert_eq!(feed(&mut h, &far), KeepAliveDecision::KeepFor(p.fallback));
    }

    #[test]
    fn hybrid_prewarms_at_the_head_and_keeps_to_the_tail_with_margins() {
        let p = HybridParams::default();
        let mut h = HybridHistogram::new(p);
        // 100 idle times: 5 at 20 min, 94 at 30 min, 1 at 40 min. The 5th percentile is
        // the 20-min bin (lower edge 20 min), the 99th the 30-min bin (upper edge 31 min).
        let mut seq = vec![20; 5];
        seq.extend([30; 94]);
        seq.push(40);
        let d = feed(&mut h, &seq);
        let after = Time::from_secs(20 * MIN * 9 / 10); // 18 min
        let end = Time::from_secs(31 * MIN * 11 / 10); // 34.1 min
        assert_eq!(
            d,
            KeepAliveDecision::Prewarm {
                after,
                keep: end - after
            }
        );
    }

    #[test]
    fn hybrid_keeps_loaded_when_the_head_is_in_the_first_bin() {
        let mut h = HybridHistogram::new(HybridParams::default());
        // Idle times of a few seconds: head bin 0, tail bin 0 → keep 1 min × 1.1.
        let mut t = Time::ZERO;
        let mut d = h.on_idle(t);
        for _ in 0..50 {
            t += Time::from_secs(5);
            h.on_start(t);
            d = h.on_idle(t);
        }
        assert_eq!(d, KeepAliveDecision::KeepFor(Time::from_secs(66)));
    }

    /// Four 1-minute bins holding 2, 0, 0, 2 idle times: mean 1, variance 1, CV 1.
    fn two_and_two(p: HybridParams) -> HybridHistogram {
        let mut h = HybridHistogram::new(HybridParams {
            range: Time::from_secs(240),
            bin: Time::from_secs(60),
            min_samples: 1,
            margin: 0.0,
            ..p
        });
        for s in [10, 20, 190, 200] {
            h.record(Time::from_secs(s));
        }
        h
    }

    #[test]
    fn hybrid_uses_a_histogram_whose_cv_is_exactly_the_minimum() {
        // CV 1 is not below cv_min = 1: the histogram is used. Head 5 % in bin 0 (keep
        // loaded), tail 99 % in bin 3: keep for 4 minutes.
        let mut h = two_and_two(HybridParams {
            cv_min: 1.0,
            ..HybridParams::default()
        });
        assert_eq!(
            h.decision(),
            KeepAliveDecision::KeepFor(Time::from_secs(240))
        );
        // CV 1 is below 1.2: not representative, the 4 h fallback.
        let mut h = two_and_two(HybridParams {
            cv_min: 1.2,
            ..HybridParams::default()
        });
        assert_eq!(
            h.decision(),
            KeepAliveDecision::KeepFor(Time::from_secs(4 * 3600))
        );
    }

    #[test]
    fn hybrid_tolerates_out_of_range_idle_times_up_to_the_share() {
        // 4 in range, 4 beyond: a share of exactly 0.5 is not above max_out_of_range.
        let p = HybridParams {
            cv_min: 0.5,
            max_out_of_range: 0.5,
            ..HybridParams::default()
        };
        let mut h = two_and_two(p);
        for _ in 0..4 {
            h.record(Time::from_secs(300));
        }
        assert_eq!(
            h.decision(),
            KeepAliveDecision::KeepFor(Time::from_secs(240))
        );
        // One more beyond: 5 of 9 is above half.
        h.record(Time::from_secs(300));
        assert_eq!(
            h.decision(),
            KeepAliveDecision::KeepFor(Time::from_secs(4 * 3600))
        );
        // One in ten beyond, with a share of 0.5 allowed: used.
        let mut h = two_and_two(p);
        for s in [15, 25, 195, 205, 30] {
            h.record(Time::from_secs(s));
        }
        h.record(Time::from_secs(300));
        assert_eq!(
            h.decision(),
            KeepAliveDecision::KeepFor(Time::from_secs(240))
        );
    }

    #[test]
    fn hybrid_windows_change_as_it_learns_so_they_are_not_constant() {
        // The world scans the whole idle pool only for a policy whose windows may differ
        // from one environment to the next: hybrid's do, as its histogram fills.
        let mut h = two_and_two(HybridParams {
            cv_min: 1.0,
            ..HybridParams::default()
        });
        let before = h.decision();
        for s in [130, 140, 150, 155] {
            h.record(Time::from_secs(s));
        }
        // 2, 0, 4, 2 per bin now: mean 2, variance 2, CV 0.71 < 1: the fallback.
        assert_ne!(h.decision(), before);
        assert!(!h.constant_window());
        assert!(
            KeepAliveSpec::Fixed {
                idle: Time::from_secs(60)
            }
            .build(rng())
            .constant_window()
        );
    }

    #[test]
    fn hybrid_counts_one_idle_time_per_gap() {
        let mut h = HybridHistogram::new(HybridParams::default());
        h.on_idle(Time::ZERO);
        h.on_start(Time::from_secs(120));
        // A second start before the next end: no idle time of its own.
        h.on_start(Time::from_secs(130));
        assert_eq!(h.in_range, 1);
        assert_eq!(h.bins[2], 1);
        // An idle time beyond the range.
        h.on_idle(Time::from_secs(200));
        h.on_start(Time::from_secs(200 + 5 * 3600));
        assert_eq!(h.out_of_range, 1);
    }
}
