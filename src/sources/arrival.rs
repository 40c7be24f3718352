//! Arrival processes: when a source offers its events. Each process of a source's `arrival`
//! list is an independent stream; the source's arrivals are their superposition.

use crate::engine::{SimRng, Time};
use rand::RngExt;
use rand_distr::{Distribution, Exp1};

/// How the rate moves from one stage to the next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ramp {
    /// Each stage holds its rate for its whole duration.
    Step,
    /// The rate moves linearly from the previous stage's rate (or `start_rate`) to this one's.
    Linear,
}

/// One stage of a `stages` process.
#[derive(Clone, Copy, Debug)]
pub struct Stage {
    /// How long the stage lasts.
    pub duration: Time,
    /// Its (target) rate, events per second.
    pub rate: f64,
}

/// A validated arrival process.
#[derive(Clone, Debug)]
pub enum ArrivalProcess {
    /// Homogeneous Poisson process.
    Poisson {
        /// Events per second.
        rate: f64,
    },
    /// Evenly spaced events, the first at t = 0.
    Constant {
        /// Events per second.
        rate: f64,
    },
    /// `count` events spread evenly over `[at, at + over)` (all at `at` when `over` is 0).
    Burst {
        /// Start of the burst.
        at: Time,
        /// Number of events.
        count: u64,
        /// Spread.
        over: Time,
    },
    /// Poisson process whose rate follows a daily cycle:
    /// rate(t) = mean_rate · (1 + amplitude · cos(2π (t − peak_at) / period)).
    Diurnal {
        /// Average events per second.
        mean_rate: f64,
        /// Relative swing, 0..=1.
        amplitude: f64,
        /// Cycle length.
        period: Time,
        /// When the rate peaks (within the first cycle).
        peak_at: Time,
    },
    /// Markov-modulated Poisson process: in state i events arrive at `rates[i]`; a state
    /// lasts an exponential time of mean `mean_dwell[i]`, then the process jumps to another
    /// state chosen uniformly. It starts in a state drawn with probability ∝ `mean_dwell`.
    Mmpp {
        /// Events per second in each state.
        rates: Vec<f64>,
        /// Mean time in each state.
        mean_dwell: Vec<Time>,
    },
    /// Arrivals replayed from a file.
    Trace(super::trace::Trace),
    /// Poisson process with a rate for each hour of the week, repeating weekly.
    Weekly(super::weekly::Weekly),
    /// Non-homogeneous Poisson process with a piecewise constant or linear rate.
    Stages {
        /// The stages, back to back from t = 0; the rate is zero after the last.
        stages: Vec<Stage>,
        /// Step or linear.
        ramp: Ramp,
        /// Rate at t = 0 for a linear ramp.
        start_rate: f64,
    },
}

impl ArrivalProcess {
    /// The expected number of events in `[0, horizon)`.
    pub fn expected_count(&self, horizon: Time) -> f64 {
        let h = horizon.as_secs_f64();
        match self {
            ArrivalProcess::Poisson { rate } => rate * h,
            ArrivalProcess::Constant { rate } => (rate * h).ceil(),
            ArrivalProcess::Burst { at, count, over } => {
                if *at >= horizon {
                    0.0
                } else if over.as_nanos() == 0 {
                    *count as f64
                } else {
                    let inside = (horizon - *at).as_secs_f64() / over.as_secs_f64();
                    (*count as f64) * inside.min(1.0)
                }
            }
            ArrivalProcess::Diurnal {
                mean_rate,
                amplitude,
                period,
                peak_at,
            } => {
                let p = period.as_secs_f64();
                let w = std::f64::consts::TAU / p;
                let phase = peak_at.as_secs_f64();
                mean_rate * h
                    + mean_rate * amplitude / w * (((h - phase) * w).sin() - (-phase * w).sin())
            }
            ArrivalProcess::Weekly(w) => w.expected_count(horizon),
            ArrivalProcess::Mmpp { rates, mean_dwell } => {
                let total: f64 = mean_dwell.iter().map(|d| d.as_secs_f64()).sum();
                let mean: f64 = rates
                    .iter()
                    .zip(mean_dwell)
                    .map(|(r, d)| r * d.as_secs_f64())
                    .sum::<f64>()
                    / total;
                mean * h
            }
            ArrivalProcess::Trace(t) => {
                if t.last < horizon || t.last == Time::ZERO {
                    t.count as f64
                } else {
                    // Assumes arrivals spread evenly; only used for limits and --check.
                    t.count as f64 * h / t.last.as_secs_f64()
                }
            }
            ArrivalProcess::Stages { .. } => {
                let segs = segments(self);
                let mut total = 0.0;
                for s in &segs {
                    if s.start >= h {
                        break;
                    }
                    let len = (s.end.min(h) - s.start).max(0.0);
                    total += s.a * len + s.b * len * len / 2.0;
                }
                total
            }
        }
    }
}

