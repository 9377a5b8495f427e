//! Errors of reading, building and writing rasters.
//!
//! Messages are lowercase, start with the file they are about and say what to do: a
//! GIS user who sends an unsupported raster learns which GDAL command fixes it.

use std::path::PathBuf;

use citygrid_crs::CrsError;

/// What can go wrong with a raster.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RasterError {
    /// The file could not be opened or read.
    #[error("{path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file could not be written.
    #[error("{path}: cannot write: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Not a TIFF, or a damaged one.
    #[error("{source_name}: cannot decode the tiff: {message}")]
    Decode {
        /// File name or other label of the input.
        source_name: String,
        /// What the decoder said.
        message: String,
    },
    /// The pixels are compressed with a method this reader does not decode.
    #[error(
        "{source_name}: {compression} compression is not supported; re-save the file with \
         deflate or lzw (gdal_translate -co COMPRESS=DEFLATE in.tif out.tif)"
    )]
    UnsupportedCompression {
        /// File name or other label of the input.
        source_name: String,
        /// The method, e.g. "jpeg" or "tiff compression 34887".
        compression: String,
    },
    /// The sample type is not one a weight layer uses.
    #[error(
        "{source_name}: {samples} samples are not supported; expected 8-, 16- or 32-bit \
         integers or 32- or 64-bit floats (gdal_translate -ot Float32 in.tif out.tif)"
    )]
    UnsupportedSamples {
        /// File name or other label of the input.
        source_name: String,
        /// What the file holds, e.g. "64-bit unsigned integer".
        samples: String,
    },
    /// The file names no coordinate system.
    #[error(
        "{source_name}: no crs: the file has no geokeys naming one; pass the crs it is in \
         (e.g. epsg:4326)"
    )]
    NoCrs {
        /// File name or other label of the input.
        source_name: String,
    },
    /// The file's coordinate system is not one citygrid converts.
    #[error(
        "{source_name}: crs {crs} is not supported: expected epsg:4326, epsg:4490, epsg:3857 or \
         a cgcs2000 3-degree gauss-kruger zone (epsg:4513..=4554); reproject the file \
         (gdalwarp -t_srs EPSG:4326 in.tif out.tif), or pass the crs if the file declares \
         the wrong one"
    )]
    UnsupportedCrs {
        /// File name or other label of the input.
        source_name: String,
        /// What the file declares, e.g. "epsg:32618 (WGS 84 / UTM zone 18N)".
        crs: String,
    },
    /// The file does not say where its pixels are.
    #[error(
        "{source_name}: no georeferencing: the file has neither a pixel scale with a tiepoint \
         nor a model transformation"
    )]
    NoGeoreference {
        /// File name or other label of the input.
        source_name: String,
    },
    /// The pixel grid is rotated or sheared against the CRS axes.
    #[error(
        "{source_name}: the geotransform is rotated or sheared ({detail}); only north-up \
         rasters are supported: warp the file first (gdalwarp in.tif out.tif)"
    )]
    Rotated {
        /// File name or other label of the input.
        source_name: String,
        /// The offending terms.
        detail: String,
    },
    /// The raster is too big to hold in memory.
    #[error(
        "{source_name}: {width} x {height} pixels is more than the {limit} this reader loads; \
         crop the file to the area needed (gdal_translate -projwin ...)"
    )]
    TooLarge {
        /// File name or other label of the input.
        source_name: String,
        /// Columns.
        width: u64,
        /// Rows.
        height: u64,
        /// The largest number of pixels accepted.
        limit: u64,
    },
    /// The raster's extent cannot be expressed in WGS84 (corners outside its CRS).
    #[error("{source_name}: the raster's extent is outside its crs: {source}")]
    Extent {
        /// File name or other label of the input.
        source_name: String,
        /// The failed conversion.
        source: CrsError,
    },
    /// A tag or parameter is malformed or inconsistent.
    #[error("{source_name}: {message}")]
    Invalid {
        /// File name or other label of the input.
        source_name: String,
        /// What is wrong.
        message: String,
    },
    /// The raster cannot be encoded as a GeoTIFF.
    #[error("cannot encode the raster as a geotiff: {message}")]
    Encode {
        /// What is wrong.
        message: String,
    },
}

/// Result alias for the raster crate.
pub type Result<T> = std::result::Result<T, RasterError>;
