//! Charts of one run (concurrency, latency CDF, cold starts and throttles, cost, and for
//! runs with asynchronous or poll sources the queues, pollers and DLQ) and of the variants
//! of a sweep (cost against p99 latency, cost and latency by memory size), each rendered in
//! memory as SVG and PNG.
//!
//! Text uses the bundled DejaVu Sans through plotters' `ab_glyph` support, so no system font
//! library is needed. Every chart copes with any report: no functions, no bins, no requests,
//! NaN values or dozens of functions.

use crate::metrics::{BinReport, FunctionReport, RunReport};
use hdrhistogram::Histogram;
use plotters::coord::Shift;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{FontStyle, register_font};
use std::sync::OnceLock;

/// Why a chart could not be produced.
#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    /// The bundled font could not be registered.
    #[error("cannot load the chart font: {0}")]
    Font(String),
    /// plotters failed while drawing a chart.
    #[error("cannot draw chart `{chart}`: {message}")]
    Draw {
        /// The chart's file stem.
        chart: &'static str,
        /// What plotters reported.
        message: String,
    },
    /// The PNG encoder failed.
    #[error("cannot encode chart `{chart}` as PNG: {message}")]
    Png {
        /// The chart's file stem.
        chart: &'static str,
        /// What the encoder reported.
        message: String,
    },
}

/// Renders every chart of one run; returns (file name, bytes) pairs, SVG and PNG for each chart.
///
/// The files are `concurrency`, `latency_cdf`, `cold_starts_throttles`, `cost` and, when
/// `report.asynchronous || report.poll`, `queue`, each as `.svg` and `.png` (in that order).
pub fn render(report: &RunReport) -> Result<Vec<(String, Vec<u8>)>, ChartError> {
    ensure_font()?;
    let figures: Vec<RunChart> = Chart::of(report)
        .into_iter()
        .map(|chart| RunChart { chart, report })
        .collect();
    render_all(&figures)
}

/// Renders the charts comparing the variants of a sweep, from every (variant, replication)
/// run of one scenario file; returns (file name, bytes) pairs, SVG and PNG for each chart.
///
/// Nothing is drawn for a single variant. With several: `variants` (cost against p99
/// latency, one point per variant, the Pareto-optimal ones marked) and, when the variants
/// differ in the memory size of a function, `memory` (cost and mean latency against that
/// memory size, a line per setting of the other swept keys). Each point is the mean over the
/// variant's replications, with 95 % confidence intervals when there are several.
pub fn render_variants(runs: &[RunReport]) -> Result<Vec<(String, Vec<u8>)>, ChartError> {
    let sweep = Sweep::of(runs);
    if sweep.variants.len() < 2 {
        return Ok(Vec::new());
    }
    ensure_font()?;
    let mut figures = vec![SweepFigure {
        chart: SweepChart::Variants,
        sweep: &sweep,
    }];
    if sweep.memory.is_some() {
        figures.push(SweepFigure {
            chart: SweepChart::Memory,
            sweep: &sweep,
        });
    }
    if sweep.policies {
        figures.push(SweepFigure {
            chart: SweepChart::Policies,
            sweep: &sweep,
        });
    }
    render_all(&figures)
}

/// One chart and its data, ready to draw on any backend.
trait Figure {
    /// The file stem.
    fn name(&self) -> &'static str;
    /// Width and height, px.
    fn size(&self) -> (u32, u32);
    /// Draws the whole chart on `root`.
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn;
}

/// Each figure as SVG, then PNG.
fn render_all<F: Figure>(figures: &[F]) -> Result<Vec<(String, Vec<u8>)>, ChartError> {
    let mut out = Vec::with_capacity(2 * figures.len());
    for figure in figures {
        out.push((format!("{}.svg", figure.name()), render_svg(figure)?));
        out.push((format!("{}.png", figure.name()), render_png(figure)?));
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Backends, fonts and errors

/// The font family every text uses (registered from the bundled font).
const FAMILY: &str = "sans-serif";
/// DejaVu Sans, bundled with the crate.
const FONT_BYTES: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

fn ensure_font() -> Result<(), ChartError> {
    static FONT: OnceLock<Result<(), String>> = OnceLock::new();
    FONT.get_or_init(|| {
        register_font(FAMILY, FontStyle::Normal, FONT_BYTES)
            .map_err(|_| "the bundled DejaVuSans.ttf is not a valid font".to_string())
    })
    .clone()
    .map_err(ChartError::Font)
}

/// A drawing failure, whatever the backend.
struct DrawFail(String);

impl<E: std::error::Error + Send + Sync> From<DrawingAreaErrorKind<E>> for DrawFail {
    fn from(e: DrawingAreaErrorKind<E>) -> Self {
        DrawFail(e.to_string())
    }
}

type Drawn<T = ()> = Result<T, DrawFail>;

fn render_svg<F: Figure>(figure: &F) -> Result<Vec<u8>, ChartError> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, figure.size()).into_drawing_area();
        figure
            .draw(&root)
            .and_then(|()| root.present().map_err(DrawFail::from))
            .map_err(|DrawFail(message)| ChartError::Draw {
                chart: figure.name(),
                message,
            })?;
    }
    Ok(svg.into_bytes())
}

fn render_png<F: Figure>(figure: &F) -> Result<Vec<u8>, ChartError> {
    let size = figure.size();
    let (w, h) = size;
    let mut rgb = vec![255u8; w as usize * h as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, size).into_drawing_area();
        figure
            .draw(&root)
            .and_then(|()| root.present().map_err(DrawFail::from))
            .map_err(|DrawFail(message)| ChartError::Draw {
                chart: figure.name(),
                message,
            })?;
    }
    encode_png(&rgb, w, h).map_err(|e| ChartError::Png {
        chart: figure.name(),
        message: e.to_string(),
    })
}

/// Encodes an RGB buffer as PNG, in memory.
fn encode_png(rgb: &[u8], w: u32, h: u32) -> Result<Vec<u8>, png::EncodingError> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, w, h);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Best);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(rgb)?;
    writer.finish()?;
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Look

/// Width of every chart, px.
const WIDTH: u32 = 1600;
const TITLE_SIZE: f64 = 40.0;
const SUBTITLE_SIZE: f64 = 24.0;
const PANEL_TITLE_SIZE: f64 = 28.0;
const DESC_SIZE: f64 = 28.0;
const TICK_SIZE: f64 = 24.0;
const LEGEND_SIZE: f64 = 24.0;
const NOTE_SIZE: f64 = 30.0;
/// Separates the parts of a subtitle.
const SEP: &str = "  ·  ";

const INK: RGBColor = RGBColor(33, 33, 33);
const MUTED: RGBColor = RGBColor(100, 100, 100);
const GRID_BOLD: RGBColor = RGBColor(215, 215, 215);
const GRID_LIGHT: RGBColor = RGBColor(238, 238, 238);

const BUSY: RGBColor = RGBColor(31, 119, 180);
const INITIALIZING: RGBColor = RGBColor(255, 152, 40);
const IDLE: RGBColor = RGBColor(190, 206, 222);
const PEAK: RGBColor = RGBColor(25, 25, 25);
const LIMIT: RGBColor = RGBColor(214, 39, 40);
const COLD: RGBColor = RGBColor(31, 119, 180);
const THROTTLE: RGBColor = RGBColor(214, 39, 40);
const REQUEST_COST: RGBColor = RGBColor(148, 103, 189);
const COMPUTE_COST: RGBColor = RGBColor(31, 119, 180);
const PROVISIONED_COST: RGBColor = RGBColor(44, 160, 44);
const ALL_FUNCTIONS: RGBColor = RGBColor(20, 20, 20);
const MANY_FUNCTIONS: RGBColor = RGBColor(170, 170, 170);

/// Tableau 10, for one line per function.
const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

fn font(size: f64) -> TextStyle<'static> {
    TextStyle::from((FAMILY, size).into_font()).color(&INK)
}

// ---------------------------------------------------------------------------------------------
// The charts

#[derive(Clone, Copy, Debug)]
enum Chart {
    Concurrency,
    LatencyCdf,
    ColdStartsThrottles,
    Cost,
    Queue,
}

impl Chart {
    /// The charts drawn for `report`, in file order.
    fn of(report: &RunReport) -> Vec<Chart> {
        let mut charts = vec![
            Chart::Concurrency,
            Chart::LatencyCdf,
            Chart::ColdStartsThrottles,
            Chart::Cost,
        ];
        if report.asynchronous || report.poll {
            charts.push(Chart::Queue);
        }
        charts
    }

    fn name(self) -> &'static str {
        match self {
            Chart::Concurrency => "concurrency",
            Chart::LatencyCdf => "latency_cdf",
            Chart::ColdStartsThrottles => "cold_starts_throttles",
            Chart::Cost => "cost",
            Chart::Queue => "queue",
        }
    }

    fn size(self, report: &RunReport) -> (u32, u32) {
        match self {
            Chart::Concurrency => {
                let panels = concurrency_panel_count(report);
                let h = if panels <= 1 {
                    900
                } else {
                    190 + 330 * panels as u32
                };
                (WIDTH, h)
            }
            Chart::LatencyCdf => {
                // Room for a legend row per three labelled lines.
                let lines = report.functions.len().min(MAX_LABELLED_CURVES) + 1;
                (WIDTH, 960 + 38 * (lines as u32).div_ceil(3))
            }
            Chart::ColdStartsThrottles => (WIDTH, 900),
            Chart::Cost => (WIDTH, cost_chart_height(report)),
            Chart::Queue => (WIDTH, queue_chart_height(report)),
        }
    }

    fn draw<DB: DrawingBackend>(self, root: &DrawingArea<DB, Shift>, report: &RunReport) -> Drawn {
        root.fill(&WHITE)?;
        let root = root.margin(16, 24, 16, 24);
        match self {
            Chart::Concurrency => draw_concurrency(&root, report),
            Chart::LatencyCdf => draw_latency_cdf(&root, report),
            Chart::ColdStartsThrottles => draw_cold_starts_throttles(&root, report),
            Chart::Cost => draw_cost(&root, report),
            Chart::Queue => draw_queue(&root, report),
        }
    }
}

/// A chart of one run.
struct RunChart<'a> {
    chart: Chart,
    report: &'a RunReport,
}

impl Figure for RunChart<'_> {
    fn name(&self) -> &'static str {
        self.chart.name()
    }
    fn size(&self) -> (u32, u32) {
        self.chart.size(self.report)
    }
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn {
        self.chart.draw(root, self.report)
    }
}

// ---------------------------------------------------------------------------------------------
// Concurrency

/// Functions drawn in a panel each; more are summed into one panel.
const MAX_PANELS: usize = 6;

fn concurrency_panel_count(report: &RunReport) -> usize {
    let n = report.functions.len();
    if (1..=MAX_PANELS).contains(&n) { n } else { 1 }
}

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
        }
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

fn draw_concurrency<DB: DrawingBackend>(
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
    let areas = body.split_evenly((panels.len(), 1));
    for (i, (panel, area)) in panels.iter().zip(&areas).enumerate() {
        let last = i + 1 == panels.len();
        draw_concurrency_panel(area, panel, &grid, y_area, last, panels.len() > 1)?;
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
        let caption = format!("{}{SEP}{}", panel.caption, panel.limit_label());
        let (top, rest) = area.split_vertically(PANEL_TITLE_SIZE as i32 + 14);
        top.draw(&Text::new(
            truncate(&caption, 100),
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
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc("instances")
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

// ---------------------------------------------------------------------------------------------
// Latency CDF

/// One CDF line.
struct Curve {
    color: RGBColor,
    width: u32,
    /// (latency ms, cumulative fraction), a step function.
    points: Vec<(f64, f64)>,
}

/// With more functions than this, per-function lines are grey and unlabelled.
const MAX_LABELLED_CURVES: usize = 10;

fn draw_latency_cdf<DB: DrawingBackend>(
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

/// Largest 1-2-5 number (times a power of ten) at or below `x` (> 0).
fn nice_125_below(x: f64) -> f64 {
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
fn nice_125_above(x: f64) -> f64 {
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
fn log_ticks(lo: f64, hi: f64) -> (Vec<f64>, Vec<f64>) {
    let decades = (hi / lo).log10();
    let labelled: &[f64] = if decades <= 1.2 {
        &[1.0, 2.0, 3.0, 5.0]
    } else if decades <= 4.5 {
        &[1.0, 2.0, 5.0]
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

// ---------------------------------------------------------------------------------------------
// Cold starts and throttles

fn draw_cold_starts_throttles<DB: DrawingBackend>(
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

// ---------------------------------------------------------------------------------------------
// Cost

/// One bar of the cost chart: label, request, compute, provisioned (USD).
struct CostRow {
    label: String,
    parts: [f64; 3],
}

impl CostRow {
    fn total(&self) -> f64 {
        self.parts.iter().sum()
    }
}

/// Most bars of functions in the cost chart; beyond, the cheapest are summed in one bar.
const MAX_COST_BARS: usize = 40;

/// The bars, top to bottom: each function (the most expensive ones and the sum of the others
/// when there are very many), then the total (when there are several functions).
fn cost_rows(report: &RunReport) -> Vec<CostRow> {
    let row = |label: String, f: &FunctionReport| CostRow {
        label,
        parts: [
            nonneg(f.costs.request),
            nonneg(f.costs.compute),
            nonneg(f.costs.provisioned),
        ],
    };
    let mut rows: Vec<CostRow> = report
        .functions
        .iter()
        .map(|f| row(truncate(&f.function, 32), f))
        .collect();
    if rows.len() > MAX_COST_BARS {
        // Keep the most expensive functions, in file order, and sum the others.
        let mut order: Vec<usize> = (0..rows.len()).collect();
        order.sort_by(|&a, &b| rows[b].total().total_cmp(&rows[a].total()));
        let mut keep = vec![false; rows.len()];
        for &i in &order[..MAX_COST_BARS - 1] {
            keep[i] = true;
        }
        let mut others = CostRow {
            label: format!("{} other functions", rows.len() - (MAX_COST_BARS - 1)),
            parts: [0.0; 3],
        };
        let mut kept = Vec::with_capacity(MAX_COST_BARS);
        for (row, keep) in rows.into_iter().zip(keep) {
            if keep {
                kept.push(row);
            } else {
                for (sum, part) in others.parts.iter_mut().zip(row.parts) {
                    *sum += part;
                }
            }
        }
        kept.push(others);
        rows = kept;
    }
    if report.functions.len() != 1 {
        rows.push(row("total".to_string(), &report.total));
    }
    rows
}

/// Whether the total bar would dwarf the functions' bars, so it gets its own scale.
fn cost_total_apart(rows: &[CostRow]) -> bool {
    match rows.split_last() {
        Some((total, functions)) if functions.len() > 1 => {
            let max = functions.iter().map(CostRow::total).fold(0.0, f64::max);
            max > 0.0 && total.total() > 2.5 * max
        }
        _ => false,
    }
}

/// Height of one bar's row, px.
const COST_ROW_PX: u32 = 52;
/// Extra height of the separate total panel (caption and its own axis), px.
const COST_TOTAL_PANEL_PX: i32 = 130;

fn cost_chart_height(report: &RunReport) -> u32 {
    let rows = cost_rows(report);
    let apart = if cost_total_apart(&rows) {
        COST_TOTAL_PANEL_PX as u32
    } else {
        0
    };
    (330 + COST_ROW_PX * rows.len() as u32 + apart).max(700)
}

fn draw_cost<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, report: &RunReport) -> Drawn {
    let rows = cost_rows(report);
    let total = &report.total.costs;
    let note = format!("total {}", fmt_usd(nonneg(total.total())));
    let body = header(root, "Cost breakdown", report, &note)?;
    let legend = [
        Entry::area(
            REQUEST_COST,
            format!("requests {}", fmt_usd(nonneg(total.request))),
        ),
        Entry::area(
            COMPUTE_COST,
            format!("compute {}", fmt_usd(nonneg(total.compute))),
        ),
        Entry::area(
            PROVISIONED_COST,
            format!(
                "provisioned concurrency {}",
                fmt_usd(nonneg(total.provisioned))
            ),
        ),
    ];
    let body = draw_legend(&body, &legend)?;

    let label_w = rows
        .iter()
        .map(|r| {
            body.estimate_text_size(&r.label, &font(TICK_SIZE))
                .map(|(w, _)| w)
        })
        .try_fold(0u32, |acc, w| w.map(|w| acc.max(w)))?;
    let label_area = label_w.clamp(60, 560) + 24;

    match rows.split_last() {
        Some((total_row, functions)) if cost_total_apart(&rows) => {
            let (_, h) = body.dim_in_pixel();
            let (top, bottom) =
                body.split_vertically(h as i32 - COST_ROW_PX as i32 - COST_TOTAL_PANEL_PX);
            draw_cost_bars(&top, functions, label_area, false, false)?;
            let caption_h = PANEL_TITLE_SIZE as i32 + 16;
            let (caption, bottom) = bottom.split_vertically(caption_h);
            caption.draw(&Text::new(
                "all functions, on its own scale",
                (label_area as i32, caption_h / 2 + 4),
                font(SUBTITLE_SIZE)
                    .color(&MUTED)
                    .pos(Pos::new(HPos::Left, VPos::Center)),
            ))?;
            draw_cost_bars(
                &bottom,
                std::slice::from_ref(total_row),
                label_area,
                true,
                false,
            )
        }
        _ => draw_cost_bars(&body, &rows, label_area, true, report.functions.len() > 1),
    }
}

/// Horizontal stacked bars (request, compute, provisioned), one row each from the top, with
/// their totals written at their ends; a rule above the last row when it is the total.
fn draw_cost_bars<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    rows: &[CostRow],
    label_area: u32,
    x_desc: bool,
    ends_with_total: bool,
) -> Drawn {
    // Each row is ROW units of an integer axis, bar i centred at y_of(i), so the row names
    // can be pinned to the bars.
    const ROW: i32 = 100;
    const HALF_BAR: i32 = 32;
    let n = rows.len() as i32;
    let y_of = |i: usize| (n - 1 - i as i32) * ROW + ROW / 2;
    let max = rows.iter().map(CostRow::total).fold(0.0, f64::max);
    // Leave room right of the longest bar for its label.
    let x_max = if max > 0.0 {
        (max * 1.18).max(1e-6)
    } else {
        0.01
    };
    let names: Vec<String> = rows.iter().map(|r| r.label.clone()).collect();
    let keys: Vec<i32> = (0..rows.len()).map(y_of).collect();

    let mut chart = ChartBuilder::on(area)
        .margin_right(30)
        .margin_top(12)
        .x_label_area_size(if x_desc { 80 } else { 44 })
        .y_label_area_size(label_area)
        .build_cartesian_2d(0.0..x_max, (0..n.max(1) * ROW).with_key_points(keys))?;
    let name_of = |y: &i32| {
        let i = n - 1 - y.div_euclid(ROW);
        usize::try_from(i)
            .ok()
            .and_then(|i| names.get(i))
            .cloned()
            .unwrap_or_default()
    };
    chart
        .configure_mesh()
        .disable_y_mesh()
        .x_desc(if x_desc { "cost (USD)" } else { "" })
        .label_style(font(TICK_SIZE))
        .axis_desc_style(font(DESC_SIZE))
        .bold_line_style(GRID_BOLD)
        .light_line_style(GRID_LIGHT)
        .max_light_lines(1)
        .x_labels(8)
        .x_label_formatter(&|v| fmt_usd_tick(*v))
        .y_label_formatter(&name_of)
        .draw()?;

    let colors = [REQUEST_COST, COMPUTE_COST, PROVISIONED_COST];
    for (i, row) in rows.iter().enumerate() {
        let y = y_of(i);
        let mut x0 = 0.0;
        for (part, color) in row.parts.iter().zip(colors) {
            if *part > 0.0 {
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(x0, y - HALF_BAR), (x0 + part, y + HALF_BAR)],
                    color.filled(),
                )))?;
            }
            x0 += part;
        }
        let label = EmptyElement::at((row.total(), y))
            + Text::new(
                fmt_usd(row.total()),
                (10, 0),
                font(TICK_SIZE).pos(Pos::new(HPos::Left, VPos::Center)),
            );
        chart.draw_series(std::iter::once(label))?;
    }
    if ends_with_total {
        // A rule between the functions and the total.
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(0.0, ROW), (x_max, ROW)],
            MUTED.stroke_width(1),
        )))?;
    }
    Ok(())
}

