//! Confidence intervals across replications.

/// Two-sided 97.5 % quantiles of Student's t for 1 to 30 degrees of freedom.
const T975: [f64; 30] = [
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
    2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
    2.052, 2.048, 2.045, 2.042,
];

/// The 97.5 % quantile of Student's t with `df` degrees of freedom (a table to 30, then
/// three terms of the Cornish–Fisher expansion, within 2e-6 of the exact value).
pub fn t975(df: usize) -> f64 {
    if df == 0 {
        return f64::NAN;
    }
    if df <= T975.len() {
        return T975[df - 1];
    }
    let z: f64 = 1.959_963_984_540_054;
    let d = df as f64;
    z + (z.powi(3) + z) / (4.0 * d)
        + (5.0 * z.powi(5) + 16.0 * z.powi(3) + 3.0 * z) / (96.0 * d * d)
        + (3.0 * z.powi(7) + 19.0 * z.powi(5) + 17.0 * z.powi(3) - 15.0 * z) / (384.0 * d.powi(3))
}

/// Mean and half-width of the 95 % confidence interval of the mean of `xs` (NaN values
/// are skipped; the half-width is NaN with fewer than two values).
pub fn mean_ci95(xs: &[f64]) -> (f64, f64) {
    let v: Vec<f64> = xs.iter().copied().filter(|x| !x.is_nan()).collect();
    let n = v.len();
    if n == 0 {
        return (f64::NAN, f64::NAN);
    }
    let mean = v.iter().sum::<f64>() / n as f64;
    if n < 2 {
        return (mean, f64::NAN);
    }
    let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    (mean, t975(n - 1) * (var / n as f64).sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t_quantiles_join_the_table_smoothly() {
        assert_eq!(t975(1), 12.706);
        assert_eq!(t975(30), 2.042);
        // Beyond the table, within the 2e-6 the expansion promises of the exact values
        // (computed by integrating Student's density, to 7 decimals): at 31 degrees its
        // error is 1.7e-6, and each term of the expansion (the smallest part of the
        // third, 15z/384d³, is 2.6e-6 there) moves it by more than that.
        for (df, exact) in [
            (31, 2.039_513_4),
            (40, 2.021_075_4),
            (60, 2.000_297_8),
            (120, 1.979_930_4),
            (1000, 1.962_339_1),
        ] {
            assert!(
                (t975(df) - exact).abs() < 2e-6,
                "t({df}) = {} vs {exact}",
                t975(df)
            );
        }
        assert!(t975(0).is_nan());
    }

    #[test]
    fn interval_of_a_known_sample() {
        let (m, h) = mean_ci95(&[1.0, 2.0, 3.0, 4.0]);
        assert_eq!(m, 2.5);
        // s = 1.2910, se = 0.6455, t(3) = 3.182.
        assert!((h - 3.182 * (5.0f64 / 3.0).sqrt() / 2.0).abs() < 1e-12);
        assert!(mean_ci95(&[7.0]).1.is_nan());
        // Two values: s = √2, se = 1, t(1) = 12.706.
        let (m, h) = mean_ci95(&[1.0, 3.0]);
        assert_eq!(m, 2.0);
        assert!((h - 12.706).abs() < 1e-12, "{h}");
        assert_eq!(mean_ci95(&[f64::NAN, 7.0]).0, 7.0);
    }
}
