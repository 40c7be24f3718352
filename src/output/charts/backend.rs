//! Drawing a figure on the SVG and bitmap backends, encoding the bitmap as PNG, and the
//! bundled font every text uses.

use super::{ChartError, Figure};
use plotters::prelude::{BitMapBackend, DrawingAreaErrorKind, IntoDrawingArea, SVGBackend};
use plotters::style::{FontStyle, register_font};
use std::sync::OnceLock;

/// The font family every text uses (registered from the bundled font).
pub(super) const FAMILY: &str = "sans-serif";
/// DejaVu Sans, bundled with the crate.
const FONT_BYTES: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");

pub(super) fn ensure_font() -> Result<(), ChartError> {
    static FONT: OnceLock<Result<(), String>> = OnceLock::new();
    FONT.get_or_init(|| {
        register_font(FAMILY, FontStyle::Normal, FONT_BYTES)
            .map_err(|_| "the bundled DejaVuSans.ttf is not a valid font".to_string())
    })
    .clone()
    .map_err(ChartError::Font)
}

/// A drawing failure, whatever the backend.
pub(super) struct DrawFail(String);

impl<E: std::error::Error + Send + Sync> From<DrawingAreaErrorKind<E>> for DrawFail {
    fn from(e: DrawingAreaErrorKind<E>) -> Self {
        DrawFail(e.to_string())
    }
}

pub(super) type Drawn<T = ()> = Result<T, DrawFail>;

pub(super) fn render_svg<F: Figure>(figure: &F) -> Result<Vec<u8>, ChartError> {
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

pub(super) fn render_png<F: Figure>(figure: &F) -> Result<Vec<u8>, ChartError> {
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
