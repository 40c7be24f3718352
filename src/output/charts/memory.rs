//! The memory chart of a sweep: cost and mean latency against the memory size of a
//! function, a line per setting of the other swept keys.

use super::backend::Drawn;
use super::format::{fmt_tick, group_thousands_f, truncate};
use super::header::{note_in_plot, title_block};
use super::legend::{Entry, draw_legend};
use super::marks::{CAP_PX, Marker, error_bar};
use super::scale::label_area_for;
use super::style::{
    DESC_SIZE, GRID_BOLD, GRID_LIGHT, INK, MANY_FUNCTIONS, MAX_LABELLED_CURVES, PALETTE, TICK_SIZE,
    font,
};
use super::sweep::{Estimate, MemorySweep, Sweep};
use super::value_axis::{ValueAxis, Zero};
use plotters::coord::Shift;
use plotters::prelude::{
    ChartBuilder, Color, DashedLineSeries, DrawingArea, DrawingBackend, LineSeries, PathElement,
    RGBColor,
};

/// Cost and latency lines of a memory chart without other swept keys.
const COST_LINE: RGBColor = RGBColor(31, 119, 180);
const LATENCY_LINE: RGBColor = RGBColor(255, 127, 14);

/// The labels of the memory chart's second legend: a line per setting of the other swept
/// keys (none for a single line).
pub(super) fn memory_legend_labels(mem: &MemorySweep) -> Vec<String> {
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

pub(super) fn draw_memory<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    sweep: &Sweep,
) -> Drawn {
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
        Zero::Always,
    );
    let yr = ValueAxis::fit(
        &indices.iter().map(|&i| vs[i].latency).collect::<Vec<_>>(),
        true,
        8,
        Zero::Always,
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

#[cfg(test)]
mod tests {
    use crate::output::charts::render_variants;
    use crate::output::charts::test_util::*;

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
}
