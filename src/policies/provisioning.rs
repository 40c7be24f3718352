//! Provisioned concurrency (PC): how many pre-initialised environments a function keeps,
//! and when that number changes — fixed, on a schedule, or by target tracking on
//! utilisation (AWS Application Auto Scaling's `LambdaProvisionedConcurrencyUtilization`).
//!
//! A policy returns the desired PC; the model allocates (after the allocation delay) and
//! retires environments to match.

use crate::engine::Time;

/// One minute: the period of the utilisation data points (CloudWatch's 1-minute metrics).
pub const DATA_POINT_PERIOD: Time = Time::from_secs(60);

/// Default delay between a PC increase and the start of the new environments' INIT
/// (AWS: allocation starts after 1–2 minutes).
pub const DEFAULT_ALLOCATION_DELAY: Time = Time::from_secs(120);

/// AWS's scale-in alarm fires below this fraction of the target.
pub const SCALE_IN_RATIO: f64 = 0.9;

/// Data points above the target that AWS's scale-out alarm needs.
pub const DEFAULT_SCALE_OUT_POINTS: u32 = 3;

/// Data points below 90 % of the target that AWS's scale-in alarm needs.
pub const DEFAULT_SCALE_IN_POINTS: u32 = 15;

/// Target-tracking parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct TargetTracking {
    /// Utilisation to keep (0 < target < 1).
    pub target: f64,
    /// The least PC (≥ 1: utilisation is undefined without PC). Also the PC at t = 0.
    pub min: u32,
    /// The most PC.
    pub max: u32,
    /// Consecutive data points above `target` that trigger a scale-out.
    pub scale_out_points: u32,
    /// Consecutive data points below `SCALE_IN_RATIO × target` that trigger a scale-in.
    pub scale_in_points: u32,
    /// No scale-out within this time of the previous scale-out decision.
    pub scale_out_cooldown: Time,
    /// No scale-in within this time of the previous scale-in decision.
    pub scale_in_cooldown: Time,
}

/// A provisioned-concurrency configuration, as chosen in a scenario.
#[derive(Clone, Debug, PartialEq)]
pub enum ProvisioningSpec {
    /// A constant number of environments, ready at t = 0 (0: no PC).
    Fixed(u32),
    /// `(at, value)` steps, `at` strictly increasing; the value before the first step is 0.
    Schedule {
        /// The steps.
        steps: Vec<(Time, u32)>,
        /// Delay before new environments start their INIT.
        allocation_delay: Time,
    },
    /// Target tracking on utilisation.
    TargetTracking {
        /// The parameters.
        params: TargetTracking,
        /// Delay before new environments start their INIT.
        allocation_delay: Time,
    },
}

impl Default for ProvisioningSpec {
    fn default() -> Self {
        ProvisioningSpec::Fixed(0)
    }
}

impl ProvisioningSpec {
    /// The PC in force at t = 0: it is ready when the run starts (no delay, no INIT).
    pub fn initial(&self) -> u32 {
        match self {
            ProvisioningSpec::Fixed(n) => *n,
            ProvisioningSpec::Schedule { steps, .. } => value_at(steps, Time::ZERO),
            ProvisioningSpec::TargetTracking { params, .. } => params.min,
        }
    }

    /// The most PC this configuration can ask for (what reservations are checked against).
    pub fn max(&self) -> u32 {
        match self {
            ProvisioningSpec::Fixed(n) => *n,
            ProvisioningSpec::Schedule { steps, .. } => {
                steps.iter().map(|s| s.1).max().unwrap_or(0)
            }
            ProvisioningSpec::TargetTracking { params, .. } => params.max,
        }
    }

    /// Delay between a decision to add PC and the start of the new environments' INIT.
    pub fn allocation_delay(&self) -> Time {
        match self {
            ProvisioningSpec::Fixed(_) => Time::ZERO,
            ProvisioningSpec::Schedule {
                allocation_delay, ..
            }
            | ProvisioningSpec::TargetTracking {
                allocation_delay, ..
            } => *allocation_delay,
        }
    }

