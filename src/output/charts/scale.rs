//! Scales and ticks of linear and log axes: what can be plotted, 1-2-5 steps and bounds,
//! axis tops with headroom, and the width of a y label area.

use super::backend::Drawn;
use super::format::fmt_tick;
use super::style::{DESC_SIZE, TICK_SIZE, font};
use plotters::coord::Shift;
use plotters::prelude::{DrawingArea, DrawingBackend};

/// Width of the y label area of a linear axis from 0 to `top` with at most `max_labels`
/// labels: the widest tick label plus the rotated axis title.
pub(super) fn y_label_area<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    top: f64,
    max_labels: usize,
) -> Drawn<u32> {
    let style = font(TICK_SIZE);
    let step = nice_step(top, max_labels);
    let mut widest = 0;
    let mut k = 0.0;
    while k * step <= top && k <= max_labels as f64 {
        let (w, _) = area.estimate_text_size(&fmt_tick(k * step), &style)?;
        widest = widest.max(w);
        k += 1.0;
    }
    Ok(widest + DESC_SIZE as u32 + 40)
}

/// The 1-2-5 tick step that shows `0..top` in at most `max_labels` labels (as plotters picks).
pub(super) fn nice_step(top: f64, max_labels: usize) -> f64 {
    let top = if top.is_finite() && top > 0.0 {
        top
    } else {
        1.0
    };
    let mut step = 10f64.powf((top / max_labels.max(1) as f64).log10().floor());
    for m in [1.0, 2.0, 5.0, 10.0] {
        if top / (step * m) <= max_labels as f64 {
            step *= m;
            break;
        }
    }
    step
}

/// Largest value plotted: beyond it a chart means nothing, and plotters' tick search needs
/// finite ranges.
pub(super) const MAX_PLOTTED: f64 = 1e15;

/// `v` if finite and positive (capped at [`MAX_PLOTTED`]), else 0.
pub(super) fn nonneg(v: f64) -> f64 {
    if v.is_finite() && v > 0.0 {
        v.min(MAX_PLOTTED)
    } else {
        0.0
    }
}

/// The top of a linear axis from 0 showing `max` with a little headroom, at least `min_top`.
pub(super) fn nice_upper(max: f64, min_top: f64) -> f64 {
    let max = nonneg(max);
    if max <= 0.0 {
        return min_top;
    }
    let top = max * 1.08;
    if top.is_finite() {
        top.max(min_top)
    } else {
        max
    }
}

/// Width of a y label area holding `labels` and a rotated axis title.
pub(super) fn label_area_for<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    labels: impl Iterator<Item = String>,
) -> Drawn<u32> {
    let style = font(TICK_SIZE);
    let mut widest = 0;
    for l in labels {
        widest = widest.max(area.estimate_text_size(&l, &style)?.0);
    }
    Ok(widest + DESC_SIZE as u32 + 40)
}

/// Largest 1-2-5 number (times a power of ten) at or below `x` (> 0).
pub(super) fn nice_125_below(x: f64) -> f64 {
    let p = 10f64.powf(x.log10().floor());
    let m = x / p;
    let n = if m >= 5.0 {
        5.0
    } else if m >= 2.0 {
        2.0
    } else {
        1.0
    };
    n * p
}

/// Smallest 1-2-5 number (times a power of ten) at or above `x` (> 0).
pub(super) fn nice_125_above(x: f64) -> f64 {
    let p = 10f64.powf(x.log10().floor());
    let m = x / p;
    let n = if m <= 1.0 + 1e-9 {
        1.0
    } else if m <= 2.0 {
        2.0
    } else if m <= 5.0 {
        5.0
    } else {
        10.0
    };
    n * p
}

/// Labelled and grid-only ticks of a log axis from `lo` to `hi`.
pub(super) fn log_ticks(lo: f64, hi: f64) -> (Vec<f64>, Vec<f64>) {
    let decades = (hi / lo).log10();
    let labelled: &[f64] = if decades <= 1.2 {
        &[1.0, 2.0, 3.0, 5.0]
    } else if decades <= 3.0 {
        // Beyond 3 decades, "100,000" and "200,000" would touch on a chart's width.
        &[1.0, 2.0, 5.0]
    } else if decades <= 4.5 {
        &[1.0, 3.0]
    } else {
        &[1.0]
    };
    let step = if decades > 9.0 {
        (decades / 9.0).ceil() as i32
    } else {
        1
    };
    let mut bold = Vec::new();
    let mut light = Vec::new();
    let first = lo.log10().floor() as i32;
    let last = hi.log10().ceil() as i32;
    for e in first..=last {
        let p = 10f64.powi(e);
        for m in 1..10 {
            let v = f64::from(m) * p;
            if v < lo * (1.0 - 1e-9) || v > hi * (1.0 + 1e-9) {
                continue;
            }
            if labelled.contains(&f64::from(m)) && (e - first) % step == 0 {
                bold.push(v);
            } else if decades <= 6.0 || m == 1 {
                light.push(v);
            }
        }
    }
    (bold, light)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_labels_thin_out_as_the_decades_grow_so_that_they_never_touch() {
        let labels = |lo, hi| log_ticks(lo, hi).0;
        assert_eq!(
            labels(10.0, 1000.0),
            [10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0]
        );
        // 4.3 decades: 1 and 3 of each, half a decade apart at least.
        assert_eq!(
            labels(10.0, 200_000.0),
            [10.0, 30.0, 100.0, 300.0, 1e3, 3e3, 1e4, 3e4, 1e5]
        );
        // Beyond 4.5: the powers of ten alone.
        assert_eq!(labels(1.0, 1e6), [1.0, 10.0, 100.0, 1e3, 1e4, 1e5, 1e6]);
        for (lo, hi) in [(1.0, 7.0), (3.0, 5e3), (10.0, 2e5), (0.1, 1e7)] {
            let l = labels(lo, hi);
            let nearest = l
                .windows(2)
                .map(|w| (w[1] / w[0]).log10())
                .fold(9.0, f64::min);
            let decades = (hi / lo).log10();
            // Labels at least a tenth of the axis apart: "200,000" is about a tenth of it.
            assert!(
                nearest >= decades / 10.0 || decades <= 1.2,
                "{lo}..{hi}: {l:?}"
            );
        }
    }
}
