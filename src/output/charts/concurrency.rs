//! The concurrency chart: instances busy, initializing and idle over time, the peak
//! concurrency and the limits, a panel per function (or one for many functions), a zoom
//! on the everyday load under a burst, and a finite cluster's memory.

use super::backend::Drawn;
use super::format::{fmt_span, fmt_tick, group_thousands, truncate};
use super::header::{header, note_in_plot};
use super::legend::{Entry, draw_legend};
use super::scale::{nice_upper, nonneg, y_label_area};
use super::style::{
    BUSY, DESC_SIZE, GRID_BOLD, GRID_LIGHT, IDLE, INITIALIZING, LIMIT, PANEL_TITLE_SIZE, PEAK,
    PROVISIONED_COST, SEP, TICK_SIZE, font,
};
use super::time_grid::TimeGrid;
use crate::metrics::{BinReport, ClusterReport, RunReport};
use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::{
    AreaSeries, ChartBuilder, Color, DashedLineSeries, DrawingArea, DrawingBackend, LineSeries,
    RGBColor, Text,
};
use plotters::prelude::{Cartesian2d, ChartContext};
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Functions drawn in a panel each; more are summed into one panel.
const MAX_PANELS: usize = 6;

pub(super) fn concurrency_panel_count(report: &RunReport) -> usize {
    let n = report.functions.len();
    let functions = if (1..=MAX_PANELS).contains(&n) { n } else { 1 };
    functions + usize::from(report.cluster.is_some())
}

/// The memory all functions' environments held on a finite cluster's hosts, GB, per
/// (grouped) bin.
fn host_memory_gb(report: &RunReport, grid: &TimeGrid) -> Vec<f64> {
    let mut sum = vec![0.0; grid.len];
    for series in &report.series {
        for (acc, b) in sum.iter_mut().zip(series) {
            *acc += nonneg(b.host_memory_mb.unwrap_or(0.0)) / 1024.0;
        }
    }
    let bins: Vec<BinReport> = sum
        .iter()
        .map(|&gb| BinReport {
            host_memory_mb: Some(gb),
            ..BinReport::default()
        })
        .collect();
    grid.group(&bins)
        .iter()
        .map(|b| b.host_memory_mb.unwrap_or(0.0))
        .collect()
}

/// The grid and labelled axes of a panel over time: 12 time ticks, 6 value ticks.
fn time_mesh<DB: DrawingBackend>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
    x_desc: &str,
    y_desc: &str,
) -> Drawn {
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc(y_desc)
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
    Ok(())
}

/// The cluster panel: the memory the environments hold against the cluster's, which is
/// what binds a finite cluster long before the concurrency limit.
fn draw_cluster_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    report: &RunReport,
    cluster: &ClusterReport,
    grid: &TimeGrid,
    y_area: u32,
) -> Drawn {
    let held = host_memory_gb(report, grid);
    let capacity = f64::from(cluster.hosts) * f64::from(cluster.host_memory_mb) / 1024.0;
    let busiest = if cluster.host_memory_mb > 0 {
        100.0 * f64::from(cluster.peak_host_used_mb) / f64::from(cluster.host_memory_mb)
    } else {
        0.0
    };
    let caption = format!(
        "Cluster memory{SEP}held, of {} hosts × {} GB (dashed){SEP}busiest host {busiest:.0} % full{SEP}{} evictions{SEP}{} placements refused",
        group_thousands(u64::from(cluster.hosts)),
        fmt_tick(f64::from(cluster.host_memory_mb) / 1024.0),
        group_thousands(cluster.evictions),
        group_thousands(cluster.placement_failures),
    );
    let (top, rest) = area.split_vertically(PANEL_TITLE_SIZE as i32 + 14);
    top.draw(&Text::new(
        truncate(&caption, 150),
        (y_area as i32, PANEL_TITLE_SIZE as i32 / 2 + 4),
        font(PANEL_TITLE_SIZE).pos(Pos::new(HPos::Left, VPos::Center)),
    ))?;
    let y_max = nice_upper(capacity.max(held.iter().copied().fold(0.0, f64::max)), 1.0);
    let mut chart = ChartBuilder::on(&rest)
        .margin_right(20)
        .margin_top(8)
        .x_label_area_size(80)
        .y_label_area_size(y_area)
        .build_cartesian_2d(0.0..grid.x_end(), 0.0..y_max)?;
    time_mesh(&mut chart, &grid.axis_label(), "memory (GB)")?;
    chart.draw_series(
        AreaSeries::new(grid.steps(&held), 0.0, BUSY.mix(0.35).filled())
            .border_style(BUSY.stroke_width(2)),
    )?;
    chart.draw_series(DashedLineSeries::new(
        [(0.0, capacity), (grid.x_end(), capacity)],
        14,
        9,
        LIMIT.stroke_width(3),
    ))?;
    Ok(())
}

