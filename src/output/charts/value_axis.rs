//! The value axes of the sweep charts: linear or logarithmic, fitted to means and their
//! error bars or to memory sizes.

use super::format::group_thousands_f;
use super::scale::{MAX_PLOTTED, log_ticks, nice_step};
use super::sweep::Estimate;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};

/// Means spanning a wider ratio than this are drawn on a log axis.
const LOG_SPAN: f64 = 20.0;

/// The least distance between two labelled memory sizes, as a share of the axis: about
/// the width of "1,769" on the chart.
const MIN_LABEL_GAP: f64 = 0.07;

/// A value axis fitted to data, linear or logarithmic. Coordinates are the values, or their
/// base-10 logarithms on a log axis, so that both kinds share one plotters type.
#[derive(Clone, Debug)]
pub(super) struct ValueAxis {
    log: bool,
    /// The range, in coordinates.
    pub(super) lo: f64,
    pub(super) hi: f64,
    /// Labelled and grid-only ticks, in coordinates.
    pub(super) bold: Vec<f64>,
    light: Vec<f64>,
    /// The step between labelled ticks of a linear axis (0 on a log axis).
    step: f64,
    /// Whether a start above zero is a zoom to be marked (not on a memory axis, whose
    /// ticks are the sizes swept).
    marked: bool,
}

/// Whether a linear axis may start above zero, to tell close values apart (marked "not
/// from 0" in its unit), or must start at zero, so that lengths compare as values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Zero {
    /// From zero whenever the data come within 35 % of it; zoomed in otherwise.
    Near,
    /// Always from zero.
    Always,
}

impl ValueAxis {
    /// An axis showing `estimates` (means and error bars); logarithmic when `allow_log` and
    /// their means span more than [`LOG_SPAN`]; linear otherwise, from zero as `zero` says.
    pub(super) fn fit(
        estimates: &[Estimate],
        allow_log: bool,
        max_labels: usize,
        zero: Zero,
    ) -> Self {
        let known: Vec<&Estimate> = estimates.iter().filter(|e| e.known()).collect();
        let min_pos = known
            .iter()
            .map(|e| e.mean)
            .filter(|m| *m > 0.0)
            .fold(f64::INFINITY, f64::min);
        let max = known.iter().map(|e| e.mean).fold(0.0, f64::max);
        if allow_log && min_pos.is_finite() && max / min_pos > LOG_SPAN {
            let lo = known
                .iter()
                .filter(|e| e.mean > 0.0)
                .map(|e| if e.low() > 0.0 { e.low() } else { e.mean })
                .fold(f64::INFINITY, f64::min);
            let hi = known.iter().map(|e| e.high()).fold(0.0, f64::max);
            return Self::log(lo, hi);
        }
        let lo = known.iter().map(|e| e.low()).fold(f64::INFINITY, f64::min);
        let hi = known
            .iter()
            .map(|e| e.high())
            .fold(f64::NEG_INFINITY, f64::max);
        Self::linear(if zero == Zero::Always { 0.0 } else { lo }, hi, max_labels)
    }

    /// Whether this is a linear axis that does not start at zero.
    pub(super) fn zoomed(&self) -> bool {
        self.marked && !self.log && self.lo > 0.0
    }

    /// A linear axis over `lo..hi` (not negative) with a margin; from 0 when the data are not
    /// far from it.
    fn linear(lo: f64, hi: f64, max_labels: usize) -> Self {
        let (mut lo, mut hi) = if lo.is_finite() && hi.is_finite() && lo <= hi {
            (lo.max(0.0), hi.min(MAX_PLOTTED))
        } else {
            (0.0, 1.0)
        };
        let span = hi - lo;
        if span <= hi.abs() * 1e-9 || span <= 0.0 {
            let pad = if hi > 0.0 { hi * 0.1 } else { 1.0 };
            lo = (lo - pad).max(0.0);
            hi += pad;
        } else {
            lo = if lo <= 0.35 * hi {
                0.0
            } else {
                lo - 0.1 * span
            };
            hi += 0.08 * span;
        }
        let step = nice_step(hi - lo, max_labels);
        let first = (lo / step).ceil() as i64;
        let last = (hi / step).floor() as i64;
        let bold: Vec<f64> = (first..=last).map(|k| k as f64 * step).collect();
        let light = bold
            .iter()
            .map(|b| b + step / 2.0)
            .filter(|v| *v < hi)
            .collect();
        ValueAxis {
            log: false,
            lo,
            hi,
            bold,
            light,
            step,
            marked: true,
        }
    }

