//! The break-even chart of a sweep that compares Lambda's default compute with Managed
//! Instances across traffic levels: monthly cost and p99 latency against requests per
//! second, a line per compute and setting of the other swept keys, the traffic at which
//! the two cost the same marked.

use super::backend::Drawn;
use super::format::{fmt_tick, group_thousands_f, truncate};
use super::header::title_block;
use super::legend::{Entry, draw_legend};
use super::marks::Marker;
use super::scale::label_area_for;
use super::style::{DESC_SIZE, GRID_BOLD, GRID_LIGHT, MUTED, PALETTE, TICK_SIZE, font};
use super::sweep::{Estimate, Sweep};
use super::value_axis::{ValueAxis, Zero};
use crate::metrics::RunReport;
use plotters::coord::Shift;
use plotters::prelude::{
    ChartBuilder, Color, DashedLineSeries, DrawingArea, DrawingBackend, EmptyElement, LineSeries,
    PathElement, Text,
};
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// The keys of a variant's name that set its traffic: its position on the x axis.
const TRAFFIC_KEYS: &[&str] = &["rate", "mean_rate", "traffic_scale", "count"];

/// One variant: its traffic and what it cost and how fast it was (means over replications).
#[derive(Clone, Copy, Debug)]
struct Point {
    rate: f64,
    monthly: f64,
    p99: f64,
}

/// The variants of one compute and one setting of the other swept keys, by traffic.
#[derive(Debug)]
pub(super) struct Line {
    group: usize,
    managed: bool,
    points: Vec<Point>,
}

/// A sweep across traffic levels and the two computes.
#[derive(Debug)]
pub(super) struct BreakEven {
    /// The settings of the other swept keys (`""` without any).
    groups: Vec<String>,
    lines: Vec<Line>,
    /// Per group, the traffic at which the two computes cost the same, if they cross
    /// within the sweep's range.
    crossings: Vec<Option<f64>>,
}

