//! The latency chart: the CDF of end-to-end latency of each function and of all of them, on
//! a log axis.

use super::backend::Drawn;
use super::format::{fmt_ms, fmt_tick, group_thousands, truncate};
use super::header::{header, note_in_plot};
use super::legend::{Entry, draw_legend};
use super::scale::{MAX_PLOTTED, log_ticks, nice_125_above, nice_125_below, y_label_area};
use super::style::{
    ALL_FUNCTIONS, DESC_SIZE, GRID_BOLD, GRID_LIGHT, MANY_FUNCTIONS, MAX_LABELLED_CURVES, PALETTE,
    TICK_SIZE, font,
};
use crate::metrics::{FunctionReport, RunReport};
use hdrhistogram::Histogram;
use plotters::coord::Shift;
use plotters::prelude::{
    BindKeyPoints, ChartBuilder, Color, DrawingArea, DrawingBackend, IntoLogRange, LineSeries,
    RGBColor,
};

/// One CDF line.
struct Curve {
    color: RGBColor,
    width: u32,
    /// (latency ms, cumulative fraction), a step function.
    points: Vec<(f64, f64)>,
}

pub(super) fn draw_latency_cdf<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    report: &RunReport,
) -> Drawn {
    let many = report.functions.len() > MAX_LABELLED_CURVES;
    let mut curves = Vec::new();
    let mut legend = Vec::new();
    for (i, f) in report.functions.iter().enumerate() {
        let points = f
            .latency
            .histogram
            .as_ref()
            .map(cdf_points)
            .unwrap_or_default();
        if points.is_empty() {
            continue;
        }
        let (color, width) = if many {
            (MANY_FUNCTIONS, 1)
        } else {
            (PALETTE[i % PALETTE.len()], 3)
        };
        let label = format!("{}: {}", truncate(&f.function, 40), percentiles(f));
        if !many {
            legend.push(Entry::line(color, label));
        }
        curves.push(Curve {
            color,
            width,
            points,
        });
    }
    let drawn_functions = curves.len();
    if many && drawn_functions > 0 {
        legend.push(Entry::line(
            MANY_FUNCTIONS,
            format!("each function ({drawn_functions})"),
        ));
    }
    if report.functions.len() != 1 {
        let points = report
            .total
            .latency
            .histogram
            .as_ref()
            .map(cdf_points)
            .unwrap_or_default();
        if !points.is_empty() {
            let label = format!("all functions: {}", percentiles(&report.total));
            legend.push(Entry::line(ALL_FUNCTIONS, label));
            curves.push(Curve {
                color: ALL_FUNCTIONS,
                width: 4,
                points,
            });
        }
    }

    let succeeded = report.total.latency.count;
    let note = format!("{} successful requests", group_thousands(succeeded));
    let body = header(root, "Latency distribution (end to end)", report, &note)?;
    let body = draw_legend(&body, &legend)?;

    let (lo, hi) = log_bounds(&curves);
    let (bold, light) = log_ticks(lo, hi);
    let mut chart = ChartBuilder::on(&body)
        .margin_right(40)
        .margin_top(12)
        .x_label_area_size(80)
        .y_label_area_size(y_label_area(&body, 1.0, 11)?)
        .build_cartesian_2d(
            (lo..hi)
                .log_scale()
                .with_key_points(bold)
                .with_light_points(light),
            0.0..1.0,
        )?;
    chart
        .configure_mesh()
        .x_desc("latency (ms, log scale)")
        .y_desc("fraction of requests ≤ latency")
        .label_style(font(TICK_SIZE))
        .axis_desc_style(font(DESC_SIZE))
        .bold_line_style(GRID_BOLD)
        .light_line_style(GRID_LIGHT)
        .max_light_lines(1)
        .y_labels(11)
        .x_label_formatter(&|v| fmt_tick(*v))
        .y_label_formatter(&|v| fmt_tick(*v))
        .draw()?;

    if curves.is_empty() {
        return note_in_plot(chart.plotting_area(), "no successful requests");
    }
    for c in &curves {
        let pts = c.points.iter().map(|&(x, y)| (x.clamp(lo, hi), y));
        chart.draw_series(LineSeries::new(pts, c.color.stroke_width(c.width)))?;
    }
    Ok(())
}

/// "p50 12.3 ms · p99 456 ms".
fn percentiles(f: &FunctionReport) -> String {
    format!(
        "p50 {} · p99 {}",
        fmt_ms(f.latency.p50_ms),
        fmt_ms(f.latency.p99_ms)
    )
}

/// Points of the step CDF of a histogram of µs, in ms; steps closer than a fraction of a pixel
/// are merged.
fn cdf_points(h: &Histogram<u64>) -> Vec<(f64, f64)> {
    let total = h.len();
    if total == 0 {
        return Vec::new();
    }
    // 500 buckets per decade is finer than any plot resolution.
    let bucket = |ms: f64| (ms.max(1e-3).log10() * 500.0).round() as i64;
    let mut points: Vec<(f64, f64)> = Vec::new();
    let mut last_bucket = i64::MIN;
    let mut cum = 0u64;
    for v in h.iter_recorded() {
        let prev = cum as f64 / total as f64;
        cum = cum.saturating_add(v.count_since_last_iteration());
        let frac = (cum as f64 / total as f64).min(1.0);
        let ms = (v.value_iterated_to() as f64 / 1000.0).clamp(1e-3, MAX_PLOTTED);
        let b = bucket(ms);
        if b == last_bucket {
            if let Some(p) = points.last_mut() {
                p.1 = frac;
            }
        } else {
            points.push((ms, prev));
            points.push((ms, frac));
            last_bucket = b;
        }
    }
    points
}

/// The x range of the CDF: from a 1-2-5 value at or below the smallest latency to one above
/// the largest.
fn log_bounds(curves: &[Curve]) -> (f64, f64) {
    let xs = curves
        .iter()
        .flat_map(|c| c.points.iter().map(|p| p.0))
        .filter(|x| x.is_finite() && *x > 0.0);
    let (min, max) = xs.fold((f64::INFINITY, 0.0f64), |(a, b), x| (a.min(x), b.max(x)));
    if !min.is_finite() || max <= 0.0 {
        return (1.0, 1000.0);
    }
    let lo = nice_125_below(min);
    let mut hi = nice_125_above(max * 1.05);
    if hi <= lo * 1.5 {
        hi = nice_125_above(lo * 2.0);
    }
    (lo, hi)
}
