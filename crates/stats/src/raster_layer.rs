//! Raster layers: a GeoTIFF summed over every cell with exact coverage fractions,
//! the coverages of one partition version kept ([`RasterCells`]) so that the next
//! version recomputes only the cells an edit changed, and units above cells made
//! from their cells' figures.

use std::sync::Arc;

use citygrid_crs::{Crs, Transform};
use citygrid_model::{Level, Partition, UnitCode};
use citygrid_raster::Raster;
use citygrid_zonal::{PixelGrid, Stats, Summarizer, Weights};
use geo_types::{Coord, MultiPolygon};
use rustc_hash::FxHashMap;

use crate::error::{Result, StatsError};
use crate::levels::LevelRows;
use crate::query::StatsQuery;
use crate::table::RasterRow;

/// A raster registered as a layer.
#[derive(Debug, Clone)]
pub struct RasterLayer {
    name: String,
    raster: Arc<Raster>,
}

impl RasterLayer {
    /// The layer `name` of `raster`.
    #[must_use]
    pub fn new(name: &str, raster: Raster) -> Self {
        RasterLayer {
            name: name.to_string(),
            raster: Arc::new(raster),
        }
    }

    /// The layer's name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The raster.
    #[must_use]
    pub fn raster(&self) -> &Raster {
        &self.raster
    }

    /// A cell's outline in the raster's CRS (cells are WGS84; CGCS2000 is the same
    /// to well under a pixel, as everywhere in citygrid).
    fn shape(&self, code: &UnitCode, shape: &MultiPolygon<f64>) -> Result<MultiPolygon<f64>> {
        let crs = self.raster.crs();
        if matches!(crs, Crs::Wgs84 | Crs::Cgcs2000) {
            return Ok(shape.clone());
        }
        let fail = |message: String| StatsError::Crs {
            layer: self.name.clone(),
            code: code.to_string(),
            message,
        };
        let t = Transform::new(crs).map_err(|e| fail(e.to_string()))?;
        let mut out = shape.clone();
        for polygon in &mut out.0 {
            let mut bad = None;
            polygon.exterior_mut(|r| map_ring(r, &t, &mut bad));
            polygon.interiors_mut(|rings| {
                for r in rings {
                    map_ring(r, &t, &mut bad);
                }
            });
            if let Some(e) = bad {
                return Err(fail(e));
            }
        }
        Ok(out)
    }
}

fn map_ring(ring: &mut geo_types::LineString<f64>, t: &Transform, bad: &mut Option<String>) {
    for c in &mut ring.0 {
        match t.from_wgs84(c.x, c.y) {
            Ok((x, y)) => *c = Coord { x, y },
            Err(e) => *bad = Some(e.to_string()),
        }
    }
}

/// The coverages and statistics of every cell of one partition version on a raster
/// layer.
#[derive(Debug, Clone)]
pub struct RasterCells {
    weights: Weights<UnitCode>,
    stats: FxHashMap<UnitCode, Stats>,
}

impl RasterCells {
    /// Computes every cell of `partition` (in parallel).
    ///
    /// # Errors
    /// [`StatsError::Crs`] for a cell outside the raster CRS's range;
    /// [`StatsError::Zonal`] for a degenerate geometry.
    pub fn compute(layer: &RasterLayer, partition: &Partition) -> Result<Self> {
        let shapes = cell_shapes(layer, partition, |_| true)?;
        let grid = PixelGrid::of(layer.raster());
        let weights = Weights::compute(
            grid,
            partition.version(),
            shapes.iter().map(|(c, s)| (c.clone(), s)),
        )
        .map_err(|source| zonal(layer, source))?;
        let stats = weights
            .stats(layer.raster())
            .map_err(|source| zonal(layer, source))?
            .into_iter()
            .collect();
        Ok(RasterCells { weights, stats })
    }

