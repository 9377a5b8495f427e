//! Integration tests of the cell index: each module's name reads as a sentence. The
//! reference everywhere is the half-open rule as `citygrid check` implements it
//! (`citygrid_planar::contains`), applied to every cell by brute force.

mod a_two_by_two_block;
mod cells_with_holes_and_parts;
mod every_vertex_and_edge_point_has_one_cell;
mod long_slanted_edges_stay_in_few_tiles;
mod nearest_cells_outside_the_city;
mod points_that_are_not_points;
mod random_points_match_the_check_rule;

use citygrid_index::{CellIndex, IndexOptions};
use citygrid_model::{CodeLayout, Level, Partition, Unit, UnitId};
use citygrid_synth::SynthCity;
use geo::BoundingRect;
use geo_types::{Coord, Rect};

/// Grid resolutions (tiles per cell, block shift) that make tiles larger than cells,
/// about their size, and much smaller, in blocks of one tile up to the default's 8 x
/// 8: every kind of block and tile gets exercised.
pub const RESOLUTIONS: [(f64, u32); 5] = [(0.25, 0), (2.0, 1), (16.0, 2), (120.0, 3), (256.0, 3)];

/// The cells of a generated city, as a partition of cells only.
pub fn synth_partition(city: &SynthCity) -> Partition {
    let cells = city
        .generate()
        .into_iter()
        .filter(|u| u.level == Level::Cell)
        .map(|mut u| {
            u.parent = None;
            u
        })
        .collect();
    Partition::new(cells, CodeLayout::default()).expect("a partition")
}

/// A partition of cells with codes "1", "2", ... in the order given.
pub fn partition_of(cells: Vec<geo_types::MultiPolygon<f64>>) -> Partition {
    let units = cells
        .into_iter()
        .enumerate()
        .map(|(i, g)| Unit::new((i + 1).to_string().parse().unwrap(), Level::Cell, g))
        .collect();
    Partition::new(units, CodeLayout::default()).expect("a partition")
}

/// The id of the cell with code `code`.
pub fn id(p: &Partition, code: &str) -> UnitId {
    p.id_of(&code.parse().unwrap()).unwrap()
}

/// The check's half-open rule, applied to every cell: the cells containing `p`.
pub struct BruteForce<'a> {
    partition: &'a Partition,
    cells: Vec<(UnitId, Rect<f64>)>,
}

impl<'a> BruteForce<'a> {
    /// The rule over every cell of `partition`.
    pub fn new(partition: &'a Partition) -> Self {
        let cells = partition
            .level_ids(Level::Cell)
            .map(|id| (id, partition.unit(id).geometry.bounding_rect().unwrap()))
            .collect();
        BruteForce { partition, cells }
    }

    /// The cells whose half-open area holds `p`.
    pub fn cells_at(&self, p: Coord<f64>) -> Vec<UnitId> {
        self.cells
            .iter()
            .filter(|(_, r)| {
                p.x >= r.min().x && p.x <= r.max().x && p.y >= r.min().y && p.y <= r.max().y
            })
            .filter(|(id, _)| citygrid_planar::contains(&self.partition.unit(*id).geometry, p))
            .map(|(id, _)| *id)
            .collect()
    }
}

/// Indexes at every resolution of [`RESOLUTIONS`].
pub fn indexes(p: &Partition) -> Vec<(f64, CellIndex)> {
    RESOLUTIONS
        .iter()
        .map(|&(r, shift)| {
            let options = IndexOptions::default().tiles_per_cell(r).block_shift(shift);
            (r, CellIndex::with_options(p, options).expect("an index"))
        })
        .collect()
}