    /// The policy object for one function and run.
    pub fn build(&self) -> Box<dyn ProvisioningPolicy> {
        match self {
            ProvisioningSpec::Fixed(_) => Box::new(FixedPc),
            ProvisioningSpec::Schedule { steps, .. } => Box::new(SchedulePc {
                steps: steps.clone(),
            }),
            ProvisioningSpec::TargetTracking { params, .. } => Box::new(TargetTrackingPc {
                p: params.clone(),
                above: 0,
                below: 0,
                last_out: None,
                last_in: None,
            }),
        }
    }
}

/// The value of a schedule in force at `t`.
fn value_at(steps: &[(Time, u32)], t: Time) -> u32 {
    steps
        .iter()
        .take_while(|s| s.0 <= t)
        .last()
        .map_or(0, |s| s.1)
}

/// What the model tells a policy when it decides.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Observation {
    /// The desired PC in force (its allocation may still be in progress).
    pub current: u32,
    /// The data point of the period that ends now: mean PC environments running an
    /// invocation ÷ mean PC environments ready, over the period. `None` when no PC was
    /// ready or an allocation was in progress during the period (the data point is
    /// skipped: it neither counts toward an alarm nor breaks a run of points).
    pub utilisation: Option<f64>,
}

/// A provisioned-concurrency policy. One instance exists per function and run.
pub trait ProvisioningPolicy: Send {
    /// The next time after `now` at which the policy decides, if any.
    fn next_decision(&self, now: Time) -> Option<Time>;
    /// Decides at one of the times given by `next_decision`: the new desired PC, or `None`
    /// to keep the current one.
    fn decide(&mut self, now: Time, obs: Observation) -> Option<u32>;
}

/// `provisioned_concurrency = n`: never changes.
struct FixedPc;

impl ProvisioningPolicy for FixedPc {
    fn next_decision(&self, _now: Time) -> Option<Time> {
        None
    }
    fn decide(&mut self, _now: Time, _obs: Observation) -> Option<u32> {
        None
    }
}

/// `provisioned_concurrency = [{ at, value }, …]`.
struct SchedulePc {
    steps: Vec<(Time, u32)>,
}

impl ProvisioningPolicy for SchedulePc {
    fn next_decision(&self, now: Time) -> Option<Time> {
        self.steps.iter().map(|s| s.0).find(|&at| at > now)
    }
    fn decide(&mut self, now: Time, obs: Observation) -> Option<u32> {
        let v = value_at(&self.steps, now);
        (v != obs.current).then_some(v)
    }
}

/// `{ policy = "target_tracking", … }`.
struct TargetTrackingPc {
    p: TargetTracking,
    /// Consecutive data points above the target.
    above: u32,
    /// Consecutive data points below `SCALE_IN_RATIO × target`.
    below: u32,
    last_out: Option<Time>,
    last_in: Option<Time>,
}

impl TargetTrackingPc {
    /// The PC that would bring utilisation `u` to the target: ⌈current × u / target⌉
    /// (a hair of tolerance so that 14.000000000000002 counts as 14), within [min, max].
    fn desired(&self, current: u32, u: f64) -> u32 {
        let x = f64::from(current) * u / self.p.target;
        let n = (x - 1e-9).ceil().max(0.0);
        (n.min(f64::from(u32::MAX)) as u32).clamp(self.p.min, self.p.max)
    }

    fn cooled(last: Option<Time>, cooldown: Time, now: Time) -> bool {
        last.is_none_or(|t| now >= t.saturating_add(cooldown))
    }
}

impl ProvisioningPolicy for TargetTrackingPc {
    fn next_decision(&self, now: Time) -> Option<Time> {
        let p = DATA_POINT_PERIOD.as_nanos();
        Some(Time((now.as_nanos() / p + 1).saturating_mul(p)))
    }