/// Writes a note in the middle of a plotting area.
fn note_in_plot<DB: DrawingBackend, CT: CoordTranslate>(
    plot: &DrawingArea<DB, CT>,
    note: &str,
) -> Drawn {
    let (w, h) = plot.dim_in_pixel();
    plot.strip_coord_spec().draw(&Text::new(
        note,
        (w as i32 / 2, h as i32 / 2),
        font(NOTE_SIZE)
            .color(&MUTED)
            .pos(Pos::new(HPos::Center, VPos::Center)),
    ))?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Queues, pollers and DLQ

/// One step line of the queue chart.
struct QueueLine {
    color: RGBColor,
    width: u32,
    /// Per (grouped) bin.
    values: Vec<f64>,
}

/// Entries in the queue chart's legend: a function each when there are several, or "each
/// function" and "all functions" when there are too many to name.
fn queue_legend_len(report: &RunReport) -> usize {
    match report.functions.len() {
        0 | 1 => 0,
        n if n > MAX_LABELLED_CURVES => 2,
        n => n,
    }
}

/// "1 event", "1,234 events".
fn count_of(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", group_thousands(n), if n == 1 { one } else { many })
}

/// Most bars of the DLQ panel: DLQ arrivals are rare events, so they are counted in bins a
/// few pixels wide rather than in slivers.
const MAX_DLQ_BARS: usize = 400;

/// What waits in the queues of a run, for the words of the queue chart: asynchronous events
/// in internal queues, SQS messages, stream records.
#[derive(Clone, Copy, Debug, PartialEq)]
struct QueueKinds {
    events: bool,
    messages: bool,
    records: bool,
}

impl QueueKinds {
    fn of(report: &RunReport) -> Self {
        let mut kinds = QueueKinds {
            events: report.asynchronous,
            messages: false,
            records: false,
        };
        if report.poll {
            for s in report.source_reports.iter().filter(|s| s.poll) {
                if s.service == "sqs" {
                    kinds.messages = true;
                } else {
                    kinds.records = true;
                }
            }
            if !kinds.messages && !kinds.records {
                // Poll sources not described: name both.
                kinds.messages = true;
                kinds.records = true;
            }
        }
        kinds
    }

    fn poll(self) -> bool {
        self.messages || self.records
    }

    /// The plural of what waits: "events", "messages or records", "events, messages or
    /// records".
    fn waiting(self) -> String {
        let words: Vec<&str> = [
            (self.events, "events"),
            (self.messages, "messages"),
            (self.records, "records"),
        ]
        .iter()
        .filter(|(on, _)| *on)
        .map(|(_, w)| *w)
        .collect();
        match words.as_slice() {
            [] => "events".to_string(),
            [one] => (*one).to_string(),
            [init @ .., last] => format!("{} or {last}", init.join(", ")),
        }
    }

    /// What waits, singular and plural ("request" when events mix with the others).
    fn noun(self) -> (&'static str, &'static str) {
        match (self.events, self.messages, self.records) {
            (_, false, false) => ("event", "events"),
            (false, true, false) => ("message", "messages"),
            (false, false, true) => ("record", "records"),
            (false, true, true) => ("message or record", "messages or records"),
            (true, _, _) => ("request", "requests"),
        }
    }

    /// Where failed requests go: SQS and asynchronous invocation have dead-letter queues,
    /// stream mappings an on-failure destination.
    fn failure_destination(self) -> (&'static str, &'static str) {
        match (self.events || self.messages, self.records) {
            (_, false) => ("Dead-letter queue", "DLQ"),
            (false, true) => ("On-failure destination", "on-failure destination"),
            (true, true) => ("DLQ / on-failure destination", "DLQ"),
        }
    }
}

/// Whether function `i` is read by a poll source: its pollers and ages are drawn.
fn polled(report: &RunReport, i: usize) -> bool {
    let named = report.functions.get(i).is_some_and(|f| {
        report
            .source_reports
            .iter()
            .any(|s| s.poll && s.function == f.function)
    });
    named
        || report.series.get(i).is_some_and(|bins| {
            bins.iter()
                .any(|b| nonneg(b.pollers) > 0.0 || nonneg(b.oldest_age_s) > 0.0)
        })
}

/// The unit of an age axis whose values reach `max_s` seconds: seconds per unit and name.
fn age_unit(max_s: f64) -> (f64, &'static str) {
    if max_s > 2.0 * 3600.0 {
        (3600.0, "h")
    } else if max_s > 1000.0 {
        (60.0, "min")
    } else {
        (1.0, "s")
    }
}

/// The subtitle of the queue chart: what went to the DLQ, what was redelivered, expired,
/// throttled or retried.
fn queue_note(report: &RunReport, kinds: QueueKinds) -> String {
    let total = &report.total;
    let (one, many) = kinds.noun();
    let (_, dest) = kinds.failure_destination();
    let mut note = vec![format!("{} to the {dest}", count_of(total.dlq, one, many))];
    let polled: Vec<_> = report.source_reports.iter().filter(|s| s.poll).collect();
    if kinds.messages {
        let n = polled
            .iter()
            .fold(0u64, |a, s| a.saturating_add(s.redelivered));
        note.push(format!("{} redelivered", group_thousands(n)));
    }
    if kinds.records {
        let n = polled.iter().fold(0u64, |a, s| a.saturating_add(s.expired));
        note.push(format!("{} expired", group_thousands(n)));
    }
    if let [s] = polled.as_slice() {
        note.push(format!(
            "peak {}",
            count_of(u64::from(s.max_pollers), "poller", "pollers")
        ));
    }
    note.push(count_of(total.throttles, "throttle", "throttles"));
    if kinds.events || kinds.records {
        note.push(count_of(total.retries, "retry", "retries"));
    }
    note.join(SEP)
}

/// Height of the queue chart: two panels for asynchronous runs, four with poll sources, and
/// a legend row per three functions.
fn queue_chart_height(report: &RunReport) -> u32 {
    let rows = queue_legend_len(report).div_ceil(3) as u32;
    let base = if QueueKinds::of(report).poll() {
        1900
    } else {
        1200
    };
    base + 38 * rows.saturating_sub(1)
}

fn draw_queue<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, report: &RunReport) -> Drawn {
    let kinds = QueueKinds::of(report);
    let grid = TimeGrid::new(report);
    let dlq_grid = TimeGrid::with_max_bins(report, MAX_DLQ_BARS);
    let n = report.functions.len();
    let many = n > MAX_LABELLED_CURVES;
    let values_of = |bins: &[BinReport], f: fn(&BinReport) -> f64| -> Vec<f64> {
        grid.group(bins).iter().map(|b| nonneg(f(b))).collect()
    };
    let dlq_of = |bins: &[BinReport]| -> Vec<f64> {
        dlq_grid
            .group(bins)
            .iter()
            .map(|b| nonneg(b.dlq as f64))
            .collect()
    };
    let mut depth = Vec::with_capacity(n + 1);
    let mut pollers = Vec::new();
    let mut ages = Vec::new();
    let mut dlq = Vec::with_capacity(n + 1);
    let mut legend = Vec::new();
    for (i, f) in report.functions.iter().enumerate() {
        let bins = report.series.get(i).map(Vec::as_slice).unwrap_or(&[]);
        let (color, width) = if many {
            (MANY_FUNCTIONS, 1)
        } else {
            (PALETTE[i % PALETTE.len()], 3)
        };
        let line = |values| QueueLine {
            color,
            width,
            values,
        };
        depth.push(line(values_of(bins, |b| b.queue_depth)));
        if kinds.poll() && polled(report, i) {
            pollers.push(line(values_of(bins, |b| b.pollers)));
            ages.push(line(values_of(bins, |b| b.oldest_age_s)));
        }
        if !many {
            dlq.push(line(dlq_of(bins)));
        }
        if n > 1 && !many {
            let label = format!(
                "{}: {} to DLQ",
                truncate(&f.function, 40),
                group_thousands(f.dlq)
            );
            legend.push(Entry::line(color, label));
        }
    }
    if many {
        // Grey lines per function under the black sum; the DLQ shows the sum only. Ages do
        // not add up: the highest is the top grey line.
        let sum = grid.sum_over_functions(report);
        let line = |values| QueueLine {
            color: ALL_FUNCTIONS,
            width: 3,
            values,
        };
        depth.push(line(values_of(&sum, |b| b.queue_depth)));
        if !pollers.is_empty() {
            pollers.push(line(values_of(&sum, |b| b.pollers)));
        }
        dlq.push(line(dlq_of(&sum)));
        legend.push(Entry::line(MANY_FUNCTIONS, format!("each function ({n})")));
        legend.push(Entry::line(ALL_FUNCTIONS, "all functions (sum)"));
    }

    let title = if kinds.poll() {
        "Queue, pollers and DLQ"
    } else {
        "Internal queue and dead-letter queue"
    };
    let body = header(root, title, report, &queue_note(report, kinds))?;
    let body = draw_legend(&body, &legend)?;

    let top_of = |lines: &[QueueLine]| {
        lines
            .iter()
            .flat_map(|l| l.values.iter().copied())
            .fold(0.0, f64::max)
    };
    let depth_max = nice_upper(top_of(&depth), 1.0);
    let pollers_top = top_of(&pollers);
    let pollers_max = nice_upper(pollers_top, 5.0);
    let age_top = top_of(&ages);
    let (age_unit_s, age_unit) = age_unit(age_top);
    for line in &mut ages {
        for v in &mut line.values {
            *v /= age_unit_s;
        }
    }
    let age_max = nice_upper(age_top / age_unit_s, 1.0);
    let dlq = stack(dlq);
    let dlq_top = dlq
        .last()
        .map_or(0.0, |l| l.values.iter().copied().fold(0.0, f64::max));
    let dlq_max = nice_upper(dlq_top, 5.0);
    // One y label width for all panels, so their plots line up.
    let mut y_area = y_label_area(&body, depth_max, 6)?.max(y_label_area(&body, dlq_max, 6)?);
    if kinds.poll() {
        y_area = y_area
            .max(y_label_area(&body, pollers_max, 5)?)
            .max(y_label_area(&body, age_max, 5)?);
    }

    let (_, h) = body.dim_in_pixel();
    let h = h as i32;
    let no_series = (grid.len == 0).then(|| "no time series".to_string());
    let bin = fmt_span(grid.bin_s);
    let (one, noun) = kinds.noun();
    let depth_desc = if kinds.poll() {
        format!("{noun} waiting")
    } else {
        "events in queue".to_string()
    };
    let subject = match (kinds.events, kinds.messages, kinds.records) {
        (_, false, false) => "Internal queue",
        (false, true, false) => "SQS queue",
        (false, false, true) => "Stream backlog",
        _ => "Queues and streams",
    };
    let running = if kinds.poll() {
        " (not in a running batch)"
    } else {
        ""
    };
    let mut depth_caption = format!(
        "{subject}{SEP}{} waiting{running}, time-averaged per {bin} interval",
        kinds.waiting()
    );
    if depth_caption.chars().count() > MAX_CAPTION {
        depth_caption = format!(
            "{subject}{SEP}{} waiting, time-averaged per {bin} interval",
            kinds.waiting()
        );
    }
    let depth_panel = QueuePanel {
        caption: depth_caption,
        lines: &depth,
        y_max: depth_max,
        y_desc: depth_desc,
        y_labels: 6,
        stacked: false,
        x_desc: false,
        note: no_series.clone(),
    };
    let rest = if kinds.poll() {
        let (top, rest) = body.split_vertically(h * 29 / 100);
        draw_queue_panel(&top, &depth_panel, &grid, y_area)?;
        let (mid, rest) = rest.split_vertically(h * 22 / 100);
        let nothing = |top: f64, what: &str| {
            no_series
                .clone()
                .or_else(|| (top <= 0.0).then(|| what.to_string()))
        };
        draw_queue_panel(
            &mid,
            &QueuePanel {
                caption: format!(
                    "Pollers{SEP}concurrent batches the event source mappings allow, \
                     time-averaged per {bin} interval"
                ),
                lines: &pollers,
                y_max: pollers_max,
                y_desc: "concurrent batches".to_string(),
                y_labels: 5,
                stacked: false,
                x_desc: false,
                note: nothing(pollers_top, "no pollers"),
            },
            &grid,
            y_area,
        )?;
        let (mid, rest) = rest.split_vertically(h * 22 / 100);
        let age_what = match (kinds.messages, kinds.records) {
            (true, false) => "Oldest message age",
            (false, true) => "Iterator age",
            _ => "Oldest message age (SQS) or iterator age (streams)",
        };
        draw_queue_panel(
            &mid,
            &QueuePanel {
                caption: format!("{age_what}{SEP}highest sample per {bin} interval"),
                lines: &ages,
                y_max: age_max,
                y_desc: format!("age ({age_unit})"),
                y_labels: 5,
                stacked: false,
                x_desc: false,
                note: nothing(age_top, "nothing waited"),
            },
            &grid,
            y_area,
        )?;
        rest
    } else {
        let (top, rest) = body.split_vertically(h * 54 / 100);
        draw_queue_panel(&top, &depth_panel, &grid, y_area)?;
        rest
    };
    let bin = fmt_span(dlq_grid.bin_s);
    let whose = match n {
        _ if dlq_top <= 0.0 => "",
        0 | 1 => "",
        _ if many => ", all functions",
        _ => ", stacked by function",
    };
    let (dlq_name, dest) = kinds.failure_destination();
    // The first title that fits along the axis (about 30 characters).
    let y_desc = [
        format!("{noun} to {dest} per {bin}"),
        format!("{noun} sent per {bin}"),
    ]
    .into_iter()
    .find(|d| d.chars().count() <= 30)
    .unwrap_or_else(|| format!("sent to {dest} per {bin}"));
    let none = format!("no {one} went to the {dest}");
    draw_queue_panel(
        &rest,
        &QueuePanel {
            caption: format!("{dlq_name}{SEP}{noun} sent per {bin} interval{whose}"),
            lines: &dlq,
            y_max: dlq_max,
            y_desc,
            y_labels: 6,
            stacked: true,
            x_desc: true,
            note: no_series.or_else(|| (dlq_top <= 0.0).then_some(none)),
        },
        &dlq_grid,
        y_area,
    )
}