    /// A log axis from a little below `lo` to a little above `hi` (both > 0).
    fn log(lo: f64, hi: f64) -> Self {
        let positive = |v: f64| {
            if v.is_nan() {
                1.0
            } else {
                v.clamp(1e-12, MAX_PLOTTED)
            }
        };
        let lo = positive(lo / 1.25);
        let mut hi = positive(hi * 1.25);
        if hi <= lo * 1.5 {
            hi = lo * 2.0;
        }
        let (bold, light) = log_ticks(lo, hi);
        ValueAxis {
            log: true,
            lo: lo.log10(),
            hi: hi.log10(),
            bold: bold.into_iter().map(f64::log10).collect(),
            light: light.into_iter().map(f64::log10).collect(),
            step: 0.0,
            marked: true,
        }
    }

    /// An axis of memory sizes: logarithmic when they span 4× or more, ticks at the sizes
    /// themselves when there are few.
    pub(super) fn memory(sizes: &[u32]) -> Self {
        let mut sizes: Vec<f64> = sizes
            .iter()
            .filter(|m| **m > 0)
            .map(|m| f64::from(*m))
            .collect();
        sizes.sort_by(f64::total_cmp);
        sizes.dedup();
        let (Some(&min), Some(&max)) = (sizes.first(), sizes.last()) else {
            return Self::linear(0.0, 1.0, 8);
        };
        let log = max / min >= 4.0;
        let c = |v: f64| if log { v.log10() } else { v };
        let span = c(max) - c(min);
        let pad = if span > 0.0 {
            0.06 * span
        } else {
            0.1 * c(max).abs().max(1.0)
        };
        let (lo, hi) = (c(min) - pad, c(max) + pad);
        let bold: Vec<f64> = if sizes.len() <= 12 {
            sizes.iter().map(|&v| c(v)).collect()
        } else if log {
            (0..32)
                .map(|e| 2f64.powi(e))
                .filter(|v| c(*v) >= lo && c(*v) <= hi)
                .map(c)
                .collect()
        } else {
            let step = nice_step(hi - lo, 10);
            ((lo / step).ceil() as i64..=(hi / step).floor() as i64)
                .map(|k| k as f64 * step)
                .collect()
        };
        // Labels closer than a label's width are not written (their sizes keep a grid
        // line): 1,769 and 2,048 MB are near on a log axis from 128 MB.
        let mut kept: Vec<f64> = Vec::with_capacity(bold.len());
        let mut light = Vec::new();
        for c in bold {
            if kept
                .last()
                .is_some_and(|&k| c - k < MIN_LABEL_GAP * (hi - lo))
            {
                light.push(c);
            } else {
                kept.push(c);
            }
        }
        ValueAxis {
            log,
            lo,
            hi,
            bold: kept,
            light,
            step: 0.0,
            marked: false,
        }
    }

    /// The coordinate of `v`, kept on the axis.
    pub(super) fn coord(&self, v: f64) -> f64 {
        let c = if self.log {
            if v > 0.0 { v.log10() } else { self.lo }
        } else {
            v
        };
        if c.is_finite() {
            c.clamp(self.lo, self.hi)
        } else {
            self.lo
        }
    }

    /// A dollar label of the tick at coordinate `c`: as many decimals as the step between
    /// ticks needs, and cents whenever there are decimals ("$0.20", "$0.25", "$2").
    pub(super) fn usd_label(&self, c: f64) -> String {
        let v = self.value(c);
        if !v.is_finite() {
            return String::new();
        }
        if v == 0.0 {
            return "$0".to_string();
        }
        let precision = if self.step > 0.0 { self.step } else { v.abs() };
        let d = (-precision.log10().floor()).clamp(0.0, 12.0) as usize;
        if d == 0 {
            format!("${}", group_thousands_f(v))
        } else {
            format!("${v:.0$}", d.max(2))
        }
    }

    /// The value at coordinate `c`.
    pub(super) fn value(&self, c: f64) -> f64 {
        if self.log { 10f64.powf(c) } else { c }
    }

