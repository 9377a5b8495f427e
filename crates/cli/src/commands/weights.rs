//! Reading a build's weight layer: a GeoTIFF raster or GeoJSON points.

use std::path::Path;

use anyhow::{Result, bail};

use citygrid_build::{PixelGrid, WeightedPoint, Weights};
use citygrid_crs::Crs;
use citygrid_io::points::{PointOptions, read_weighted_points};
use citygrid_raster::Raster;

/// A weight layer read from a file.
pub enum Layer {
    /// No file: cells by area alone.
    None,
    /// A raster of people or households per pixel.
    Raster(Grid),
    /// Weighted points (multiplied into households by [`Layer::weights`]).
    Points(Vec<WeightedPoint>),
}

/// A raster seen as the build's pixel grid.
pub struct Grid(Raster);

impl PixelGrid for Grid {
    fn pixel_at(&self, lon: f64, lat: f64) -> Option<(usize, usize)> {
        self.0.pixel_at(lon, lat)
    }

    fn value(&self, col: usize, row: usize) -> Option<f64> {
        self.0.value(col, row)
    }

    fn size(&self) -> (usize, usize) {
        (self.0.width(), self.0.height())
    }

    fn pixel_center(&self, col: usize, row: usize) -> (f64, f64) {
        self.0.pixel_center(col, row)
    }
}

impl Layer {
    /// Reads `path` by its extension (`.tif`/`.tiff`: raster; `.geojson`/`.json`:
    /// points); none: no layer.
    pub fn read(path: Option<&Path>, field: Option<&str>, crs: Option<Crs>) -> Result<Layer> {
        let Some(path) = path else {
            return Ok(Layer::None);
        };
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .unwrap_or_default();
        match ext.as_str() {
            "tif" | "tiff" => Ok(Layer::Raster(Grid(Raster::read_with_crs(path, crs)?))),
            "geojson" | "json" => {
                let options = PointOptions {
                    weight_field: field.map(str::to_string),
                    crs,
                };
                Ok(Layer::Points(read_weighted_points(path, &options)?))
            }
            _ => bail!(
                "{}: a weight layer must be a GeoTIFF (.tif) or GeoJSON points (.geojson)",
                path.display()
            ),
        }
    }

    /// The layer as build weights; raster and point values are multiplied by
    /// `per_value` to give households.
    pub fn weights(&mut self, per_value: f64) -> Weights<'_> {
        match self {
            Layer::None => Weights::None,
            Layer::Raster(grid) => Weights::Grid {
                grid,
                households_per_value: per_value,
            },
            Layer::Points(points) => {
                if per_value != 1.0 {
                    points.iter_mut().for_each(|p| p.weight *= per_value);
                }
                Weights::Points(points)
            }
        }
    }
}