/// Cumulative layers of `lines` (each the sum of those before it and itself), dropping the
/// lines that are zero throughout.
fn stack(lines: Vec<QueueLine>) -> Vec<QueueLine> {
    let mut out: Vec<QueueLine> = Vec::with_capacity(lines.len());
    for mut line in lines {
        if !line.values.iter().any(|v| *v > 0.0) {
            continue;
        }
        if let Some(below) = out.last() {
            for (v, b) in line.values.iter_mut().zip(&below.values) {
                *v += b;
            }
        }
        out.push(line);
    }
    out
}

/// Most characters of a panel caption.
const MAX_CAPTION: usize = 100;

/// One panel of the queue chart.
struct QueuePanel<'a> {
    caption: String,
    lines: &'a [QueueLine],
    y_max: f64,
    y_desc: String,
    /// Most tick labels on the y axis.
    y_labels: usize,
    /// Whether the lines are cumulative layers drawn as filled areas (see [`stack`]).
    stacked: bool,
    /// Whether the time axis is titled (the bottom panel).
    x_desc: bool,
    /// Written in the plot instead of data.
    note: Option<String>,
}

fn draw_queue_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    panel: &QueuePanel,
    grid: &TimeGrid,
    y_area: u32,
) -> Drawn {
    // The caption starts where the plot does.
    let (top, area) = area.split_vertically(PANEL_TITLE_SIZE as i32 + 14);
    top.draw(&Text::new(
        truncate(&panel.caption, MAX_CAPTION),
        (y_area as i32, PANEL_TITLE_SIZE as i32 / 2 + 4),
        font(PANEL_TITLE_SIZE).pos(Pos::new(HPos::Left, VPos::Center)),
    ))?;
    let mut chart = ChartBuilder::on(&area)
        .margin_right(20)
        .margin_top(8)
        .x_label_area_size(if panel.x_desc { 80 } else { 44 })
        .y_label_area_size(y_area)
        .build_cartesian_2d(0.0..grid.x_end(), 0.0..panel.y_max)?;
    let x_desc = if panel.x_desc {
        grid.axis_label()
    } else {
        String::new()
    };
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc(panel.y_desc.as_str())
        .label_style(font(TICK_SIZE))
        .axis_desc_style(font(DESC_SIZE))
        .bold_line_style(GRID_BOLD)
        .light_line_style(GRID_LIGHT)
        .max_light_lines(1)
        .x_labels(12)
        .y_labels(panel.y_labels)
        .x_label_formatter(&|v| fmt_tick(*v))
        .y_label_formatter(&|v| fmt_tick(*v))
        .draw()?;
    if panel.stacked {
        // Top layer first, so each lower layer covers the one above. The outline keeps a
        // single bin visible however narrow it is.
        for line in panel.lines.iter().rev() {
            chart.draw_series(
                AreaSeries::new(grid.steps(&line.values), 0.0, line.color.filled())
                    .border_style(line.color.stroke_width(2)),
            )?;
        }
    } else {
        for line in panel.lines {
            chart.draw_series(LineSeries::new(
                grid.steps(&line.values),
                line.color.stroke_width(line.width),
            ))?;
        }
    }
    if let Some(note) = &panel.note {
        note_in_plot(chart.plotting_area(), note)?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Sweeps: the variants of one scenario side by side

/// Pareto-optimal variants.
const PARETO: RGBColor = RGBColor(230, 85, 13);
/// The other variants.
const DOMINATED: RGBColor = RGBColor(107, 142, 184);
/// Cost and latency lines of a memory chart without other swept keys.
const COST_LINE: RGBColor = RGBColor(31, 119, 180);
const LATENCY_LINE: RGBColor = RGBColor(255, 127, 14);

/// Means spanning a wider ratio than this are drawn on a log axis.
const LOG_SPAN: f64 = 20.0;
/// Most variants numbered in the variants chart; beyond, only the Pareto-optimal ones are.
const MAX_NUMBERED: usize = 40;
/// Radius of a variant's marker, px.
const POINT_R: i32 = 9;
/// Half the width of an error bar's cap, px.
const CAP_PX: f64 = 7.0;

/// The mean of a metric over a variant's replications and the half-width of its 95 %
/// confidence interval (NaN with one replication).
#[derive(Clone, Copy, Debug)]
struct Estimate {
    /// NaN when no replication has a value.
    mean: f64,
    /// NaN when unknown (one replication) or zero.
    ci: f64,
}

impl Estimate {
    fn of(xs: impl Iterator<Item = f64>) -> Self {
        let xs: Vec<f64> = xs.collect();
        let (mean, ci) = crate::metrics::stats::mean_ci95(&xs);
        Estimate {
            mean: if mean.is_finite() {
                nonneg(mean)
            } else {
                f64::NAN
            },
            ci: if ci.is_finite() && ci > 0.0 {
                ci.min(MAX_PLOTTED)
            } else {
                f64::NAN
            },
        }
    }

    fn known(&self) -> bool {
        self.mean.is_finite()
    }

    /// The ends of the error bar (never below 0: the metrics are not negative).
    fn bar(&self) -> Option<(f64, f64)> {
        (self.known() && self.ci.is_finite())
            .then(|| ((self.mean - self.ci).max(0.0), self.mean + self.ci))
    }

    fn low(&self) -> f64 {
        self.bar().map_or(self.mean, |b| b.0)
    }

    fn high(&self) -> f64 {
        self.bar().map_or(self.mean, |b| b.1)
    }
}

/// One variant of a sweep, its replications aggregated.
struct VariantStats {
    name: String,
    replications: usize,
    /// p99 latency of all functions (the `*` row), ms.
    p99: Estimate,
    /// Mean latency of all functions, ms.
    latency: Estimate,
    /// Total cost per run, USD.
    cost: Estimate,
    /// The memory size of each function (in its first replication), in file order.
    memory: Vec<(String, u32)>,
    /// Cold-start % of the function at the 75th percentile.
    cold_p75: Estimate,
    /// Idle memory time: GB-s, or relative to the fixed 10-minute keep-alive variant.
    wasted: Estimate,
    /// Each function's keep-alive policy (in its first replication).
    keep_alive: Vec<String>,
}

/// The two metrics of a trade-off chart, both better when lower.
#[derive(Clone, Copy)]
struct Plane {
    x: fn(&VariantStats) -> Estimate,
    y: fn(&VariantStats) -> Estimate,
    /// Keep-alive policies (cold starts against wasted memory), else cost against p99.
    policies: bool,
}

/// Cost against p99 latency (the `variants` chart).
const COST_P99: Plane = Plane {
    x: |v| v.p99,
    y: |v| v.cost,
    policies: false,
};

/// Cold-start % of the 75th-percentile function against wasted memory (the `policies`
/// chart).
const COLD_WASTE: Plane = Plane {
    x: |v| v.wasted,
    y: |v| v.cold_p75,
    policies: true,
};

impl VariantStats {
    /// Whether it has a point in a chart of `plane`.
    fn plotted(&self, plane: Plane) -> bool {
        (plane.x)(self).known() && (plane.y)(self).known()
    }
}

/// The runs of one scenario file, per variant.
struct Sweep {
    scenario: String,
    seed: u64,
    duration_s: f64,
    /// Functions of the scenario (of its first run).
    functions: usize,
    /// In order of first appearance in the runs.
    variants: Vec<VariantStats>,
    /// Set when the variants differ in a function's memory size.
    memory: Option<MemorySweep>,
    /// The variants differ in keep-alive policy.
    policies: bool,
    /// `wasted` is relative to a variant with a fixed 10-minute keep-alive everywhere.
    normalised: bool,
}

/// The variants laid out by the memory size of one function.
struct MemorySweep {
    /// The first function whose memory size differs between variants.
    function: String,
    /// A line per setting of the other swept keys, in order of first appearance.
    lines: Vec<MemoryLine>,
}

/// Variants that differ only in the memory size of the function.
struct MemoryLine {
    /// The variant name without its `memory_mb=…` part (empty when nothing else is swept).
    label: String,
    /// (memory MB, variant index), by memory size.
    points: Vec<(u32, usize)>,
}

impl Sweep {
    fn of(runs: &[RunReport]) -> Self {
        let mut index: std::collections::BTreeMap<&str, usize> = Default::default();
        let mut groups: Vec<Vec<&RunReport>> = Vec::new();
        for r in runs {
            let i = *index.entry(r.variant.as_str()).or_insert_with(|| {
                groups.push(Vec::new());
                groups.len() - 1
            });
            groups[i].push(r);
        }
        let base_idle = crate::output::csv::idle_baseline(&groups);
        let scale = base_idle.unwrap_or(1.0);
        let variants: Vec<VariantStats> = groups
            .iter()
            .map(|reps| VariantStats {
                name: reps[0].variant.clone(),
                replications: reps.len(),
                p99: Estimate::of(reps.iter().map(|r| r.total.latency.p99_ms)),
                latency: Estimate::of(reps.iter().map(|r| r.total.latency.mean_ms)),
                cost: Estimate::of(reps.iter().map(|r| r.total.costs.total())),
                memory: reps[0]
                    .functions
                    .iter()
                    .map(|f| (f.function.clone(), f.memory_mb))
                    .collect(),
                cold_p75: Estimate::of(
                    reps.iter().map(|r| r.total.function_cold_start_p75 * 100.0),
                ),
                wasted: Estimate::of(reps.iter().map(|r| r.total.idle_gb_seconds / scale)),
                keep_alive: reps[0].keep_alive.clone(),
            })
            .collect();
        let policies = variants
            .iter()
            .any(|v| v.keep_alive != variants[0].keep_alive);
        let first = runs.first();
        Sweep {
            scenario: first.map(|r| r.scenario.clone()).unwrap_or_default(),
            seed: first.map_or(0, |r| r.seed),
            duration_s: first.map_or(0.0, |r| nonneg(r.duration.as_secs_f64())),
            functions: first.map_or(0, |r| r.functions.len()),
            memory: memory_sweep(&variants),
            policies,
            normalised: base_idle.is_some(),
            variants,
        }
    }

    /// "8 variants × 4 replications · 30 min simulated · seed 3".
    fn subtitle(&self) -> Vec<String> {
        let reps = self
            .variants
            .iter()
            .map(|v| v.replications)
            .max()
            .unwrap_or(0);
        vec![
            format!(
                "{} variants × {}",
                group_thousands(self.variants.len() as u64),
                count_of(reps as u64, "replication", "replications")
            ),
            format!("{} simulated", fmt_span(self.duration_s)),
            format!("seed {}", self.seed),
        ]
    }

    /// The subtitle and what the error bars show, joined.
    fn subtitle_with_ci(&self) -> String {
        let mut sub = self.subtitle();
        sub.push(if self.any_ci() {
            "error bars: 95 % confidence intervals".to_string()
        } else {
            "one replication: no confidence intervals".to_string()
        });
        sub.join(SEP)
    }

    /// Whether any point has an error bar.
    fn any_ci(&self) -> bool {
        self.variants
            .iter()
            .any(|v| v.replications > 1 && (v.cost.bar().is_some() || v.p99.bar().is_some()))
    }
}

/// The memory size of `function` in `v`.
fn memory_of(v: &VariantStats, function: &str) -> Option<u32> {
    v.memory
        .iter()
        .find(|(name, _)| name == function)
        .map(|&(_, m)| m)
}

/// The first function whose memory size differs between variants, and the variants grouped
/// by everything else: their name without the function's `memory_mb=…` and the memory sizes
/// of the other functions.
fn memory_sweep(variants: &[VariantStats]) -> Option<MemorySweep> {
    let function = variants.first()?.memory.iter().find_map(|(f, _)| {
        let mut sizes = variants.iter().filter_map(|v| memory_of(v, f));
        let first = sizes.next()?;
        sizes.any(|m| m != first).then(|| f.clone())
    })?;
    type Key = (String, Vec<(String, u32)>);
    let mut index: std::collections::BTreeMap<Key, usize> = Default::default();
    let mut lines: Vec<MemoryLine> = Vec::new();
    let mut others_of: Vec<Vec<(String, u32)>> = Vec::new();
    for (i, v) in variants.iter().enumerate() {
        let Some(m) = memory_of(v, &function) else {
            continue;
        };
        let label = without_word(&v.name, &format!("memory_mb={m}"));
        let others: Vec<(String, u32)> = v
            .memory
            .iter()
            .filter(|(f, _)| *f != function)
            .cloned()
            .collect();
        let g = *index
            .entry((label.clone(), others.clone()))
            .or_insert_with(|| {
                lines.push(MemoryLine {
                    label,
                    points: Vec::new(),
                });
                others_of.push(others);
                lines.len() - 1
            });
        lines[g].points.push((m, i));
    }
    // Lines whose labels coincide differ in other functions' memory: say so.
    let labels: Vec<String> = lines.iter().map(|l| l.label.clone()).collect();
    for (line, others) in lines.iter_mut().zip(&others_of) {
        if labels.iter().filter(|l| **l == line.label).count() > 1 {
            let sizes: Vec<String> = others.iter().map(|(f, m)| format!("{f} {m} MB")).collect();
            line.label = format!("{} ({})", line.label, sizes.join(", "))
                .trim()
                .to_string();
        }
    }
    for line in &mut lines {
        line.points.sort_by_key(|&(m, _)| m);
    }
    Some(MemorySweep { function, lines })
}

/// `name` without the first of its space-separated words equal to `word`.
fn without_word(name: &str, word: &str) -> String {
    let mut removed = false;
    name.split(' ')
        .filter(|w| {
            let drop = !removed && *w == word;
            removed |= drop;
            !drop
        })
        .collect::<Vec<_>>()
        .join(" ")
        .trim()
        .to_string()
}

/// Whether each variant is Pareto-optimal: plotted, and no other variant is at least as
/// cheap and as fast and better in one of the two.
fn pareto_front(variants: &[VariantStats], plane: Plane) -> Vec<bool> {
    let mut order: Vec<usize> = (0..variants.len())
        .filter(|&i| variants[i].plotted(plane))
        .collect();
    let key = |i: usize| ((plane.x)(&variants[i]).mean, (plane.y)(&variants[i]).mean);
    order.sort_by(|&a, &b| {
        let (pa, ca) = key(a);
        let (pb, cb) = key(b);
        pa.total_cmp(&pb).then(ca.total_cmp(&cb))
    });
    let mut front = vec![false; variants.len()];
    // The cheapest cost among strictly faster variants.
    let mut best = f64::INFINITY;
    let mut k = 0;
    while k < order.len() {
        let p = key(order[k]).0;
        let same: Vec<usize> = order[k..]
            .iter()
            .copied()
            .take_while(|&i| key(i).0 == p)
            .collect();
        // Sorted by cost within equal latencies: the first is the cheapest.
        let cheapest = key(same[0]).1;
        if cheapest < best {
            for &i in same.iter().take_while(|&&i| key(i).1 == cheapest) {
                front[i] = true;
            }
            best = cheapest;
        }
        k += same.len();
    }
    front
}

/// The variants numbered in the chart: all, or the Pareto-optimal ones when there are many.
fn numbered_variants(variants: &[VariantStats], front: &[bool]) -> Vec<usize> {
    if variants.len() <= MAX_NUMBERED {
        (0..variants.len()).collect()
    } else {
        (0..variants.len())
            .filter(|&i| front[i])
            .take(MAX_NUMBERED)
            .collect()
    }
}

/// Approximate width of a character of the list and legend text, px (DejaVu Sans at 24 px
/// averages 13-15 px).
const CHAR_PX: usize = 15;
/// Width of the marker and number before each name of the numbered list, px.
const LIST_PREFIX_PX: i32 = 96;
/// Width charts have inside their margins, px.
const INNER_W: usize = WIDTH as usize - 48;

/// Columns of the numbered list of `names` and the characters each name may keep.
fn list_columns(names: &[&str]) -> (usize, usize) {
    let longest = names.iter().map(|n| n.chars().count()).max().unwrap_or(0);
    for cols in [3, 2] {
        let chars = (INNER_W / cols - LIST_PREFIX_PX as usize - 30) / CHAR_PX;
        if longest <= chars {
            return (cols, chars);
        }
    }
    (1, (INNER_W - LIST_PREFIX_PX as usize - 30) / CHAR_PX)
}

/// Height of the numbered list of `names` out of `variants`, px: a row more for a caption
/// when some variants are not numbered.
fn list_height(names: &[&str], variants: usize) -> i32 {
    let caption = if names.len() < variants {
        LEGEND_ROW_H
    } else {
        0
    };
    if names.is_empty() {
        return caption;
    }
    let (cols, _) = list_columns(names);
    names.len().div_ceil(cols) as i32 * LEGEND_ROW_H + 20 + caption
}

/// The numbered variants' names.
fn numbered_names(sweep: &Sweep, plane: Plane) -> Vec<&str> {
    let front = pareto_front(&sweep.variants, plane);
    numbered_variants(&sweep.variants, &front)
        .into_iter()
        .map(|i| sweep.variants[i].name.as_str())
        .collect()
}

/// Rows of a legend of `labels` as [`draw_legend`] lays it out, estimated from character
/// counts.
fn legend_rows(labels: &[String]) -> u32 {
    if labels.is_empty() {
        return 0;
    }
    let widths: Vec<usize> = labels
        .iter()
        .map(|l| (SWATCH_W + SWATCH_GAP) as usize + CHAR_PX * l.chars().count())
        .collect();
    let gap = ENTRY_GAP as usize;
    if widths.iter().sum::<usize>() + gap * (widths.len() - 1) <= INNER_W {
        return 1;
    }
    let col = widths.iter().copied().max().unwrap_or(0) + gap;
    let cols = ((INNER_W + gap) / col.max(1)).max(1);
    labels.len().div_ceil(cols) as u32
}

/// The charts of a sweep.
#[derive(Clone, Copy, Debug)]
enum SweepChart {
    Variants,
    Memory,
    Policies,
}

/// A chart of a sweep.
struct SweepFigure<'a> {
    chart: SweepChart,
    sweep: &'a Sweep,
}

impl Figure for SweepFigure<'_> {
    fn name(&self) -> &'static str {
        match self.chart {
            SweepChart::Variants => "variants",
            SweepChart::Memory => "memory",
            SweepChart::Policies => "policies",
        }
    }

    fn size(&self) -> (u32, u32) {
        match self.chart {
            SweepChart::Variants => (
                WIDTH,
                1000 + list_height(
                    &numbered_names(self.sweep, COST_P99),
                    self.sweep.variants.len(),
                ) as u32,
            ),
            SweepChart::Policies => (
                WIDTH,
                1000 + list_height(
                    &numbered_names(self.sweep, COLD_WASTE),
                    self.sweep.variants.len(),
                ) as u32,
            ),
            SweepChart::Memory => {
                let labels = self
                    .sweep
                    .memory
                    .as_ref()
                    .map(memory_legend_labels)
                    .unwrap_or_default();
                (
                    WIDTH,
                    1000 + LEGEND_ROW_H as u32 * legend_rows(&labels).saturating_sub(1),
                )
            }
        }
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn {
        root.fill(&WHITE)?;
        let root = root.margin(16, 24, 16, 24);
        match self.chart {
            SweepChart::Variants => draw_variants(&root, self.sweep, COST_P99),
            SweepChart::Memory => draw_memory(&root, self.sweep),
            SweepChart::Policies => draw_variants(&root, self.sweep, COLD_WASTE),
        }
    }
}

