//! The queue chart of runs with asynchronous or poll sources: what waits in the queues, the
//! pollers and the age of the oldest item of poll sources, and what went to the DLQ.

use super::backend::Drawn;
use super::format::{fmt_span, fmt_tick, group_thousands, truncate};
use super::header::{header, note_in_plot};
use super::legend::{Entry, draw_legend};
use super::queue_kinds::{QueueKinds, queue_note};
use super::scale::{nice_upper, nonneg, y_label_area};
use super::style::{
    ALL_FUNCTIONS, DESC_SIZE, GRID_BOLD, GRID_LIGHT, MANY_FUNCTIONS, MAX_LABELLED_CURVES, PALETTE,
    PANEL_TITLE_SIZE, SEP, TICK_SIZE, font,
};
use super::time_grid::TimeGrid;
use crate::metrics::{BinReport, RunReport};
use plotters::coord::Shift;
use plotters::prelude::{
    AreaSeries, ChartBuilder, Color, DashedLineSeries, DrawingArea, DrawingBackend, LineSeries,
    RGBColor, Text,
};
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// One step line of the queue chart.
struct QueueLine {
    color: RGBColor,
    width: u32,
    /// Per (grouped) bin.
    values: Vec<f64>,
    /// Dashed: a bound (the batches allowed), not a level.
    dashed: bool,
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

/// Most bars of the DLQ panel: DLQ arrivals are rare events, so they are counted in bins a
/// few pixels wide rather than in slivers.
const MAX_DLQ_BARS: usize = 400;

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

/// Height of the queue chart: two panels for asynchronous runs, four with poll sources, and
/// a legend row per three functions.
pub(super) fn queue_chart_height(report: &RunReport) -> u32 {
    let rows = queue_legend_len(report).div_ceil(3) as u32;
    let base = if QueueKinds::of(report).poll() {
        1900
    } else {
        1200
    };
    base + 38 * rows.saturating_sub(1)
}

pub(super) fn draw_queue<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    report: &RunReport,
) -> Drawn {
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
            dashed: false,
        };
        depth.push(line(values_of(bins, |b| b.queue_depth)));
        if kinds.poll() && polled(report, i) {
            // What runs (a polled function's concurrency is its batches in flight)
            // under what the mappings allow.
            pollers.push(line(values_of(bins, |b| b.concurrency)));
            pollers.push(QueueLine {
                dashed: true,
                ..line(values_of(bins, |b| b.pollers))
            });
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
            dashed: false,
        };
        depth.push(line(values_of(&sum, |b| b.queue_depth)));
        if !pollers.is_empty() {
            pollers.push(line(values_of(&sum, |b| b.concurrency)));
            pollers.push(QueueLine {
                dashed: true,
                ..line(values_of(&sum, |b| b.pollers))
            });
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
        (false, true, false) if kinds.sqs => "SQS queue",
        (false, true, false) => "Queue",
        (false, false, true) if kinds.topics => "Consumer lag",
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
                    "Pollers{SEP}batches in flight; dashed: the most the mappings allow; \
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
            (false, true) if kinds.topics => "Consumer lag age",
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
            let style = line.color.stroke_width(line.width);
            if line.dashed {
                chart.draw_series(DashedLineSeries::new(
                    grid.steps(&line.values),
                    10,
                    7,
                    style,
                ))?;
            } else {
                chart.draw_series(LineSeries::new(grid.steps(&line.values), style))?;
            }
        }
    }
    if let Some(note) = &panel.note {
        note_in_plot(chart.plotting_area(), note)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Time;
    use crate::output::charts::render;
    use crate::output::charts::test_util::*;

    /// The queue chart's SVG.
    fn queue_svg(r: &RunReport) -> String {
        svg(&render(r).expect("renders"), "queue.svg").to_string()
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
        assert!(q.contains("batches in flight; dashed: the most the mappings allow"));
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
}