    fn decide(&mut self, now: Time, obs: Observation) -> Option<u32> {
        let u = obs.utilisation?;
        if u > self.p.target {
            self.above += 1;
            self.below = 0;
        } else if u < SCALE_IN_RATIO * self.p.target {
            self.below += 1;
            self.above = 0;
        } else {
            self.above = 0;
            self.below = 0;
        }
        if self.above >= self.p.scale_out_points
            && Self::cooled(self.last_out, self.p.scale_out_cooldown, now)
        {
            let n = self.desired(obs.current, u);
            if n > obs.current {
                self.above = 0;
                self.below = 0;
                self.last_out = Some(now);
                return Some(n);
            }
        }
        if self.below >= self.p.scale_in_points
            && Self::cooled(self.last_in, self.p.scale_in_cooldown, now)
        {
            let n = self.desired(obs.current, u);
            if n < obs.current {
                self.above = 0;
                self.below = 0;
                self.last_in = Some(now);
                return Some(n);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tt(target: f64, min: u32, max: u32) -> ProvisioningSpec {
        ProvisioningSpec::TargetTracking {
            params: TargetTracking {
                target,
                min,
                max,
                scale_out_points: DEFAULT_SCALE_OUT_POINTS,
                scale_in_points: DEFAULT_SCALE_IN_POINTS,
                scale_out_cooldown: Time::ZERO,
                scale_in_cooldown: Time::ZERO,
            },
            allocation_delay: DEFAULT_ALLOCATION_DELAY,
        }
    }

    fn minute(k: u64) -> Time {
        Time::from_secs(60 * k)
    }

    /// Feeds data points at minutes 1, 2, …, keeping the decisions as the current PC;
    /// returns (minute, new PC) for each decision.
    fn feed(spec: &ProvisioningSpec, points: &[Option<f64>]) -> Vec<(u64, u32)> {
        let mut p = spec.build();
        let mut current = spec.initial();
        let mut out = Vec::new();
        let mut now = Time::ZERO;
        for &u in points {
            now = p
                .next_decision(now)
                .expect("target tracking always decides");
            if let Some(n) = p.decide(
                now,
                Observation {
                    current,
                    utilisation: u,
                },
            ) {
                current = n;
                out.push((now.as_nanos() / 60_000_000_000, n));
            }
        }
        out
    }

    #[test]
    fn target_tracking_decides_at_minute_boundaries() {
        let p = tt(0.7, 1, 10).build();
        assert_eq!(p.next_decision(Time::ZERO), Some(minute(1)));
        assert_eq!(p.next_decision(minute(1)), Some(minute(2)));
        assert_eq!(p.next_decision(Time::from_secs(61)), Some(minute(2)));
    }

    #[test]
    fn scale_out_needs_three_consecutive_points_above_target() {
        let s = tt(0.5, 10, 100);
        // Two high points, a normal one, then three high: out at the 6th minute.
        let d = feed(
            &s,
            &[
                Some(0.8),
                Some(0.8),
                Some(0.5),
                Some(0.8),
                Some(0.8),
                Some(0.8),
            ],
        );
        assert_eq!(d, [(6, 16)]);
        // ⌈10 × 0.8 / 0.5⌉ = 16; no decision with only two high points.
        assert!(feed(&s, &[Some(0.8), Some(0.8)]).is_empty());
    }

    #[test]
    fn scale_out_is_capped_at_max_and_does_nothing_at_max() {
        let s = tt(0.5, 10, 12);
        assert_eq!(feed(&s, &[Some(1.0); 6]), [(3, 12)]);
    }

    #[test]
    fn the_counter_restarts_after_a_decision() {
        let s = tt(0.5, 10, 1000);
        // Saturated: ×2 every three points.
        let d = feed(&s, &[Some(1.0); 9]);
        assert_eq!(d, [(3, 20), (6, 40), (9, 80)]);
    }

    #[test]
    fn skipped_points_neither_count_nor_break_a_run() {
        let s = tt(0.5, 10, 100);
        let d = feed(&s, &[Some(0.8), None, Some(0.8), None, None, Some(0.8)]);
        assert_eq!(d, [(6, 16)]);
    }

    #[test]
    fn scale_in_needs_fifteen_points_below_ninety_percent_of_target() {
        let s = tt(0.5, 2, 100);
        // Start at 2 (min); three saturated points scale out to ⌈2 × 1 / 0.5⌉ = 4.
        let mut points = vec![Some(1.0); 3];
        // 0.2 < 0.45 = 90 % of the target: 14 low points are not enough …
        points.extend(std::iter::repeat_n(Some(0.2), 14));
        assert_eq!(feed(&s, &points), [(3, 4)]);
        // … the 15th (minute 18) scales in to ⌈4 × 0.2 / 0.5⌉ = 2.
        points.push(Some(0.2));
        assert_eq!(feed(&s, &points), [(3, 4), (18, 2)]);
        // Between 90 % of the target and the target: nothing happens.
        let mut points = vec![Some(1.0); 3];
        points.extend(std::iter::repeat_n(Some(0.46), 40));
        assert_eq!(feed(&s, &points), [(3, 4)]);
        // A point at or above 90 % of the target breaks the run.
        let mut points = vec![Some(1.0); 3];
        points.extend(std::iter::repeat_n(Some(0.2), 14));
        points.push(Some(0.45));
        points.extend(std::iter::repeat_n(Some(0.2), 14));
        assert_eq!(feed(&s, &points), [(3, 4)]);
    }

    #[test]
    fn scale_in_stops_at_min() {
        let s = tt(0.5, 10, 100);
        assert!(feed(&s, &[Some(0.0); 40]).is_empty());
    }

    #[test]
    fn cooldowns_delay_further_decisions_in_the_same_direction() {
        let mut s = tt(0.5, 10, 1000);
        if let ProvisioningSpec::TargetTracking { params, .. } = &mut s {
            params.scale_out_cooldown = Time::from_secs(600);
        }
        // Decisions at 3, then not before 13 (3 + 10 min).
        let d = feed(&s, &[Some(1.0); 14]);
        assert_eq!(d, [(3, 20), (13, 40)]);
    }

    #[test]
    fn schedule_gives_the_value_in_force() {
        let s = ProvisioningSpec::Schedule {
            steps: vec![
                (Time::from_secs(60), 5),
                (Time::from_secs(120), 2),
                (Time::from_secs(300), 9),
            ],
            allocation_delay: Time::ZERO,
        };
        assert_eq!(s.initial(), 0);
        assert_eq!(s.max(), 9);
        let mut p = s.build();
        let mut now = Time::ZERO;
        let mut seen = Vec::new();
        let mut current = 0;
        while let Some(t) = p.next_decision(now) {
            now = t;
            if let Some(n) = p.decide(
                now,
                Observation {
                    current,
                    utilisation: None,
                },
            ) {
                current = n;
                seen.push((now.as_nanos() / 1_000_000_000, n));
            }
        }
        assert_eq!(seen, [(60, 5), (120, 2), (300, 9)]);
        let at0 = ProvisioningSpec::Schedule {
            steps: vec![(Time::ZERO, 4), (Time::from_secs(60), 6)],
            allocation_delay: Time::ZERO,
        };
        assert_eq!(at0.initial(), 4);
        assert_eq!(
            at0.build().next_decision(Time::ZERO),
            Some(Time::from_secs(60))
        );
    }

    #[test]
    fn fixed_never_decides() {
        let s = ProvisioningSpec::Fixed(7);
        assert_eq!(s.initial(), 7);
        assert_eq!(s.max(), 7);
        assert_eq!(s.build().next_decision(Time::ZERO), None);
    }
}