/// A value axis fitted to data, linear or logarithmic. Coordinates are the values, or their
/// base-10 logarithms on a log axis, so that both kinds share one plotters type.
#[derive(Clone, Debug)]
struct ValueAxis {
    log: bool,
    /// The range, in coordinates.
    lo: f64,
    hi: f64,
    /// Labelled and grid-only ticks, in coordinates.
    bold: Vec<f64>,
    light: Vec<f64>,
    /// The step between labelled ticks of a linear axis (0 on a log axis).
    step: f64,
}

impl ValueAxis {
    /// An axis showing `estimates` (means and error bars); logarithmic when `allow_log` and
    /// their means span more than [`LOG_SPAN`].
    fn fit(estimates: &[Estimate], allow_log: bool, max_labels: usize) -> Self {
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
        Self::linear(lo, hi, max_labels)
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
        }
    }

    /// An axis of memory sizes: logarithmic when they span 4× or more, ticks at the sizes
    /// themselves when there are few.
    fn memory(sizes: &[u32]) -> Self {
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
        ValueAxis {
            log,
            lo,
            hi,
            bold,
            light: Vec::new(),
            step: 0.0,
        }
    }

    /// The coordinate of `v`, kept on the axis.
    fn coord(&self, v: f64) -> f64 {
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
    fn usd_label(&self, c: f64) -> String {
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
    fn value(&self, c: f64) -> f64 {
        if self.log { 10f64.powf(c) } else { c }
    }

    /// "(ms)" or "(ms, log scale)".
    fn unit(&self, unit: &str) -> String {
        if self.log {
            format!("({unit}, log scale)")
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

/// Width of a y label area holding `labels` and a rotated axis title.
fn label_area_for<DB: DrawingBackend>(
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

/// The path of an error bar from `a` to `b` (coordinates) with caps `cap` wide across it.
fn error_bar(a: (f64, f64), b: (f64, f64), cap: (f64, f64)) -> [Vec<(f64, f64)>; 3] {
    let capped = |p: (f64, f64)| vec![(p.0 - cap.0, p.1 - cap.1), (p.0 + cap.0, p.1 + cap.1)];
    [vec![a, b], capped(a), capped(b)]
}

/// A point marker.
#[derive(Clone, Copy, Debug)]
enum Marker {
    Circle,
    Triangle,
}

impl Marker {
    fn element<DB: DrawingBackend, C: Clone + 'static>(
        self,
        at: C,
        color: RGBColor,
    ) -> DynElement<'static, DB, C> {
        match self {
            Marker::Circle => Circle::new(at, 8, color.filled()).into_dyn(),
            Marker::Triangle => TriangleMarker::new(at, 11, color.filled()).into_dyn(),
        }
    }
}

/// A text box, px: left, top, right, bottom.
type PxBox = (i32, i32, i32, i32);

fn overlap(a: PxBox, b: PxBox) -> i64 {
    let w = (a.2.min(b.2) - a.0.max(b.0)).max(0);
    let h = (a.3.min(b.3) - a.1.max(b.1)).max(0);
    i64::from(w) * i64::from(h)
}

/// Where to put a label of `size` next to a marker at `p`: the first of eight places around
/// it that overlaps least with the other markers, the labels already placed (`taken`), the
/// error bars and the plot's edges. Returns the label's box.
fn place_label(
    p: (i32, i32),
    size: (i32, i32),
    markers: &[PxBox],
    bars: &[PxBox],
    taken: &[PxBox],
    plot: PxBox,
) -> PxBox {
    let (w, h) = size;
    let r = POINT_R + 3;
    let (x, y) = p;
    let candidates = [
        (x + r, y - h / 2),
        (x - r - w, y - h / 2),
        (x - w / 2, y - r - h),
        (x - w / 2, y + r),
        (x + r - 4, y - r - h + 4),
        (x + r - 4, y + r - 4),
        (x - r - w + 4, y - r - h + 4),
        (x - r - w + 4, y + r - 4),
        (x + 2 * r, y - h / 2),
        (x - 2 * r - w, y - h / 2),
    ];
    let area = i64::from(w) * i64::from(h);
    let mut best = (i64::MAX, (x + r, y - h / 2, x + r + w, y + h / 2));
    for (left, top) in candidates {
        let b = (left, top, left + w, top + h);
        let outside = area - overlap(b, plot);
        let crowded: i64 = markers.iter().chain(taken).map(|o| overlap(b, *o)).sum();
        let crossed: i64 = bars.iter().map(|o| overlap(b, *o)).sum();
        let score = 100 * outside + 20 * crowded + crossed;
        if score < best.0 {
            best = (score, b);
        }
    }
    best.1
}

fn draw_variants<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    sweep: &Sweep,
    plane: Plane,
) -> Drawn {
    let vs = &sweep.variants;
    let front = pareto_front(vs, plane);
    let numbered = numbered_variants(vs, &front);
    let plotted: Vec<usize> = (0..vs.len()).filter(|&i| vs[i].plotted(plane)).collect();
    let policies = plane.policies;
    let px = |i: usize| (plane.x)(&vs[i]);
    let py = |i: usize| (plane.y)(&vs[i]);

    let title = if policies {
        format!(
            "{}: cold starts vs wasted memory per keep-alive policy",
            sweep.scenario
        )
    } else {
        format!("{}: cost vs p99 latency per variant", sweep.scenario)
    };
    let body = title_block(root, &title, &sweep.subtitle_with_ci())?;
    let legend = [
        Entry::dot(
            PARETO,
            true,
            if policies {
                "Pareto-optimal: no other variant has both fewer cold starts and less idle memory"
            } else {
                "Pareto-optimal: no other variant is both cheaper and faster"
            },
        ),
        Entry::dot(DOMINATED, false, "other variants"),
    ];
    let body = draw_legend(&body, &legend)?;

    let names: Vec<&str> = numbered.iter().map(|&i| vs[i].name.as_str()).collect();
    let (_, h) = body.dim_in_pixel();
    let (plot_area, list_area) = body.split_vertically(h as i32 - list_height(&names, vs.len()));

    let x = ValueAxis::fit(
        &plotted.iter().map(|&i| px(i)).collect::<Vec<_>>(),
        true,
        10,
    );
    let y = ValueAxis::fit(
        &plotted.iter().map(|&i| py(i)).collect::<Vec<_>>(),
        !policies,
        8,
    );
    let x_fmt = |c: &f64| fmt_tick(x.value(*c));
    let y_fmt = |c: &f64| {
        if policies {
            fmt_tick(y.value(*c))
        } else {
            y.usd_label(*c)
        }
    };
    let (x_desc, y_desc) = if policies {
        (
            if sweep.normalised {
                format!(
                    "wasted memory: idle GB-s relative to a fixed 10-minute keep-alive {}",
                    x.unit("×")
                )
            } else {
                format!("wasted memory: idle environments {}", x.unit("GB-s"))
            },
            format!(
                "cold starts of the 75th-percentile function {}",
                y.unit("%")
            ),
        )
    } else {
        (
            format!("p99 latency {}", x.unit("ms")),
            format!("cost {}", y.unit("USD per run")),
        )
    };
    let y_area = label_area_for(&plot_area, y.bold.iter().map(y_fmt))?;
    let mut chart = ChartBuilder::on(&plot_area)
        .margin_right(40)
        .margin_top(12)
        .x_label_area_size(80)
        .y_label_area_size(y_area)
        .build_cartesian_2d(x.clone(), y.clone())?;
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc(y_desc)
        .label_style(font(TICK_SIZE))
        .axis_desc_style(font(DESC_SIZE))
        .bold_line_style(GRID_BOLD)
        .light_line_style(GRID_LIGHT)
        .max_light_lines(1)
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&y_fmt)
        .draw()?;
    draw_numbered_list(&list_area, &numbered, vs, &front, plane)?;
    if plotted.is_empty() {
        return note_in_plot(
            chart.plotting_area(),
            if policies {
                "no variant had invocations"
            } else {
                "no variant had successful requests"
            },
        );
    }

    // Pixel sizes in coordinates, for caps and label placement.
    let (px_x, px_y) = chart.plotting_area().get_pixel_range();
    let per_px = (
        (x.hi - x.lo) / f64::from(px_x.end - px_x.start).max(1.0),
        (y.hi - y.lo) / f64::from(px_y.end - px_y.start).max(1.0),
    );
    let at = |i: usize| (x.coord(px(i).mean), y.coord(py(i).mean));

    // The front, fastest first.
    let mut on_front: Vec<usize> = plotted.iter().copied().filter(|&i| front[i]).collect();
    on_front.sort_by(|&a, &b| at(a).0.total_cmp(&at(b).0));
    if on_front.len() > 1 {
        chart.draw_series(DashedLineSeries::new(
            on_front.iter().map(|&i| at(i)),
            12,
            8,
            PARETO.stroke_width(2),
        ))?;
    }

    // Error bars, then markers (the front on top).
    let mut bar_boxes: Vec<PxBox> = Vec::new();
    for &i in &plotted {
        let v = &vs[i];
        let color = if front[i] { PARETO } else { DOMINATED };
        let (cx, cy) = at(i);
        let mut paths = Vec::new();
        if let Some((lo, hi)) = (plane.x)(v).bar() {
            paths.extend(error_bar(
                (x.coord(lo), cy),
                (x.coord(hi), cy),
                (0.0, CAP_PX * per_px.1),
            ));
        }
        if let Some((lo, hi)) = (plane.y)(v).bar() {
            paths.extend(error_bar(
                (cx, y.coord(lo)),
                (cx, y.coord(hi)),
                (CAP_PX * per_px.0, 0.0),
            ));
        }
        for p in &paths {
            let a = chart.backend_coord(&p[0]);
            let b = chart.backend_coord(&p[1]);
            bar_boxes.push((
                a.0.min(b.0) - 1,
                a.1.min(b.1) - 1,
                a.0.max(b.0) + 1,
                a.1.max(b.1) + 1,
            ));
        }
        chart.draw_series(
            paths
                .into_iter()
                .map(|p| PathElement::new(p, color.stroke_width(2))),
        )?;
    }
    for pass_front in [false, true] {
        for &i in plotted.iter().filter(|&&i| front[i] == pass_front) {
            let color = if front[i] { PARETO } else { DOMINATED };
            chart.draw_series(std::iter::once(Circle::new(
                at(i),
                POINT_R as u32,
                color.filled(),
            )))?;
            if front[i] {
                chart.draw_series(std::iter::once(Circle::new(
                    at(i),
                    POINT_R as u32,
                    INK.stroke_width(2),
                )))?;
            }
        }
    }

    // Numbers next to the points, placed greedily, the front first.
    let markers: Vec<PxBox> = plotted
        .iter()
        .map(|&i| {
            let (px, py) = chart.backend_coord(&at(i));
            (px - POINT_R, py - POINT_R, px + POINT_R, py + POINT_R)
        })
        .collect();
    let plot_box = (px_x.start, px_y.start, px_x.end, px_y.end);
    let style = font(TICK_SIZE);
    let mut order: Vec<usize> = numbered
        .iter()
        .copied()
        .filter(|&i| vs[i].plotted(plane))
        .collect();
    order.sort_by_key(|&i| !front[i]);
    let mut taken: Vec<PxBox> = Vec::new();
    for i in order {
        let label = (i + 1).to_string();
        let (w, h) = plot_area.estimate_text_size(&label, &style)?;
        let p = chart.backend_coord(&at(i));
        let b = place_label(
            p,
            (w as i32 + 4, h as i32),
            &markers,
            &bar_boxes,
            &taken,
            plot_box,
        );
        taken.push(b);
        chart.draw_series(std::iter::once(
            EmptyElement::at(at(i))
                + Text::new(
                    label,
                    (b.0 - p.0 + 2, b.1 - p.1),
                    style.pos(Pos::new(HPos::Left, VPos::Top)),
                ),
        ))?;
    }
    Ok(())
}

/// The numbered list of variant names under the variants chart, a marker of the point's
/// colour before each.
fn draw_numbered_list<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    numbered: &[usize],
    vs: &[VariantStats],
    front: &[bool],
    plane: Plane,
) -> Drawn {
    let (w, _) = area.dim_in_pixel();
    let area = if numbered.len() < vs.len() {
        area.draw(&Text::new(
            format!(
                "Numbered: the Pareto-optimal variants{SEP}all {} are in variants.csv",
                group_thousands(vs.len() as u64)
            ),
            (w as i32 / 2, 20 + LEGEND_ROW_H / 2),
            font(LEGEND_SIZE)
                .color(&MUTED)
                .pos(Pos::new(HPos::Center, VPos::Center)),
        ))?;
        area.split_vertically(LEGEND_ROW_H).1
    } else {
        area.clone()
    };
    if numbered.is_empty() {
        return Ok(());
    }
    let names: Vec<&str> = numbered.iter().map(|&i| vs[i].name.as_str()).collect();
    let (cols, chars) = list_columns(&names);
    let rows = names.len().div_ceil(cols);
    let longest = names
        .iter()
        .map(|n| n.chars().count().min(chars))
        .max()
        .unwrap_or(0);
    let col_w = (LIST_PREFIX_PX + (CHAR_PX * longest) as i32 + 40).min(w as i32 / cols as i32);
    let x0 = ((w as i32 - col_w * cols as i32) / 2).max(0);
    let style = font(LEGEND_SIZE);
    // Column-major, so numbers run down each column.
    for (k, &i) in numbered.iter().enumerate() {
        let (col, row) = (k / rows, k % rows);
        let x = x0 + col as i32 * col_w;
        let yc = 20 + row as i32 * LEGEND_ROW_H + LEGEND_ROW_H / 2;
        let color = if !vs[i].plotted(plane) {
            MUTED
        } else if front[i] {
            PARETO
        } else {
            DOMINATED
        };
        area.draw(&Circle::new((x + 9, yc), 9, color.filled()))?;
        if front[i] {
            area.draw(&Circle::new((x + 9, yc), 9, INK.stroke_width(2)))?;
        }
        area.draw(&Text::new(
            (i + 1).to_string(),
            (x + LIST_PREFIX_PX - 14, yc),
            style.pos(Pos::new(HPos::Right, VPos::Center)),
        ))?;
        let mut name = truncate(&vs[i].name, chars);
        if !vs[i].plotted(plane) {
            name.push_str(" (no data)");
        }
        area.draw(&Text::new(
            name,
            (x + LIST_PREFIX_PX, yc),
            style.pos(Pos::new(HPos::Left, VPos::Center)),
        ))?;
    }
    Ok(())
}

