//! Validated probability distributions of durations (execution, INIT, backoff), sampled in
//! integer nanoseconds.

use crate::engine::{SimRng, Time};
use rand::RngExt;
use rand_distr::{Distribution, Exp1, Gamma, LogNormal, Pareto, StandardNormal, Weibull};

/// A distribution of non-negative durations. Parameters are in nanoseconds.
#[derive(Clone, Debug)]
pub enum Dist {
    /// Always the same value.
    Constant(Time),
    /// Exponential with this mean.
    Exponential {
        /// Mean, ns.
        mean: f64,
    },
    /// Uniform on `[min, max]`.
    Uniform {
        /// Lower bound, ns.
        min: f64,
        /// Upper bound, ns.
        max: f64,
    },
    /// Normal, truncated at zero (negative draws are redrawn).
    Normal {
        /// Mean, ns.
        mean: f64,
        /// Standard deviation, ns.
        std: f64,
    },
    /// Log-normal.
    LogNormal(LogNormal<f64>),
    /// Gamma (shape, scale).
    Gamma(Gamma<f64>),
    /// Weibull (scale, shape).
    Weibull(Weibull<f64>),
    /// Pareto (scale, shape).
    Pareto(Pareto<f64>),
}

impl Dist {
    /// Draws one duration.
    #[inline]
    pub fn sample(&self, rng: &mut SimRng) -> Time {
        let ns: f64 = match self {
            Dist::Constant(t) => return *t,
            Dist::Exponential { mean } => {
                let e: f64 = Exp1.sample(rng);
                e * mean
            }
            Dist::Uniform { min, max } => min + (max - min) * rng.random::<f64>(),
            Dist::Normal { mean, std } => {
                // Truncation by rejection; validation keeps mean > 0, so acceptance >= 1/2.
                let mut x = -1.0;
                for _ in 0..64 {
                    let z: f64 = StandardNormal.sample(rng);
                    x = mean + std * z;
                    if x >= 0.0 {
                        break;
                    }
                }
                x
            }
            Dist::LogNormal(d) => d.sample(rng),
            Dist::Gamma(d) => d.sample(rng),
            Dist::Weibull(d) => d.sample(rng),
            Dist::Pareto(d) => d.sample(rng),
        };
        to_time(ns)
    }

    /// The mean in nanoseconds (for reports and closed-form checks), if finite.
    pub fn mean_ns(&self) -> f64 {
        match self {
            Dist::Constant(t) => t.as_nanos() as f64,
            Dist::Exponential { mean } => *mean,
            Dist::Uniform { min, max } => (min + max) / 2.0,
            // Ignores truncation; exact when std << mean.
            Dist::Normal { mean, .. } => *mean,
            Dist::LogNormal(_) | Dist::Gamma(_) | Dist::Weibull(_) | Dist::Pareto(_) => f64::NAN,
        }
    }
}

/// Converts a draw in nanoseconds to time, rounded to the nanosecond. `as` saturates:
/// NaN and negative draws become 0, huge ones `Time::MAX`.
#[inline]
fn to_time(ns: f64) -> Time {
    Time((ns + 0.5) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::RngStreams;

    fn mean_of(d: &Dist, n: usize) -> f64 {
        let mut rng = RngStreams::new(1).stream("t");
        (0..n)
            .map(|_| d.sample(&mut rng).as_nanos() as f64)
            .sum::<f64>()
            / n as f64
    }

    #[test]
    fn sample_means_match_parameters() {
        let ms = 1e6;
        let cases = [
            (Dist::Exponential { mean: 100.0 * ms }, 100.0 * ms),
            (
                Dist::Uniform {
                    min: 10.0 * ms,
                    max: 30.0 * ms,
                },
                20.0 * ms,
            ),
            (
                Dist::Normal {
                    mean: 50.0 * ms,
                    std: 5.0 * ms,
                },
                50.0 * ms,
            ),
            // lognormal(mu, sigma) has mean exp(mu + sigma^2/2)
            (
                Dist::LogNormal(LogNormal::new((100.0 * ms).ln(), 0.5).unwrap()),
                100.0 * ms * (0.125f64).exp(),
            ),
            (Dist::Gamma(Gamma::new(2.0, 25.0 * ms).unwrap()), 50.0 * ms),
        ];
        for (d, want) in cases {
            let got = mean_of(&d, 200_000);
            assert!(
                (got / want - 1.0).abs() < 0.01,
                "{d:?}: mean {got} want {want}"
            );
        }
        assert_eq!(mean_of(&Dist::Constant(Time::from_millis(7)), 10), 7.0 * ms);
    }

    #[test]
    fn normal_is_truncated_by_redrawing_not_clamped() {
        // N(10, 10) truncated at 0 has mean mu + sigma*phi(1)/Phi(1) = 12.876 ms;
        // clamping negatives to 0 would give 10.833 ms instead.
        let ms = 1e6;
        let got = mean_of(
            &Dist::Normal {
                mean: 10.0 * ms,
                std: 10.0 * ms,
            },
            400_000,
        ) / ms;
        assert!((got - 12.876).abs() < 0.1, "truncated normal mean {got} ms");
    }
}
