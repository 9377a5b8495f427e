//! The cells' rings as labelled upward edges: each segment's contribution to the
//! half-open ray test, with the two copies of a shared segment merged into one.
//!
//! Number the cells with labels, `id + 1` (0 is "no cell"). The half-open test of
//! cell `C` at a point `p` is a sum over `C`'s ring segments of +1, -1 or 0 (the
//! winding number, 1 inside and 0 outside for a valid polygon with its shell
//! counter-clockwise and its holes clockwise). In a clean coverage exactly one cell
//! has winding 1 at a point of the city, so
//!
//! ```text
//! label(p) = sum over cells C of label(C) * winding_C(p)
//!          = sum over segments s of label(cell(s)) * crossing_s(p)
//! ```
//!
//! is the label of the cell containing `p`, or 0 outside. The sum is linear, so a
//! segment and its reversed twin in the neighbouring cell, which cross the same rays,
//! fold into one edge weighted `label(west or south cell) - label(other cell)`.
//! Arithmetic wraps modulo 2^32, which is exact because the true sum is a label.
//!
//! Each edge is stored pointing up (its lower end first) with the weight of the cell
//! it bounds on its west; horizontal segments never cross a ray of the half-open test
//! and are dropped (they still count for distances to the city's outline).

use citygrid_model::rings::NO_SEG;
use citygrid_model::{Level, Partition, RingSet, UnitId, match_segments};
use geo_types::Coord;

use crate::error::{IndexError, Result};
use citygrid_planar::side;

/// A cell's label: `id + 1`, 0 for no cell.
pub(crate) type Label = u32;

/// One upward edge and the label it adds to points strictly west of it.
///
/// `lo_y < hi_y`. Tiles keep compact copies for lookups (see `compact`); the exact
/// edge decides only what a copy cannot.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Edge {
    /// Lower end, x.
    pub lo_x: f64,
    /// Lower end, y.
    pub lo_y: f64,
    /// Upper end, x.
    pub hi_x: f64,
    /// Upper end, y.
    pub hi_y: f64,
    /// What a point strictly west of the edge, within its half-open y range, adds.
    pub w: Label,
}

impl Edge {
    /// A step: adds `w` to every point with `y >= at` (an edge infinitely far east and
    /// reaching up forever). Tiles use steps for the far-away part of their rays.
    pub fn step(at: f64, w: Label) -> Self {
        Edge {
            lo_x: f64::INFINITY,
            lo_y: at,
            hi_x: f64::INFINITY,
            hi_y: f64::INFINITY,
            w,
        }
    }

    /// The smaller x of the two ends.
    #[inline]
    pub fn min_x(&self) -> f64 {
        self.lo_x.min(self.hi_x)
    }

    /// The larger x of the two ends.
    #[inline]
    pub fn max_x(&self) -> f64 {
        self.lo_x.max(self.hi_x)
    }

    /// What this edge adds to the label of `(x, y)`: `w` when `lo_y <= y < hi_y` (lower
    /// end in, upper end out) and the point is strictly west of the edge, else 0.
    #[inline]
    pub fn contribution(&self, x: f64, y: f64) -> Label {
        // West of both ends is west of the edge, east of both is not; only a point
        // within the edge's x range needs the orientation test.
        let in_y = (y >= self.lo_y) & (y < self.hi_y);
        let west = (x < self.lo_x) & (x < self.hi_x);
        let east = (x > self.lo_x) & (x > self.hi_x);
        let hit = if in_y & !west & !east {
            strictly_left((self.lo_x, self.lo_y), (self.hi_x, self.hi_y), (x, y))
        } else {
            in_y & west
        };
        self.w & Label::from(hit).wrapping_neg()
    }
}

/// Whether `p` lies strictly left of the directed line `a`->`b`, exactly: the
/// kernel's [`side`], inlined into the lookup's inner loop.
#[inline]
pub(crate) fn strictly_left(a: (f64, f64), b: (f64, f64), p: (f64, f64)) -> bool {
    let c = |(x, y): (f64, f64)| geo_types::Coord { x, y };
    side(c(a), c(b), c(p)) > 0
}

/// A segment of the city's outline (or of a hole in it): a segment no other cell
/// shares, for distances from points outside.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct OutlineSegment {
    /// One end.
    pub a: Coord<f64>,
    /// The other end.
    pub b: Coord<f64>,
    /// The cell on its inner side.
    pub cell: UnitId,
}