/// The labels of the memory chart's second legend: a line per setting of the other swept
/// keys (none for a single line).
fn memory_legend_labels(mem: &MemorySweep) -> Vec<String> {
    match mem.lines.len() {
        0 | 1 => Vec::new(),
        n if n > MAX_LABELLED_CURVES => vec![format!("each setting of the other swept keys ({n})")],
        _ => mem
            .lines
            .iter()
            .map(|l| {
                if l.label.is_empty() {
                    "(no other key)".to_string()
                } else {
                    truncate(&l.label, 60)
                }
            })
            .collect(),
    }
}

fn draw_memory<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, sweep: &Sweep) -> Drawn {
    let Some(mem) = &sweep.memory else {
        return Ok(());
    };
    let vs = &sweep.variants;
    let function = truncate(&mem.function, 40);
    let title = format!("{}: cost and latency by memory size", sweep.scenario);
    let body = title_block(root, &title, &sweep.subtitle_with_ci())?;

    let single = mem.lines.len() == 1;
    let many = mem.lines.len() > MAX_LABELLED_CURVES;
    let colors: Vec<(RGBColor, RGBColor)> = (0..mem.lines.len())
        .map(|g| {
            if single {
                (COST_LINE, LATENCY_LINE)
            } else if many {
                (MANY_FUNCTIONS, MANY_FUNCTIONS)
            } else {
                (PALETTE[g % PALETTE.len()], PALETTE[g % PALETTE.len()])
            }
        })
        .collect();
    let whose = if sweep.functions > 1 {
        "all functions' "
    } else {
        ""
    };
    let (cost_c, latency_c) = if single {
        (COST_LINE, LATENCY_LINE)
    } else {
        (INK, INK)
    };
    let legend = [
        Entry::marked(
            cost_c,
            Marker::Circle,
            false,
            format!("{whose}cost per run (left axis)"),
        ),
        Entry::marked(
            latency_c,
            Marker::Triangle,
            true,
            format!("{whose}mean latency (right axis)"),
        ),
    ];
    let body = draw_legend(&body, &legend)?;
    let lines_legend: Vec<Entry> = memory_legend_labels(mem)
        .into_iter()
        .zip(&colors)
        .map(|(label, (c, _))| Entry::area(*c, label))
        .collect();
    let body = draw_legend(&body, &lines_legend)?;

    let sizes: Vec<u32> = mem
        .lines
        .iter()
        .flat_map(|l| l.points.iter().map(|&(m, _)| m))
        .collect();
    let indices: Vec<usize> = mem
        .lines
        .iter()
        .flat_map(|l| l.points.iter().map(|&(_, i)| i))
        .collect();
    let x = ValueAxis::memory(&sizes);
    let yl = ValueAxis::fit(
        &indices.iter().map(|&i| vs[i].cost).collect::<Vec<_>>(),
        true,
        8,
    );
    let yr = ValueAxis::fit(
        &indices.iter().map(|&i| vs[i].latency).collect::<Vec<_>>(),
        true,
        8,
    );
    let x_fmt = |c: &f64| group_thousands_f(x.value(*c));
    let yl_fmt = |c: &f64| yl.usd_label(*c);
    let yr_fmt = |c: &f64| fmt_tick(yr.value(*c));
    let left_area = label_area_for(&body, yl.bold.iter().map(yl_fmt))?;
    let right_area = label_area_for(&body, yr.bold.iter().map(yr_fmt))?;
    let chart = ChartBuilder::on(&body)
        .margin_top(12)
        .x_label_area_size(80)
        .y_label_area_size(left_area)
        .right_y_label_area_size(right_area)
        .build_cartesian_2d(x.clone(), yl.clone())?;
    let mut chart = chart.set_secondary_coord(x.clone(), yr.clone());
    chart
        .configure_mesh()
        .x_desc(format!("memory of {function} {}", x.unit("MB")))
        .y_desc(format!("cost {}", yl.unit("USD per run")))
        .label_style(font(TICK_SIZE))
        .axis_desc_style(font(DESC_SIZE))
        .bold_line_style(GRID_BOLD)
        .light_line_style(GRID_LIGHT)
        .max_light_lines(1)
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&yl_fmt)
        .draw()?;
    chart
        .configure_secondary_axes()
        .y_desc(format!("mean latency {}", yr.unit("ms")))
        .label_style(font(TICK_SIZE))
        .axis_desc_style(font(DESC_SIZE))
        .x_label_formatter(&|_| String::new())
        .y_label_formatter(&yr_fmt)
        .draw()?;

    let known = |e: &Estimate| e.known();
    if !indices
        .iter()
        .any(|&i| known(&vs[i].cost) || known(&vs[i].latency))
    {
        return note_in_plot(chart.plotting_area(), "no variant had successful requests");
    }
    let (px_x, _) = chart.plotting_area().get_pixel_range();
    let x_per_px = (x.hi - x.lo) / f64::from(px_x.end - px_x.start).max(1.0);
    // Lines side by side at each size, so that their error bars do not hide each other.
    let n = mem.lines.len();
    let dodge = if n > 1 && n <= MAX_LABELLED_CURVES && sweep.any_ci() {
        (28.0 / n as f64).min(8.0)
    } else {
        0.0
    };
    for (g, (line, &(cost_color, latency_color))) in mem.lines.iter().zip(&colors).enumerate() {
        let shift = (g as f64 - (n as f64 - 1.0) / 2.0) * dodge * x_per_px;
        let xc = |m: u32| (x.coord(f64::from(m)) + shift).clamp(x.lo, x.hi);
        let cost: Vec<(f64, f64)> = line
            .points
            .iter()
            .filter(|&&(_, i)| vs[i].cost.known())
            .map(|&(m, i)| (xc(m), yl.coord(vs[i].cost.mean)))
            .collect();
        let latency: Vec<(f64, f64)> = line
            .points
            .iter()
            .filter(|&&(_, i)| vs[i].latency.known())
            .map(|&(m, i)| (xc(m), yr.coord(vs[i].latency.mean)))
            .collect();
        let mut cost_bars = Vec::new();
        let mut latency_bars = Vec::new();
        for &(m, i) in &line.points {
            if let Some((lo, hi)) = vs[i].cost.bar() {
                cost_bars.extend(error_bar(
                    (xc(m), yl.coord(lo)),
                    (xc(m), yl.coord(hi)),
                    (CAP_PX * x_per_px, 0.0),
                ));
            }
            if let Some((lo, hi)) = vs[i].latency.bar() {
                latency_bars.extend(error_bar(
                    (xc(m), yr.coord(lo)),
                    (xc(m), yr.coord(hi)),
                    (CAP_PX * x_per_px, 0.0),
                ));
            }
        }
        let width = if many { 2 } else { 3 };
        chart.draw_series(
            cost_bars
                .into_iter()
                .map(|p| PathElement::new(p, cost_color.stroke_width(2))),
        )?;
        chart.draw_series(LineSeries::new(
            cost.clone(),
            cost_color.stroke_width(width),
        ))?;
        chart.draw_series(cost.iter().map(|&p| Marker::Circle.element(p, cost_color)))?;
        chart.draw_secondary_series(
            latency_bars
                .into_iter()
                .map(|p| PathElement::new(p, latency_color.stroke_width(2))),
        )?;
        chart.draw_secondary_series(DashedLineSeries::new(
            latency.clone(),
            14,
            9,
            latency_color.stroke_width(width),
        ))?;
        chart.draw_secondary_series(
            latency
                .iter()
                .map(|&p| Marker::Triangle.element(p, latency_color)),
        )?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Time axis

/// Most bins drawn on a time axis; longer series are merged into wider bins.
const MAX_DRAWN_BINS: usize = 2000;

/// The time axis of a run and the (possibly merged) bins drawn on it.
struct TimeGrid {
    /// Seconds per axis unit.
    unit_s: f64,
    /// Axis unit name.
    unit: &'static str,
    /// Run length, s.
    end_s: f64,
    /// Width of a drawn bin, s (after merging).
    bin_s: f64,
    /// Report bins per drawn bin.
    factor: usize,
    /// Report bins per function (the longest series).
    len: usize,
}

impl TimeGrid {
    fn new(report: &RunReport) -> Self {
        Self::with_max_bins(report, MAX_DRAWN_BINS)
    }

    /// A grid drawing at most `max_bins` bins.
    fn with_max_bins(report: &RunReport, max_bins: usize) -> Self {
        let len = report.series.iter().map(Vec::len).max().unwrap_or(0);
        let duration_s = nonneg(report.duration.as_secs_f64());
        let mut interval_s = nonneg(report.interval.as_secs_f64());
        if interval_s <= 0.0 {
            interval_s = if duration_s > 0.0 && len > 0 {
                duration_s / len as f64
            } else {
                1.0
            };
        }
        let factor = len.div_ceil(max_bins.max(1)).max(1);
        let end_s = duration_s.max(len as f64 * interval_s);
        let (unit_s, unit) = if end_s > 5.0 * 3600.0 {
            (3600.0, "h")
        } else if end_s > 600.0 {
            (60.0, "min")
        } else {
            (1.0, "s")
        };
        TimeGrid {
            unit_s,
            unit,
            end_s,
            bin_s: interval_s * factor as f64,
            factor,
            len,
        }
    }

    fn axis_label(&self) -> String {
        format!("time ({})", self.unit)
    }

    /// The end of the time axis, in axis units (never 0).
    fn x_end(&self) -> f64 {
        let end = self.end_s / self.unit_s;
        if end > 0.0 { end } else { 1.0 }
    }

    /// Bins summed over all functions.
    fn sum_over_functions(&self, report: &RunReport) -> Vec<BinReport> {
        let mut out = vec![BinReport::default(); self.len];
        for series in &report.series {
            for (acc, b) in out.iter_mut().zip(series) {
                acc.arrivals = acc.arrivals.saturating_add(b.arrivals);
                acc.invocations = acc.invocations.saturating_add(b.invocations);
                acc.cold_starts = acc.cold_starts.saturating_add(b.cold_starts);
                acc.throttles = acc.throttles.saturating_add(b.throttles);
                acc.concurrency += nonneg(b.concurrency);
                acc.concurrency_max = acc.concurrency_max.saturating_add(b.concurrency_max);
                acc.instances_busy += nonneg(b.instances_busy);
                acc.instances_idle += nonneg(b.instances_idle);
                acc.instances_initializing += nonneg(b.instances_initializing);
                acc.queue_depth += nonneg(b.queue_depth);
                acc.provisioned += nonneg(b.provisioned);
                acc.dlq = acc.dlq.saturating_add(b.dlq);
                acc.pollers += nonneg(b.pollers);
                acc.oldest_age_s = acc.oldest_age_s.max(nonneg(b.oldest_age_s));
                acc.cost_usd += nonneg(b.cost_usd);
            }
        }
        out
    }

    /// Merges `factor` consecutive bins: counts add up, averages average, peaks take the max.
    fn group(&self, bins: &[BinReport]) -> Vec<BinReport> {
        bins.chunks(self.factor)
            .map(|chunk| {
                let k = chunk.len() as f64;
                let mean =
                    |f: fn(&BinReport) -> f64| chunk.iter().map(|b| nonneg(f(b))).sum::<f64>() / k;
                let sum = |f: fn(&BinReport) -> u64| {
                    chunk.iter().fold(0u64, |a, b| a.saturating_add(f(b)))
                };
                BinReport {
                    time_s: chunk[0].time_s,
                    arrivals: sum(|b| b.arrivals),
                    invocations: sum(|b| b.invocations),
                    cold_starts: sum(|b| b.cold_starts),
                    throttles: sum(|b| b.throttles),
                    concurrency: mean(|b| b.concurrency),
                    concurrency_max: chunk.iter().map(|b| b.concurrency_max).max().unwrap_or(0),
                    instances_busy: mean(|b| b.instances_busy),
                    instances_idle: mean(|b| b.instances_idle),
                    instances_initializing: mean(|b| b.instances_initializing),
                    queue_depth: mean(|b| b.queue_depth),
                    provisioned: mean(|b| b.provisioned),
                    dlq: sum(|b| b.dlq),
                    pollers: mean(|b| b.pollers),
                    oldest_age_s: chunk
                        .iter()
                        .map(|b| nonneg(b.oldest_age_s))
                        .fold(0.0, f64::max),
                    cost_usd: chunk.iter().map(|b| nonneg(b.cost_usd)).sum(),
                    evictions: sum(|b| b.evictions),
                    host_memory_mb: chunk[0]
                        .host_memory_mb
                        .map(|_| mean(|b| b.host_memory_mb.unwrap_or(0.0))),
                }
            })
            .collect()
    }

    /// A step line through grouped bin values: each value held over its bin.
    fn steps(&self, values: &[f64]) -> Vec<(f64, f64)> {
        let mut pts = Vec::with_capacity(2 * values.len());
        for (i, v) in values.iter().enumerate() {
            let t0 = i as f64 * self.bin_s;
            let t1 = ((i + 1) as f64 * self.bin_s).min(self.end_s.max(t0));
            pts.push((t0 / self.unit_s, *v));
            pts.push((t1 / self.unit_s, *v));
        }
        pts
    }
}

// ---------------------------------------------------------------------------------------------
// Title block and legend

/// Draws the title and subtitle; returns the area below them.
fn header<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    what: &str,
    report: &RunReport,
    note: &str,
) -> Drawn<DrawingArea<DB, Shift>> {
    let mut title = format!("{what} — {}", report.scenario);
    if !report.variant.is_empty() && report.variant != "base" {
        title.push_str(&format!(" / {}", report.variant));
    }
    if report.replication > 0 {
        title.push_str(&format!(" (replication {})", report.replication));
    }
    let mut sub = vec![
        format!(
            "{} simulated",
            fmt_span(nonneg(report.duration.as_secs_f64()))
        ),
        format!("seed {}", report.seed),
    ];
    if !note.is_empty() {
        sub.push(note.to_string());
    }
    title_block(root, &title, &sub.join(SEP))
}

/// Draws a centred title and a muted subtitle; returns the area below them.
fn title_block<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    subtitle: &str,
) -> Drawn<DrawingArea<DB, Shift>> {
    let (w, _) = root.dim_in_pixel();
    let title_h = TITLE_SIZE as i32 + 10;
    root.draw(&Text::new(
        truncate(title, 70),
        (w as i32 / 2, 0),
        font(TITLE_SIZE).pos(Pos::new(HPos::Center, VPos::Top)),
    ))?;
    root.draw(&Text::new(
        subtitle.to_string(),
        (w as i32 / 2, title_h + 4),
        font(SUBTITLE_SIZE)
            .color(&MUTED)
            .pos(Pos::new(HPos::Center, VPos::Top)),
    ))?;
    let (_, rest) = root.split_vertically(title_h + SUBTITLE_SIZE as i32 + 22);
    Ok(rest)
}

/// What a legend entry shows left of its label.
enum Swatch {
    Area(RGBColor),
    Line(RGBColor),
    Dashed(RGBColor),
    /// A marker: a filled circle (outlined in ink when `true`).
    Dot(RGBColor, bool),
    /// A line through a marker, solid or dashed.
    Marked(RGBColor, Marker, bool),
    None,
}

/// One legend entry.
struct Entry {
    swatch: Swatch,
    label: String,
}

impl Entry {
    fn area(c: RGBColor, label: impl Into<String>) -> Self {
        Entry {
            swatch: Swatch::Area(c),
            label: label.into(),
        }
    }
    fn line(c: RGBColor, label: impl Into<String>) -> Self {
        Entry {
            swatch: Swatch::Line(c),
            label: label.into(),
        }
    }
    fn dashed(c: RGBColor, label: impl Into<String>) -> Self {
        Entry {
            swatch: Swatch::Dashed(c),
            label: label.into(),
        }
    }
    fn dot(c: RGBColor, outlined: bool, label: impl Into<String>) -> Self {
        Entry {
            swatch: Swatch::Dot(c, outlined),
            label: label.into(),
        }
    }
    fn marked(c: RGBColor, marker: Marker, dashed: bool, label: impl Into<String>) -> Self {
        Entry {
            swatch: Swatch::Marked(c, marker, dashed),
            label: label.into(),
        }
    }
    fn text(label: impl Into<String>) -> Self {
        Entry {
            swatch: Swatch::None,
            label: label.into(),
        }
    }
}

