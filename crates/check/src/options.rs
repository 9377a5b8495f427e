//! Thresholds and switches of a check.

use citygrid_model::{CodeLayout, Level};

/// What a check enforces, with the thresholds users tune.
#[derive(Debug, Clone)]
pub struct CheckOptions {
    pub(crate) gap_width_m: f64,
    pub(crate) boundary_tolerance_m: f64,
    pub(crate) min_width_m: f64,
    pub(crate) min_area_m2: f64,
    pub(crate) single_part: Vec<Level>,
    pub(crate) layout: CodeLayout,
}

impl Default for CheckOptions {
    /// Gaps narrower than 1 m between neighbours are reported even where they open
    /// to the outside; units may follow the reference (the city outline or the level
    /// above) to within 1 mm with vertices of their own; a unit narrower than 2 m or smaller than 50 m² is a sliver;
    /// cells must be single polygons; codes follow [`CodeLayout::default`].
    fn default() -> Self {
        CheckOptions {
            gap_width_m: 1.0,
            boundary_tolerance_m: 0.001,
            min_width_m: 2.0,
            min_area_m2: 50.0,
            single_part: vec![Level::Cell],
            layout: CodeLayout::default(),
        }
    }
}

impl CheckOptions {
    /// Boundaries of different units closer than this (metres) without touching are
    /// a narrow gap, even where no hole is closed off. 0 turns it off.
    #[must_use]
    pub fn gap_width(mut self, metres: f64) -> Self {
        self.gap_width_m = metres.max(0.0);
        self
    }

    /// Units whose boundary follows the reference they must cover (the city outline,
    /// or the outer boundary of the level above) to within this distance (metres),
    /// with vertices of their own, are fine there: an outline drawn by someone else
    /// and cells clipped to it by another tool never match vertex for vertex. Beyond
    /// it a stretch too thin to be an area is an `unmatched_edge` against the
    /// reference; anything wider is a gap or an overhang as usual.
    #[must_use]
    pub fn boundary_tolerance(mut self, metres: f64) -> Self {
        self.boundary_tolerance_m = if metres.is_finite() {
            metres.max(0.0)
        } else {
            0.0
        };
        self
    }

    /// A unit whose largest inscribed circle is narrower than this (metres) is a
    /// sliver.
    #[must_use]
    pub fn min_width(mut self, metres: f64) -> Self {
        self.min_width_m = metres.max(0.0);
        self
    }

    /// A unit smaller than this (square metres) is a sliver.
    #[must_use]
    pub fn min_area(mut self, square_metres: f64) -> Self {
        self.min_area_m2 = square_metres.max(0.0);
        self
    }

    /// Levels whose units must be a single polygon.
    #[must_use]
    pub fn single_part(mut self, levels: Vec<Level>) -> Self {
        self.single_part = levels;
        self
    }

    /// The code rules.
    #[must_use]
    pub fn layout(mut self, layout: CodeLayout) -> Self {
        self.layout = layout;
        self
    }

    /// The code rules in force.
    #[must_use]
    pub fn code_layout(&self) -> &CodeLayout {
        &self.layout
    }
}
