//! Charts of one run (concurrency, latency CDF, cold starts and throttles, cost, and for
//! runs with asynchronous or poll sources the queues, pollers and DLQ) and of the variants
//! of a sweep (cost against p99 latency, cost and latency by memory size), each rendered in
//! memory as SVG and PNG.
//!
//! Text uses the bundled DejaVu Sans through plotters' `ab_glyph` support, so no system font
//! library is needed. Every chart copes with any report: no functions, no bins, no requests,
//! NaN values or dozens of functions.

mod backend;
mod break_even;
mod cold_starts_throttles;
mod concurrency;
mod cost;
mod format;
mod header;
mod latency_cdf;
mod legend;
mod managed;
mod marks;
mod memory;
#[cfg(test)]
mod preview;
mod queue;
mod queue_kinds;
mod scale;
mod style;
mod sweep;
#[cfg(test)]
mod test_util;
mod time_grid;
mod value_axis;
mod variants;

use crate::metrics::RunReport;
use backend::{Drawn, ensure_font, render_png, render_svg};
use break_even::{BreakEven, draw_break_even};
use cold_starts_throttles::draw_cold_starts_throttles;
use concurrency::{concurrency_panel_count, draw_concurrency};
use cost::{cost_chart_height, draw_cost};
use latency_cdf::draw_latency_cdf;
use legend::{LEGEND_ROW_H, legend_rows};
use managed::{draw_managed, has_managed};
use memory::{draw_memory, memory_legend_labels};
use plotters::coord::Shift;
use plotters::prelude::{DrawingArea, DrawingBackend, WHITE};
use queue::{draw_queue, queue_chart_height};
use style::{MAX_LABELLED_CURVES, WIDTH};
use sweep::{COLD_WASTE, COST_P99, Sweep};
use variants::{draw_variants, list_height, numbered_names};

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
/// The files are `concurrency`, `latency_cdf`, `cold_starts_throttles`, `cost`, when
/// `report.asynchronous || report.poll` `queue`, and with a function on Managed Instances
/// `managed_instances`, each as `.svg` and `.png` (in that order).
pub fn render(report: &RunReport) -> Result<Vec<(String, Vec<u8>)>, ChartError> {
    ensure_font()?;
    let figures: Vec<RunChart> = Chart::of(report)
        .into_iter()
        .map(|chart| RunChart { chart, report })
        .collect();
    render_all(&figures)
}