const SWATCH_W: i32 = 40;
const SWATCH_GAP: i32 = 10;
const ENTRY_GAP: i32 = 36;
const LEGEND_ROW_H: i32 = LEGEND_SIZE as i32 + 14;

/// Draws a centred legend, wrapped over rows, above the chart; returns the area below it.
fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    entries: &[Entry],
) -> Drawn<DrawingArea<DB, Shift>> {
    if entries.is_empty() {
        return Ok(area.clone());
    }
    let (w, _) = area.dim_in_pixel();
    let style = font(LEGEND_SIZE);
    let mut widths = Vec::with_capacity(entries.len());
    for e in entries {
        let (tw, _) = area.estimate_text_size(&e.label, &style)?;
        let sw = if matches!(e.swatch, Swatch::None) {
            0
        } else {
            SWATCH_W + SWATCH_GAP
        };
        widths.push(sw + tw as i32);
    }
    // One centred row when everything fits, else a grid of equal columns.
    let one_row: i32 = widths.iter().sum::<i32>() + ENTRY_GAP * (widths.len() as i32 - 1);
    let w = w as i32;
    let (cols, col_w) = if one_row <= w {
        (widths.len(), 0)
    } else {
        let col_w = widths.iter().copied().max().unwrap_or(0) + ENTRY_GAP;
        (((w + ENTRY_GAP) / col_w.max(1)).max(1) as usize, col_w)
    };
    let nrows = entries.len().div_ceil(cols);
    let grid_w = if col_w == 0 {
        one_row
    } else {
        cols as i32 * col_w - ENTRY_GAP
    };
    let x_start = ((w - grid_w) / 2).max(0);
    let mut x = x_start;
    for (i, e) in entries.iter().enumerate() {
        let (row, col) = (i / cols, i % cols);
        if col_w > 0 {
            x = x_start + col as i32 * col_w;
        } else if col == 0 {
            x = x_start;
        }
        let yc = row as i32 * LEGEND_ROW_H + LEGEND_ROW_H / 2;
        let mut tx = x + SWATCH_W + SWATCH_GAP;
        match e.swatch {
            Swatch::Area(c) => {
                area.draw(&Rectangle::new(
                    [(x, yc - 10), (x + SWATCH_W, yc + 10)],
                    c.filled(),
                ))?;
            }
            Swatch::Line(c) => {
                area.draw(&PathElement::new(
                    vec![(x, yc), (x + SWATCH_W, yc)],
                    c.stroke_width(4),
                ))?;
            }
            Swatch::Dashed(c) => draw_dashes(area, x, yc, c)?,
            Swatch::Dot(c, outlined) => {
                area.draw(&Circle::new((x + SWATCH_W / 2, yc), 9, c.filled()))?;
                if outlined {
                    area.draw(&Circle::new((x + SWATCH_W / 2, yc), 9, INK.stroke_width(2)))?;
                }
            }
            Swatch::Marked(c, marker, dashed) => {
                if dashed {
                    draw_dashes(area, x, yc, c)?;
                } else {
                    area.draw(&PathElement::new(
                        vec![(x, yc), (x + SWATCH_W, yc)],
                        c.stroke_width(3),
                    ))?;
                }
                area.draw(&marker.element((x + SWATCH_W / 2, yc), c))?;
            }
            Swatch::None => tx = x,
        }
        area.draw(&Text::new(
            e.label.clone(),
            (tx, yc),
            style.pos(Pos::new(HPos::Left, VPos::Center)),
        ))?;
        x += widths[i] + ENTRY_GAP;
    }
    let (_, rest) = area.split_vertically(nrows as i32 * LEGEND_ROW_H + 10);
    Ok(rest)
}

