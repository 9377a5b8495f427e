//! The pixel grid coverages are computed on: a raster's size and geotransform, without
//! its values, so weights can be computed once and applied to every raster on that grid.

use citygrid_raster::{GeoTransform, Raster};

/// A raster's grid: `width` x `height` pixels placed by an axis-aligned geotransform.
///
/// Two rasters on one grid (population and households, say) share their coverages; a
/// [`Weights`](crate::Weights) cache is keyed by it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PixelGrid {
    /// Number of columns.
    pub width: usize,
    /// Number of rows.
    pub height: usize,
    /// Where each pixel lies in the raster's CRS.
    pub transform: GeoTransform,
}

impl PixelGrid {
    /// The grid of `raster`.
    #[must_use]
    pub fn of(raster: &Raster) -> Self {
        PixelGrid {
            width: raster.width(),
            height: raster.height(),
            transform: raster.geo_transform(),
        }
    }

    /// Number of pixels.
    #[must_use]
    pub fn len(&self) -> usize {
        self.width * self.height
    }

    /// Whether the grid has no pixels (a [`Raster`] always has some).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Column and row of a pixel index (`row * width + col`).
    #[must_use]
    pub fn col_row(&self, index: usize) -> (usize, usize) {
        (index % self.width, index / self.width)
    }

    /// A CRS point in pixel units: `(0.5, 0.5)` is the centre of pixel (0, 0).
    pub(crate) fn pixel_of(&self, x: f64, y: f64) -> (f64, f64) {
        self.transform.pixel(x, y)
    }
}
