//! Legends: the entries and their swatches, drawn centred and wrapped over rows above a
//! chart.

use super::backend::Drawn;
use super::marks::Marker;
use super::style::{CHAR_PX, INK, INNER_W, LEGEND_SIZE, font};
use plotters::coord::Shift;
use plotters::prelude::{
    Circle, Color, DrawingArea, DrawingBackend, PathElement, RGBColor, Rectangle, Text,
};
use plotters::style::text_anchor::{HPos, Pos, VPos};

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
pub(super) struct Entry {
    swatch: Swatch,
    label: String,
}

impl Entry {
    pub(super) fn area(c: RGBColor, label: impl Into<String>) -> Self {
        Entry {
            swatch: Swatch::Area(c),
            label: label.into(),
        }
    }
    pub(super) fn line(c: RGBColor, label: impl Into<String>) -> Self {
        Entry {
            swatch: Swatch::Line(c),
            label: label.into(),
        }
    }
    pub(super) fn dashed(c: RGBColor, label: impl Into<String>) -> Self {
        Entry {
            swatch: Swatch::Dashed(c),
            label: label.into(),
        }
    }
    pub(super) fn dot(c: RGBColor, outlined: bool, label: impl Into<String>) -> Self {
        Entry {
            swatch: Swatch::Dot(c, outlined),
            label: label.into(),
        }
    }
    pub(super) fn marked(
        c: RGBColor,
        marker: Marker,
        dashed: bool,
        label: impl Into<String>,
    ) -> Self {
        Entry {
            swatch: Swatch::Marked(c, marker, dashed),
            label: label.into(),
        }
    }
    pub(super) fn text(label: impl Into<String>) -> Self {
        Entry {
            swatch: Swatch::None,
            label: label.into(),
        }
    }
}

const SWATCH_W: i32 = 40;
const SWATCH_GAP: i32 = 10;
const ENTRY_GAP: i32 = 36;
pub(super) const LEGEND_ROW_H: i32 = LEGEND_SIZE as i32 + 14;

/// Draws a centred legend, wrapped over rows, above the chart; returns the area below it.
pub(super) fn draw_legend<DB: DrawingBackend>(
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

/// Rows of a legend of `labels` as [`draw_legend`] lays it out, estimated from character
/// counts.
pub(super) fn legend_rows(labels: &[String]) -> u32 {
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
