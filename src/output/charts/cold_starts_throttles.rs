//! The cold starts and throttles chart: both counts per interval over time, summed over the
//! functions.

use super::backend::Drawn;
use super::format::{fmt_span, fmt_tick, group_thousands};
use super::header::{header, note_in_plot};
use super::legend::{Entry, draw_legend};
use super::scale::{nice_upper, nonneg, y_label_area};
use super::style::{COLD, DESC_SIZE, GRID_BOLD, GRID_LIGHT, THROTTLE, TICK_SIZE, font};
use super::time_grid::TimeGrid;
use crate::metrics::RunReport;
use plotters::coord::Shift;
use plotters::prelude::{ChartBuilder, Color, DrawingArea, DrawingBackend, LineSeries};

pub(super) fn draw_cold_starts_throttles<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    report: &RunReport,
) -> Drawn {
    let grid = TimeGrid::new(report);
    let bins = grid.group(&grid.sum_over_functions(report));
    let cold: Vec<f64> = bins.iter().map(|b| nonneg(b.cold_starts as f64)).collect();
    let throttles: Vec<f64> = bins.iter().map(|b| nonneg(b.throttles as f64)).collect();

    let n = report.functions.len();
    let note = if n > 1 {
        format!("sum over {n} functions")
    } else {
        String::new()
    };
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

    let max = cold.iter().chain(&throttles).copied().fold(0.0, f64::max);
    let y_max = nice_upper(max, 5.0);
    let mut chart = ChartBuilder::on(&body)
        .margin_right(20)
        .margin_top(12)
        .x_label_area_size(80)
        .y_label_area_size(y_label_area(&body, y_max, 6)?)
        .build_cartesian_2d(0.0..grid.x_end(), 0.0..y_max)?;
    chart
        .configure_mesh()
        .x_desc(grid.axis_label())
        .y_desc(format!("count per {} interval", fmt_span(grid.bin_s)))
        .label_style(font(TICK_SIZE))
        .axis_desc_style(font(DESC_SIZE))
        .bold_line_style(GRID_BOLD)
        .light_line_style(GRID_LIGHT)
        .max_light_lines(1)
        .x_labels(12)
        .y_labels(6)
        .x_label_formatter(&|v| fmt_tick(*v))
        .y_label_formatter(&|v| fmt_tick(*v))
        .draw()?;
    chart.draw_series(LineSeries::new(grid.steps(&cold), COLD.stroke_width(3)))?;
    chart.draw_series(LineSeries::new(
        grid.steps(&throttles),
        THROTTLE.stroke_width(3),
    ))?;
    if grid.len == 0 {
        note_in_plot(chart.plotting_area(), "no time series")?;
    }
    Ok(())
}