    /// The cells of `new`, from these of `old`: only cells whose shape changed (or
    /// that are new) are computed again; gone cells are dropped.
    ///
    /// # Errors
    /// As [`RasterCells::compute`].
    pub fn next(&self, layer: &RasterLayer, old: &Partition, new: &Partition) -> Result<Self> {
        let changed = |code: &UnitCode| match (old.get(code), new.get(code)) {
            (Some(a), Some(b)) => a.geometry != b.geometry,
            _ => true,
        };
        let shapes = cell_shapes(layer, new, changed)?;
        let gone: Vec<UnitCode> = old
            .level_ids(Level::Cell)
            .map(|id| old.unit(id).code.clone())
            .filter(|c| new.get(c).is_none_or(|u| u.level != Level::Cell))
            .collect();
        let mut weights = self.weights.clone();
        weights
            .update(
                new.version(),
                shapes
                    .iter()
                    .map(|(c, s)| (c.clone(), Some(s)))
                    .chain(gone.iter().map(|c| (c.clone(), None))),
            )
            .map_err(|source| zonal(layer, source))?;
        let summarizer = Summarizer::new(layer.raster());
        let mut stats = self.stats.clone();
        for c in &gone {
            stats.remove(c);
        }
        for (code, _) in &shapes {
            if let Some(coverage) = weights.get(code) {
                stats.insert(code.clone(), summarizer.stats(coverage));
            }
        }
        Ok(RasterCells { weights, stats })
    }

    /// The partition version these are of.
    #[must_use]
    pub fn version(&self) -> u64 {
        self.weights.version()
    }

    /// One cell's statistics.
    #[must_use]
    pub fn cell(&self, code: &UnitCode) -> Option<&Stats> {
        self.stats.get(code)
    }

    /// The rows of `query` (no window or grouping: a raster has neither).
    ///
    /// # Errors
    /// [`StatsError::Field`] for a window or a grouping.
    pub fn rows(
        &self,
        layer: &RasterLayer,
        partition: &Partition,
        query: &StatsQuery,
    ) -> Result<Vec<RasterRow>> {
        if query.has_window() || query.group_by.is_some() {
            return Err(StatsError::Field {
                layer: layer.name().to_string(),
                message: "a raster layer has no time or fields: drop from, to and group_by".into(),
            });
        }
        let rows = LevelRows::new(partition, query.level, query.prefix.as_deref());
        let mut sums = vec![Moments::default(); rows.units.len()];
        for id in partition.level_ids(Level::Cell) {
            if let (Some(r), Some(s)) = (rows.row(id), self.stats.get(&partition.unit(id).code)) {
                sums[r].add(s);
            }
        }
        Ok(rows
            .units
            .iter()
            .zip(sums)
            .map(|(&id, m)| {
                m.row(
                    partition.unit(id).code.to_string(),
                    partition.unit(id).name.clone(),
                )
            })
            .collect())
    }
}

/// The figures of a unit from its cells': counts, sums and areas add; extremes
/// combine; the variance from the weighted sum of squares, `count·(sd² + mean²)`.
#[derive(Debug, Clone, Copy, Default)]
struct Moments {
    count: f64,
    sum: f64,
    squares: f64,
    min: Option<f64>,
    max: Option<f64>,
    coverage_m2: f64,
}

impl Moments {
    fn add(&mut self, s: &Stats) {
        self.count += s.count;
        self.sum += s.sum;
        self.coverage_m2 += s.coverage_m2;
        if let (Some(mean), Some(sd)) = (s.mean, s.stddev) {
            self.squares += s.count * (sd * sd + mean * mean);
        }
        self.min = match (self.min, s.min) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.max = match (self.max, s.max) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
    }

    fn row(self, code: String, name: String) -> RasterRow {
        let valid = self.count > 0.0;
        let mean = valid.then(|| self.sum / self.count);
        RasterRow {
            code,
            name,
            count: self.count,
            sum: self.sum,
            mean,
            min: self.min.filter(|_| valid),
            max: self.max.filter(|_| valid),
            stddev: mean.map(|m| (self.squares / self.count - m * m).max(0.0).sqrt()),
            coverage_m2: self.coverage_m2,
        }
    }
}

fn cell_shapes(
    layer: &RasterLayer,
    partition: &Partition,
    wanted: impl Fn(&UnitCode) -> bool,
) -> Result<Vec<(UnitCode, MultiPolygon<f64>)>> {
    partition
        .level_ids(Level::Cell)
        .map(|id| partition.unit(id))
        .filter(|u| wanted(&u.code))
        .map(|u| Ok((u.code.clone(), layer.shape(&u.code, &u.geometry)?)))
        .collect()
}

fn zonal(layer: &RasterLayer, source: citygrid_zonal::ZonalError) -> StatsError {
    StatsError::Zonal {
        layer: layer.name().to_string(),
        source: Box::new(source),
    }
}
