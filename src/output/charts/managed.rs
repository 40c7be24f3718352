//! The Managed Instances chart (runs with a function on Lambda Managed Instances): EC2
//! instances and execution environments over time, and the CPU utilisation of the
//! environments' vCPUs, summed over the managed functions.

use super::backend::Drawn;
use super::format::fmt_tick;
use super::header::{header, note_in_plot};
use super::legend::{Entry, draw_legend};
use super::scale::{nice_upper, nonneg, y_label_area};
use super::style::{
    CPU_UTILIZATION, DESC_SIZE, GRID_BOLD, GRID_LIGHT, MANAGED_ENVIRONMENTS, MANAGED_INSTANCES,
    TICK_SIZE, font,
};
use super::time_grid::TimeGrid;
use crate::metrics::RunReport;
use plotters::coord::Shift;
use plotters::prelude::{ChartBuilder, Color, DrawingArea, DrawingBackend, LineSeries};

/// Whether the run has a managed function.
pub(super) fn has_managed(report: &RunReport) -> bool {
    report
        .series
        .iter()
        .any(|bins| bins.first().is_some_and(|b| b.managed.is_some()))
}

/// Per interval of the grid: instances, environments and CPU utilisation (0–1, NaN
/// without environments), over the managed functions.
fn managed_series(grid: &TimeGrid, report: &RunReport) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let mut instances = vec![0.0; grid.len];
    let mut envs = vec![0.0; grid.len];
    let mut busy = vec![0.0; grid.len];
    for bins in &report.series {
        if bins.first().is_none_or(|b| b.managed.is_none()) {
            continue;
        }
        for (k, b) in grid.group(bins).iter().enumerate().take(grid.len) {
            let m = b.managed.unwrap_or_default();
            instances[k] += nonneg(m.instances);
            envs[k] += nonneg(m.environments);
            busy[k] += nonneg(m.cpu_utilization * m.environments);
        }
    }
    let util = busy.iter().zip(&envs).map(|(b, e)| b / e).collect();
    (instances, envs, util)
}

pub(super) fn draw_managed<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    report: &RunReport,
) -> Drawn {
    let grid = TimeGrid::new(report);
    let (instances, envs, util) = managed_series(&grid, report);
    let managed = report
        .series
        .iter()
        .filter(|bins| bins.first().is_some_and(|b| b.managed.is_some()))
        .count();
    let note = if managed > 1 {
        format!("sum over {managed} managed functions")
    } else {
        String::new()
    };
    let body = header(root, "Managed Instances: capacity and CPU", report, &note)?;
    let (top, bottom) = body.split_vertically(body.dim_in_pixel().1 / 2);

    let legend = [
        Entry::line(MANAGED_INSTANCES, "EC2 instances"),
        Entry::line(MANAGED_ENVIRONMENTS, "execution environments"),
    ];
    let top = draw_legend(&top, &legend)?;
    let max = instances.iter().chain(&envs).copied().fold(0.0, f64::max);
    let y_max = nice_upper(max.max(1.0), 5.0);
    let mut chart = ChartBuilder::on(&top)
        .margin_right(20)
        .margin_top(12)
        .x_label_area_size(60)
        .y_label_area_size(y_label_area(&top, y_max, 6)?)
        .build_cartesian_2d(0.0..grid.x_end(), 0.0..y_max)?;
    chart
        .configure_mesh()
        .y_desc("count (time-average)")
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
    chart.draw_series(LineSeries::new(
        grid.steps(&instances),
        MANAGED_INSTANCES.stroke_width(3),
    ))?;
    chart.draw_series(LineSeries::new(
        grid.steps(&envs),
        MANAGED_ENVIRONMENTS.stroke_width(3),
    ))?;
    if grid.len == 0 {
        note_in_plot(chart.plotting_area(), "no time series")?;
    }

    let legend = [Entry::line(
        CPU_UTILIZATION,
        "CPU utilisation of the environments' vCPUs",
    )];
    let bottom = draw_legend(&bottom, &legend)?;
    let pct: Vec<f64> = util
        .iter()
        .map(|u| if u.is_finite() { 100.0 * u } else { 0.0 })
        .collect();
    let mut chart = ChartBuilder::on(&bottom)
        .margin_right(20)
        .margin_top(12)
        .x_label_area_size(80)
        .y_label_area_size(y_label_area(&bottom, 100.0, 6)?)
        .build_cartesian_2d(0.0..grid.x_end(), 0.0..100.0)?;
    chart
        .configure_mesh()
        .x_desc(grid.axis_label())
        .y_desc("CPU utilisation (%)")
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
    chart.draw_series(LineSeries::new(
        grid.steps(&pct),
        CPU_UTILIZATION.stroke_width(3),
    ))?;
    Ok(())
}