/// A lone panel gets a zoom on its everyday load when its axis is this many times the
/// zoom's.
const ZOOM_RATIO: f64 = 8.0;

/// One panel of the concurrency chart.
struct ConcurrencyPanel {
    /// Panel caption (empty for a lone panel).
    caption: String,
    /// Per (grouped) bin: busy, initializing, idle, peak.
    busy: Vec<f64>,
    init: Vec<f64>,
    idle: Vec<f64>,
    peak: Vec<f64>,
    /// Provisioned environments allocated.
    provisioned: Vec<f64>,
    /// The concurrency limit and what to call it.
    limit: u32,
    limit_name: &'static str,
    /// A zoom on the everyday load under a burst: its caption alone, no limit.
    zoom: bool,
}

impl ConcurrencyPanel {
    fn from_bins(
        caption: String,
        bins: &[BinReport],
        limit: u32,
        limit_name: &'static str,
    ) -> Self {
        ConcurrencyPanel {
            caption,
            busy: bins.iter().map(|b| nonneg(b.instances_busy)).collect(),
            init: bins
                .iter()
                .map(|b| nonneg(b.instances_initializing))
                .collect(),
            idle: bins.iter().map(|b| nonneg(b.instances_idle)).collect(),
            peak: bins.iter().map(|b| f64::from(b.concurrency_max)).collect(),
            provisioned: bins.iter().map(|b| nonneg(b.provisioned)).collect(),
            limit,
            limit_name,
            zoom: false,
        }
    }

    /// A second panel zoomed on the everyday load, when a burst makes it invisible on
    /// the first: the busy and initializing environments and the peak concurrency up to
    /// twice the 90th percentile of the intervals' load (or peak), higher intervals cut
    /// off there.
    fn everyday(&self) -> Option<ConcurrencyPanel> {
        let mut load: Vec<f64> = (0..self.busy.len())
            .map(|i| (self.busy[i] + self.init[i]).max(self.peak[i]))
            .collect();
        if load.is_empty() {
            return None;
        }
        load.sort_by(f64::total_cmp);
        let q90 = load[(load.len() * 9 / 10).min(load.len() - 1)];
        let top = nice_upper(2.0 * q90, 5.0).ceil();
        if self.y_max() < ZOOM_RATIO * top {
            return None;
        }
        let clip = |v: &Vec<f64>| v.iter().map(|x| x.min(top)).collect::<Vec<_>>();
        let busy = clip(&self.busy);
        let init = (0..busy.len())
            .map(|i| self.init[i].min(top - busy[i]))
            .collect();
        Some(ConcurrencyPanel {
            caption: format!(
                "Everyday load, zoomed to 0–{}: busy and initializing environments and peak concurrency; intervals above are cut off",
                group_thousands(top as u64)
            ),
            busy,
            init,
            idle: vec![0.0; self.idle.len()],
            peak: clip(&self.peak),
            provisioned: clip(&self.provisioned),
            limit: 0,
            limit_name: "",
            zoom: true,
        })
    }

