//! The crate's error enum.

use citygrid_model::ModelError;

/// What can go wrong making tiles.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TileError {
    /// A tile address outside the pyramid.
    #[error("tile {z}/{x}/{y}: {reason}")]
    OutOfRange {
        /// Zoom.
        z: u32,
        /// Column.
        x: u64,
        /// Row.
        y: u64,
        /// What is out of range.
        reason: String,
    },
    /// A layer's units do not form a coverage the topology can be built on.
    #[error("layer {layer}: {source}; run `citygrid check` on the partition")]
    Topology {
        /// The layer.
        layer: &'static str,
        /// What the model refused.
        source: ModelError,
    },
    /// A coordinate could not be transformed to the tiles' coordinate system.
    #[error("unit {code}: {source}")]
    Transform {
        /// The unit.
        code: String,
        /// What the transform refused.
        source: citygrid_crs::CrsError,
    },
    /// Options that cannot work together.
    #[error("tile options: {0}")]
    Options(String),
}

/// Results of this crate.
pub type Result<T> = std::result::Result<T, TileError>;