    /// "(ms)", "(ms, log scale)" or, zoomed in, "(ms, not from 0)".
    pub(super) fn unit(&self, unit: &str) -> String {
        if self.log {
            format!("({unit}, log scale)")
        } else if self.zoomed() {
            format!("({unit}, not from 0)")
        } else {
            format!("({unit})")
        }
    }
}

/// Linear in coordinates, with the axis's own ticks.
impl Ranged for ValueAxis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, v: &f64, limit: (i32, i32)) -> i32 {
        let span = self.hi - self.lo;
        let t = if span > 0.0 {
            (v - self.lo) / span
        } else {
            0.5
        };
        let t = if t.is_finite() {
            t.clamp(-4.0, 5.0)
        } else {
            0.0
        };
        limit.0 + (f64::from(limit.1 - limit.0) * t + 1e-3).floor() as i32
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            self.light.clone()
        } else {
            self.bold.clone()
        }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.lo..self.hi
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::charts::format::without_word;

    #[test]
    fn value_axes_go_logarithmic_beyond_twenty_times() {
        let e = |mean: f64| Estimate { mean, ci: f64::NAN };
        // 10 to 500 ms: a log axis, labelled at 1-2-5 values.
        let a = ValueAxis::fit(&[e(10.0), e(500.0)], true, 10, Zero::Near);
        assert!(a.log && a.value(a.lo) < 10.0 && a.value(a.hi) > 500.0);
        assert!(a.bold.iter().any(|c| (a.value(*c) - 100.0).abs() < 1e-9));
        // 100 to 1,000 ms: linear from 0; 900 to 1,000: linear around the data.
        let a = ValueAxis::fit(&[e(100.0), e(1000.0)], true, 10, Zero::Near);
        assert!(!a.log && a.lo == 0.0 && a.hi > 1000.0 && !a.zoomed());
        assert_eq!(a.unit("ms"), "(ms)");
        let a = ValueAxis::fit(&[e(900.0), e(1000.0)], true, 10, Zero::Near);
        assert!(!a.log && a.lo > 800.0 && a.lo < 900.0 && a.zoomed());
        assert_eq!(a.unit("ms"), "(ms, not from 0)");
        // Unless it must start at zero.
        let a = ValueAxis::fit(&[e(900.0), e(1000.0)], true, 10, Zero::Always);
        assert!(a.lo == 0.0 && a.hi > 1000.0 && !a.zoomed());
        let a = ValueAxis::fit(&[e(10.0), e(500.0)], true, 10, Zero::Always);
        assert!(a.log, "a log axis has no zero: a span over 20× stays log");
        assert_eq!(a.unit("ms"), "(ms, log scale)");
        // Nothing known, or one value.
        let a = ValueAxis::fit(&[e(f64::NAN)], true, 10, Zero::Near);
        assert!(a.lo < a.hi);
        let a = ValueAxis::fit(&[e(0.0), e(0.0)], true, 10, Zero::Near);
        assert!(a.lo < a.hi);
        // Dollar labels keep cents.
        let a = ValueAxis::linear(0.19, 0.26, 8);
        let labels: Vec<String> = a.bold.iter().map(|c| a.usd_label(*c)).collect();
        assert!(labels.contains(&"$0.20".to_string()), "{labels:?}");
        // Memory sizes: log from 4×, ticks at the sizes.
        let m = ValueAxis::memory(&[128, 512, 3008, 512]);
        assert!(m.log && m.bold.len() == 3);
        assert!(!ValueAxis::memory(&[1024, 2048]).log);
        assert_eq!(ValueAxis::memory(&[1024, 2048]).unit("MB"), "(MB)");
        // Sizes too close to label apart keep a grid line, not a label.
        let m = ValueAxis::memory(&[128, 256, 512, 1024, 1769, 2048, 3008]);
        let labelled: Vec<f64> = m.bold.iter().map(|c| m.value(*c).round()).collect();
        assert_eq!(labelled, [128.0, 256.0, 512.0, 1024.0, 1769.0, 3008.0]);
        assert_eq!(m.light.len(), 1);
        assert!((m.value(m.light[0]) - 2048.0).abs() < 1e-6);
        assert_eq!(without_word("memory_mb=512", "memory_mb=512"), "");
    }
}
