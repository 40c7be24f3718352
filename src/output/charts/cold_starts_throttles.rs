//! The cold starts and throttles chart: both counts per interval over time, summed over the
//! functions.

use super::backend::Drawn;
use super::format::{fmt_span, fmt_tick, group_thousands};
use super::header::{header, note_in_plot};
use super::legend::{Entry, draw_legend};
use super::scale::{nice_upper, nonneg, y_label_area};
use super::style::{COLD, DESC_SIZE, GRID_BOLD, GRID_LIGHT, SEP, THROTTLE, TICK_SIZE, font};
use super::time_grid::TimeGrid;
use crate::metrics::RunReport;
use plotters::coord::Shift;
use plotters::prelude::{ChartBuilder, Color, DrawingArea, DrawingBackend, LineSeries, Rectangle};

pub(super) fn draw_cold_starts_throttles<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    report: &RunReport,
) -> Drawn {
    let grid = TimeGrid::new(report);
    let bins = grid.group(&grid.sum_over_functions(report));
    let cold: Vec<f64> = bins.iter().map(|b| nonneg(b.cold_starts as f64)).collect();
    let throttles: Vec<f64> = bins.iter().map(|b| nonneg(b.throttles as f64)).collect();

    let n = report.functions.len();
    // The interval goes in the header: a panel is too short for it on its axis.
    let mut note = format!("counts per {} interval", fmt_span(grid.bin_s));
    if n > 1 {
        note.push_str(&format!("{SEP}sum over {n} functions"));
    }
    let body = header(root, "Cold starts and throttles", report, &note)?;
    let legend = [
        Entry::line(
            COLD,
            format!(
                "cold starts ({} in total)",
                group_thousands(report.total.cold_starts)
            ),
        ),
        Entry::line(
            THROTTLE,
            format!(
                "throttles ({} in total)",
                group_thousands(report.total.throttles)
            ),
        ),
    ];
    let body = draw_legend(&body, &legend)?;

    // Two panels, each on its own scale: a few cold starts stay visible beside thousands
    // of throttles, and a single one is a whole step, not a sliver of a pixel.
    let (_, h) = body.dim_in_pixel();
    let (top, bottom) = body.split_vertically(h as i32 / 2);
    // One label width for both, so that their time axes line up.
    let tops = [&cold, &throttles].map(|c| y_top(c));
    let y_area = y_label_area(&body, tops[0], 11)?.max(y_label_area(&body, tops[1], 11)?);
    let panels = [
        (&top, &cold, COLD, "cold starts", false),
        (&bottom, &throttles, THROTTLE, "throttles", true),
    ];
    for (area, counts, color, what, time_axis) in panels {
        panel(area, &grid, counts, color, what, y_area, time_axis)?;
    }
    Ok(())
}

/// The top of a panel's axis: counts are whole, so a whole number, 5 at least.
fn y_top(counts: &[f64]) -> f64 {
    nice_upper(counts.iter().copied().fold(0.0, f64::max), 5.0).ceil()
}

/// One panel: a count per interval over time, from zero to its own maximum, with
/// whole-number ticks; each interval with a count is a column at least 2 pixels wide,
/// so that a single event shows as a whole step, not a faint sliver.
fn panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    grid: &TimeGrid,
    counts: &[f64],
    color: plotters::style::RGBColor,
    y_desc: &str,
    y_area: u32,
    time_axis: bool,
) -> Drawn {
    let max = counts.iter().copied().fold(0.0, f64::max);
    let y_max = y_top(counts);
    let labels = if y_max <= 10.0 { y_max as usize + 1 } else { 6 };
    let mut chart = ChartBuilder::on(area)
        .margin_right(20)
        .margin_top(12)
        .x_label_area_size(if time_axis { 80 } else { 36 })
        .y_label_area_size(y_area)
        .build_cartesian_2d(0.0..grid.x_end(), 0.0..y_max)?;
    let mut mesh = chart.configure_mesh();
    mesh.y_desc(y_desc)
        .label_style(font(TICK_SIZE))
        .axis_desc_style(font(DESC_SIZE))
        .bold_line_style(GRID_BOLD)
        .light_line_style(GRID_LIGHT)
        .max_light_lines(1)
        .x_labels(12)
        .y_labels(labels)
        .x_label_formatter(&|v| fmt_tick(*v))
        .y_label_formatter(&|v| {
            if v.fract() == 0.0 {
                fmt_tick(*v)
            } else {
                String::new()
            }
        });
    if time_axis {
        mesh.x_desc(grid.axis_label());
    }
    mesh.draw()?;
    let (px, _) = chart.plotting_area().get_pixel_range();
    let min_w = 2.0 * grid.x_end() / f64::from((px.end - px.start).max(1));
    let steps = grid.steps(counts);
    chart.draw_series(steps.chunks(2).filter(|s| s[0].1 > 0.0).map(|s| {
        let (t0, v) = s[0];
        let t1 = s[1].0.max(t0 + min_w);
        Rectangle::new([(t0, 0.0), (t1, v)], color.filled())
    }))?;
    // The baseline, so that an interval without any reads as zero, not as missing.
    chart.draw_series(LineSeries::new(
        [(0.0, 0.0), (grid.x_end(), 0.0)],
        color.stroke_width(2),
    ))?;
    if grid.len == 0 {
        note_in_plot(chart.plotting_area(), "no time series")?;
    } else if max == 0.0 {
        note_in_plot(chart.plotting_area(), "none")?;
    }
    Ok(())
}
