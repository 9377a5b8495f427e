//! Pixel areas in square metres, for the area a polygon covers.
//!
//! A geographic raster's pixels shrink towards the poles: each row's pixel is a
//! quadrangle on the WGS84 ellipsoid between two parallels and two meridians, whose area
//! has a closed form (the zone area `2π b² [sin φ / (2(1 - e² sin² φ)) + atanh(e sin φ)/(2e)]`,
//! e.g. Snyder, "Map Projections: A Working Manual", 1987, p. 16 via the authalic
//! latitude), exact to rounding (about 1e-11 relative for a 100 m pixel, from the
//! difference of two nearly equal zone areas). A projected raster's pixel is measured
//! on the ground: its corners are converted to WGS84 and its area taken in a
//! [`LocalFrame`] at its centre; the frame's equirectangular approximation is off by
//! under 1e-6 relative over one pixel of up to 1 km (its first-order errors cancel over
//! a pixel symmetric about the origin), and the projection's own scale (e.g. Web
//! Mercator's 1/cos² φ) is thereby removed.

use citygrid_crs::{LocalFrame, Transform};
use citygrid_raster::Raster;

use crate::grid::PixelGrid;

/// WGS84 semi-major axis (metres).
const WGS84_A: f64 = 6_378_137.0;
/// WGS84 flattening.
const WGS84_F: f64 = 1.0 / 298.257_223_563;

/// The ground area of each pixel of a raster.
#[derive(Debug)]
pub(crate) enum PixelAreas {
    /// Geographic: one area per row.
    Rows {
        /// Pixels per row.
        width: usize,
        /// The area of a pixel of each row.
        areas: Vec<f64>,
    },
    /// Projected: measured per pixel, on demand.
    Projected {
        grid: PixelGrid,
        transform: Box<Transform>,
    },
}

impl PixelAreas {
    pub(crate) fn new(raster: &Raster) -> Self {
        let grid = PixelGrid::of(raster);
        let g = grid.transform;
        match Transform::new(raster.crs()) {
            Ok(transform) if !raster.crs().is_geographic() => PixelAreas::Projected {
                grid,
                transform: Box::new(transform),
            },
            _ => PixelAreas::Rows {
                width: grid.width,
                areas: (0..grid.height)
                    .map(|row| {
                        let (_, north) = g.xy(0.0, row as f64);
                        let (_, south) = g.xy(0.0, row as f64 + 1.0);
                        quadrangle_m2(g.pixel_x.abs(), north, south)
                    })
                    .collect(),
            },
        }
    }

    /// The area of pixel `index` in m² (NaN where a corner cannot be converted).
    pub(crate) fn get(&self, index: usize) -> f64 {
        match self {
            PixelAreas::Rows { width, areas } => areas[index / width],
            PixelAreas::Projected { grid, transform } => {
                let (col, row) = grid.col_row(index);
                projected_m2(grid, transform, col as f64, row as f64).unwrap_or(f64::NAN)
            }
        }
    }
}

/// The ellipsoidal area of the quadrangle `width_deg` wide between latitudes `a` and `b`.
pub(crate) fn quadrangle_m2(width_deg: f64, a: f64, b: f64) -> f64 {
    let e2 = WGS84_F * (2.0 - WGS84_F);
    let e = e2.sqrt();
    let b2 = WGS84_A * WGS84_A * (1.0 - e2);
    let zone = |lat: f64| {
        let s = lat.clamp(-90.0, 90.0).to_radians().sin();
        s / (2.0 * (1.0 - e2 * s * s)) + (e * s).atanh() / (2.0 * e)
    };
    (width_deg.to_radians() * b2 * (zone(a) - zone(b))).abs()
}

fn projected_m2(grid: &PixelGrid, transform: &Transform, col: f64, row: f64) -> Option<f64> {
    let g = grid.transform;
    let (cx, cy) = g.xy(col + 0.5, row + 0.5);
    let (lon0, lat0) = transform.to_wgs84(cx, cy).ok()?;
    let frame = LocalFrame::new(lon0, lat0).ok()?;
    let mut corners = [(0.0, 0.0); 4];
    for (i, (dc, dr)) in [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)]
        .into_iter()
        .enumerate()
    {
        let (x, y) = g.xy(col + dc, row + dr);
        let (lon, lat) = transform.to_wgs84(x, y).ok()?;
        corners[i] = frame.to_metres(lon, lat);
    }
    let twice: f64 = (0..4)
        .map(|i| {
            let (a, b) = (corners[i], corners[(i + 1) % 4]);
            a.0 * b.1 - b.0 * a.1
        })
        .sum();
    Some(twice.abs() * 0.5)
}
