//! Errors of the repair crate: inputs it cannot work on at all. Everything it can
//! work around is reported as a change or an unresolved problem instead.

/// Why a repair could not run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum RepairError {
    /// Nothing to repair.
    #[error("no units to repair")]
    NoUnits,
    /// The boundary has no polygon with an area.
    #[error("the boundary has no polygon with an area")]
    EmptyBoundary,
    /// The coordinates are not longitude and latitude in degrees.
    #[error("unit {code}: coordinate {x} {y} is not a longitude and latitude in degrees")]
    NotLonLat {
        /// The unit (or "boundary").
        code: String,
        /// Longitude.
        x: f64,
        /// Latitude.
        y: f64,
    },
    /// Noding did not settle: boundaries cross within a few units in the last place
    /// of their coordinates, again and again.
    #[error("boundaries cross too closely to be separated near {x:.7} {y:.7}")]
    NotPlanar {
        /// Longitude.
        x: f64,
        /// Latitude.
        y: f64,
    },
}

/// Results of this crate.
pub type Result<T> = std::result::Result<T, RepairError>;
