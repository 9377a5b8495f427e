//! Tiles per cell, for one partition version: for each cell the tiles whose footprint
//! meets it (at every level, so a subset keeps the coarse tiles above the fine ones)
//! and the share of it the finest content covers; moved to another version by
//! recomputing only the cells whose shape changed.

use std::collections::HashMap;
use std::sync::Arc;

use citygrid_model::measure::area_m2;
use citygrid_model::{Level, Partition, UnitCode};
use geo::{Area, BooleanOps, BoundingRect, Intersects};
use geo_types::{MultiPolygon, Polygon, Rect};
use rayon::prelude::*;
use rstar::{AABB, RTree, RTreeObject};

use crate::content::TileId;
use crate::tileset::Tileset;

/// One cell's tiles and coverage.
#[derive(Debug, Clone, PartialEq)]
pub struct CellCoverage {
    /// Every tile whose footprint meets the cell, in tree order (parents first).
    pub tiles: Vec<TileId>,
    /// The share of the cell (0 to 1) under the footprints of the finest content: the
    /// content tiles with no content below them.
    pub covered: f64,
    /// The cell's area, m² (on the ellipsoid).
    pub area_m2: f64,
}

/// A tile's footprint box in the R-tree.
struct Boxed {
    id: TileId,
    rect: Rect<f64>,
}

impl RTreeObject for Boxed {
    type Envelope = AABB<[f64; 2]>;
    fn envelope(&self) -> Self::Envelope {
        AABB::from_corners(
            [self.rect.min().x, self.rect.min().y],
            [self.rect.max().x, self.rect.max().y],
        )
    }
}

/// The tiles of every cell of one partition version.
#[derive(Debug, Clone)]
pub struct CellTiles {
    version: u64,
    cells: HashMap<UnitCode, Arc<CellCoverage>>,
}

impl CellTiles {
    /// Every cell of `partition` against `tileset` (cells in parallel).
    #[must_use]
    pub fn compute(tileset: &Tileset, partition: &Partition) -> Self {
        let index = TileIndex::new(tileset);
        let cells: Vec<(UnitCode, &MultiPolygon<f64>)> = partition
            .level_ids(Level::Cell)
            .map(|id| {
                (
                    partition.unit(id).code.clone(),
                    &partition.unit(id).geometry,
                )
            })
            .collect();
        CellTiles {
            version: partition.version(),
            cells: cells
                .into_par_iter()
                .map(|(code, shape)| (code, Arc::new(index.cover(tileset, shape))))
                .collect(),
        }
    }

    /// The cells of `new`, from these of `old`: only cells whose shape changed, or
    /// that are new, are computed again.
    #[must_use]
    pub fn next(&self, tileset: &Tileset, old: &Partition, new: &Partition) -> Self {
        let index = TileIndex::new(tileset);
        let cells = new
            .level_ids(Level::Cell)
            .collect::<Vec<_>>()
            .into_par_iter()
            .map(|id| {
                let unit = new.unit(id);
                let kept = old
                    .get(&unit.code)
                    .filter(|o| o.geometry == unit.geometry)
                    .and_then(|_| self.cells.get(&unit.code));
                let coverage = kept.map_or_else(
                    || Arc::new(index.cover(tileset, &unit.geometry)),
                    Arc::clone,
                );
                (unit.code.clone(), coverage)
            })
            .collect();
        CellTiles {
            version: new.version(),
            cells,
        }
    }

    /// The partition version these are of.
    #[must_use]
    pub fn version(&self) -> u64 {
        self.version
    }

    /// One cell's tiles and coverage.
    #[must_use]
    pub fn cell(&self, code: &UnitCode) -> Option<&CellCoverage> {
        self.cells.get(code).map(AsRef::as_ref)
    }

    /// Every cell and its coverage, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&UnitCode, &CellCoverage)> {
        self.cells.iter().map(|(c, v)| (c, v.as_ref()))
    }
}

/// The tiles' footprints in an R-tree of their boxes, and which tiles hold the finest
/// content.
struct TileIndex {
    tree: RTree<Boxed>,
    finest: Vec<bool>,
}

impl TileIndex {
    fn new(tileset: &Tileset) -> Self {
        let tree = RTree::bulk_load(
            tileset
                .tiles
                .iter()
                .enumerate()
                .filter_map(|(i, t)| {
                    Some(Boxed {
                        id: i as TileId,
                        rect: t.footprint.as_ref()?.bounding_rect()?,
                    })
                })
                .collect(),
        );
        // content below: walk children after parents, backwards
        let mut content_below = vec![false; tileset.tiles.len()];
        for (i, t) in tileset.tiles.iter().enumerate().rev() {
            if let Some(p) = t.parent {
                content_below[p as usize] |= content_below[i] || !t.contents.is_empty();
            }
        }
        let finest = tileset
            .tiles
            .iter()
            .zip(&content_below)
            .map(|(t, below)| !t.contents.is_empty() && !below)
            .collect();
        TileIndex { tree, finest }
    }

    fn cover(&self, tileset: &Tileset, shape: &MultiPolygon<f64>) -> CellCoverage {
        let area_m2 = area_m2(shape);
        let Some(rect) = shape.bounding_rect() else {
            return CellCoverage {
                tiles: Vec::new(),
                covered: 0.0,
                area_m2,
            };
        };
        let envelope =
            AABB::from_corners([rect.min().x, rect.min().y], [rect.max().x, rect.max().y]);
        let mut tiles: Vec<TileId> = self
            .tree
            .locate_in_envelope_intersecting(&envelope)
            .filter(|b| {
                tileset
                    .tile(b.id)
                    .footprint
                    .as_ref()
                    .is_some_and(|f| f.intersects(shape))
            })
            .map(|b| b.id)
            .collect();
        tiles.sort_unstable();
        let finest: Vec<&Polygon<f64>> = tiles
            .iter()
            .filter(|&&t| self.finest[t as usize])
            .filter_map(|&t| tileset.tile(t).footprint.as_ref())
            .collect();
        let covered = if finest.is_empty() {
            0.0
        } else {
            let under = finest.iter().fold(MultiPolygon::<f64>(vec![]), |acc, f| {
                acc.union(&MultiPolygon(vec![(*f).clone()]))
            });
            let whole = shape.unsigned_area();
            if whole > 0.0 {
                (shape.intersection(&under).unsigned_area() / whole).clamp(0.0, 1.0)
            } else {
                0.0
            }
        };
        CellCoverage {
            tiles,
            covered,
            area_m2,
        }
    }
}
