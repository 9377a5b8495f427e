//! Which cell each point of a layer is in, for one version of the partition.
//!
//! The first assignment looks every point up (in parallel batches through the
//! version's index). After an edit, [`Assignment::next`] looks up only the points
//! whose cell changed or went, and the points outside every cell that lie in a
//! changed cell's box: a cell the edit left alone holds exactly the points it held
//! (the half-open rule depends on that cell's boundary only, and cells never
//! overlap), so its points keep it under its new id.

use std::sync::Arc;

use citygrid_index::PatchedIndex;
use citygrid_model::{Level, Partition, UnitId};
use geo::BoundingRect;
use geo_types::Rect;
use rayon::prelude::*;

/// A point in no cell.
const NONE: UnitId = UnitId::MAX;

/// Points per batch handed to one thread.
const BATCH: usize = 64 * 1024;

/// Each point's cell (a unit id of one partition version), in point order.
#[derive(Debug, Clone)]
pub struct Assignment {
    version: u64,
    cells: Vec<UnitId>,
}

impl Assignment {
    /// Looks every point up in `index`, the index of partition `version`.
    #[must_use]
    pub fn new(points: &[(f64, f64)], version: u64, index: &PatchedIndex) -> Self {
        Assignment {
            version,
            cells: lookup(points, index),
        }
    }

    /// The assignment in `new`, a later (or earlier) version than `old`, the
    /// partition this one is of; `index` is `new`'s. Points are the same as before
    /// (append new ones with [`Assignment::extend`]).
    #[must_use]
    pub fn next(
        &self,
        points: &[(f64, f64)],
        old: &Partition,
        new: &Partition,
        index: &PatchedIndex,
    ) -> Self {
        // old id -> new id of the same, unchanged cell; NONE where it changed or went
        let same: Vec<UnitId> = old
            .units()
            .iter()
            .map(|u| match new.get(&u.code) {
                Some(n) if Arc::ptr_eq(n, u) => new.id_of(&u.code).unwrap_or(NONE),
                _ => NONE,
            })
            .collect();
        let boxes: Vec<Rect<f64>> = new
            .level_ids(Level::Cell)
            .filter(|&id| {
                let u = new.unit(id);
                old.get(&u.code).is_none_or(|o| !Arc::ptr_eq(o, u))
            })
            .filter_map(|id| new.unit(id).geometry.bounding_rect())
            .collect();
        let in_changed = |(x, y): (f64, f64)| {
            boxes
                .iter()
                .any(|b| x >= b.min().x && x <= b.max().x && y >= b.min().y && y <= b.max().y)
        };
        let mut cells = Vec::with_capacity(self.cells.len());
        let mut again = Vec::new();
        for (i, (&c, &p)) in self.cells.iter().zip(points).enumerate() {
            let kept = match c {
                NONE if in_changed(p) => None,
                NONE => Some(NONE),
                c => Some(same.get(c as usize).copied().unwrap_or(NONE)).filter(|&n| n != NONE),
            };
            if kept.is_none() {
                again.push(i);
            }
            cells.push(kept.unwrap_or(NONE));
        }
        let asked: Vec<(f64, f64)> = again.iter().map(|&i| points[i]).collect();
        for (i, c) in again.into_iter().zip(lookup(&asked, index)) {
            cells[i] = c;
        }
        Assignment {
            version: new.version(),
            cells,
        }
    }

    /// This assignment with the points after the ones it holds looked up too (a
    /// live ingest appended them); `index` is of this assignment's version.
    #[must_use]
    pub fn extend(&self, points: &[(f64, f64)], index: &PatchedIndex) -> Self {
        let mut cells = self.cells.clone();
        cells.extend(lookup(&points[self.cells.len().min(points.len())..], index));
        Assignment {
            version: self.version,
            cells,
        }
    }

    /// The partition version the cells are of.
    #[must_use]
    pub fn version(&self) -> u64 {
        self.version
    }

    /// How many points are assigned (in a cell or not).
    #[must_use]
    pub fn len(&self) -> usize {
        self.cells.len()
    }

    /// Whether there are no points.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }

    /// The cell of point `i`, if it is in one.
    #[must_use]
    pub fn cell(&self, i: usize) -> Option<UnitId> {
        self.cells.get(i).copied().filter(|&c| c != NONE)
    }

    /// How many points are in no cell (outside the city).
    #[must_use]
    pub fn outside(&self) -> usize {
        self.cells.iter().filter(|&&c| c == NONE).count()
    }

    pub(crate) fn raw(&self) -> &[UnitId] {
        &self.cells
    }
}

/// The cell of every point, in parallel batches.
fn lookup(points: &[(f64, f64)], index: &PatchedIndex) -> Vec<UnitId> {
    let batches: Vec<Vec<UnitId>> = points
        .par_chunks(BATCH)
        .map(|chunk| {
            let mut out = Vec::with_capacity(chunk.len());
            index.lookup_batch(chunk, &mut out);
            out.into_iter().map(|c| c.unwrap_or(NONE)).collect()
        })
        .collect();
    batches.concat()
}

/// Whether `a` is NONE: for the rows module.
pub(crate) fn is_none(c: UnitId) -> bool {
    c == NONE
}
