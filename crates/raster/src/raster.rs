//! The [`Raster`] type: one band of values on an axis-aligned grid in a known CRS, looked
//! up in WGS84 lon/lat.

use citygrid_crs::{Crs, Transform};
use geo_types::{Rect, coord};

use crate::band::{Band, Values};
use crate::error::{RasterError, Result};
use crate::georef::GeoTransform;

/// Largest number of pixels a raster may have (16,384 x 16,384): 1 GiB as `f32`, half the
/// memory `citygrid build` may use for a whole city. A national raster must be cropped to
/// the city first.
pub const MAX_PIXELS: u64 = 1 << 28;

/// Most points sampled along each edge when finding the WGS84 extent of a projected raster.
const EDGE_SAMPLES: usize = 4096;

/// A single-band raster with its georeferencing: a weight layer of people or households
/// per pixel.
///
/// Pixels are addressed by `(col, row)` from the north-west corner (for a north-up grid).
/// Lookups take and return WGS84 lon/lat and convert through the raster's CRS, so callers
/// never handle projected coordinates. A value is missing (`None`) where it equals the
/// nodata value or is NaN.
///
/// The extent is checked when the raster is built: its corners, and points along its
/// edges, convert to WGS84. Every CRS citygrid supports is valid over a region that
/// contains a projected rectangle once it contains its boundary, so every pixel centre
/// converts too.
#[derive(Debug, Clone)]
pub struct Raster {
    width: usize,
    height: usize,
    geo: GeoTransform,
    crs: Crs,
    transform: Transform,
    band: Band,
    bounds: Rect<f64>,
    description: Option<String>,
}

impl Raster {
    /// A raster from values row by row (`values[row * width + col]`), e.g. a generated
    /// weight layer. `nodata` marks missing pixels (NaN values are always missing).
    ///
    /// # Errors
    /// [`RasterError::Invalid`] if a side is 0, the raster is larger than [`MAX_PIXELS`],
    /// `values` does not have `width * height` entries or the transform has a zero or
    /// non-finite term; [`RasterError::Extent`] if the raster reaches outside its CRS.
    pub fn new(
        width: usize,
        height: usize,
        transform: GeoTransform,
        crs: Crs,
        values: Vec<f32>,
        nodata: Option<f64>,
    ) -> Result<Raster> {
        let source_name = "new raster";
        check_size(source_name, width as u64, height as u64)?;
        if values.len() != width * height {
            return Err(RasterError::Invalid {
                source_name: source_name.into(),
                message: format!(
                    "{} values for {width} x {height} pixels; expected {}",
                    values.len(),
                    width * height
                ),
            });
        }
        Raster::assemble(
            source_name,
            (width, height),
            transform,
            crs,
            Band::new(Values::F32(values), nodata),
        )
    }

    /// Puts the parts together and checks the extent; the band has `width * height` values.
    pub(crate) fn assemble(
        source_name: &str,
        (width, height): (usize, usize),
        geo: GeoTransform,
        crs: Crs,
        band: Band,
    ) -> Result<Raster> {
        if let Some(problem) = geo.problem() {
            return Err(RasterError::Invalid {
                source_name: source_name.into(),
                message: problem,
            });
        }
        let extent_error = |source| RasterError::Extent {
            source_name: source_name.into(),
            source,
        };
        let transform = Transform::new(crs).map_err(extent_error)?;
        let bounds = wgs84_bounds(&geo, &transform, width, height).map_err(extent_error)?;
        debug_assert_eq!(band.len(), width * height);
        Ok(Raster {
            width,
            height,
            geo,
            crs,
            transform,
            band,
            bounds,
            description: None,
        })
    }

    /// The same raster with a description (TIFF ImageDescription), e.g. a note that the
    /// data is generated; GDAL shows it as `TIFFTAG_IMAGEDESCRIPTION`.
    #[must_use]
    pub fn with_description(mut self, text: impl Into<String>) -> Self {
        self.description = Some(text.into());
        self
    }

