//! [`PatchedIndex`]: the index of one version answering for a later one, so that a
//! boundary edit is served without rebuilding the index of the whole city.
//!
//! Building a [`CellIndex`] of Guiyang takes most of the 100 ms a new version
//! costs, while an edit changes a handful of cells. The older index still knows
//! every other cell: a cell whose shape did not change holds exactly the points it
//! held (the half-open rule looks at that cell's boundary only), and two cells
//! never share a point in a checked partition. So a point the old index gives to an
//! unchanged cell is still that cell's, under its id in the new partition; any
//! other point can only be in a cell that changed, and those few are tested
//! directly with the kernel's half-open rule ([`citygrid_planar::contains`]), the
//! rule the index itself follows. The answers are the very ones a new index gives;
//! the tests compare them point for point.
//!
//! The nearest cell to a point outside the city is the nearer of the old outline's
//! nearest segment owned by an unchanged cell (from its R-tree) and the nearest
//! boundary segment of the changed cells (a scan of their few segments). That
//! holds while the changed cells together cover what they covered before: every
//! edit operation moves land between cells, none moves the city's edge (up to the
//! rounding of a snapped vertex). [`PatchedIndex::patch`] verifies it by area, and
//! answers `None` for an edit that moved the edge, so the caller builds a new index.

use std::sync::Arc;

use citygrid_model::{Level, Partition, Unit, UnitId};
use citygrid_planar::{coord_key, signed_area2};
use geo::BoundingRect;
use geo_types::{Coord, MultiPolygon, Rect};
use rustc_hash::FxHashMap;

use crate::edges::OutlineSegment;
use crate::index::CellIndex;
use crate::near::{NearCell, inside_or_nearest, nearest_of};

/// No cell: a base cell that changed or went.
const GONE: UnitId = UnitId::MAX;

/// A cell whose shape is new since the base, with its box for a quick refusal.
#[derive(Debug, Clone)]
struct Changed {
    id: UnitId,
    bbox: Rect<f64>,
    unit: Arc<Unit>,
}

/// A [`CellIndex`] built from one partition, answering for that partition or a later
/// version of it: the cells that changed since are tested directly, every other
/// point is answered by the index through a map of ids.
///
/// Cheap to make from the base ([`PatchedIndex::patch`]: a pass over the cells and
/// the changed cells' rings, well under a millisecond for Guiyang), and as fast as
/// the index for points outside the changed cells' boxes. Rebuild the index
/// ([`PatchedIndex::new`]) when the patch grows, or in the background.
#[derive(Debug, Clone)]
pub struct PatchedIndex {
    base: Arc<CellIndex>,
    /// The partition the base was built from: patches are always taken against it.
    base_partition: Partition,
    /// Base cell id -> id of the same, unchanged cell now, or [`GONE`]; `None` when
    /// nothing changed and the ids are the same.
    remap: Option<Vec<UnitId>>,
    changed: Vec<Changed>,
    /// The segments of the boundary of the changed cells' union, each with its
    /// cell: where a point outside the city may be nearest to one of them.
    edge: Vec<OutlineSegment>,
}

impl PatchedIndex {
    /// An index of `partition`, with no patch.
    ///
    /// # Errors
    /// As [`CellIndex::new`].
    pub fn new(partition: &Partition) -> crate::Result<Self> {
        Ok(Self::whole(Arc::new(CellIndex::new(partition)?), partition))
    }

    /// `index`, built from `partition`, with no patch.
    #[must_use]
    pub fn whole(index: Arc<CellIndex>, partition: &Partition) -> Self {
        PatchedIndex {
            base: index,
            base_partition: partition.clone(),
            remap: None,
            changed: Vec::new(),
            edge: Vec::new(),
        }
    }

    /// The same base index answering for `partition`, a later (or earlier) version
    /// of the base's partition; `None` when the changed cells together do not cover
    /// what they covered in the base (the city's edge moved), so that only a new
    /// index answers the nearest-cell question right.
    #[must_use]
    pub fn patch(&self, partition: &Partition) -> Option<Self> {
        let base = &self.base_partition;
        let now = |id: UnitId| -> Option<UnitId> {
            let old = base.unit(id);
            let new = partition.id_of(&old.code)?;
            let unit = partition.unit(new);
            (unit.level == Level::Cell && (Arc::ptr_eq(unit, old) || unit.geometry == old.geometry))
                .then_some(new)
        };
        let base_cells: Vec<UnitId> = base.level_ids(Level::Cell).collect();
        let first = base_cells.first().copied().unwrap_or(0);
        let mut remap = vec![GONE; base_cells.last().map_or(0, |&l| l as usize + 1)];
        let mut identity = true;
        let mut gone = Vec::new();
        for &id in &base_cells {
            let new = now(id);
            identity &= new == Some(id);
            remap[id as usize] = new.unwrap_or(GONE);
            if new.is_none() {
                gone.push(id);
            }
        }
        let mut kept = vec![false; partition.units().len()];
        for &new in remap.iter().skip(first as usize).filter(|&&n| n != GONE) {
            kept[new as usize] = true;
        }
        let changed: Vec<Changed> = partition
            .level_ids(Level::Cell)
            .filter(|&id| !kept[id as usize])
            .filter_map(|id| {
                let unit = Arc::clone(partition.unit(id));
                let bbox = unit.geometry.bounding_rect()?;
                Some(Changed { id, bbox, unit })
            })
            .collect();
        identity &= changed.is_empty() && base.units().len() == partition.units().len();
        let before: f64 = gone.iter().map(|&id| area(&base.unit(id).geometry)).sum();
        let after: f64 = changed.iter().map(|c| area(&c.unit.geometry)).sum();
        if (before - after).abs() > 1e-9 * before.max(after) {
            return None;
        }
        Some(PatchedIndex {
            base: Arc::clone(&self.base),
            base_partition: base.clone(),
            remap: (!identity).then_some(remap),
            edge: union_boundary(changed.iter().map(|c| (c.id, &c.unit.geometry))),
            changed,
        })
    }

