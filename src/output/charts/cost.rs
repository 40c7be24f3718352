//! The cost chart: horizontal bars of request, compute and provisioned cost per function
//! and in total, with SnapStart, ephemeral storage, tenant, streaming and ESM charges when
//! there are any.

use super::backend::Drawn;
use super::format::{fmt_usd, fmt_usd_tick, truncate};
use super::header::header;
use super::legend::{Entry, draw_legend};
use super::scale::nonneg;
use super::style::{
    COMPUTE_COST, DESC_SIZE, EPHEMERAL_COST, ESM_COST, GRID_BOLD, GRID_LIGHT, INSTANCE_COST,
    MANAGEMENT_FEE_COST, MUTED, PANEL_TITLE_SIZE, PROVISIONED_COST, REQUEST_COST, SNAPSTART_COST,
    STREAMING_COST, SUBTITLE_SIZE, TENANT_COST, TICK_SIZE, font,
};
use crate::metrics::{FunctionReport, RunReport};
use plotters::coord::Shift;
use plotters::prelude::{
    BindKeyPoints, ChartBuilder, Color, DrawingArea, DrawingBackend, EmptyElement, PathElement,
    Rectangle, Text,
};
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// The charges a bar stacks, in order.
const PARTS: usize = 10;

/// One bar of the cost chart: label, request, compute, provisioned, SnapStart, ephemeral
/// storage, tenant environments, streaming, Managed Instances' EC2 and fee, and the EPUs
/// of event source mappings in provisioned mode (USD).
struct CostRow {
    label: String,
    parts: [f64; PARTS],
}

impl CostRow {
    fn total(&self) -> f64 {
        self.parts.iter().sum()
    }
}

/// Most bars of functions in the cost chart; beyond, the most expensive functions are
/// drawn, dearest first, and the others summed in one bar.
const MAX_COST_BARS: usize = 10;

/// The bars, top to bottom: each function (the most expensive ones and the sum of the others
/// when there are very many), then the total (when there are several functions).
fn cost_rows(report: &RunReport) -> Vec<CostRow> {
    let row = |label: String, f: &FunctionReport| CostRow {
        label,
        parts: [
            nonneg(f.costs.request),
            nonneg(f.costs.compute),
            nonneg(f.costs.provisioned),
            nonneg(f.costs.snapstart),
            nonneg(f.costs.ephemeral),
            nonneg(f.costs.tenant),
            nonneg(f.costs.streaming),
            nonneg(f.costs.instance),
            nonneg(f.costs.management_fee),
            nonneg(f.costs.esm),
        ],
    };
    let mut rows: Vec<CostRow> = report
        .functions
        .iter()
        .map(|f| row(truncate(&f.function, 32), f))
        .collect();
    if rows.len() > MAX_COST_BARS {
        // The most expensive functions, dearest first (ties in file order), then the sum
        // of the others.
        let mut order: Vec<usize> = (0..rows.len()).collect();
        order.sort_by(|&a, &b| rows[b].total().total_cmp(&rows[a].total()).then(a.cmp(&b)));
        let mut others = CostRow {
            label: format!("{} other functions", rows.len() - (MAX_COST_BARS - 1)),
            parts: [0.0; PARTS],
        };
        for &i in &order[MAX_COST_BARS - 1..] {
            for (sum, part) in others.parts.iter_mut().zip(rows[i].parts) {
                *sum += part;
            }
        }
        let mut slots: Vec<Option<CostRow>> = rows.into_iter().map(Some).collect();
        let mut kept: Vec<CostRow> = order[..MAX_COST_BARS - 1]
            .iter()
            .filter_map(|&i| slots[i].take())
            .collect();
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

pub(super) fn cost_chart_height(report: &RunReport) -> u32 {
    let rows = cost_rows(report);
    let apart = if cost_total_apart(&rows) {
        COST_TOTAL_PANEL_PX as u32
    } else {
        0
    };
    (330 + COST_ROW_PX * rows.len() as u32 + apart).max(700)
}

pub(super) fn draw_cost<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    report: &RunReport,
) -> Drawn {
    let rows = cost_rows(report);
    let total = &report.total.costs;
    let note = format!("total {}", fmt_usd(nonneg(total.total())));
    let body = header(root, "Cost breakdown", report, &note)?;
    let mut legend = vec![
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
    // The charges few runs have, only when there are some.
    for (cost, color, what) in [
        (total.snapstart, SNAPSTART_COST, "SnapStart"),
        (total.ephemeral, EPHEMERAL_COST, "ephemeral storage"),
        (total.tenant, TENANT_COST, "tenant environments"),
        (total.streaming, STREAMING_COST, "streaming"),
        (total.instance, INSTANCE_COST, "EC2 instances"),
        (total.management_fee, MANAGEMENT_FEE_COST, "management fee"),
        (total.esm, ESM_COST, "ESM provisioned pollers"),
    ] {
        if nonneg(cost) > 0.0 {
            legend.push(Entry::area(color, format!("{what} {}", fmt_usd(cost))));
        }
    }
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

/// Horizontal stacked bars (request, compute, provisioned, SnapStart, storage), one row each from the top, with
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

    let colors = [
        REQUEST_COST,
        COMPUTE_COST,
        PROVISIONED_COST,
        SNAPSTART_COST,
        EPHEMERAL_COST,
        TENANT_COST,
        STREAMING_COST,
        INSTANCE_COST,
        MANAGEMENT_FEE_COST,
        ESM_COST,
    ];
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
