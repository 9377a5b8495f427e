//! Where the households are: a raster of people or households per pixel, or points
//! with a count, spread onto the hexagons of each unit.
//!
//! A raster pixel's value is shared equally by the hexagons whose centres fall in
//! it, across all units, so the city's total is kept exactly (less the pixels too
//! small to hold a hexagon centre). A point adds its count to the hexagon that
//! contains it, in the unit that contains it.

use rustc_hash::FxHashMap;

use crate::hexes::Hexes;
use crate::inside::Bands;

/// A north-up grid of values per pixel (a GeoTIFF band, for instance).
pub trait PixelGrid: Sync {
    /// The pixel holding a WGS84 position, or `None` outside the grid.
    fn pixel_at(&self, lon: f64, lat: f64) -> Option<(usize, usize)>;
    /// The value of a pixel, or `None` for no data.
    fn value(&self, col: usize, row: usize) -> Option<f64>;
    /// Columns and rows.
    fn size(&self) -> (usize, usize);
    /// The centre of a pixel, WGS84.
    fn pixel_center(&self, col: usize, row: usize) -> (f64, f64);
}

/// One point of a point layer: its weight is the households at that position.
pub use citygrid_model::WeightedPoint;

/// The weight layer of a build.
#[derive(Clone, Copy)]
pub enum Weights<'a> {
    /// No layer: cells are divided by area alone.
    None,
    /// A raster: households per pixel are `value * households_per_value` (0.4 for a
    /// people raster at 2.5 people per household, 1 for a households raster).
    Grid {
        /// The raster.
        grid: &'a dyn PixelGrid,
        /// Households per unit of pixel value.
        households_per_value: f64,
    },
    /// Points with household counts.
    Points(&'a [WeightedPoint]),
}

impl std::fmt::Debug for Weights<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Weights::None => write!(f, "Weights::None"),
            Weights::Grid {
                households_per_value,
                ..
            } => write!(
                f,
                "Weights::Grid({households_per_value} households per value)"
            ),
            Weights::Points(p) => write!(f, "Weights::Points({} points)", p.len()),
        }
    }
}

/// Sets the households of every hexagon of every unit. `bands` are the units'
/// point-in-polygon tests, in the same order as `units`.
pub(crate) fn assign(units: &mut [Hexes], bands: &[Bands], weights: Weights<'_>) {
    for u in units.iter_mut() {
        u.households.iter_mut().for_each(|h| *h = 0.0);
    }
    match weights {
        Weights::None => {}
        Weights::Grid {
            grid,
            households_per_value,
        } => {
            let mut count: FxHashMap<(usize, usize), u32> = FxHashMap::default();
            let pixels: Vec<Vec<Option<(usize, usize)>>> = units
                .iter()
                .map(|u| {
                    (0..u.cells.len())
                        .map(|i| {
                            if u.centre_in[i] {
                                grid.pixel_at(u.lonlat[i][0], u.lonlat[i][1])
                            } else {
                                None
                            }
                        })
                        .collect()
                })
                .collect();
            for px in pixels.iter().flatten().flatten() {
                *count.entry(*px).or_default() += 1;
            }
            for (u, px) in units.iter_mut().zip(&pixels) {
                for (i, p) in px.iter().enumerate() {
                    if let Some(p) = p
                        && let Some(v) = grid.value(p.0, p.1)
                        && v.is_finite()
                        && v > 0.0
                    {
                        u.households[i] = v * households_per_value / f64::from(count[p]);
                    }
                }
            }
            // Pixels holding no hexagon centre (hexagons coarser than pixels, or a
            // pixel on a unit's edge) give their value to the hexagon around their
            // own centre, so the total is kept at any resolution.
            let (cols, rows) = grid.size();
            for row in 0..rows {
                for col in 0..cols {
                    if count.contains_key(&(col, row)) {
                        continue;
                    }
                    let Some(v) = grid.value(col, row).filter(|v| v.is_finite() && *v > 0.0) else {
                        continue;
                    };
                    let (lon, lat) = grid.pixel_center(col, row);
                    add_at(units, bands, lon, lat, v * households_per_value);
                }
            }
        }
        Weights::Points(points) => {
            for p in points {
                if p.weight.is_finite() && p.weight > 0.0 {
                    add_at(units, bands, p.lon, p.lat, p.weight);
                }
            }
        }
    }
}

/// Adds households to the hexagon holding a point, in the unit holding it.
fn add_at(units: &mut [Hexes], bands: &[Bands], lon: f64, lat: f64, households: f64) {
    let at = geo_types::Coord { x: lon, y: lat };
    let Some(k) = bands.iter().position(|b| b.contains(at)) else {
        return;
    };
    let u = &mut units[k];
    if let Ok(ll) = h3o::LatLng::new(lat, lon)
        && let Some(&i) = u.index.get(&ll.to_cell(u.res))
    {
        u.households[i as usize] += households;
    }
}
