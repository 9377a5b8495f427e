//! Tolerances of a repair.

/// How far a repair may move boundaries on its own.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RepairOptions {
    pub(crate) snap_m: f64,
    pub(crate) max_gap_width_m: f64,
}

impl Default for RepairOptions {
    /// Snap within 1 m (what `citygrid check` calls a narrow gap by default), fill gaps
    /// narrower than 100 m (the quantisation of independently simplified sources).
    fn default() -> Self {
        RepairOptions {
            snap_m: 1.0,
            max_gap_width_m: 100.0,
        }
    }
}

impl RepairOptions {
    /// Vertices of different units closer than this (metres) become one, and a
    /// vertex this close to another unit's edge is inserted into it; 0 turns
    /// snapping off. Keep it at least the checker's gap width, or slots that open to
    /// the outside stay reported.
    #[must_use]
    pub fn snap(mut self, metres: f64) -> Self {
        self.snap_m = if metres.is_finite() {
            metres.max(0.0)
        } else {
            0.0
        };
        self
    }

    /// Gaps whose largest inscribed circle is narrower than this (metres) are
    /// filled; wider ones are reported and left open, because they may be a unit
    /// that is missing rather than a drawing error.
    #[must_use]
    pub fn max_gap_width(mut self, metres: f64) -> Self {
        self.max_gap_width_m = if metres.is_nan() {
            0.0
        } else {
            metres.max(0.0)
        };
        self
    }

    /// The snapping distance in metres.
    #[must_use]
    pub fn snap_metres(&self) -> f64 {
        self.snap_m
    }

    /// The widest gap that is filled, in metres.
    #[must_use]
    pub fn max_gap_width_metres(&self) -> f64 {
        self.max_gap_width_m
    }
}
