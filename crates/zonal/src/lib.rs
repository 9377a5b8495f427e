//! Zonal statistics of a raster per polygon (per cell of a partition), with the exact
//! coverage fraction of every partial pixel.
//!
//! A cell rarely covers whole pixels: along its boundary it covers part of each pixel it
//! crosses, and counting such a pixel wholly (or by its centre) biases every cell's
//! total. [`Coverage::new`] computes, for each pixel a polygon touches, the fraction of
//! the pixel's area it covers, exactly up to floating point, as exactextract does
//! (Baston 2018); [`Summarizer`] turns a coverage and a raster into [`Stats`] with
//! exactextract's definitions (count is the sum of fractions of valid pixels); [`Weights`]
//! keeps the coverages of a whole partition on one grid so later rasters and edits
//! recompute only what changed.
//!
//! Polygons are in the raster's CRS; the raster is axis-aligned (the only kind
//! `citygrid-raster` reads). Pure and synchronous apart from rayon over polygons.
//!
//! # Examples
//! ```
//! use citygrid_crs::Crs;
//! use citygrid_raster::{GeoTransform, Raster};
//! use citygrid_zonal::{Coverage, PixelGrid, Summarizer};
//! use geo_types::{MultiPolygon, polygon};
//!
//! // 2 x 2 pixels of 1 unit (metres in a Gauss-Kruger zone), one of them nodata
//! let grid = GeoTransform::north_up(500_000.0, 2_900_002.0, 1.0, 1.0);
//! let crs = Crs::gauss_kruger(36, false)?;
//! let raster = Raster::new(2, 2, grid, crs, vec![1.0, 2.0, 3.0, -1.0], Some(-1.0))?;
//! // a square over the centre: a quarter of each pixel
//! let square = polygon![(x: 500_000.5, y: 2_900_000.5), (x: 500_001.5, y: 2_900_000.5),
//!     (x: 500_001.5, y: 2_900_001.5), (x: 500_000.5, y: 2_900_001.5)];
//! let coverage = Coverage::new(&PixelGrid::of(&raster), &MultiPolygon(vec![square]))?;
//! let stats = Summarizer::new(&raster).stats(&coverage);
//! assert_eq!((stats.count, stats.sum, stats.mean), (0.75, 1.5, Some(2.0)));
//! assert_eq!((stats.min, stats.max), (Some(1.0), Some(3.0)));
//! assert!((stats.coverage_m2 - 1.0).abs() < 1e-3); // Gauss-Kruger is near true scale
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod area; // ground areas of pixels in m², on the ellipsoid
mod coverage; // exact coverage fractions of one polygon's pixels
mod error; // the crate's error enum and Result alias
mod grid; // the pixel grid coverages are computed on
mod stats; // coverage-weighted statistics of raster values
mod weights; // coverages of a whole partition, recomputed per changed cell

pub use coverage::{Coverage, MIN_FRACTION};
pub use error::{Result, ZonalError};
pub use grid::PixelGrid;
pub use stats::{Stats, Summarizer};
pub use weights::Weights;