    /// The highest value plotted (ignoring the limit).
    fn data_max(&self) -> f64 {
        let stacked = (0..self.busy.len()).map(|i| self.busy[i] + self.init[i] + self.idle[i]);
        stacked
            .chain(self.peak.iter().copied())
            .chain(self.provisioned.iter().copied())
            .fold(0.0, f64::max)
    }

    /// Whether the panel has provisioned concurrency to draw.
    fn has_provisioned(&self) -> bool {
        self.provisioned.iter().any(|v| *v > 0.0)
    }

    /// Whether the limit line fits without flattening the data.
    fn limit_on_scale(&self) -> bool {
        let max = self.data_max();
        self.limit > 0 && max > 0.0 && f64::from(self.limit) <= 3.0 * max
    }

    /// The top of the y axis.
    fn y_max(&self) -> f64 {
        let mut max = self.data_max();
        if self.limit_on_scale() {
            max = max.max(f64::from(self.limit));
        }
        nice_upper(max, 1.0)
    }

    fn limit_label(&self) -> String {
        let off = if self.limit_on_scale() {
            ""
        } else {
            " (off scale)"
        };
        format!(
            "{} {}{off}",
            self.limit_name,
            group_thousands(u64::from(self.limit))
        )
    }
}

pub(super) fn draw_concurrency<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    report: &RunReport,
) -> Drawn {
    let grid = TimeGrid::new(report);
    let n = report.functions.len();
    let per_function = (1..=MAX_PANELS).contains(&n);
    let panels: Vec<ConcurrencyPanel> = if per_function {
        report
            .functions
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let bins = grid.group(report.series.get(i).map(Vec::as_slice).unwrap_or(&[]));
                ConcurrencyPanel::from_bins(f.function.clone(), &bins, f.limit, "limit")
            })
            .collect()
    } else {
        let bins = grid.group(&grid.sum_over_functions(report));
        let caption = String::new();
        vec![ConcurrencyPanel::from_bins(
            caption,
            &bins,
            report.concurrency_limit,
            "account limit",
        )]
    };

    let mut notes = vec![format!(
        "time-averaged per {} interval",
        fmt_span(grid.bin_s)
    )];
    if !per_function {
        notes.push(format!("sum over {} functions", n));
    }
    let body = header(root, "Instances over time", report, &notes.join(SEP))?;

    let any_limit_drawn = panels.iter().any(ConcurrencyPanel::limit_on_scale);
    let mut legend = vec![
        Entry::area(BUSY, "busy"),
        Entry::area(INITIALIZING, "initializing"),
        Entry::area(IDLE, "idle"),
        Entry::line(
            PEAK,
            if per_function {
                "peak concurrency"
            } else {
                "sum of per-function peaks"
            },
        ),
    ];
    if panels.iter().any(ConcurrencyPanel::has_provisioned) {
        legend.push(Entry::line(PROVISIONED_COST, "provisioned (allocated)"));
    }
    if panels.len() == 1 {
        // The lone panel's limit goes in the legend, dashed when drawn.
        let p = &panels[0];
        legend.push(if p.limit_on_scale() {
            Entry::dashed(LIMIT, p.limit_label())
        } else {
            Entry::text(p.limit_label())
        });
    } else if any_limit_drawn {
        legend.push(Entry::dashed(
            LIMIT,
            "concurrency limit (value in panel titles)",
        ));
    }
    let body = draw_legend(&body, &legend)?;

    // One y label width for all panels, so their plots line up.
    let mut y_area = 0;
    for p in &panels {
        y_area = y_area.max(y_label_area(&body, p.y_max(), 6)?);
    }
    if let [lone] = panels.as_slice()
        && report.cluster.is_none()
        && let Some(zoom) = lone.everyday()
    {
        y_area = y_area.max(y_label_area(&body, zoom.y_max(), 6)?);
        let (_, h) = body.dim_in_pixel();
        let (top, bottom) = body.split_vertically(h as i32 * 62 / 100);
        draw_concurrency_panel(&top, lone, &grid, y_area, false, false)?;
        return draw_concurrency_panel(&bottom, &zoom, &grid, y_area, true, true);
    }
    let cluster = report.cluster.as_ref();
    let areas = body.split_evenly((panels.len() + usize::from(cluster.is_some()), 1));
    for (i, (panel, area)) in panels.iter().zip(&areas).enumerate() {
        let last = i + 1 == panels.len() && cluster.is_none();
        let captioned = panels.len() > 1 || cluster.is_some();
        draw_concurrency_panel(area, panel, &grid, y_area, last, captioned)?;
    }
    if let (Some(c), Some(area)) = (cluster, areas.last()) {
        draw_cluster_panel(area, report, c, &grid, y_area)?;
    }
    Ok(())
}

