//! The title and subtitle over each chart, and the note written in a plot with nothing to
//! show.

use super::backend::Drawn;
use super::format::{fmt_span, truncate};
use super::scale::nonneg;
use super::style::{MUTED, NOTE_SIZE, SEP, SUBTITLE_SIZE, TITLE_SIZE, font};
use crate::metrics::RunReport;
use plotters::coord::Shift;
use plotters::prelude::{CoordTranslate, DrawingArea, DrawingBackend, Text};
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Draws the title and subtitle; returns the area below them.
pub(super) fn header<DB: DrawingBackend>(
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
pub(super) fn title_block<DB: DrawingBackend>(
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

/// Writes a note in the middle of a plotting area.
pub(super) fn note_in_plot<DB: DrawingBackend, CT: CoordTranslate>(
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
