//! The look shared by every chart: its width, text sizes, colours, the palette of
//! per-function lines and the font style.

use super::backend::FAMILY;
use plotters::prelude::{IntoFont, RGBColor, TextStyle};

/// Width of every chart, px.
pub(super) const WIDTH: u32 = 1600;
pub(super) const TITLE_SIZE: f64 = 40.0;
pub(super) const SUBTITLE_SIZE: f64 = 24.0;
pub(super) const PANEL_TITLE_SIZE: f64 = 28.0;
pub(super) const DESC_SIZE: f64 = 28.0;
pub(super) const TICK_SIZE: f64 = 24.0;
pub(super) const LEGEND_SIZE: f64 = 24.0;
pub(super) const NOTE_SIZE: f64 = 30.0;
/// Separates the parts of a subtitle.
pub(super) const SEP: &str = "  ·  ";

pub(super) const INK: RGBColor = RGBColor(33, 33, 33);
pub(super) const MUTED: RGBColor = RGBColor(100, 100, 100);
pub(super) const GRID_BOLD: RGBColor = RGBColor(215, 215, 215);
pub(super) const GRID_LIGHT: RGBColor = RGBColor(238, 238, 238);

pub(super) const BUSY: RGBColor = RGBColor(31, 119, 180);
pub(super) const INITIALIZING: RGBColor = RGBColor(255, 152, 40);
pub(super) const IDLE: RGBColor = RGBColor(190, 206, 222);
pub(super) const PEAK: RGBColor = RGBColor(25, 25, 25);
pub(super) const LIMIT: RGBColor = RGBColor(214, 39, 40);
pub(super) const COLD: RGBColor = RGBColor(31, 119, 180);
pub(super) const THROTTLE: RGBColor = RGBColor(214, 39, 40);
pub(super) const REQUEST_COST: RGBColor = RGBColor(148, 103, 189);
pub(super) const COMPUTE_COST: RGBColor = RGBColor(31, 119, 180);
pub(super) const PROVISIONED_COST: RGBColor = RGBColor(44, 160, 44);
pub(super) const SNAPSTART_COST: RGBColor = RGBColor(255, 127, 14);
pub(super) const EPHEMERAL_COST: RGBColor = RGBColor(140, 86, 75);
pub(super) const TENANT_COST: RGBColor = RGBColor(227, 119, 194);
pub(super) const STREAMING_COST: RGBColor = RGBColor(23, 190, 207);
pub(super) const INSTANCE_COST: RGBColor = RGBColor(188, 189, 34);
pub(super) const MANAGEMENT_FEE_COST: RGBColor = RGBColor(127, 127, 127);
pub(super) const ESM_COST: RGBColor = RGBColor(0, 95, 115);
/// Managed Instances: EC2 instances and execution environments over time.
pub(super) const MANAGED_INSTANCES: RGBColor = RGBColor(31, 119, 180);
pub(super) const MANAGED_ENVIRONMENTS: RGBColor = RGBColor(255, 127, 14);
pub(super) const CPU_UTILIZATION: RGBColor = RGBColor(44, 160, 44);
pub(super) const ALL_FUNCTIONS: RGBColor = RGBColor(20, 20, 20);
pub(super) const MANY_FUNCTIONS: RGBColor = RGBColor(170, 170, 170);

/// Tableau 10, for one line per function.
pub(super) const PALETTE: [RGBColor; 10] = [
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

pub(super) fn font(size: f64) -> TextStyle<'static> {
    TextStyle::from((FAMILY, size).into_font()).color(&INK)
}

/// With more functions than this, per-function lines are grey and unlabelled.
pub(super) const MAX_LABELLED_CURVES: usize = 10;

/// Approximate width of a character of the list and legend text, px (DejaVu Sans at 24 px
/// averages 13-15 px).
pub(super) const CHAR_PX: usize = 15;

/// Width charts have inside their margins, px.
pub(super) const INNER_W: usize = WIDTH as usize - 48;