/// A piece of a piecewise-linear rate: rate(t) = a + b (t − start) on [start, end), seconds.
#[derive(Clone, Copy, Debug)]
struct Segment {
    start: f64,
    end: f64,
    a: f64,
    b: f64,
}

fn segments(p: &ArrivalProcess) -> Vec<Segment> {
    let ArrivalProcess::Stages {
        stages,
        ramp,
        start_rate,
    } = p
    else {
        return Vec::new();
    };
    let mut out = Vec::with_capacity(stages.len());
    let mut t = 0.0;
    let mut prev = *start_rate;
    for s in stages {
        let d = s.duration.as_secs_f64();
        let seg = match ramp {
            Ramp::Step => Segment {
                start: t,
                end: t + d,
                a: s.rate,
                b: 0.0,
            },
            Ramp::Linear => {
                let b = if d > 0.0 { (s.rate - prev) / d } else { 0.0 };
                Segment {
                    start: t,
                    end: t + d,
                    a: prev,
                    b,
                }
            }
        };
        out.push(seg);
        t += d;
        prev = s.rate;
    }
    out
}

/// The state of one arrival process during a run.
pub struct ArrivalStream {
    kind: Kind,
    rng: SimRng,
}

enum Kind {
    Poisson {
        mean_gap_ns: f64,
        t: Time,
    },
    Constant {
        start: Time,
        period_ns: f64,
        k: u64,
    },
    Burst {
        at: Time,
        count: u64,
        over: Time,
        i: u64,
    },
    Stages {
        segs: Vec<Segment>,
        seg: usize,
        t: f64,
    },
    Weekly(Box<super::weekly::WeeklyStream>),
    /// Thinning: candidates at the peak rate, kept with probability rate(t) / peak.
    Diurnal {
        peak_gap_ns: f64,
        mean_rate: f64,
        amplitude: f64,
        omega_per_ns: f64,
        peak_at_ns: f64,
        t: Time,
    },
    Mmpp {
        rates: Vec<f64>,
        dwell_ns: Vec<f64>,
        state: usize,
        /// When the current state ends.
        until: Time,
        t: Time,
    },
    Trace(Box<super::trace::TraceStream>),
    Silent,
}

impl ArrivalStream {
    /// A stream for `process` drawing from `rng`.
    pub fn new(process: &ArrivalProcess, mut rng: SimRng) -> Self {
        let kind = match process {
            ArrivalProcess::Poisson { rate } if *rate > 0.0 => Kind::Poisson {
                mean_gap_ns: 1e9 / rate,
                t: Time::ZERO,
            },
            ArrivalProcess::Constant { rate } if *rate > 0.0 => Kind::Constant {
                start: Time::ZERO,
                period_ns: 1e9 / rate,
                k: 0,
            },
            ArrivalProcess::Burst { at, count, over } if *count > 0 => Kind::Burst {
                at: *at,
                count: *count,
                over: *over,
                i: 0,
            },
            ArrivalProcess::Stages { .. } => Kind::Stages {
                segs: segments(process),
                seg: 0,
                t: 0.0,
            },
            ArrivalProcess::Diurnal {
                mean_rate,
                amplitude,
                period,
                peak_at,
            } if *mean_rate > 0.0 => Kind::Diurnal {
                peak_gap_ns: 1e9 / (mean_rate * (1.0 + amplitude)),
                mean_rate: *mean_rate,
                amplitude: *amplitude,
                omega_per_ns: std::f64::consts::TAU / period.as_nanos() as f64,
                peak_at_ns: peak_at.as_nanos() as f64,
                t: Time::ZERO,
            },
            ArrivalProcess::Mmpp { rates, mean_dwell } if rates.iter().any(|r| *r > 0.0) => {
                let dwell_ns: Vec<f64> = mean_dwell.iter().map(|d| d.as_nanos() as f64).collect();
                // The stationary share of time in each state is ∝ its mean dwell.
                let total: f64 = dwell_ns.iter().sum();
                let mut u = rng.random::<f64>() * total;
                let mut state = dwell_ns.len() - 1;
                for (i, d) in dwell_ns.iter().enumerate() {
                    if u < *d {
                        state = i;
                        break;
                    }
                    u -= d;
                }
                let e: f64 = Exp1.sample(&mut rng);
                Kind::Mmpp {
                    rates: rates.clone(),
                    until: Time((e * dwell_ns[state] + 0.5) as u64),
                    dwell_ns,
                    state,
                    t: Time::ZERO,
                }
            }
            ArrivalProcess::Trace(t) => Kind::Trace(Box::new(super::trace::TraceStream::open(t))),
            ArrivalProcess::Weekly(w) => super::weekly::WeeklyStream::new(w)
                .map_or(Kind::Silent, |s| Kind::Weekly(Box::new(s))),
            _ => Kind::Silent,
        };
        ArrivalStream { kind, rng }
    }