fn draw_concurrency_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    panel: &ConcurrencyPanel,
    grid: &TimeGrid,
    y_area: u32,
    with_x_desc: bool,
    with_caption: bool,
) -> Drawn {
    let limit_drawn = panel.limit_on_scale();
    let y_max = panel.y_max();

    let area = if with_caption {
        // The caption starts where the plot does.
        let caption = if panel.zoom {
            panel.caption.clone()
        } else {
            format!("{}{SEP}{}", panel.caption, panel.limit_label())
        };
        let (top, rest) = area.split_vertically(PANEL_TITLE_SIZE as i32 + 14);
        top.draw(&Text::new(
            truncate(&caption, 130),
            (y_area as i32, PANEL_TITLE_SIZE as i32 / 2 + 4),
            font(PANEL_TITLE_SIZE).pos(Pos::new(HPos::Left, VPos::Center)),
        ))?;
        rest
    } else {
        area.clone()
    };

    let mut chart = ChartBuilder::on(&area)
        .margin_right(20)
        .margin_top(8)
        .x_label_area_size(if with_x_desc { 80 } else { 44 })
        .y_label_area_size(y_area)
        .build_cartesian_2d(0.0..grid.x_end(), 0.0..y_max)?;
    let x_desc = if with_x_desc {
        grid.axis_label()
    } else {
        String::new()
    };
    time_mesh(&mut chart, &x_desc, "instances")?;

    // Stacked areas, painted top layer first so each lower layer covers the one above.
    let stacks: [(Vec<f64>, RGBColor); 3] = [
        (
            (0..panel.busy.len())
                .map(|i| panel.busy[i] + panel.init[i] + panel.idle[i])
                .collect(),
            IDLE,
        ),
        (
            (0..panel.busy.len())
                .map(|i| panel.busy[i] + panel.init[i])
                .collect(),
            INITIALIZING,
        ),
        (panel.busy.clone(), BUSY),
    ];
    for (values, color) in &stacks {
        if values.iter().any(|v| *v > 0.0) {
            chart.draw_series(AreaSeries::new(grid.steps(values), 0.0, color.filled()))?;
        }
    }
    chart.draw_series(LineSeries::new(
        grid.steps(&panel.peak),
        PEAK.stroke_width(2),
    ))?;
    if panel.has_provisioned() {
        chart.draw_series(LineSeries::new(
            grid.steps(&panel.provisioned),
            PROVISIONED_COST.stroke_width(3),
        ))?;
    }
    if grid.len == 0 {
        note_in_plot(chart.plotting_area(), "no time series")?;
    }
    if limit_drawn {
        let y = f64::from(panel.limit);
        chart.draw_series(DashedLineSeries::new(
            vec![(0.0, y), (grid.x_end(), y)],
            14,
            10,
            LIMIT.stroke_width(3),
        ))?;
    }
    Ok(())
}
