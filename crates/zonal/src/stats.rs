//! Coverage-weighted statistics of a raster's values over one polygon, as exactextract
//! defines them.

use citygrid_raster::Raster;

use crate::area::PixelAreas;
use crate::coverage::Coverage;
use crate::error::{Result, ZonalError};
use crate::grid::PixelGrid;

/// Statistics of the valid (non-nodata, non-NaN) pixels a polygon covers, each pixel
/// weighted by its coverage fraction `f`, with exactextract's definitions (its `count`,
/// `sum`, `mean`, `min`, `max` and `stdev` operations).
///
/// `mean`, `min`, `max` and `stddev` are `None` when `count` is 0 (no valid pixel is
/// covered): there is no value to report, and a NaN would travel silently into JSON.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stats {
    /// `Σ f` over valid pixels: the covered valid area in pixels (not a pixel count).
    pub count: f64,
    /// `Σ f·v` over valid pixels: e.g. the people living in the polygon.
    pub sum: f64,
    /// `sum / count`.
    pub mean: Option<f64>,
    /// The least value of a valid pixel the polygon covers at all (`f` above
    /// [`MIN_FRACTION`](crate::MIN_FRACTION)), however little.
    pub min: Option<f64>,
    /// The greatest value of a valid pixel the polygon covers at all.
    pub max: Option<f64>,
    /// The coverage-weighted population standard deviation:
    /// `sqrt(Σ f·(v - mean)² / Σ f)`.
    pub stddev: Option<f64>,
    /// `Σ f · pixel area` in m² over every covered pixel of the raster, valid or not: the
    /// ground area of polygon ∩ raster (see the `area` module for how pixels are measured).
    pub coverage_m2: f64,
}

/// Computes [`Stats`] of many coverages on one raster, sharing the pixel areas.
#[derive(Debug)]
pub struct Summarizer<'r> {
    raster: &'r Raster,
    grid: PixelGrid,
    areas: PixelAreas,
}

impl<'r> Summarizer<'r> {
    /// Prepares `raster` (for a geographic raster, one area per row).
    #[must_use]
    pub fn new(raster: &'r Raster) -> Self {
        Summarizer {
            raster,
            grid: PixelGrid::of(raster),
            areas: PixelAreas::new(raster),
        }
    }

    /// The raster's grid, which coverages must have been computed on.
    #[must_use]
    pub fn grid(&self) -> PixelGrid {
        self.grid
    }

    /// The statistics of `coverage`, computed on `grid`.
    ///
    /// # Errors
    /// [`ZonalError::GridMismatch`] if `grid` is not the raster's grid.
    pub fn stats_on(&self, grid: &PixelGrid, coverage: &Coverage) -> Result<Stats> {
        if *grid != self.grid {
            return Err(ZonalError::GridMismatch {
                expected: *grid,
                found: self.grid,
            });
        }
        Ok(self.stats(coverage))
    }

    /// The statistics of `coverage`, which must have been computed on this raster's grid
    /// (a coverage from another grid gives wrong numbers, or panics on a pixel index
    /// beyond this raster; [`Summarizer::stats_on`] checks).
    #[must_use]
    pub fn stats(&self, coverage: &Coverage) -> Stats {
        let (mut count, mut sum, mut coverage_m2) = (0.0, 0.0, 0.0);
        let (mut min, mut max) = (f64::INFINITY, f64::NEG_INFINITY);
        self.visit(coverage, |i, f, v| {
            coverage_m2 += f * self.areas.get(i);
            if let Some(v) = v {
                count += f;
                sum += f * v;
                min = min.min(v);
                max = max.max(v);
            }
        });
        if count <= 0.0 {
            return Stats {
                count,
                sum,
                mean: None,
                min: None,
                max: None,
                stddev: None,
                coverage_m2,
            };
        }
        let mean = sum / count;
        // second pass: no cancellation of Σ f v² - (Σ f v)² / Σ f
        let mut spread = 0.0;
        self.visit(coverage, |_, f, v| {
            if let Some(v) = v {
                spread += f * (v - mean) * (v - mean);
            }
        });
        Stats {
            count,
            sum,
            mean: Some(mean),
            min: Some(min),
            max: Some(max),
            stddev: Some((spread / count).sqrt()),
            coverage_m2,
        }
    }

    /// Calls `f(index, fraction, value)` for each covered pixel: the partial ones, then
    /// the runs of whole ones (a run may go on into the next row).
    fn visit(&self, coverage: &Coverage, mut f: impl FnMut(usize, f64, Option<f64>)) {
        let width = self.grid.width;
        for (i, fraction) in coverage.partial() {
            f(i, fraction, self.raster.value(i % width, i / width));
        }
        for run in coverage.whole() {
            let (mut col, mut row) = (run.start % width, run.start / width);
            for i in run {
                f(i, 1.0, self.raster.value(col, row));
                col += 1;
                if col == width {
                    (col, row) = (0, row + 1);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use citygrid_crs::Crs;
    use citygrid_raster::GeoTransform;
    use geo_types::{MultiPolygon, polygon};

    use super::*;

    /// 2 x 2 pixels of 0.01 degrees at Guiyang: values 1, 2 / 3, nodata.
    fn raster() -> Raster {
        let grid = GeoTransform::north_up(106.70, 26.60, 0.01, 0.01);
        Raster::new(
            2,
            2,
            grid,
            Crs::Wgs84,
            vec![1.0, 2.0, 3.0, -1.0],
            Some(-1.0),
        )
        .unwrap()
    }

    fn stats(shape: geo_types::Polygon<f64>) -> Stats {
        let r = raster();
        let c = Coverage::new(&PixelGrid::of(&r), &MultiPolygon(vec![shape])).unwrap();
        Summarizer::new(&r).stats(&c)
    }

    #[test]
    fn nodata_pixels_weigh_nothing_but_cover_area() {
        // a quarter of each pixel
        let s = stats(polygon![(x: 106.705, y: 26.585), (x: 106.715, y: 26.585),
            (x: 106.715, y: 26.595), (x: 106.705, y: 26.595)]);
        assert!((s.count - 0.75).abs() < 1e-12 && (s.sum - 1.5).abs() < 1e-12);
        assert!((s.mean.unwrap() - 2.0).abs() < 1e-12);
        assert_eq!((s.min, s.max), (Some(1.0), Some(3.0)));
        // weighted population deviation of 1, 2, 3 with equal weights
        assert!((s.stddev.unwrap() - (2.0f64 / 3.0).sqrt()).abs() < 1e-12);
        // a 0.01 x 0.01 degree pixel at 26.6N is about 1109 m x 996 m
        let pixel = crate::area::quadrangle_m2(0.01, 26.59, 26.60);
        assert!((pixel - 1.1046e6).abs() < 0.002e6, "{pixel}");
        assert!((s.coverage_m2 - pixel).abs() / pixel < 1e-3);
    }

    #[test]
    fn nothing_valid_gives_none() {
        let s = stats(
            polygon![(x: 106.711, y: 26.581), (x: 106.719, y: 26.581), (x: 106.715, y: 26.589)],
        );
        assert_eq!(s.count, 0.0);
        assert_eq!((s.mean, s.min, s.max, s.stddev), (None, None, None, None));
        assert!(s.coverage_m2 > 0.0);
    }

    #[test]
    fn the_ellipsoid_quadrangle_sums_to_the_ellipsoid() {
        // WGS84 surface area: 510,065,621.7 km²
        let total = crate::area::quadrangle_m2(360.0, 90.0, -90.0);
        assert!((total / 1e6 - 510_065_621.7).abs() < 1.0, "{total}");
    }
}
