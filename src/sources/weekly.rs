//! The `weekly` arrival process: a Poisson process whose rate is constant within each
//! hour of the week and repeats every week (168 rates, hour 0 = Monday 00:00–01:00 UTC),
//! drawn exactly by inverting its cumulative intensity hour by hour.

use crate::engine::{SimRng, Time};
use rand_distr::{Distribution, Exp1};

const HOUR_NS: f64 = 3.6e12;
const WEEK_HOURS: usize = 168;

/// A weekly rate profile, validated.
#[derive(Clone, Debug, PartialEq)]
pub struct Weekly {
    /// Events per second in each hour of the week, as given.
    pub rates: Vec<f64>,
    /// `traffic_scale`: every rate is multiplied by it.
    pub scale: f64,
    /// Where in the week t = 0 falls (from Monday 00:00 UTC).
    pub offset: Time,
}

impl Weekly {
    /// The expected number of events in `[0, horizon)`: the integral of the rate.
    pub fn expected_count(&self, horizon: Time) -> f64 {
        let (mut t, end) = (
            self.offset.as_nanos() as f64,
            (self.offset + horizon).as_nanos() as f64,
        );
        let mut n = 0.0;
        while t < end {
            let hour = (t / HOUR_NS).floor();
            let upto = ((hour + 1.0) * HOUR_NS).min(end);
            n += self.rates[hour as usize % WEEK_HOURS] * self.scale * (upto - t) / 1e9;
            t = upto;
        }
        n
    }
}

/// The run-time state of a `weekly` process.
pub struct WeeklyStream {
    rates: Vec<f64>,
    /// The time in the week's clock (ns from a Monday 00:00), and the run's 0 on it.
    t: f64,
    offset: f64,
}

impl WeeklyStream {
    /// The process at t = 0; `None` when every rate is 0 (no events).
    pub fn new(w: &Weekly) -> Option<WeeklyStream> {
        (w.scale > 0.0 && w.rates.iter().any(|&r| r > 0.0)).then(|| WeeklyStream {
            rates: w.rates.iter().map(|r| r * w.scale).collect(),
            t: w.offset.as_nanos() as f64,
            offset: w.offset.as_nanos() as f64,
        })
    }

    /// The next event: E ~ Exp(1) of intensity spent hour by hour.
    pub fn next(&mut self, rng: &mut SimRng) -> Option<Time> {
        let mut e: f64 = Exp1.sample(rng);
        loop {
            let hour = (self.t / HOUR_NS).floor();
            let end = (hour + 1.0) * HOUR_NS;
            let rate = self.rates[hour as usize % WEEK_HOURS] / 1e9; // per ns
            let mass = rate * (end - self.t);
            if rate > 0.0 && mass >= e {
                self.t += e / rate;
                let at = (self.t - self.offset).round();
                return (at < u64::MAX as f64).then_some(Time(at as u64));
            }
            e -= mass;
            self.t = end;
            if self.t - self.offset > 1.8e19 {
                return None;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::RngStreams;

    fn weekly(f: impl Fn(usize) -> f64, offset: Time) -> Weekly {
        Weekly {
            rates: (0..WEEK_HOURS).map(f).collect(),
            scale: 1.0,
            offset,
        }
    }

    #[test]
    fn the_expected_count_integrates_the_hours() {
        // 1/s in hour 0, 2/s in hour 1, 0 after: from 30 min into hour 0, 90 minutes hold
        // 1800 + 3600 × 2 events.
        let w = weekly(
            |h| [1.0, 2.0][..].get(h).copied().unwrap_or(0.0),
            Time::from_secs(1800),
        );
        assert_eq!(w.expected_count(Time::from_secs(5400)), 9000.0);
        // A week later, the same hours again.
        let w = weekly(|h| if h == 0 { 1.0 } else { 0.0 }, Time::ZERO);
        assert_eq!(w.expected_count(Time::from_secs(2 * 7 * 86_400)), 7200.0);
    }

    #[test]
    fn each_hour_gets_its_rate_and_the_week_repeats() {
        // Rates 1/s on Monday 10:00–11:00 and 0.1/s elsewhere, over 4 weeks: the counts
        // per hour are Poisson, so each is within 4 σ of its mean.
        let w = weekly(|h| if h == 10 { 1.0 } else { 0.1 }, Time::ZERO);
        let mut s = WeeklyStream::new(&w).unwrap();
        let mut rng = RngStreams::new(7).stream("weekly");
        let mut per_hour = vec![0u64; WEEK_HOURS];
        let horizon = 4 * 168 * 3600;
        while let Some(t) = s.next(&mut rng) {
            if t.as_nanos() >= horizon * 1_000_000_000 {
                break;
            }
            per_hour[(t.as_nanos() / 3_600_000_000_000) as usize % WEEK_HOURS] += 1;
        }
        let peak = per_hour[10] as f64; // mean 4 × 3600 = 14,400, σ = 120
        assert!((peak - 14_400.0).abs() < 4.0 * 120.0, "{peak}");
        let rest: f64 = per_hour
            .iter()
            .enumerate()
            .filter(|(h, _)| *h != 10)
            .map(|(_, &n)| n as f64)
            .sum();
        let mean = 167.0 * 4.0 * 360.0; // σ = √mean ≈ 490
        assert!((rest - mean).abs() < 4.0 * mean.sqrt(), "{rest}");
    }

    #[test]
    fn an_hour_without_traffic_gets_none() {
        // 0.01/s in even hours, none in odd ones, over 4 weeks: an event drawn late in an
        // even hour must not spill into the next, however far its draw reaches.
        let w = weekly(|h| if h % 2 == 0 { 0.01 } else { 0.0 }, Time::ZERO);
        let mut s = WeeklyStream::new(&w).unwrap();
        let mut rng = RngStreams::new(11).stream("weekly");
        let horizon = 4 * 168 * 3600 * 1_000_000_000u64;
        let mut even = 0u64;
        while let Some(t) = s.next(&mut rng) {
            if t.as_nanos() >= horizon {
                break;
            }
            let hour = t.as_nanos() / 3_600_000_000_000;
            assert_eq!(hour % 2, 0, "an event at {t} in hour {hour}");
            even += 1;
        }
        // 4 × 84 hours × 36 events: 12,096, σ = 110.
        assert!((even as f64 - 12_096.0).abs() < 4.0 * 110.0, "{even}");
    }

    #[test]
    fn the_offset_places_t0_in_the_week() {
        // Only Monday 00:00–01:00 has traffic, and t = 0 is Sunday 23:00: nothing in the
        // first hour, everything in the second.
        let w = weekly(
            |h| if h == 0 { 5.0 } else { 0.0 },
            Time::from_secs(167 * 3600),
        );
        let mut s = WeeklyStream::new(&w).unwrap();
        let mut rng = RngStreams::new(1).stream("weekly");
        let first = s.next(&mut rng).unwrap();
        assert!(first >= Time::from_secs(3600), "{first}");
        let mut n = 1;
        while s.next(&mut rng).is_some_and(|t| t < Time::from_secs(7200)) {
            n += 1;
        }
        // 18,000 expected, σ ≈ 134.
        assert!((n as f64 - 18_000.0).abs() < 4.0 * 134.2, "{n}");
        assert!(WeeklyStream::new(&weekly(|_| 0.0, Time::ZERO)).is_none());
    }
}