/// Renders every chart of one run as SVG only (for `report.html`): (file stem, SVG text).
pub fn render_svgs(report: &RunReport) -> Result<Vec<(String, String)>, ChartError> {
    ensure_font()?;
    Chart::of(report)
        .into_iter()
        .map(|chart| {
            let figure = RunChart { chart, report };
            let svg = render_svg(&figure)?;
            Ok((
                figure.name().to_string(),
                String::from_utf8_lossy(&svg).into_owned(),
            ))
        })
        .collect()
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
    let break_even = BreakEven::of(runs);
    let figure = |chart| SweepFigure {
        chart,
        sweep: &sweep,
        break_even: break_even.as_ref(),
    };
    let mut figures = vec![figure(SweepChart::Variants)];
    if sweep.memory.is_some() {
        figures.push(figure(SweepChart::Memory));
    }
    if sweep.policies {
        figures.push(figure(SweepChart::Policies));
    }
    if break_even.is_some() {
        figures.push(figure(SweepChart::BreakEven));
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

#[derive(Clone, Copy, Debug)]
enum Chart {
    Concurrency,
    LatencyCdf,
    ColdStartsThrottles,
    Cost,
    Queue,
    Managed,
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
        if has_managed(report) {
            charts.push(Chart::Managed);
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
            Chart::Managed => "managed_instances",
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
            Chart::Managed => (WIDTH, 1200),
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
            Chart::Managed => draw_managed(&root, report),
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

/// The charts of a sweep.
#[derive(Clone, Copy, Debug)]
enum SweepChart {
    Variants,
    Memory,
    Policies,
    BreakEven,
}

/// A chart of a sweep.
struct SweepFigure<'a> {
    chart: SweepChart,
    sweep: &'a Sweep,
    /// The sweep across traffic and the two computes, if it is one.
    break_even: Option<&'a BreakEven>,
}

impl Figure for SweepFigure<'_> {
    fn name(&self) -> &'static str {
        match self.chart {
            SweepChart::Variants => "variants",
            SweepChart::Memory => "memory",
            SweepChart::Policies => "policies",
            SweepChart::BreakEven => "break_even",
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
            SweepChart::BreakEven => (
                WIDTH,
                1300 + LEGEND_ROW_H as u32
                    * (self.break_even.map_or(0, BreakEven::legend_lines) as u32 / 2),
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
            SweepChart::BreakEven => match self.break_even {
                Some(be) => draw_break_even(&root, self.sweep, be),
                None => Ok(()),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::test_util::*;
    use super::*;
    use crate::billing::Costs;
    use crate::engine::Time;
    use crate::metrics::{BinReport, LatencyReport, latency_histogram};

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
            t.contains("counts per 1 s interval")
                && t.contains(">\ncold starts\n<")
                && t.contains(">\nthrottles\n<")
        );
        let k = svg(&files, "cost.svg");
        assert!(k.contains("cost (USD)") && k.contains("function-2") && k.contains("total"));
    }

    #[test]
    fn snapstart_and_storage_charges_get_a_bar_segment_and_a_legend_entry_only_when_charged() {
        let r = report(2, 10);
        let plain = svg(&render(&r).unwrap(), "cost.svg").to_string();
        assert!(!plain.contains("SnapStart") && !plain.contains("ephemeral storage"));
        let mut r = report(2, 10);
        r.functions[1].costs.snapstart = 0.25;
        r.functions[0].costs.ephemeral = 0.5;
        r.total.costs.snapstart = 0.25;
        r.total.costs.ephemeral = 0.5;
        let files = render(&r).unwrap();
        let cost = svg(&files, "cost.svg");
        assert!(cost.contains("SnapStart $0.25") && cost.contains("ephemeral storage $0.50"));
        // Their colours fill a segment each (function, and total), beside the legend's.
        for rgb in ["#FF7F0E", "#8C564B"] {
            assert!(cost.matches(rgb).count() >= 3, "{rgb}");
        }
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
    fn a_finite_cluster_charts_the_memory_that_binds_and_a_burst_its_everyday_load() {
        let mut r = report(2, 60);
        r.cluster = Some(crate::metrics::ClusterReport {
            hosts: 4,
            host_memory_mb: 8192,
            peak_host_used_mb: 8192,
            host_cpu: 0,
            peak_host_used_cpu: 0,
            evictions: 4774,
            placement_failures: 3,
        });
        for series in &mut r.series {
            for b in series.iter_mut() {
                b.host_memory_mb = Some(12_000.0);
            }
        }
        let c = svg(&render(&r).unwrap(), "concurrency.svg").to_string();
        assert!(c.contains("held, of 4 hosts × 8 GB (dashed)"), "{c}");
        assert!(c.contains("busiest host 100 % full") && c.contains("4,774 evictions"));
        assert!(c.contains("memory (GB)"));
        assert!(
            !svg(&render(&report(2, 60)).unwrap(), "concurrency.svg").contains("Cluster memory")
        );
        // One function at a steady few, then a burst of 1,000: a zoom on the few.
        let mut r = report(1, 60);
        for (k, b) in r.series[0].iter_mut().enumerate() {
            b.instances_busy = if k == 30 { 1000.0 } else { 3.0 };
            b.instances_initializing = 0.0;
            b.instances_idle = if k > 30 { 900.0 } else { 0.0 };
            b.concurrency_max = if k == 30 { 1000 } else { 4 };
        }
        let c = svg(&render(&r).unwrap(), "concurrency.svg").to_string();
        assert!(c.contains("Everyday load, zoomed to 0–"), "{c}");
        // Without the burst, no zoom.
        for b in r.series[0].iter_mut() {
            b.instances_busy = 3.0;
            b.instances_idle = 0.0;
            b.concurrency_max = 4;
        }
        assert!(!svg(&render(&r).unwrap(), "concurrency.svg").contains("Everyday load"));
    }

    #[test]
    fn many_functions_and_long_runs_render() {
        for n in [7, 10, 50] {
            let files = render(&report(n, 60)).expect("renders many functions");
            assert!(svg(&files, "concurrency.svg").contains("account limit 1,000"));
            assert!(svg(&files, "cost.svg").contains(&format!("function-{n}")));
        }
        // Over 10 functions: the 9 dearest, dearest first, and the others in one bar.
        let files = render(&report(100, 10)).expect("renders 100 functions");
        let cost = svg(&files, "cost.svg");
        assert!(cost.contains("91 other functions") && cost.contains("function-100"));
        let at = |name: &str| {
            cost.find(&format!("\n{name}\n"))
                .unwrap_or_else(|| panic!("{name}"))
        };
        assert!(at("function-100") < at("function-99") && at("function-99") < at("function-92"));
        assert!(
            !cost.contains("\nfunction-91\n"),
            "the tenth dearest is among the others"
        );
        assert!(
            !cost.contains("function-1\n"),
            "the cheapest function is summed"
        );
        // A long run: hours on the axis, merged bins.
        let mut r = report(2, 20_000);
        r.duration = Time::from_secs(20_000);
        let files = render(&r).expect("renders a long run");
        assert!(svg(&files, "concurrency.svg").contains("time (h)"));
        assert!(svg(&files, "cold_starts_throttles.svg").contains("counts per 10 s interval"));
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
                ..Costs::default()
            };
        }
        r.total.costs = Costs {
            billed_gb_seconds: 0.0,
            request: 1e-323,
            compute: 2e-300,
            provisioned: 0.0,
            ..Costs::default()
        };
        r.series[0][0].instances_busy = 5e-324;
        r.duration = Time(1);
        r.interval = Time(1);
        assert_eq!(render(&r).expect("renders tiny values").len(), 8);
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
                f.costs = Costs { billed_gb_seconds: 0.0, request: next(), compute: next(), provisioned: next(), ..Costs::default() };
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
        // Close values: both axes zoomed in, marked so, and the spread said.
        assert!(v.contains("p99 latency (ms, not from 0)"), "{v}");
        assert!(v.contains("cost (USD per run, not from 0)"));
        assert!(v.contains("Zoomed in, an axis marked"));
        assert!(v.contains("2 variants × 3 replications") && v.contains("95 % confidence"));
        assert!(v.contains("keep_alive=fixed/1m memory_mb=512"));
        assert!(v.contains("keep_alive=none memory_mb=512"));
        assert!(v.contains("Pareto-optimal"));
    }

    #[test]
    fn sweep_charts_are_deterministic() {
        let runs = sweep_runs(&[128, 256, 512, 1024, 2048], &["fixed/10m", "none"], 4);
        assert_eq!(
            render_variants(&runs).expect("renders"),
            render_variants(&runs).expect("renders")
        );
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
}
