//! Errors of the index crate.

use citygrid_model::UnitCode;

/// What can go wrong building a [`CellIndex`](crate::CellIndex).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum IndexError {
    /// A cell's geometry holds a NaN or infinite coordinate: no point could be placed
    /// on the right side of its edges.
    #[error("cell {code}: coordinate {x} {y} is not finite")]
    NonFinite {
        /// The cell.
        code: UnitCode,
        /// Its longitude.
        x: f64,
        /// Its latitude.
        y: f64,
    },
    /// The partition is too large for the index's 32-bit tables.
    #[error("the partition is too large to index: {what} exceeds {limit}")]
    TooLarge {
        /// What overflowed (units, stored edges, mixed tiles).
        what: &'static str,
        /// The largest count that fits.
        limit: u64,
    },
}

/// The crate's result type.
pub type Result<T, E = IndexError> = std::result::Result<T, E>;
