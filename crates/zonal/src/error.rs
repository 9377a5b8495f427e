//! Errors of computing coverages and statistics.

use crate::grid::PixelGrid;

/// What can go wrong when weighing polygons against a raster's pixels.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ZonalError {
    /// A polygon has a NaN or infinite coordinate, which no pixel can hold.
    #[error("polygon vertex ({x}, {y}) is not finite")]
    NonFinite {
        /// The vertex's x in the raster's CRS.
        x: f64,
        /// The vertex's y in the raster's CRS.
        y: f64,
    },
    /// The coverages were computed on another grid than the raster's: their pixel
    /// indices would point at the wrong pixels.
    #[error(
        "the weights are for a {}x{} grid at {:?}, the raster is {}x{} at {:?}; recompute them",
        expected.width, expected.height, expected.transform.to_gdal(),
        found.width, found.height, found.transform.to_gdal()
    )]
    GridMismatch {
        /// The grid the weights were computed on.
        expected: PixelGrid,
        /// The raster's grid.
        found: PixelGrid,
    },
}

/// The crate's result type.
pub type Result<T> = std::result::Result<T, ZonalError>;
