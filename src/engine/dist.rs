//! Validated probability distributions of non-negative durations, sampled from a random
//! stream in integer nanoseconds.

use super::{SimRng, Time};
use rand::RngExt;
use rand_distr::{Distribution, Exp1, Gamma, LogNormal, Pareto, StandardNormal, Weibull};

/// A distribution of non-negative durations. Parameters are in nanoseconds.
#[derive(Clone, Debug, PartialEq)]
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
    /// Piecewise-linear inverse CDF through (quantile in 0..=1, value in ns) points, the
    /// first at quantile 0 and the last at 1, both coordinates non-decreasing (the format
    /// of the Azure Functions duration percentiles).
    Empirical(Vec<(f64, f64)>),
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
            Dist::Empirical(points) => empirical_quantile(points, rng.random::<f64>()),
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
            // The integral of the piecewise-linear quantile function.
            Dist::Empirical(points) => points
                .windows(2)
                .map(|w| (w[1].0 - w[0].0) * (w[0].1 + w[1].1) / 2.0)
                .sum(),
        }
    }
}

/// The value at quantile `u` of a piecewise-linear quantile function.
#[inline]
fn empirical_quantile(points: &[(f64, f64)], u: f64) -> f64 {
    // The first point whose quantile is ≥ u (points start at 0 and end at 1).
    let i = points
        .partition_point(|p| p.0 < u)
        .clamp(1, points.len() - 1);
    let (q0, v0) = points[i - 1];
    let (q1, v1) = points[i];
    if q1 <= q0 {
        v1
    } else {
        v0 + (v1 - v0) * (u - q0) / (q1 - q0)
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
    fn empirical_interpolates_between_percentiles() {
        let ms = 1e6;
        // p0 = 0, p50 = 100 ms, p100 = 300 ms: uniform on [0, 100] half the time and on
        // [100, 300] the other half; mean 0.5 × 50 + 0.5 × 200 = 125 ms.
        let d = Dist::Empirical(vec![(0.0, 0.0), (0.5, 100.0 * ms), (1.0, 300.0 * ms)]);
        assert_eq!(d.mean_ns(), 125.0 * ms);
        let got = mean_of(&d, 200_000) / ms;
        assert!((got - 125.0).abs() < 0.5, "{got}");
        assert_eq!(empirical_quantile(&[(0.0, 1.0), (1.0, 3.0)], 0.5), 2.0);
        assert_eq!(empirical_quantile(&[(0.0, 1.0), (1.0, 3.0)], 0.0), 1.0);
        assert_eq!(empirical_quantile(&[(0.0, 1.0), (1.0, 3.0)], 1.0), 3.0);
        // A flat step (two percentiles at one value) and a jump (one percentile twice).
        let p = [(0.0, 5.0), (0.25, 5.0), (0.25, 7.0), (1.0, 9.0)];
        assert_eq!(empirical_quantile(&p, 0.1), 5.0);
        assert_eq!(empirical_quantile(&p, 0.5), 7.0 + 2.0 / 3.0);
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