/// A variant's name without its `compute=` and traffic settings.
fn group_of(variant: &str) -> String {
    variant
        .split(' ')
        .filter(|t| {
            let key = t.split('=').next().unwrap_or_default();
            key != "compute" && !TRAFFIC_KEYS.contains(&key)
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Where `a` and `b` (points at the same traffic levels) cost the same: linear in
/// log(cost ratio) against log(traffic) between the two levels where the cheaper one
/// changes.
fn crossing(a: &[Point], b: &[Point]) -> Option<f64> {
    let d: Vec<(f64, f64)> = a
        .iter()
        .zip(b)
        .filter(|(p, q)| {
            (p.rate - q.rate).abs() <= 1e-6 * p.rate.max(q.rate)
                && p.rate > 0.0
                && p.monthly > 0.0
                && q.monthly > 0.0
        })
        .map(|(p, q)| (p.rate.ln(), (q.monthly / p.monthly).ln()))
        .collect();
    d.windows(2).find_map(|w| {
        let ((x0, d0), (x1, d1)) = (w[0], w[1]);
        if d0 == 0.0 {
            Some(x0.exp())
        } else if d1 == 0.0 || d0.signum() != d1.signum() {
            Some((x0 + (x1 - x0) * d0 / (d0 - d1)).exp())
        } else {
            None
        }
    })
}

impl BreakEven {
    /// The chart's data, when the variants differ in compute (some run on Managed
    /// Instances, some not) and in traffic.
    pub(super) fn of(runs: &[RunReport]) -> Option<BreakEven> {
        let mut names: Vec<&str> = Vec::new();
        for r in runs {
            if !names.contains(&r.variant.as_str()) {
                names.push(&r.variant);
            }
        }
        let mut groups: Vec<String> = Vec::new();
        let mut lines: Vec<Line> = Vec::new();
        for name in names {
            let reps: Vec<&RunReport> = runs.iter().filter(|r| r.variant == name).collect();
            let mean = |f: &dyn Fn(&RunReport) -> f64| {
                reps.iter().map(|r| f(r)).sum::<f64>() / reps.len() as f64
            };
            let point = Point {
                rate: mean(&|r| r.total.requests as f64 / r.duration.as_secs_f64().max(1e-9)),
                monthly: mean(&|r| r.total.costs.monthly),
                p99: mean(&|r| r.total.latency.p99_ms),
            };
            let managed = reps[0].total.instance_hours > 0.0;
            let label = group_of(name);
            let group = match groups.iter().position(|g| *g == label) {
                Some(g) => g,
                None => {
                    groups.push(label);
                    groups.len() - 1
                }
            };
            match lines
                .iter_mut()
                .find(|l| l.group == group && l.managed == managed)
            {
                Some(l) => l.points.push(point),
                None => lines.push(Line {
                    group,
                    managed,
                    points: vec![point],
                }),
            }
        }
        for l in &mut lines {
            l.points.sort_by(|a, b| a.rate.total_cmp(&b.rate));
        }
        let both = lines.iter().any(|l| l.managed) && lines.iter().any(|l| !l.managed);
        let traffic = lines.iter().any(|l| l.points.len() > 1);
        if !both || !traffic {
            return None;
        }
        let crossings = (0..groups.len())
            .map(|g| {
                let line = |m: bool| lines.iter().find(|l| l.group == g && l.managed == m);
                crossing(&line(false)?.points, &line(true)?.points)
            })
            .collect();
        Some(BreakEven {
            groups,
            lines,
            crossings,
        })
    }

    /// Lines of legend the chart needs (for its height).
    pub(super) fn legend_lines(&self) -> usize {
        self.groups.len() * 2
    }
}

fn estimate(mean: f64) -> Estimate {
    Estimate { mean, ci: f64::NAN }
}

/// "85 req/s".
fn fmt_rate(r: f64) -> String {
    if r >= 100.0 {
        format!("{} req/s", group_thousands_f(r.round()))
    } else {
        format!("{} req/s", fmt_tick(r))
    }
}

pub(super) fn draw_break_even<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    sweep: &Sweep,
    be: &BreakEven,
) -> Drawn {
    let title = format!("{}: on demand or Managed Instances?", sweep.scenario);
    let body = title_block(root, &title, &sweep.subtitle_with_ci())?;
    let color = |g: usize| PALETTE[g % PALETTE.len()];
    let mut legend = Vec::new();
    for (g, label) in be.groups.iter().enumerate() {
        let what = if label.is_empty() {
            String::new()
        } else {
            format!("{}: ", truncate(label, 50))
        };
        legend.push(Entry::line(color(g), format!("{what}on demand")));
        let cross = match be.crossings[g] {
            Some(x) => format!(" (break-even ≈ {})", fmt_rate(x)),
            None => " (no break-even in range)".to_string(),
        };
        legend.push(Entry::dashed(
            color(g),
            format!("{what}Managed Instances{cross}"),
        ));
    }
    let body = draw_legend(&body, &legend)?;
    let (top, bottom) = body.split_vertically(body.dim_in_pixel().1 * 11 / 20);

    let all: Vec<&Point> = be.lines.iter().flat_map(|l| &l.points).collect();
    let x = ValueAxis::fit(
        &all.iter().map(|p| estimate(p.rate)).collect::<Vec<_>>(),
        true,
        8,
        Zero::Always,
    );
    let x_fmt = |c: &f64| fmt_tick(x.value(*c));
    let value = |panel: usize, p: &Point| if panel == 0 { p.monthly } else { p.p99 };
    let axes: Vec<ValueAxis> = (0..2)
        .map(|panel| {
            ValueAxis::fit(
                &all.iter()
                    .map(|p| estimate(value(panel, p)))
                    .collect::<Vec<_>>(),
                true,
                6,
                Zero::Always,
            )
        })
        .collect();
    let label = |panel: usize, c: &f64| {
        let y = &axes[panel];
        if panel == 0 {
            y.usd_label(*c)
        } else {
            fmt_tick(y.value(*c))
        }
    };
    // One label area for both panels, so that their traffic axes line up.
    let mut label_area = 0;
    for (panel, y) in axes.iter().enumerate() {
        label_area = label_area.max(label_area_for(
            &top,
            y.bold.iter().map(|c| label(panel, c)),
        )?);
    }
    for (panel, area) in [(0, &top), (1, &bottom)] {
        let y = &axes[panel];
        let value = |p: &Point| value(panel, p);
        let y_fmt = |c: &f64| label(panel, c);
        let mut chart = ChartBuilder::on(area)
            .margin_top(12)
            .margin_right(30)
            .x_label_area_size(if panel == 0 { 50 } else { 80 })
            .y_label_area_size(label_area)
            .build_cartesian_2d(x.clone(), y.clone())?;
        let y_desc = if panel == 0 {
            format!("monthly cost {}", y.unit("USD"))
        } else {
            format!("p99 latency {}", y.unit("ms"))
        };
        let mut mesh = chart.configure_mesh();
        mesh.y_desc(y_desc)
            .label_style(font(TICK_SIZE))
            .axis_desc_style(font(DESC_SIZE))
            .bold_line_style(GRID_BOLD)
            .light_line_style(GRID_LIGHT)
            .max_light_lines(1)
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&y_fmt);
        if panel == 1 {
            mesh.x_desc(format!("traffic {}", x.unit("requests per second")));
        }
        mesh.draw()?;
        for l in &be.lines {
            let pts: Vec<(f64, f64)> = l
                .points
                .iter()
                .filter(|p| value(p).is_finite())
                .map(|p| (x.coord(p.rate), y.coord(value(p))))
                .collect();
            let c = color(l.group);
            if l.managed {
                chart.draw_series(DashedLineSeries::new(pts.clone(), 14, 9, c.stroke_width(3)))?;
                chart.draw_series(pts.iter().map(|&p| Marker::Triangle.element(p, c)))?;
            } else {
                chart.draw_series(LineSeries::new(pts.clone(), c.stroke_width(3)))?;
                chart.draw_series(pts.iter().map(|&p| Marker::Circle.element(p, c)))?;
            }
        }
        for (g, cross) in be.crossings.iter().enumerate() {
            let Some(at) = *cross else { continue };
            let cx = x.coord(at);
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(cx, y.lo), (cx, y.hi)],
                color(g).mix(0.6).stroke_width(2),
            )))?;
            if panel == 0 {
                let label = EmptyElement::at((cx, y.hi))
                    + Text::new(
                        format!("break-even ≈ {}", fmt_rate(at)),
                        (8, 6 + 30 * g as i32),
                        font(TICK_SIZE)
                            .color(&MUTED)
                            .pos(Pos::new(HPos::Left, VPos::Top)),
                    );
                chart.draw_series(std::iter::once(label))?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(rate: f64, monthly: f64) -> Point {
        Point {
            rate,
            monthly,
            p99: 100.0,
        }
    }

    #[test]
    fn the_break_even_is_where_the_cost_ratio_crosses_one() {
        // On demand grows with traffic, Managed Instances from a floor: equal between 50
        // and 100 req/s. ln(437/255) = 0.5386 and ln(463/511) = −0.0986: the crossing is
        // at ln x = ln 50 + ln 2 × 0.5386/0.6372 = 4.4981, x = 89.8.
        let od = [
            p(20.0, 102.0),
            p(50.0, 255.0),
            p(100.0, 511.0),
            p(200.0, 1023.0),
        ];
        let lmi = [
            p(20.0, 421.0),
            p(50.0, 437.0),
            p(100.0, 463.0),
            p(200.0, 516.0),
        ];
        let x = crossing(&od, &lmi).expect("they cross");
        assert!((x - 89.8).abs() < 0.1, "{x}");
        // Symmetric in which line is which.
        assert!((crossing(&lmi, &od).unwrap() - x).abs() < 1e-9);
        // No crossing: one is always cheaper.
        assert_eq!(crossing(&od[..2], &lmi[..2]), None);
        // One level: no crossing to find; equal at a level: that level.
        assert_eq!(crossing(&[p(10.0, 5.0)], &[p(10.0, 5.0)]), None);
        let at = crossing(&[p(10.0, 5.0), p(20.0, 9.0)], &[p(10.0, 5.0), p(20.0, 8.0)]);
        assert!((at.unwrap() - 10.0).abs() < 1e-9, "{at:?}");
    }

    #[test]
    fn a_sweep_of_compute_and_traffic_gets_the_chart_with_its_break_even() {
        use crate::output::charts::render_variants;
        use crate::output::charts::test_util::{names, report, svg};
        let mut runs = Vec::new();
        for (managed, costs) in [
            (false, [102.0, 255.0, 511.0]),
            (true, [421.0, 437.0, 463.0]),
        ] {
            for (rate, monthly) in [20u64, 50, 100].into_iter().zip(costs) {
                let mut r = report(1, 10);
                let compute = if managed {
                    "managed_instances"
                } else {
                    "default"
                };
                r.variant = format!("compute={compute} mean_rate={rate}");
                r.total.requests = rate * r.duration.as_secs_f64() as u64;
                r.total.costs.monthly = monthly;
                r.total.instance_hours = if managed { 3.0 } else { 0.0 };
                runs.push(r);
            }
        }
        let files = render_variants(&runs).expect("renders");
        assert_eq!(
            names(&files),
            [
                "variants.svg",
                "variants.png",
                "break_even.svg",
                "break_even.png"
            ]
        );
        let b = svg(&files, "break_even.svg");
        assert!(b.contains("on demand or Managed Instances?"), "title");
        assert!(b.contains("break-even ≈ 89.8 req/s"), "the crossing");
        assert!(b.contains("monthly cost (USD") && b.contains("p99 latency (ms"));
        assert!(b.contains("traffic (requests per second"));
        // Without Managed Instances in the sweep, no such chart.
        let plain: Vec<_> = runs
            .into_iter()
            .filter(|r| r.total.instance_hours == 0.0)
            .collect();
        assert_eq!(names(&render_variants(&plain).unwrap()).len(), 2);
    }

    #[test]
    fn groups_drop_the_compute_and_traffic_keys() {
        assert_eq!(
            group_of("compute=default cpu_bound_fraction=0.1 mean_rate=5"),
            "cpu_bound_fraction=0.1"
        );
        assert_eq!(group_of("compute=managed_instances rate=5"), "");
    }
}