    /// How many cells are tested directly rather than through the index.
    #[must_use]
    pub fn patched_cells(&self) -> usize {
        self.changed.len()
    }

    /// The cell containing `(lon, lat)` in the patched partition: as
    /// [`CellIndex::lookup`] on an index of it.
    #[must_use]
    pub fn lookup(&self, lon: f64, lat: f64) -> Option<UnitId> {
        self.resolve(self.base.lookup(lon, lat), lon, lat)
    }

    /// [`PatchedIndex::lookup`] for many points, as [`CellIndex::lookup_batch`].
    pub fn lookup_batch(&self, points: &[(f64, f64)], out: &mut Vec<Option<UnitId>>) {
        self.base.lookup_batch(points, out);
        if self.remap.is_some() || !self.changed.is_empty() {
            for (found, &(x, y)) in out.iter_mut().zip(points) {
                *found = self.resolve(*found, x, y);
            }
        }
    }

    /// The cell containing the point or the nearest within `max_m` metres: as
    /// [`CellIndex::lookup_near`] on an index of the patched partition.
    #[must_use]
    pub fn lookup_near(&self, lon: f64, lat: f64, max_m: f64) -> Option<NearCell> {
        inside_or_nearest(
            max_m,
            || self.lookup(lon, lat),
            || {
                let kept = self.base.outline().nearest_owned(lon, lat, max_m, |s| {
                    self.remap.as_ref().map_or(Some(s.cell), |r| {
                        Some(r[s.cell as usize]).filter(|&now| now != GONE)
                    })
                });
                nearest_of(&self.edge, lon, lat, max_m, kept)
            },
        )
    }

    /// Bytes held: the base index (shared between the versions patched from it),
    /// the map of ids and the changed cells' boxes.
    #[must_use]
    pub fn memory_bytes(&self) -> usize {
        self.base.memory_bytes()
            + self
                .remap
                .as_ref()
                .map_or(0, |r| r.capacity() * size_of::<UnitId>())
            + self.changed.capacity() * size_of::<Changed>()
            + self.edge.capacity() * size_of::<OutlineSegment>()
    }

    /// The base's answer turned into this partition's.
    #[inline]
    fn resolve(&self, base: Option<UnitId>, lon: f64, lat: f64) -> Option<UnitId> {
        let Some(remap) = &self.remap else {
            return base;
        };
        match base.map(|b| remap[b as usize]) {
            Some(now) if now != GONE => Some(now),
            _ => self.in_changed(lon, lat),
        }
    }

    /// The changed cell holding the point, by the half-open rule.
    fn in_changed(&self, x: f64, y: f64) -> Option<UnitId> {
        let p = Coord { x, y };
        self.changed
            .iter()
            .find(|c| {
                let (lo, hi) = (c.bbox.min(), c.bbox.max());
                lo.x <= x
                    && x <= hi.x
                    && lo.y <= y
                    && y <= hi.y
                    && citygrid_planar::contains(&c.unit.geometry, p)
            })
            .map(|c| c.id)
    }
}

/// The undirected key of a segment.
fn segment_key(a: Coord<f64>, b: Coord<f64>) -> [u64; 4] {
    let (ka, kb) = (coord_key(a), coord_key(b));
    let (lo, hi) = if ka <= kb { (ka, kb) } else { (kb, ka) };
    [lo[0], lo[1], hi[0], hi[1]]
}

/// The area of a (multi)polygon in square degrees: enough to tell whether the
/// changed cells still cover what they covered.
fn area(mp: &MultiPolygon<f64>) -> f64 {
    mp.iter()
        .map(|p| {
            signed_area2(&p.exterior().0).abs()
                - p.interiors()
                    .iter()
                    .map(|h| signed_area2(&h.0).abs())
                    .sum::<f64>()
        })
        .sum::<f64>()
        / 2.0
}

/// The segments of the boundary of the union of `cells` (those only one of them
/// has: the ones two share are inside the union), each with the cell that has it.
fn union_boundary<'a>(
    cells: impl Iterator<Item = (UnitId, &'a MultiPolygon<f64>)>,
) -> Vec<OutlineSegment> {
    let mut seen: FxHashMap<[u64; 4], (OutlineSegment, u32)> = FxHashMap::default();
    for (cell, mp) in cells {
        for ring in mp
            .iter()
            .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
        {
            for w in ring.0.windows(2).filter(|w| w[0] != w[1]) {
                let (a, b) = (w[0], w[1]);
                seen.entry(segment_key(a, b))
                    .or_insert((OutlineSegment { a, b, cell }, 0))
                    .1 += 1;
            }
        }
    }
    seen.into_values()
        .filter(|(_, n)| *n == 1)
        .map(|(s, _)| s)
        .collect()
}
