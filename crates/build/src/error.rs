//! The crate's error enum.

use citygrid_model::ModelError;

/// Why a partition could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// The input units do not form a clean coverage; the report says where.
    #[error(
        "the input is not a clean partition ({errors} errors, first: {first}); run `citygrid check` to see them all, or `citygrid fix` to repair them"
    )]
    InputNotClean {
        /// How many errors the checker found.
        errors: usize,
        /// The first of them, as text.
        first: String,
    },
    /// Nothing to divide.
    #[error("no units to divide: the input has no unit at level {level}")]
    NoUnits {
        /// The level that was expected.
        level: String,
    },
    /// A unit could not be tiled with hexagons.
    #[error("unit {code}: cannot tile it with H3 cells: {reason}")]
    Tiling {
        /// The unit.
        code: String,
        /// What h3o said.
        reason: String,
    },
    /// A unit is too small for the number of cells asked of it.
    #[error(
        "unit {code}: {parts} parts asked but only {hexes} hexagons at resolution {resolution}; use a finer --resolution"
    )]
    TooFewHexagons {
        /// The unit.
        code: String,
        /// Parts asked.
        parts: usize,
        /// Hexagons available.
        hexes: usize,
        /// The H3 resolution.
        resolution: u8,
    },
    /// Township names were given for a district that is not in the input.
    #[error("township list: {reason}")]
    Names {
        /// What is wrong with the list.
        reason: String,
    },
    /// An option is out of range.
    #[error("option {name}: {reason}")]
    Option {
        /// The option.
        name: &'static str,
        /// Why it is refused.
        reason: String,
    },
    /// The model refused a unit (code layout, sequence overflow).
    #[error(transparent)]
    Model(#[from] ModelError),
}

/// Results of this crate.
pub type Result<T, E = BuildError> = std::result::Result<T, E>;
