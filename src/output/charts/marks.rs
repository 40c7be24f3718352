//! The marks of the sweep charts besides lines: point markers and capped error bars.

use plotters::prelude::{
    Circle, Color, DrawingBackend, DynElement, IntoDynElement, RGBColor, TriangleMarker,
};

/// Half the width of an error bar's cap, px.
pub(super) const CAP_PX: f64 = 7.0;

/// The path of an error bar from `a` to `b` (coordinates) with caps `cap` wide across it.
pub(super) fn error_bar(a: (f64, f64), b: (f64, f64), cap: (f64, f64)) -> [Vec<(f64, f64)>; 3] {
    let capped = |p: (f64, f64)| vec![(p.0 - cap.0, p.1 - cap.1), (p.0 + cap.0, p.1 + cap.1)];
    [vec![a, b], capped(a), capped(b)]
}

/// A point marker.
#[derive(Clone, Copy, Debug)]
pub(super) enum Marker {
    Circle,
    Triangle,
}

impl Marker {
    pub(super) fn element<DB: DrawingBackend, C: Clone + 'static>(
        self,
        at: C,
        color: RGBColor,
    ) -> DynElement<'static, DB, C> {
        match self {
            Marker::Circle => Circle::new(at, 8, color.filled()).into_dyn(),
            Marker::Triangle => TriangleMarker::new(at, 11, color.filled()).into_dyn(),
        }
    }
}