    /// The function, and what a trace gives it (its duration …), of the arrival last
    /// returned by `next_arrival`; `(SOURCE_FUNCTION, Given::NOTHING)` for every other
    /// process.
    #[inline]
    pub fn payload(&self) -> (u32, super::trace::Given) {
        match &self.kind {
            Kind::Trace(t) => t.payload(),
            _ => (super::trace::SOURCE_FUNCTION, super::trace::Given::NOTHING),
        }
    }

    /// The time of the next event, or `None` when the process has no more.
    #[inline]
    pub fn next_arrival(&mut self) -> Option<Time> {
        match &mut self.kind {
            Kind::Poisson { mean_gap_ns, t } => {
                let e: f64 = Exp1.sample(&mut self.rng);
                // Round each gap to the nanosecond; never a zero gap pile-up in practice.
                *t = t.saturating_add(Time((e * *mean_gap_ns + 0.5) as u64));
                Some(*t)
            }
            Kind::Constant {
                start,
                period_ns,
                k,
            } => {
                // Computed from k, not accumulated, so there is no drift.
                let t = start.saturating_add(Time((*k as f64 * *period_ns).round() as u64));
                *k += 1;
                Some(t)
            }
            Kind::Burst { at, count, over, i } => {
                if *i >= *count {
                    return None;
                }
                let off =
                    (u128::from(over.as_nanos()) * u128::from(*i) / u128::from(*count)) as u64;
                *i += 1;
                Some(at.saturating_add(Time(off)))
            }
            Kind::Stages { segs, seg, t } => {
                // Inversion of the cumulative intensity: draw E ~ Exp(1) and find x with
                // ∫ rate = E, segment by segment.
                let mut e: f64 = Exp1.sample(&mut self.rng);
                while let Some(s) = segs.get(*seg) {
                    let x0 = *t - s.start; // offset into the segment
                    let len = s.end - *t;
                    let r0 = s.a + s.b * x0; // rate at t
                    let mass = r0 * len + s.b * len * len / 2.0;
                    if mass >= e && mass > 0.0 {
                        let dx = if s.b.abs() < 1e-15 {
                            e / r0
                        } else {
                            // r0 dx + b dx²/2 = e  →  dx = (−r0 + sqrt(r0² + 2 b e)) / b
                            let disc = (r0 * r0 + 2.0 * s.b * e).max(0.0);
                            (disc.sqrt() - r0) / s.b
                        };
                        *t += dx.clamp(0.0, len);
                        return Some(Time((*t * 1e9).round() as u64));
                    }
                    e -= mass.max(0.0);
                    *t = s.end;
                    *seg += 1;
                }
                None
            }
            Kind::Diurnal {
                peak_gap_ns,
                mean_rate,
                amplitude,
                omega_per_ns,
                peak_at_ns,
                t,
            } => loop {
                let e: f64 = Exp1.sample(&mut self.rng);
                *t = t.saturating_add(Time((e * *peak_gap_ns + 0.5) as u64));
                if *t == Time::MAX {
                    return None;
                }
                let x = (t.as_nanos() as f64 - *peak_at_ns) * *omega_per_ns;
                let rate = *mean_rate * (1.0 + *amplitude * x.cos());
                let peak = *mean_rate * (1.0 + *amplitude);
                if self.rng.random::<f64>() * peak < rate {
                    return Some(*t);
                }
            },
            Kind::Mmpp {
                rates,
                dwell_ns,
                state,
                until,
                t,
            } => loop {
                let rate = rates[*state];
                if rate > 0.0 {
                    let e: f64 = Exp1.sample(&mut self.rng);
                    let next = t.saturating_add(Time((e * 1e9 / rate + 0.5) as u64));
                    if next < *until {
                        *t = next;
                        return Some(next);
                    }
                }
                if *until == Time::MAX {
                    return None;
                }
                // The state ends first: jump to another one (memoryless, so redraw there).
                *t = *until;
                let n = rates.len();
                if n > 1 {
                    let k = self.rng.random_range(0..n - 1);
                    *state = if k >= *state { k + 1 } else { k };
                }
                let e: f64 = Exp1.sample(&mut self.rng);
                *until = t.saturating_add(Time((e * dwell_ns[*state] + 0.5) as u64));
            },
            Kind::Trace(t) => t.next(&mut self.rng),
            Kind::Weekly(w) => w.next(&mut self.rng),
            Kind::Silent => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::RngStreams;

    fn count_before(p: &ArrivalProcess, horizon: Time, seed: u64) -> (u64, Vec<Time>) {
        let mut s = ArrivalStream::new(p, RngStreams::new(seed).stream("a"));
        let mut n = 0;
        let mut first = Vec::new();
        while let Some(t) = s.next_arrival() {
            if t >= horizon {
                break;
            }
            if first.len() < 5 {
                first.push(t);
            }
            n += 1;
        }
        (n, first)
    }

    #[test]
    fn constant_rate_is_exact_and_starts_at_zero() {
        let p = ArrivalProcess::Constant { rate: 3.0 };
        let (n, first) = count_before(&p, Time::from_secs(10), 0);
        assert_eq!(n, 30);
        assert_eq!(first[0], Time::ZERO);
        assert_eq!(first[3], Time::from_secs(1));
    }

    #[test]
    fn burst_spreads_count_evenly() {
        let p = ArrivalProcess::Burst {
            at: Time::from_secs(5),
            count: 4,
            over: Time::from_secs(2),
        };
        let (n, first) = count_before(&p, Time::from_secs(60), 0);
        assert_eq!(n, 4);
        assert_eq!(
            first,
            vec![
                Time::from_millis(5000),
                Time::from_millis(5500),
                Time::from_millis(6000),
                Time::from_millis(6500)
            ]
        );
    }

    /// Arrivals per window of `window` over `[0, horizon)`.
    fn histogram(p: &ArrivalProcess, horizon: Time, window: Time, seed: u64) -> Vec<u64> {
        let n = horizon.as_nanos().div_ceil(window.as_nanos()) as usize;
        let mut out = vec![0u64; n];
        let mut s = ArrivalStream::new(p, RngStreams::new(seed).stream("a"));
        while let Some(t) = s.next_arrival() {
            if t >= horizon {
                break;
            }
            out[(t.as_nanos() / window.as_nanos()) as usize] += 1;
        }
        out
    }

    #[test]
    fn diurnal_rate_follows_the_cosine() {
        let p = ArrivalProcess::Diurnal {
            mean_rate: 20.0,
            amplitude: 0.8,
            period: Time::from_secs(86_400),
            peak_at: Time::from_secs(14 * 3600),
        };
        let day = Time::from_secs(86_400);
        let hours = histogram(&p, Time(day.as_nanos() * 10), Time::from_secs(3600), 2);
        // Ten days: the 14:00 hour averages about 20 × 1.8 per second, the 02:00 hour
        // about 20 × 0.2.
        let at = |h: usize| (0..10).map(|d| hours[d * 24 + h]).sum::<u64>() as f64 / 10.0 / 3600.0;
        assert!((at(14) / 36.0 - 1.0).abs() < 0.02, "{}", at(14));
        assert!((at(2) / 4.0 - 1.0).abs() < 0.05, "{}", at(2));
        let total: u64 = hours.iter().sum();
        let want = p.expected_count(Time(day.as_nanos() * 10));
        assert!(
            (total as f64 / want - 1.0).abs() < 0.005,
            "{total} vs {want}"
        );
        // A partial cycle: the closed form integrates the cosine.
        let six = Time::from_secs(6 * 3600);
        let (n, _) = count_before(&p, six, 3);
        let want = p.expected_count(six);
        assert!((n as f64 - want).abs() < 4.0 * want.sqrt(), "{n} vs {want}");
    }

    #[test]
    fn mmpp_alternates_rates_and_is_burstier_than_poisson() {
        let p = ArrivalProcess::Mmpp {
            rates: vec![2.0, 50.0],
            mean_dwell: vec![Time::from_secs(600), Time::from_secs(60)],
        };
        let horizon = Time::from_secs(2_000_000);
        // Stationary mean rate: (2 × 600 + 50 × 60) / 660 = 6.36/s.
        let want = p.expected_count(horizon);
        assert!((want / 2e6 - 4200.0 / 660.0).abs() < 1e-9);
        let minutes = histogram(&p, horizon, Time::from_secs(60), 5);
        let n: u64 = minutes.iter().sum();
        assert!((n as f64 / want - 1.0).abs() < 0.03, "{n} vs {want}");
        // Counts per minute: variance far above the mean (Poisson would have equal).
        let minutes = &minutes[..minutes.len() - 1]; // the last one is partial
        let n: u64 = minutes.iter().sum();
        let k = minutes.len() as f64;
        let mean = n as f64 / k;
        let var = minutes
            .iter()
            .map(|&c| (c as f64 - mean).powi(2))
            .sum::<f64>()
            / k;
        assert!(var / mean > 20.0, "index of dispersion {}", var / mean);
        // Both rates show: quiet minutes near 120 and busy ones near 3,000.
        assert!(minutes.iter().filter(|&&c| c < 200).count() as f64 > 0.7 * k);
        assert!(minutes.iter().any(|&c| c > 2500));
    }

    #[test]
    fn poisson_count_matches_rate() {
        let p = ArrivalProcess::Poisson { rate: 50.0 };
        let (n, _) = count_before(&p, Time::from_secs(10_000), 4);
        // mean 500,000, sd ~707
        assert!((n as f64 - 500_000.0).abs() < 4.0 * 707.0, "{n}");
    }

    #[test]
    fn linear_ramp_integrates_to_the_triangle() {
        // 0 → 100/s over 100 s, then hold 100/s for 50 s: 5,000 + 5,000 expected.
        let p = ArrivalProcess::Stages {
            stages: vec![
                Stage {
                    duration: Time::from_secs(100),
                    rate: 100.0,
                },
                Stage {
                    duration: Time::from_secs(50),
                    rate: 100.0,
                },
            ],
            ramp: Ramp::Linear,
            start_rate: 0.0,
        };
        assert!((p.expected_count(Time::from_secs(1000)) - 10_000.0).abs() < 1e-6);
        let (n_first_half, _) = count_before(&p, Time::from_secs(50), 9);
        // ∫0^50 t dt = 1,250 events in the first half of the ramp
        assert!(
            (n_first_half as f64 - 1250.0).abs() < 4.0 * 1250f64.sqrt(),
            "{n_first_half}"
        );
        let (n, _) = count_before(&p, Time::from_secs(1000), 9);
        assert!((n as f64 - 10_000.0).abs() < 400.0, "{n}");
    }

    #[test]
    fn step_stages_end_after_the_last_stage() {
        let p = ArrivalProcess::Stages {
            stages: vec![
                Stage {
                    duration: Time::from_secs(10),
                    rate: 0.0,
                },
                Stage {
                    duration: Time::from_secs(10),
                    rate: 200.0,
                },
            ],
            ramp: Ramp::Step,
            start_rate: 0.0,
        };
        let mut s = ArrivalStream::new(&p, RngStreams::new(2).stream("a"));
        let mut n = 0;
        while let Some(t) = s.next_arrival() {
            assert!(
                t >= Time::from_secs(10) && t <= Time::from_secs(20),
                "{t:?}"
            );
            n += 1;
        }
        assert!((n as f64 - 2000.0).abs() < 200.0);
    }
}
