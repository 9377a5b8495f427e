//! GeoTIFF rasters of people or households per pixel: the weight layers `citygrid build`
//! divides units by.
//!
//! [`Raster::read`] loads band 1 of a GeoTIFF (8-, 16- and 32-bit integers, 32- and
//! 64-bit floats; stripped or tiled; uncompressed, LZW, Deflate or PackBits), its
//! north-up geotransform, its CRS from the GeoKeys (EPSG:4326, EPSG:4490, EPSG:3857 and
//! the CGCS2000 3-degree Gauss-Kruger zones; anything else is a clear error, and the
//! caller can override the CRS) and its GDAL nodata value. Lookups take and return WGS84
//! lon/lat, like everything else in citygrid. [`Raster::new`] and [`Raster::write`] make
//! generated rasters (float32, Deflate, with GeoKeys) that GDAL and QGIS read.
//!
//! # Examples
//! ```
//! use citygrid_crs::Crs;
//! use citygrid_raster::{GeoTransform, Raster};
//!
//! // 3 x 2 pixels of 0.01 degrees, north-west corner at 106.70E 26.60N
//! let grid = GeoTransform::north_up(106.70, 26.60, 0.01, 0.01);
//! let raster = Raster::new(3, 2, grid, Crs::Wgs84, vec![1.0, 2.0, 3.0, 4.0, 5.0, -1.0], Some(-1.0))?;
//! assert_eq!(raster.pixel_at(106.715, 26.595), Some((1, 0)));
//! assert_eq!(raster.value(2, 1), None); // nodata
//! assert_eq!(raster.total(), 15.0);
//!
//! let back = Raster::from_bytes(&raster.to_bytes()?)?;
//! assert_eq!(back.value(1, 1), Some(5.0));
//! assert_eq!(back.crs(), Crs::Wgs84);
//! # Ok::<(), citygrid_raster::RasterError>(())
//! ```

mod band; // one band of f32 or f64 values, nodata and NaN as missing
mod error; // the crate's error enum and Result alias
mod geokeys; // the GeoKey directory: reading the CRS and raster type, writing them back
mod georef; // the axis-aligned geotransform and how GeoTIFF tags express it
mod raster; // the Raster type: pixels, CRS, WGS84 lookups and extent
mod read; // decoding a GeoTIFF into a Raster
mod render; // Web Mercator PNG map tiles of a raster
mod write; // encoding a Raster as a float32 Deflate GeoTIFF

pub use error::{RasterError, Result};
pub use georef::GeoTransform;
pub use raster::{MAX_PIXELS, Raster};
pub use render::{Ramp, TILE, render_tile};