/// The dashed swatch: three dashes from `x`, centred on `yc`.
fn draw_dashes<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    x: i32,
    yc: i32,
    c: RGBColor,
) -> Drawn {
    for k in 0..3 {
        let x0 = x + k * 15;
        area.draw(&PathElement::new(
            vec![(x0, yc), (x0 + 9, yc)],
            c.stroke_width(3),
        ))?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Numbers

/// Width of the y label area of a linear axis from 0 to `top` with at most `max_labels`
/// labels: the widest tick label plus the rotated axis title.
fn y_label_area<DB: DrawingBackend>(
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
fn nice_step(top: f64, max_labels: usize) -> f64 {
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
const MAX_PLOTTED: f64 = 1e15;

/// `v` if finite and positive (capped at [`MAX_PLOTTED`]), else 0.
fn nonneg(v: f64) -> f64 {
    if v.is_finite() && v > 0.0 {
        v.min(MAX_PLOTTED)
    } else {
        0.0
    }
}

/// The top of a linear axis from 0 showing `max` with a little headroom, at least `min_top`.
fn nice_upper(max: f64, min_top: f64) -> f64 {
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

/// A tick label: no trailing zeros, thousands grouped, tiny values kept readable.
fn fmt_tick(v: f64) -> String {
    if !v.is_finite() {
        return String::new();
    }
    let a = v.abs();
    if a == 0.0 {
        return "0".to_string();
    }
    if a >= 1e7 {
        return format!("{v:.0e}");
    }
    if a >= 1000.0 {
        return group_thousands_f(v.round());
    }
    let decimals = if a >= 100.0 {
        0
    } else if a >= 10.0 {
        1
    } else if a >= 1.0 {
        2
    } else {
        (-a.log10().floor()) as usize + 2
    };
    trim_zeros(format!("{v:.decimals$}"))
}

fn trim_zeros(s: String) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

fn group_thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn group_thousands_f(v: f64) -> String {
    let sign = if v < 0.0 { "-" } else { "" };
    format!("{sign}{}", group_thousands(v.abs().round() as u64))
}

/// A span of seconds: "250 ms", "1 s", "1.5 s", "5 min", "2 h".
fn fmt_span(s: f64) -> String {
    if !s.is_finite() || s <= 0.0 {
        return "0 s".to_string();
    }
    if s < 1.0 {
        format!("{} ms", trim_zeros(format!("{:.3}", s * 1000.0)))
    } else if s < 120.0 {
        format!("{} s", trim_zeros(format!("{s:.3}")))
    } else if s < 7200.0 {
        format!("{} min", trim_zeros(format!("{:.1}", s / 60.0)))
    } else {
        format!("{} h", trim_zeros(format!("{:.1}", s / 3600.0)))
    }
}

/// Milliseconds with three significant digits: "0.842 ms", "12.3 ms", "456 ms", "1.23 s".
fn fmt_ms(ms: f64) -> String {
    if !ms.is_finite() {
        return "n/a".to_string();
    }
    if ms >= 1000.0 {
        return format!("{} s", sig3(ms / 1000.0));
    }
    format!("{} ms", sig3(ms))
}

/// Three significant digits, no trailing zeros (whole numbers from 100 up).
fn sig3(v: f64) -> String {
    let a = v.abs();
    if a >= 100.0 {
        return group_thousands_f(v.round());
    }
    let decimals = if a == 0.0 {
        0
    } else {
        (2.0 - a.log10().floor()).max(0.0) as usize
    };
    trim_zeros(format!("{v:.decimals$}"))
}

/// Dollars: "$12.34", "$1,234.56", small amounts with three significant digits ("$0.00123").
fn fmt_usd(v: f64) -> String {
    if !v.is_finite() {
        return "n/a".to_string();
    }
    if v == 0.0 {
        return "$0".to_string();
    }
    if v.abs() >= 1.0 {
        let cents = (v.abs() * 100.0).round() as u64;
        let sign = if v < 0.0 { "-" } else { "" };
        return format!("{sign}${}.{:02}", group_thousands(cents / 100), cents % 100);
    }
    let decimals = (2.0 - v.abs().log10().floor()).max(2.0) as usize;
    let s = trim_zeros(format!("{v:.decimals$}"));
    // Keep cents whole: "$0.5" reads badly.
    match s.split_once('.') {
        Some((_, frac)) if frac.len() == 1 => format!("${s}0"),
        _ => format!("${s}"),
    }
}

/// A dollar tick label.
fn fmt_usd_tick(v: f64) -> String {
    format!("${}", fmt_tick(v))
}

/// At most `max` characters, with an ellipsis when cut.
fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::billing::Costs;
    use crate::engine::Time;
    use crate::metrics::{LatencyReport, SourceReport, latency_histogram};

    fn function(name: &str, latencies_us: &[u64], costs: Costs, limit: u32) -> FunctionReport {
        let mut h = latency_histogram();
        let mut sum_ns = 0u128;
        let mut max_ns = 0u64;
        for &us in latencies_us {
            h.record(us).expect("in range");
            sum_ns += u128::from(us) * 1000;
            max_ns = max_ns.max(us * 1000);
        }
        let n = latencies_us.len() as u64;
        FunctionReport {
            function: name.to_string(),
            memory_mb: 128,
            requests: n,
            succeeded: n,
            failed: 0,
            unfinished: 0,
            invocations: n,
            cold_starts: n / 20,
            throttles: n / 50,
            errors: 0,
            timeouts: 0,
            retries: 0,
            dry_runs: 0,
            dlq: 0,
            prewarms: 0,
            prewarm_hits: 0,
            evictions: 0,
            function_cold_start_p75: f64::NAN,
            queue_wait: LatencyReport::new(crate::metrics::latency_histogram(), 0, 0),
            event_age: LatencyReport::new(crate::metrics::latency_histogram(), 0, 0),
            oldest_age: LatencyReport::new(crate::metrics::latency_histogram(), 0, 0),
            latency: LatencyReport::new(h, sum_ns, max_ns),
            max_concurrency: 0,
            mean_concurrency: 0.0,
            mean_instances: 0.0,
            idle_gb_seconds: 0.0,
            costs,
            limit,
        }
    }

    /// A series of `bins` bins with a burst in the middle, scaled by `scale`.
    fn series(bins: usize, scale: f64) -> Vec<BinReport> {
        (0..bins)
            .map(|i| {
                let burst = if (bins * 4 / 10..bins * 6 / 10).contains(&i) {
                    8.0
                } else {
                    1.0
                };
                let wave = 1.0 + 0.5 * (i as f64 / 7.0).sin();
                let busy = scale * burst * wave;
                BinReport {
                    time_s: i as f64,
                    arrivals: (busy * 10.0) as u64,
                    invocations: (busy * 10.0) as u64,
                    cold_starts: if i == bins * 4 / 10 {
                        (scale * 7.0) as u64
                    } else {
                        u64::from(i % 9 == 0)
                    },
                    throttles: if (bins * 4 / 10..bins * 45 / 100).contains(&i) {
                        (scale * 3.0) as u64
                    } else {
                        0
                    },
                    concurrency: busy,
                    concurrency_max: (busy * 1.4).ceil() as u32,
                    instances_busy: busy,
                    instances_idle: if burst > 1.0 {
                        2.0 * scale
                    } else {
                        0.6 * scale * burst
                    },
                    instances_initializing: if i == bins * 4 / 10 { 3.0 * scale } else { 0.0 },
                    queue_depth: 0.0,
                    provisioned: 0.0,
                    dlq: 0,
                    evictions: 0,
                    host_memory_mb: None,
                    pollers: 0.0,
                    oldest_age_s: 0.0,
                    cost_usd: busy * 1e-4,
                }
            })
            .collect()
    }

    fn latencies(base_us: u64, n: u64) -> Vec<u64> {
        // Mostly warm around base, 5 % cold starts ten times slower.
        (0..n)
            .map(|i| {
                let jitter = (i * 7919) % 1000;
                if i % 20 == 0 {
                    base_us * 10 + jitter * base_us / 100
                } else {
                    base_us + jitter * base_us / 400
                }
            })
            .collect()
    }

    fn report(nfuncs: usize, bins: usize) -> RunReport {
        let mut functions = Vec::new();
        let mut all = Vec::new();
        for i in 0..nfuncs {
            let lat = latencies(20_000 * (i as u64 + 1), 2000);
            all.extend_from_slice(&lat);
            let costs = Costs {
                billed_gb_seconds: 100.0,
                request: 0.0004 * (i + 1) as f64,
                compute: 0.0123 * (i + 1) as f64,
                provisioned: if i == 1 { 0.02 } else { 0.0 },
            };
            let limit = if i == 0 { 40 } else { 1000 };
            functions.push(function(&format!("function-{}", i + 1), &lat, costs, limit));
        }
        let mut total = function("*", &all, Costs::default(), 1000);
        for f in &functions {
            total.costs.request += f.costs.request;
            total.costs.compute += f.costs.compute;
            total.costs.provisioned += f.costs.provisioned;
        }
        RunReport {
            scenario: "burst-demo".to_string(),
            variant: "base".to_string(),
            replication: 0,
            seed: 42,
            duration: Time::from_secs(bins as u64),
            interval: Time::from_secs(1),
            concurrency_limit: 1000,
            series: (0..nfuncs).map(|i| series(bins, 1.0 + i as f64)).collect(),
            functions,
            total,
            sources: vec!["api".to_string()],
            attempts: None,
            trace: None,
            source_reports: Vec::new(),
            asynchronous: false,
            poll: false,
            events: 0,
            keep_alive: vec!["fixed 6m".to_string(); nfuncs],
            cluster: None,
        }
    }

    /// `report(nfuncs, bins)` invoked asynchronously: each function's backlog builds during
    /// the burst and drains after it, and events go to the DLQ while it is deep.
    fn async_report(nfuncs: usize, bins: usize) -> RunReport {
        let mut r = report(nfuncs, bins);
        r.asynchronous = true;
        let burst = bins * 4 / 10..bins * 6 / 10;
        for (k, (series, f)) in r.series.iter_mut().zip(&mut r.functions).enumerate() {
            let scale = 1.0 + k as f64;
            let mut depth = 0.0f64;
            for (i, b) in series.iter_mut().enumerate() {
                depth = if burst.contains(&i) {
                    depth + 40.0 * scale
                } else {
                    (depth * 0.93 - 5.0).max(0.0)
                };
                b.queue_depth = depth;
                b.throttles = (depth / 10.0) as u64;
                b.dlq = if depth > 300.0 * scale {
                    (depth / 400.0 * (1 + (i * 7 + k) % 5) as f64) as u64
                } else {
                    0
                };
            }
            f.dlq = series.iter().map(|b| b.dlq).sum();
            f.throttles = series.iter().map(|b| b.throttles).sum();
            f.retries = 2 * f.dlq + f.requests / 40;
        }
        r.total.dlq = r.functions.iter().map(|f| f.dlq).sum();
        r.total.throttles = r.functions.iter().map(|f| f.throttles).sum();
        r.total.retries = r.functions.iter().map(|f| f.retries).sum();
        r
    }

    /// A source of `function`, polled or not.
    fn source(name: &str, service: &'static str, function: &str, poll: bool) -> SourceReport {
        SourceReport::empty(name.to_string(), service, function.to_string(), poll)
    }

    /// An SQS backlog: 20 messages/s, plus 200,000 arriving over 10 s from `burst_s`. Each
    /// poller drains 50 messages/s; pollers start at 5, grow by 5/s while messages wait and
    /// shrink by 10/s once the queue is empty. Returns the peak pollers.
    fn sqs_series(series: &mut [BinReport], burst_s: usize) -> u32 {
        let mut waiting: std::collections::VecDeque<(usize, f64)> = Default::default();
        let mut depth = 0.0f64;
        let mut pollers = 5u32;
        let mut peak = pollers;
        for (t, b) in series.iter_mut().enumerate() {
            let arrivals = 20.0
                + if (burst_s..burst_s + 10).contains(&t) {
                    20_000.0
                } else {
                    0.0
                };
            waiting.push_back((t, arrivals));
            let before = depth;
            let mut capacity = f64::from(pollers) * 50.0;
            let done = capacity.min(depth + arrivals);
            while capacity > 0.0 {
                let Some(front) = waiting.front_mut() else {
                    break;
                };
                let take = front.1.min(capacity);
                front.1 -= take;
                capacity -= take;
                if front.1 <= 0.0 {
                    waiting.pop_front();
                }
            }
            depth = waiting.iter().map(|(_, n)| n).sum();
            b.arrivals = arrivals as u64;
            b.invocations = (done / 10.0) as u64;
            b.queue_depth = (before + depth) / 2.0 + 0.3;
            b.pollers = f64::from(pollers);
            b.oldest_age_s = waiting.front().map_or(0.25, |(a, _)| (t + 1 - a) as f64);
            b.concurrency = done / 50.0;
            b.instances_busy = done / 50.0;
            b.concurrency_max = pollers;
            b.dlq = 0;
            pollers = if depth > 1.0 {
                (pollers + 5).min(1250)
            } else {
                pollers.saturating_sub(10).max(5)
            };
            peak = peak.max(pollers);
        }
        peak
    }

    /// A Kinesis stream of 4 shards at 200 records/s: from `block_s` one shard's batch
    /// fails until its iterator age reaches 600 s; the batch then goes to the on-failure
    /// destination and the shard catches up at 1,000 records/s.
    fn kinesis_series(series: &mut [BinReport], block_s: usize) -> u64 {
        let mut backlog = 0.0f64;
        let mut blocked_since = None;
        let mut failed = 0;
        for (t, b) in series.iter_mut().enumerate() {
            let before = backlog;
            if t == block_s {
                blocked_since = Some(t);
            }
            b.oldest_age_s = 0.4 + 0.1 * ((t * 7) % 5) as f64;
            match blocked_since {
                Some(s) if t - s >= 600 => {
                    blocked_since = None;
                    b.dlq = 100;
                    failed += 100;
                    b.oldest_age_s = 600.0;
                }
                Some(s) => {
                    backlog += 50.0;
                    b.oldest_age_s = (t + 1 - s) as f64;
                }
                None => {
                    b.oldest_age_s = b.oldest_age_s.max(backlog / 50.0);
                    backlog = (backlog - 950.0).max(0.0);
                }
            }
            b.arrivals = 200;
            b.queue_depth = (before + backlog) / 2.0 + 40.0;
            b.pollers = 4.0;
            b.concurrency = 2.5;
            b.instances_busy = 2.5;
            b.concurrency_max = 4;
        }
        failed
    }

    /// One function read from SQS over `bins` seconds (see [`sqs_series`]).
    fn sqs_report(bins: usize) -> RunReport {
        let mut r = report(1, bins);
        r.scenario = "sqs-backlog".to_string();
        r.functions[0].function = "worker".to_string();
        r.poll = true;
        let peak = sqs_series(&mut r.series[0], 60);
        let mut s = source("orders", "sqs", "worker", true);
        s.max_pollers = peak;
        s.redelivered = 1234;
        r.source_reports = vec![s];
        r.sources = vec!["orders".to_string()];
        r.total.dlq = 0;
        r
    }

    /// One function reading a Kinesis stream over `bins` seconds (see [`kinesis_series`]).
    fn kinesis_report(bins: usize) -> RunReport {
        let mut r = report(1, bins);
        r.scenario = "kinesis-blocked-shard".to_string();
        r.functions[0].function = "consumer".to_string();
        r.poll = true;
        let dlq = kinesis_series(&mut r.series[0], bins / 6);
        r.functions[0].dlq = dlq;
        r.total.dlq = dlq;
        let mut s = source("clicks", "kinesis", "consumer", true);
        s.max_pollers = 4;
        s.dlq = dlq;
        s.expired = 0;
        r.source_reports = vec![s];
        r.sources = vec!["clicks".to_string()];
        r
    }

    /// Three functions over `bins` seconds: one invoked asynchronously, one read from SQS,
    /// one reading a Kinesis stream (whose blocked shard fails over with 800 bins or more).
    fn mixed_report(bins: usize) -> RunReport {
        let mut r = async_report(3, bins);
        r.scenario = "mixed-sources".to_string();
        r.poll = true;
        r.functions[1].function = "sqs-worker".to_string();
        r.functions[2].function = "stream-consumer".to_string();
        for b in r.series[1..].iter_mut().flatten() {
            b.dlq = 0;
        }
        let peak = sqs_series(&mut r.series[1], bins / 15);
        let dlq = kinesis_series(&mut r.series[2], bins / 8);
        r.functions[1].dlq = 0;
        r.functions[2].dlq = dlq;
        r.total.dlq = r.functions.iter().map(|f| f.dlq).sum();
        let mut sqs = source("orders", "sqs", "sqs-worker", true);
        sqs.max_pollers = peak;
        r.source_reports = vec![
            source("uploads", "s3", "function-1", false),
            sqs,
            source("clicks", "kinesis", "stream-consumer", true),
        ];
        r
    }

    fn names(files: &[(String, Vec<u8>)]) -> Vec<&str> {
        files.iter().map(|(n, _)| n.as_str()).collect()
    }

    fn svg<'a>(files: &'a [(String, Vec<u8>)], name: &str) -> &'a str {
        let (_, bytes) = files.iter().find(|(n, _)| n == name).expect("file present");
        std::str::from_utf8(bytes).expect("SVG is UTF-8")
    }

    /// The queue chart's SVG.
    fn queue_svg(r: &RunReport) -> String {
        svg(&render(r).expect("renders"), "queue.svg").to_string()
    }

    const PNG_SIGNATURE: &[u8] = &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];

    #[test]
    fn renders_eight_files_with_expected_names() {
        let files = render(&report(2, 100)).expect("renders");
        assert_eq!(
            names(&files),
            [
                "concurrency.svg",
                "concurrency.png",
                "latency_cdf.svg",
                "latency_cdf.png",
                "cold_starts_throttles.svg",
                "cold_starts_throttles.png",
                "cost.svg",
                "cost.png",
            ]
        );
        for (name, bytes) in &files {
            if name.ends_with(".png") {
                assert!(bytes.starts_with(PNG_SIGNATURE), "{name} is not a PNG");
            } else {
                assert!(
                    svg(&files, name).starts_with("<svg"),
                    "{name} is not an SVG"
                );
            }
        }
    }

    #[test]
    fn svgs_carry_titles_and_axis_labels() {
        let files = render(&report(2, 100)).expect("renders");
        let c = svg(&files, "concurrency.svg");
        assert!(c.contains("burst-demo") && c.contains("instances") && c.contains("time (s)"));
        assert!(
            c.contains("limit 40") && c.contains("limit 1,000 (off scale)"),
            "limit labels"
        );
        let l = svg(&files, "latency_cdf.svg");
        assert!(l.contains("latency (ms") && l.contains("fraction of requests"));
        assert!(l.contains("all functions"));
        let t = svg(&files, "cold_starts_throttles.svg");
        assert!(
            t.contains("count per 1 s interval")
                && t.contains("cold starts")
                && t.contains("throttles")
        );
        let k = svg(&files, "cost.svg");
        assert!(k.contains("cost (USD)") && k.contains("function-2") && k.contains("total"));
    }

    #[test]
    fn queue_chart_drawn_for_asynchronous_and_poll_runs() {
        let files = render(&report(2, 100)).expect("renders");
        assert!(!names(&files).iter().any(|n| n.starts_with("queue")));

        let files = render(&async_report(2, 100)).expect("renders");
        assert_eq!(
            names(&files)[8..],
            ["queue.svg", "queue.png"],
            "the queue chart comes last"
        );
        let (_, png) = &files[9];
        assert!(png.len() > 1000 && png.starts_with(PNG_SIGNATURE));
        let q = svg(&files, "queue.svg");
        assert!(q.starts_with("<svg") && q.contains("burst-demo"));
        assert!(q.contains("events in queue") && q.contains("events to DLQ per 1 s"));
        assert!(q.contains("time (s)") && q.contains("function-2: "));
        assert!(!q.contains("no event went to the DLQ"));

        // Nothing dropped: the DLQ panel says so.
        let mut r = async_report(1, 100);
        for b in r.series.iter_mut().flatten() {
            b.dlq = 0;
        }
        let files = render(&r).expect("renders");
        let q = svg(&files, "queue.svg");
        assert!(q.contains("no event went to the DLQ"));
        assert!(!q.contains("function-1: "), "no legend for one function");

        // No functions, no bins; and too many functions to name.
        let mut r = async_report(0, 0);
        r.duration = Time::ZERO;
        assert!(svg(&render(&r).expect("renders"), "queue.svg").contains("no time series"));
        let files = render(&async_report(50, 60)).expect("renders many functions");
        assert!(svg(&files, "queue.svg").contains("each function (50)"));

        // Deterministic.
        let r = async_report(3, 500);
        assert_eq!(render(&r).expect("renders"), render(&r).expect("renders"));
    }

    #[test]
    fn queue_chart_shows_pollers_and_ages_of_poll_sources() {
        // SQS: messages, pollers, oldest message age; nothing to the DLQ.
        let files = render(&sqs_report(300)).expect("renders");
        assert_eq!(names(&files)[8..], ["queue.svg", "queue.png"]);
        let q = svg(&files, "queue.svg");
        assert!(q.contains("Queue, pollers and DLQ") && q.contains("sqs-backlog"));
        assert!(q.contains("messages waiting") && q.contains("SQS queue"));
        assert!(q.contains("Pollers") && q.contains("concurrent batches"));
        assert!(q.contains("Oldest message age") && q.contains("age (s)"));
        assert!(q.contains("no message went to the DLQ") && q.contains("1,234 redelivered"));
        assert!(!q.contains("Internal queue") && !q.contains("events in queue"));

        // Kinesis: records, iterator age, the on-failure destination.
        let q = queue_svg(&kinesis_report(1800));
        assert!(q.contains("records waiting") && q.contains("Iterator age"));
        assert!(q.contains("On-failure destination") && q.contains("records sent per"));
        assert!(q.contains("peak 4 pollers") && q.contains("time (min)"));
        assert!(!q.contains("no record went"));

        // Every kind at once: named per function, pollers only for the polled ones.
        let q = queue_svg(&mixed_report(900));
        assert!(q.contains("events, messages or records waiting"));
        assert!(q.contains("requests to DLQ per") && q.contains("stream-consumer: 100 to DLQ"));

        // Ages of hours are drawn in hours.
        let mut r = kinesis_report(600);
        for b in &mut r.series[0] {
            b.oldest_age_s *= 30.0;
        }
        assert!(queue_svg(&r).contains("age (h)"));

        // Poll sources without data, without source reports, or without bins.
        let mut r = report(2, 50);
        r.poll = true;
        let q = queue_svg(&r);
        assert!(q.contains("messages or records waiting") && q.contains("no pollers"));
        let mut r = sqs_report(0);
        r.duration = Time::ZERO;
        assert!(queue_svg(&r).contains("no time series"));
        let mut r = report(30, 60);
        r.poll = true;
        for s in &mut r.series {
            sqs_series(s, 10);
        }
        let q = queue_svg(&r);
        assert!(q.contains("each function (30)"));

        // Synchronous runs have no queue chart; poll runs render deterministically.
        assert_eq!(render(&report(1, 10)).expect("renders").len(), 8);
        let r = mixed_report(500);
        assert_eq!(render(&r).expect("renders"), render(&r).expect("renders"));
    }

    #[test]
    fn empty_reports_render() {
        // No functions, no bins.
        let mut r = report(0, 0);
        r.duration = Time::ZERO;
        let files = render(&r).expect("renders with nothing");
        assert_eq!(files.len(), 8);
        assert!(svg(&files, "latency_cdf.svg").contains("no successful requests"));

        // One function, one bin of zeros, zero requests, empty histogram, NaN latencies.
        let mut r = report(1, 1);
        r.series = vec![vec![BinReport::default()]];
        r.functions[0] = function("idle", &[], Costs::default(), 0);
        r.total = function("*", &[], Costs::default(), 0);
        r.interval = Time::ZERO;
        r.duration = Time::ZERO;
        let files = render(&r).expect("renders a single empty bin");
        assert!(svg(&files, "latency_cdf.svg").contains("no successful requests"));

        // NaN and infinite values in the series and costs.
        let mut r = report(2, 10);
        r.series[0][3].instances_busy = f64::NAN;
        r.series[1][4].instances_idle = f64::INFINITY;
        r.functions[1].costs.compute = f64::NAN;
        r.total.costs.compute = f64::NAN;
        render(&r).expect("renders NaN data");
    }

    #[test]
    fn many_functions_and_long_runs_render() {
        for n in [7, 10, 50] {
            let files = render(&report(n, 60)).expect("renders many functions");
            assert!(svg(&files, "concurrency.svg").contains("account limit 1,000"));
            assert!(svg(&files, "cost.svg").contains(&format!("function-{n}")));
        }
        // Very many functions: the cheapest share one bar.
        let files = render(&report(100, 10)).expect("renders 100 functions");
        let cost = svg(&files, "cost.svg");
        assert!(cost.contains("61 other functions") && cost.contains("function-100"));
        assert!(
            !cost.contains("function-1\n"),
            "the cheapest function is summed"
        );
        // A long run: hours on the axis, merged bins.
        let mut r = report(2, 20_000);
        r.duration = Time::from_secs(20_000);
        let files = render(&r).expect("renders a long run");
        assert!(svg(&files, "concurrency.svg").contains("time (h)"));
        assert!(svg(&files, "cold_starts_throttles.svg").contains("count per 10 s interval"));
    }

    #[test]
    fn extreme_values_render() {
        let mut r = report(3, 50);
        r.duration = Time(u64::MAX);
        r.interval = Time(u64::MAX / 40);
        for b in r.series.iter_mut().flatten() {
            b.instances_busy = f64::MAX;
            b.instances_idle = f64::NEG_INFINITY;
            b.instances_initializing = f64::NAN;
            b.concurrency_max = u32::MAX;
            b.cold_starts = u64::MAX;
            b.throttles = u64::MAX;
        }
        r.functions[0].costs.compute = f64::MAX;
        r.functions[1].costs.request = -1.0;
        r.functions[2].limit = u32::MAX;
        r.total.costs.compute = f64::INFINITY;
        let mut h = latency_histogram();
        h.record(0).expect("records 0");
        h.record(30 * 86_400 * 1_000_000)
            .expect("records the maximum");
        r.functions[0].latency = LatencyReport::new(h, 0, 0);
        assert_eq!(render(&r).expect("renders extreme values").len(), 8);

        // Vanishingly small values.
        let mut r = report(2, 5);
        for f in &mut r.functions {
            f.costs = Costs {
                billed_gb_seconds: 0.0,
                request: 5e-324,
                compute: 1e-300,
                provisioned: 0.0,
            };
        }
        r.total.costs = Costs {
            billed_gb_seconds: 0.0,
            request: 1e-323,
            compute: 2e-300,
            provisioned: 0.0,
        };
        r.series[0][0].instances_busy = 5e-324;
        r.duration = Time(1);
        r.interval = Time(1);
        assert_eq!(render(&r).expect("renders tiny values").len(), 8);
    }

    /// A deterministic jitter in [-1, 1) from two indices.
    fn jitter(a: usize, b: usize) -> f64 {
        let h = (a as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15)
            ^ (b as u64 + 7).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        ((h >> 11) % 2000) as f64 / 1000.0 - 1.0
    }

    /// One run of variant `name` with the given whole-scenario figures.
    fn variant_run(
        name: &str,
        rep: u32,
        memory_mb: u32,
        p99: f64,
        mean: f64,
        cost: f64,
    ) -> RunReport {
        let mut r = report(1, 10);
        r.variant = name.to_string();
        r.replication = rep;
        r.functions[0].function = "api".to_string();
        r.functions[0].memory_mb = memory_mb;
        r.total.latency.p99_ms = p99;
        r.total.latency.mean_ms = mean;
        r.total.costs = Costs {
            billed_gb_seconds: 0.0,
            request: 0.002,
            compute: cost - 0.002,
            provisioned: 0.0,
        };
        r
    }

    /// A sweep of a CPU-bound function (single-threaded: no faster beyond one vCPU at
    /// 1,769 MB, and slowed by memory pressure at the smallest sizes) over `memories` ×
    /// `policies` (`fixed/…` keeps environments warm, `none` starts each request cold), with
    /// `reps` replications each: latency falls with memory, cost is U-shaped.
    fn sweep_runs(memories: &[u32], policies: &[&str], reps: u32) -> Vec<RunReport> {
        let mut runs = Vec::new();
        for (p, policy) in policies.iter().enumerate() {
            for (k, &m) in memories.iter().enumerate() {
                let name = if policy.is_empty() {
                    format!("memory_mb={m}")
                } else {
                    format!("keep_alive={policy} memory_mb={m}")
                };
                let m_f = f64::from(m);
                let cpu = 600.0 * 1769.0 / m_f.min(1769.0) * (1.0 + 64.0 / m_f);
                let cold = match *policy {
                    "none" => 380.0,
                    "fixed/1m" => 40.0,
                    _ => 6.0,
                };
                for rep in 0..reps {
                    let noise = 1.0 + 0.03 * jitter(p * 100 + k, rep as usize);
                    let mean = (cpu + 40.0 + cold) * noise;
                    let p99 =
                        (cpu * 1.5 + 40.0 + cold * 3.0) * (1.0 + 0.06 * jitter(rep as usize, k));
                    let gb_s = 10_000.0 * m_f / 1024.0 * (cpu + 40.0 + cold * 0.8) / 1000.0;
                    let cost = 0.002 + gb_s * 0.000_016_666_7 * noise;
                    runs.push(variant_run(&name, rep, m, p99, mean, cost));
                }
            }
        }
        runs
    }

    #[test]
    fn sweep_charts_need_several_variants() {
        assert!(render_variants(&[]).expect("renders").is_empty());
        assert!(
            render_variants(&[report(2, 10)])
                .expect("renders")
                .is_empty()
        );
        // One variant, several replications: still nothing.
        let runs = sweep_runs(&[512], &["fixed/1m"], 4);
        assert!(render_variants(&runs).expect("renders").is_empty());
        // Two variants: the variants chart.
        let runs = sweep_runs(&[512], &["fixed/1m", "none"], 3);
        let files = render_variants(&runs).expect("renders");
        assert_eq!(names(&files), ["variants.svg", "variants.png"]);
        assert!(files[1].1.starts_with(PNG_SIGNATURE));
        let v = svg(&files, "variants.svg");
        assert!(v.contains("burst-demo: cost vs p99 latency per variant"));
        assert!(v.contains("p99 latency (ms)") && v.contains("cost (USD per run)"));
        assert!(v.contains("2 variants × 3 replications") && v.contains("95 % confidence"));
        assert!(v.contains("keep_alive=fixed/1m memory_mb=512"));
        assert!(v.contains("keep_alive=none memory_mb=512"));
        assert!(v.contains("Pareto-optimal"));
    }

    #[test]
    fn memory_chart_only_when_memory_differs() {
        let runs = sweep_runs(&[128, 512, 1024, 3008], &["fixed/10m", "none"], 5);
        let files = render_variants(&runs).expect("renders");
        assert_eq!(
            names(&files),
            ["variants.svg", "variants.png", "memory.svg", "memory.png"]
        );
        let m = svg(&files, "memory.svg");
        assert!(m.contains("burst-demo: cost and latency by memory size"));
        assert!(m.contains("memory of api (MB, log scale)") && m.contains("3,008"));
        assert!(m.contains("cost (USD per run)") && m.contains("mean latency (ms"));
        // A line per keep-alive policy, named without the memory size.
        assert!(m.contains("\nkeep_alive=fixed/10m\n") && m.contains("\nkeep_alive=none\n"));
        assert!(!m.contains("memory_mb="));
        assert!(svg(&files, "variants.svg").contains("p99 latency (ms"));

        // Memory alone: one line, no legend of lines.
        let runs = sweep_runs(&[128, 256, 512], &[""], 2);
        let files = render_variants(&runs).expect("renders");
        assert_eq!(names(&files).len(), 4);
        assert!(svg(&files, "memory.svg").contains("cost per run (left axis)"));

        // Two functions, the second one's memory swept: it is on the x axis.
        let mut runs = sweep_runs(&[256, 512], &["fixed/1m", "none"], 2);
        for r in &mut runs {
            let mut second = r.functions[0].clone();
            second.function = "worker".to_string();
            std::mem::swap(&mut second.memory_mb, &mut r.functions[0].memory_mb);
            r.functions[0].memory_mb = 1024;
            r.functions.push(second);
        }
        let m = svg(&render_variants(&runs).expect("renders"), "memory.svg").to_string();
        assert!(m.contains("memory of worker (MB)") && m.contains("all functions"));
    }

    #[test]
    fn sweep_charts_are_deterministic() {
        let runs = sweep_runs(&[128, 256, 512, 1024, 2048], &["fixed/10m", "none"], 4);
        assert_eq!(
            render_variants(&runs).expect("renders"),
            render_variants(&runs).expect("renders")
        );
    }

    #[test]
    fn pareto_front_keeps_the_undominated_variants() {
        let v = |p99: f64, cost: f64| VariantStats {
            name: String::new(),
            replications: 1,
            p99: Estimate {
                mean: p99,
                ci: f64::NAN,
            },
            latency: Estimate {
                mean: p99,
                ci: f64::NAN,
            },
            cost: Estimate {
                mean: cost,
                ci: f64::NAN,
            },
            memory: Vec::new(),
            cold_p75: Estimate {
                mean: f64::NAN,
                ci: f64::NAN,
            },
            wasted: Estimate {
                mean: f64::NAN,
                ci: f64::NAN,
            },
            keep_alive: Vec::new(),
        };
        let vs = [
            v(100.0, 5.0),    // fastest
            v(200.0, 3.0),    // cheaper, slower
            v(200.0, 4.0),    // dominated by the one above
            v(300.0, 3.0),    // dominated: as cheap, slower
            v(400.0, 1.0),    // cheapest
            v(f64::NAN, 0.5), // no data
            v(100.0, 5.0),    // a tie with the fastest: both optimal
        ];
        assert_eq!(
            pareto_front(&vs, COST_P99),
            [true, true, false, false, true, false, true]
        );
        assert_eq!(
            without_word("a=1 memory_mb=512 b=2", "memory_mb=512"),
            "a=1 b=2"
        );
    }

    #[test]
    fn value_axes_go_logarithmic_beyond_twenty_times() {
        let e = |mean: f64| Estimate { mean, ci: f64::NAN };
        // 10 to 500 ms: a log axis, labelled at 1-2-5 values.
        let a = ValueAxis::fit(&[e(10.0), e(500.0)], true, 10);
        assert!(a.log && a.value(a.lo) < 10.0 && a.value(a.hi) > 500.0);
        assert!(a.bold.iter().any(|c| (a.value(*c) - 100.0).abs() < 1e-9));
        // 100 to 1,000 ms: linear from 0; 900 to 1,000: linear around the data.
        let a = ValueAxis::fit(&[e(100.0), e(1000.0)], true, 10);
        assert!(!a.log && a.lo == 0.0 && a.hi > 1000.0);
        let a = ValueAxis::fit(&[e(900.0), e(1000.0)], true, 10);
        assert!(!a.log && a.lo > 800.0 && a.lo < 900.0);
        // Nothing known, or one value.
        let a = ValueAxis::fit(&[e(f64::NAN)], true, 10);
        assert!(a.lo < a.hi);
        let a = ValueAxis::fit(&[e(0.0), e(0.0)], true, 10);
        assert!(a.lo < a.hi);
        // Dollar labels keep cents.
        let a = ValueAxis::linear(0.19, 0.26, 8);
        let labels: Vec<String> = a.bold.iter().map(|c| a.usd_label(*c)).collect();
        assert!(labels.contains(&"$0.20".to_string()), "{labels:?}");
        // Memory sizes: log from 4×, ticks at the sizes.
        let m = ValueAxis::memory(&[128, 512, 3008, 512]);
        assert!(m.log && m.bold.len() == 3);
        assert!(!ValueAxis::memory(&[1024, 2048]).log);
        assert_eq!(without_word("memory_mb=512", "memory_mb=512"), "");
    }

    #[test]
    fn sweep_charts_cope_with_missing_and_extreme_data() {
        // One replication each (no intervals), NaN and infinite figures, zero costs.
        let mut runs = sweep_runs(&[128, 256, 512, 1024], &["fixed/1m", "none"], 1);
        runs[0].total.latency.p99_ms = f64::NAN;
        runs[1].total.latency.mean_ms = f64::INFINITY;
        runs[2].total.costs = Costs::default();
        runs[3].total.latency.p99_ms = 0.0;
        runs[4].total.costs.compute = f64::MAX;
        let files = render_variants(&runs).expect("renders odd data");
        assert_eq!(files.len(), 4);
        assert!(svg(&files, "variants.svg").contains("no confidence intervals"));

        // Nothing known at all.
        for r in &mut runs {
            r.total.latency.p99_ms = f64::NAN;
            r.total.latency.mean_ms = f64::NAN;
            r.total.costs.compute = f64::NAN;
        }
        let files = render_variants(&runs).expect("renders without data");
        assert!(svg(&files, "variants.svg").contains("no variant had successful requests"));

        // Many variants: only the Pareto-optimal ones are numbered.
        let memories: Vec<u32> = (0..30).map(|k| 128 + 64 * k).collect();
        let runs = sweep_runs(&memories, &["fixed/1m", "none"], 2);
        let files = render_variants(&runs).expect("renders many variants");
        assert!(svg(&files, "variants.svg").contains("Numbered: the Pareto-optimal variants"));
        assert!(svg(&files, "memory.svg").contains("keep_alive=none"));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(24))]

        /// Whatever the figures, the sweep charts render.
        #[test]
        fn any_sweep_renders(
            values in proptest::collection::vec(proptest::num::f64::ANY, 48),
            memories in proptest::collection::vec(proptest::prelude::any::<u32>(), 1..6),
            reps in 1u32..4,
        ) {
            let mut runs = sweep_runs(&memories, &["fixed/1m", "none"], reps);
            let mut v = values.iter().copied().cycle();
            let mut next = || v.next().unwrap_or(0.0);
            for r in &mut runs {
                r.total.latency.p99_ms = next();
                r.total.latency.mean_ms = next();
                r.total.costs.compute = next();
            }
            proptest::prop_assert!(render_variants(&runs).is_ok());
        }
    }

    /// Writes the PNGs of synthetic sweeps to /tmp/charts-preview/ to look at.
    #[test]
    #[ignore]
    fn preview_sweeps() {
        let dir = std::path::Path::new("/tmp/charts-preview");
        std::fs::create_dir_all(dir).expect("preview dir");
        let memories = [128, 256, 512, 1024, 1536, 2048, 3008];
        let mut long_names = sweep_runs(&[256, 1024], &["fixed/10m", "none"], 3);
        for r in &mut long_names {
            r.variant = format!(
                "{} batch_size=10 concurrency_limit=100 arrival=poisson/20",
                r.variant
            );
        }
        let cases = [
            ("sweep", sweep_runs(&memories, &["fixed/10m", "none"], 5)),
            ("sweep-memory-only", sweep_runs(&memories, &[""], 5)),
            (
                "sweep-one-rep",
                sweep_runs(&memories, &["fixed/10m", "none"], 1),
            ),
            (
                "sweep-keep-alive",
                sweep_runs(&[1024], &["fixed/1m", "fixed/10m", "none"], 5),
            ),
            (
                "sweep-policies",
                sweep_runs(
                    &[128, 512, 2048],
                    &["fixed/1m", "fixed/10m", "fixed/30m", "none"],
                    4,
                ),
            ),
            (
                "sweep-many",
                sweep_runs(
                    &(0..30).map(|k| 128 + 96 * k).collect::<Vec<_>>(),
                    &["fixed/1m", "none"],
                    3,
                ),
            ),
            ("sweep-long-names", long_names),
        ];
        for (tag, runs) in cases {
            for (name, bytes) in render_variants(&runs).expect("renders") {
                if name.ends_with(".png") {
                    std::fs::write(dir.join(format!("{tag}-{name}")), bytes).expect("write");
                }
            }
        }
    }

    /// Writes the PNGs of the example scenarios to /tmp/charts-preview/ to look at.
    #[test]
    #[ignore]
    fn preview_examples() {
        let dir = std::path::Path::new("/tmp/charts-preview");
        std::fs::create_dir_all(dir).expect("preview dir");
        let mut scenarios = Vec::new();
        for entry in std::fs::read_dir("scenarios").expect("scenarios folder") {
            let path = entry.expect("entry").path();
            if path.extension().is_some_and(|e| e == "toml") {
                scenarios.push(crate::scenario::load(&path).expect("valid scenario"));
            }
        }
        let opts = crate::runner::RunOptions::default();
        let runs = crate::runner::simulate_all(&scenarios, &opts).expect("simulates");
        for (sc, runs) in scenarios.iter().zip(&runs) {
            for (name, bytes) in render(&runs[0]).expect("renders") {
                if name.ends_with(".png") {
                    std::fs::write(dir.join(format!("real-{}-{name}", sc.name)), bytes)
                        .expect("write");
                }
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(24))]

        /// Whatever the numbers, render neither panics nor hangs nor fails.
        #[test]
        fn any_numbers_render(
            nfuncs in 0usize..4,
            bins in 0usize..6,
            values in proptest::collection::vec(proptest::num::f64::ANY, 64),
            counts in proptest::collection::vec(proptest::prelude::any::<u64>(), 16),
            nanos in proptest::prelude::any::<u64>(),
            asynchronous in proptest::prelude::any::<bool>(),
            poll in proptest::prelude::any::<bool>(),
            sqs in proptest::prelude::any::<bool>(),
        ) {
            let mut r = report(nfuncs, bins);
            let mut v = values.iter().copied().cycle();
            let mut c = counts.iter().copied().cycle();
            let mut next = || v.next().unwrap_or(0.0);
            for b in r.series.iter_mut().flatten() {
                b.instances_busy = next();
                b.instances_idle = next();
                b.instances_initializing = next();
                b.concurrency_max = c.next().unwrap_or(0) as u32;
                b.cold_starts = c.next().unwrap_or(0);
                b.throttles = c.next().unwrap_or(0);
                b.queue_depth = next();
                b.dlq = c.next().unwrap_or(0);
                b.pollers = next();
                b.oldest_age_s = next();
            }
            r.asynchronous = asynchronous;
            r.poll = poll;
            if poll && nfuncs > 0 {
                let service = if sqs { "sqs" } else { "dynamodb_streams" };
                let mut s = source("src", service, "function-1", true);
                s.max_pollers = c.next().unwrap_or(0) as u32;
                s.redelivered = c.next().unwrap_or(0);
                s.expired = c.next().unwrap_or(0);
                r.source_reports = vec![s, source("api", "api_gateway", "function-2", false)];
            }
            for f in r.functions.iter_mut().chain(std::iter::once(&mut r.total)) {
                f.costs = Costs { billed_gb_seconds: 0.0, request: next(), compute: next(), provisioned: next() };
                f.limit = c.next().unwrap_or(0) as u32;
                f.latency.p50_ms = next();
                f.latency.p99_ms = next();
            }
            r.duration = Time(nanos);
            r.interval = Time(nanos / (1 + c.next().unwrap_or(0) % 1000));
            let files = if asynchronous || poll { 10 } else { 8 };
            proptest::prop_assert_eq!(render(&r).map(|f| f.len()).ok(), Some(files));
        }
    }

    #[test]
    fn number_formats() {
        assert_eq!(fmt_usd(12.344), "$12.34");
        assert_eq!(fmt_usd(1234.5), "$1,234.50");
        assert_eq!(fmt_usd(0.0123), "$0.0123");
        assert_eq!(fmt_usd(0.000_456_7), "$0.000457");
        assert_eq!(fmt_usd(0.0), "$0");
        assert_eq!(fmt_tick(2500.0), "2,500");
        assert_eq!(fmt_tick(0.25), "0.25");
        assert_eq!(fmt_tick(10.0), "10");
        assert_eq!(fmt_span(1.0), "1 s");
        assert_eq!(fmt_span(0.1), "100 ms");
        assert_eq!(fmt_span(300.0), "5 min");
        assert_eq!(fmt_span(7200.0), "2 h");
        assert_eq!(fmt_ms(12.345), "12.3 ms");
        assert_eq!(fmt_ms(2345.0), "2.35 s");
        assert_eq!(nice_125_below(37.0), 20.0);
        assert_eq!(nice_125_above(37.0), 50.0);
    }

    /// Writes the PNGs of the synthetic reports to /tmp/charts-preview/ to look at.
    #[test]
    #[ignore]
    fn preview() {
        let dir = std::path::Path::new("/tmp/charts-preview");
        std::fs::create_dir_all(dir).expect("preview dir");
        let mut long = report(3, 20_000);
        long.duration = Time::from_secs(20_000);
        long.replication = 2;
        long.variant = "memory-2048".to_string();
        let mut async_long = async_report(2, 20_000);
        async_long.duration = Time::from_secs(20_000);
        let mut async_no_dlq = async_report(2, 100);
        for b in async_no_dlq.series.iter_mut().flatten() {
            b.dlq = 0;
        }
        for f in async_no_dlq
            .functions
            .iter_mut()
            .chain(std::iter::once(&mut async_no_dlq.total))
        {
            f.dlq = 0;
        }
        let mut poll_fifteen = report(15, 300);
        poll_fifteen.poll = true;
        for (k, s) in poll_fifteen.series.iter_mut().enumerate() {
            sqs_series(s, 20 + 10 * k);
        }
        let cases = [
            ("two", report(2, 100)),
            ("one", report(1, 100)),
            ("six", report(6, 100)),
            ("ten", report(10, 100)),
            ("fifty", report(50, 60)),
            ("hundred", report(100, 10)),
            ("long", long),
            ("empty", report(0, 0)),
            ("async-one", async_report(1, 100)),
            ("async-three", async_report(3, 600)),
            ("async-ten", async_report(10, 100)),
            ("async-fifty", async_report(50, 60)),
            ("async-long", async_long),
            ("async-no-dlq", async_no_dlq),
            ("sqs", sqs_report(300)),
            ("kinesis", kinesis_report(1800)),
            ("mixed", mixed_report(900)),
            ("poll-fifteen", poll_fifteen),
        ];
        for (tag, r) in cases {
            for (name, bytes) in render(&r).expect("renders") {
                std::fs::write(dir.join(format!("{tag}-{name}")), bytes).expect("write");
            }
        }
    }
}