    /// The description the file carries, if any.
    #[must_use]
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }

    /// Number of columns.
    #[must_use]
    pub fn width(&self) -> usize {
        self.width
    }

    /// Number of rows.
    #[must_use]
    pub fn height(&self) -> usize {
        self.height
    }

    /// The CRS the grid is defined in.
    #[must_use]
    pub fn crs(&self) -> Crs {
        self.crs
    }

    /// The grid in the raster's CRS.
    #[must_use]
    pub fn geo_transform(&self) -> GeoTransform {
        self.geo
    }

    /// The nodata value, if the raster has one.
    #[must_use]
    pub fn nodata(&self) -> Option<f64> {
        self.band.nodata()
    }

    /// The value of a pixel, or `None` for nodata, NaN, or a pixel outside the raster.
    #[must_use]
    pub fn value(&self, col: usize, row: usize) -> Option<f64> {
        if col >= self.width || row >= self.height {
            return None;
        }
        self.band.get(row * self.width + col)
    }

    /// The pixel holding a WGS84 point, or `None` when the point is outside the raster or
    /// cannot be expressed in its CRS. Each pixel holds its west and north edges (for a
    /// north-up grid), so a point on a shared edge belongs to exactly one pixel.
    #[must_use]
    pub fn pixel_at(&self, lon: f64, lat: f64) -> Option<(usize, usize)> {
        let (x, y) = self.transform.from_wgs84(lon, lat).ok()?;
        let (col, row) = self.geo.pixel(x, y);
        let (col, row) = (col.floor(), row.floor());
        // also false for NaN
        let inside =
            col >= 0.0 && row >= 0.0 && col < self.width as f64 && row < self.height as f64;
        if !inside {
            return None;
        }
        // whole numbers in 0..width and 0..height: the casts are exact
        Some((col as usize, row as usize))
    }

    /// The WGS84 lon/lat of a pixel's centre. Pixels outside the raster extend its grid.
    ///
    /// Cannot fail for a pixel inside the raster (its extent was checked when it was
    /// built); a position outside the CRS's range gives NaN.
    #[must_use]
    pub fn pixel_center(&self, col: usize, row: usize) -> (f64, f64) {
        let (x, y) = self.geo.xy(col as f64 + 0.5, row as f64 + 0.5);
        self.transform
            .to_wgs84(x, y)
            .unwrap_or((f64::NAN, f64::NAN))
    }

    /// The whole raster's extent in WGS84 (pixel edges, not centres): the bounding box of
    /// its outline, which for a projected raster is curved in lon/lat.
    #[must_use]
    pub fn pixel_bounds_wgs84(&self) -> Rect<f64> {
        self.bounds
    }

    /// The sum of all valid values: the people or households the raster holds.
    #[must_use]
    pub fn total(&self) -> f64 {
        (0..self.band.len()).filter_map(|i| self.band.get(i)).sum()
    }

    /// Every pixel with a valid value, as `(col, row, value)`, row by row.
    pub fn pixels(&self) -> impl Iterator<Item = (usize, usize, f64)> + '_ {
        let width = self.width;
        (0..self.band.len())
            .filter_map(move |i| self.band.get(i).map(|v| (i % width, i / width, v)))
    }

    /// The band, for the writer.
    pub(crate) fn band(&self) -> &Band {
        &self.band
    }
}

/// Refuses empty and oversized rasters.
pub(crate) fn check_size(source_name: &str, width: u64, height: u64) -> Result<()> {
    if width == 0 || height == 0 {
        return Err(RasterError::Invalid {
            source_name: source_name.into(),
            message: format!("{width} x {height} pixels: a raster needs at least one"),
        });
    }
    if width.saturating_mul(height) > MAX_PIXELS {
        return Err(RasterError::TooLarge {
            source_name: source_name.into(),
            width,
            height,
            limit: MAX_PIXELS,
        });
    }
    Ok(())
}

/// The WGS84 bounding box of the raster's outline: the corners for a geographic CRS, and
/// points along every edge (each pixel edge, up to [`EDGE_SAMPLES`] per side) otherwise.
fn wgs84_bounds(
    geo: &GeoTransform,
    transform: &Transform,
    width: usize,
    height: usize,
) -> citygrid_crs::Result<Rect<f64>> {
    let steps = |n: usize| -> Vec<f64> {
        if transform.crs().is_geographic() {
            return vec![0.0, n as f64];
        }
        let count = n.min(EDGE_SAMPLES);
        (0..=count)
            .map(|i| (i as f64) * (n as f64) / (count as f64))
            .collect()
    };
    let (cols, rows) = (steps(width), steps(height));
    let (w, h) = (width as f64, height as f64);
    let outline = cols
        .iter()
        .flat_map(|&c| [(c, 0.0), (c, h)])
        .chain(rows.iter().flat_map(|&r| [(0.0, r), (w, r)]));
    let (mut min, mut max) = (
        (f64::INFINITY, f64::INFINITY),
        (f64::NEG_INFINITY, f64::NEG_INFINITY),
    );
    for (c, r) in outline {
        let (x, y) = geo.xy(c, r);
        let (lon, lat) = transform.to_wgs84(x, y)?;
        min = (min.0.min(lon), min.1.min(lat));
        max = (max.0.max(lon), max.1.max(lat));
    }
    Ok(Rect::new(
        coord! { x: min.0, y: min.1 },
        coord! { x: max.0, y: max.1 },
    ))
}
