//! The trade-off charts of a sweep, one point per variant: `variants` (cost against p99
//! latency) and `policies` (cold starts against wasted memory), the Pareto front marked and
//! the variants numbered in a list below.

use super::backend::Drawn;
use super::format::{fmt_tick, group_thousands, truncate};
use super::header::{note_in_plot, title_block};
use super::legend::{Entry, LEGEND_ROW_H, draw_legend};
use super::marks::{CAP_PX, error_bar};
use super::scale::label_area_for;
use super::style::{
    CHAR_PX, DESC_SIZE, GRID_BOLD, GRID_LIGHT, INK, INNER_W, LEGEND_SIZE, MUTED, SEP, TICK_SIZE,
    font,
};
use super::sweep::{Estimate, Plane, Sweep, VariantStats, pareto_front, spread};
use super::value_axis::{ValueAxis, Zero};
use plotters::coord::Shift;
use plotters::prelude::{
    ChartBuilder, Circle, Color, DashedLineSeries, DrawingArea, DrawingBackend, EmptyElement,
    PathElement, RGBColor, Text,
};
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Pareto-optimal variants.
const PARETO: RGBColor = RGBColor(230, 85, 13);
/// The other variants.
const DOMINATED: RGBColor = RGBColor(107, 142, 184);

/// Most variants numbered in the variants chart; beyond, only the Pareto-optimal ones are.
const MAX_NUMBERED: usize = 40;
/// Radius of a variant's marker, px.
const POINT_R: i32 = 9;

/// A share as a percentage: "3.5 %", or "0.04 %" for a small one.
fn percent(share: f64) -> String {
    let p = share * 100.0;
    if p >= 1.0 || p == 0.0 {
        format!("{p:.1} %")
    } else {
        format!("{p:.2} %")
    }
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

/// Width of the marker and number before each name of the numbered list, px.
const LIST_PREFIX_PX: i32 = 96;

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
pub(super) fn list_height(names: &[&str], variants: usize) -> i32 {
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
pub(super) fn numbered_names(sweep: &Sweep, plane: Plane) -> Vec<&str> {
    let front = pareto_front(&sweep.variants, plane);
    numbered_variants(&sweep.variants, &front)
        .into_iter()
        .map(|i| sweep.variants[i].name.as_str())
        .collect()
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

pub(super) fn draw_variants<DB: DrawingBackend>(
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
    let xs: Vec<Estimate> = plotted.iter().map(|&i| px(i)).collect();
    let ys: Vec<Estimate> = plotted.iter().map(|&i| py(i)).collect();
    let x = ValueAxis::fit(&xs, true, 10, Zero::Near);
    let y = ValueAxis::fit(&ys, !policies, 8, Zero::Near);
    // The front, fastest first, and which of its neighbours can be told apart: a line
    // joins two only when their intervals are apart in one axis at least (a trade-off),
    // not when they overlap in both (the same, as far as the replications tell).
    let mut on_front: Vec<usize> = plotted.iter().copied().filter(|&i| front[i]).collect();
    on_front.sort_by(|&a, &b| {
        px(a)
            .mean
            .total_cmp(&px(b).mean)
            .then(py(a).mean.total_cmp(&py(b).mean))
    });
    let apart: Vec<bool> = on_front
        .windows(2)
        .map(|w| !(px(w[0]).overlaps(&px(w[1])) && py(w[0]).overlaps(&py(w[1]))))
        .collect();
    let mut legend = vec![Entry::dot(
        PARETO,
        true,
        if policies {
            "Pareto-optimal: no other variant has both fewer cold starts and less idle memory"
        } else {
            "Pareto-optimal: no other variant is both cheaper and faster"
        },
    )];
    if plotted.iter().any(|&i| !front[i]) {
        legend.push(Entry::dot(DOMINATED, false, "other variants"));
    }
    if apart.contains(&false) {
        legend.push(Entry::text(
            "No line joins Pareto-optimal variants whose 95 % intervals overlap in both axes: the replications do not tell them apart",
        ));
    }
    if x.zoomed() || y.zoomed() {
        let (xn, yn) = if policies {
            ("wasted memory", "cold starts")
        } else {
            ("p99 latencies", "costs")
        };
        let mut parts = Vec::new();
        if x.zoomed() {
            parts.push(format!(
                "the {xn} differ by at most {}",
                percent(spread(&xs))
            ));
        }
        if y.zoomed() {
            parts.push(format!("the {yn} by at most {}", percent(spread(&ys))));
        }
        legend.push(Entry::text(format!(
            "Zoomed in, an axis marked \"not from 0\": {}",
            parts.join(", ")
        )));
    }
    let body = draw_legend(&body, &legend)?;

    let names: Vec<&str> = numbered.iter().map(|&i| vs[i].name.as_str()).collect();
    let (_, h) = body.dim_in_pixel();
    let (plot_area, list_area) = body.split_vertically(h as i32 - list_height(&names, vs.len()));

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

    // The front, fastest first, a dashed segment between neighbours told apart.
    for (w, _) in on_front.windows(2).zip(&apart).filter(|(_, a)| **a) {
        chart.draw_series(DashedLineSeries::new(
            w.iter().map(|&i| at(i)),
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
        // The centre 11 px in: the outline (radius 9, 2 px wide) is whole at x0 = 0.
        area.draw(&Circle::new((x + 11, yc), 9, color.filled()))?;
        if front[i] {
            area.draw(&Circle::new((x + 11, yc), 9, INK.stroke_width(2)))?;
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

#[cfg(test)]
mod tests {
    use crate::billing::Costs;
    use crate::output::charts::render_variants;
    use crate::output::charts::test_util::*;

    fn legend_of(runs: &[crate::metrics::RunReport]) -> String {
        let files = render_variants(runs).expect("renders");
        svg(&files, "variants.svg").to_string()
    }

    #[test]
    fn the_legend_names_only_what_the_chart_shows() {
        // Two variants told apart in latency: a trade-off, both on the front, a line.
        let runs: Vec<_> = (0..3)
            .flat_map(|r| {
                let j = f64::from(r) * 0.001;
                [
                    variant_run("a", r, 512, 100.0 + j, 50.0, 0.010 + j / 100.0),
                    variant_run("b", r, 1024, 300.0 + j, 50.0, 0.005 + j / 100.0),
                ]
            })
            .collect();
        let v = legend_of(&runs);
        assert!(
            !v.contains("other variants"),
            "every variant is on the front"
        );
        assert!(!v.contains("No line joins"));
        assert!(v.contains("(ms)") && !v.contains("(ms, not from 0)"));
        // The same two, not told apart (their intervals overlap in both axes): no line.
        let runs: Vec<_> = (0..3)
            .flat_map(|r| {
                let r_f = f64::from(r);
                // b is slower by 5 ms and cheaper by 0.1 mUSD: neither dominates, and
                // the replications spread each by ±10 ms and ±1 mUSD.
                [
                    variant_run("a", r, 512, 290.0 + 10.0 * r_f, 50.0, 0.009 + 0.001 * r_f),
                    variant_run("b", r, 1024, 295.0 + 10.0 * r_f, 50.0, 0.0089 + 0.001 * r_f),
                ]
            })
            .collect();
        let v = legend_of(&runs);
        assert!(v.contains("No line joins Pareto-optimal variants"), "{v}");
        // A third, slower and dearer: the "other variants" entry.
        let mut more = runs.clone();
        more.extend((0..3).map(|r| variant_run("c", r, 256, 900.0 + f64::from(r), 50.0, 0.03)));
        assert!(legend_of(&more).contains("other variants"));
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
}