/// Everything the index is built from.
#[derive(Debug, Clone, Default)]
pub(crate) struct CellEdges {
    /// Upward labelled edges, shared segments merged.
    pub edges: Vec<Edge>,
    /// Unshared segments, horizontal ones included.
    pub outline: Vec<OutlineSegment>,
    /// Bounding box of every vertex: min x, min y, max x, max y (empty: all NaN).
    pub bbox: [f64; 4],
    /// Ids of the cells: `first..end`.
    pub cells: std::ops::Range<UnitId>,
}

/// Flattens the partition's cells and folds their segments into labelled edges.
///
/// # Errors
/// [`IndexError::NonFinite`] for a NaN or infinite vertex, [`IndexError::TooLarge`]
/// when the unit ids do not leave room for the labels.
pub(crate) fn cell_edges(partition: &Partition) -> Result<CellEdges> {
    // Units are sorted by level, so the cells' ids are one range.
    let ids: Vec<UnitId> = partition.level_ids(Level::Cell).collect();
    let first = ids.iter().copied().min().unwrap_or(0);
    let end = ids.iter().copied().max().map_or(first, |l| l + 1);
    let cells = first..end;
    // Labels are `id + 1` and the tiles keep their top bit as a flag.
    if u64::from(end) >= 1 << 31 {
        return Err(IndexError::TooLarge {
            what: "unit ids",
            limit: (1 << 31) - 1,
        });
    }
    let set = RingSet::build(ids.iter().map(|&id| &partition.unit(id).geometry));
    let mut bbox = [f64::NAN; 4];
    for ring in &set.rings {
        let coords = &set.coords[ring.start as usize..(ring.start + ring.len) as usize];
        for c in coords {
            if !c.x.is_finite() || !c.y.is_finite() {
                return Err(IndexError::NonFinite {
                    code: partition.unit(ids[ring.face as usize]).code.clone(),
                    x: c.x,
                    y: c.y,
                });
            }
            bbox = [
                bbox[0].min(c.x),
                bbox[1].min(c.y),
                bbox[2].max(c.x),
                bbox[3].max(c.y),
            ];
        }
    }
    let twins = match_segments(&set).twin;
    let mut edges = Vec::with_capacity(set.segment_count() / 2 + 16);
    let mut outline = Vec::new();
    for s in set.segment_ids() {
        let (a, b) = set.segment(s);
        let cell = ids[set.face_of(s) as usize];
        let label = cell + 1;
        let t = twins[s as usize];
        let w = if t == NO_SEG {
            outline.push(OutlineSegment { a, b, cell });
            label
        } else if s < t {
            // The twin runs b -> a in the neighbour: it crosses the same rays with
            // the opposite sign.
            label.wrapping_sub(ids[set.face_of(t) as usize] + 1)
        } else {
            continue;
        };
        if a.y == b.y {
            continue;
        }
        // Upward, the bounded cell is on the left (west); downward it is on the
        // right, and the edge turned upward adds the opposite.
        let (lo, hi, w) = if a.y < b.y {
            (a, b, w)
        } else {
            (b, a, w.wrapping_neg())
        };
        edges.push(Edge {
            lo_x: lo.x,
            lo_y: lo.y,
            hi_x: hi.x,
            hi_y: hi.y,
            w,
        });
    }
    Ok(CellEdges {
        edges,
        outline,
        bbox,
        cells,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_step_adds_its_weight_from_its_height_up() {
        let s = Edge::step(1.0, 7);
        assert_eq!(s.contribution(1e300, 1.0), 7);
        assert_eq!(s.contribution(-1e300, 5.0), 7);
        assert_eq!(s.contribution(0.0, 0.999), 0);
    }

    #[test]
    fn an_edge_counts_lower_end_in_upper_end_out_and_strictly_west() {
        let e = Edge {
            lo_x: 0.0,
            lo_y: 0.0,
            hi_x: 1.0,
            hi_y: 2.0,
            w: 3,
        };
        assert_eq!(e.contribution(-1.0, 0.0), 3, "lower end included");
        assert_eq!(e.contribution(-1.0, 2.0), 0, "upper end excluded");
        assert_eq!(e.contribution(0.5, 1.0), 0, "on the edge");
        assert_eq!(e.contribution(0.0, 0.0), 0, "on its lower end");
        assert_eq!(e.contribution(0.49, 1.0), 3, "just west");
        assert_eq!(e.contribution(0.51, 1.0), 0, "just east");
    }
}
