//! Compact edges: 12-byte copies of a tile's edges, four at a time, that settle
//! almost every test, with the exact edges kept aside for the few they cannot.
//!
//! Lookups over a whole city are bound by memory and by branches, not arithmetic:
//! a tile's edges are read from wherever they are, and 40-byte exact edges for every
//! tile of a Guiyang-sized city do not fit in the processor's cache. But most edge
//! tests only need to know whether the point is above or below an edge's y range,
//! or west or east of its x range, and for that a 15-bit fixed-point copy of the
//! ranges is enough whenever the point is not within a unit or so of them.
//!
//! Each tile has its own fixed-point frame: [`PER_TILE`] units per tile size, from
//! one tile west (south) of the tile to one tile east (north) of it, 32,766 units in
//! all (a unit is about 7 mm with the default grid on a Guiyang-sized city). Values
//! beyond are clamped: a point of the tile is more than a tile from them, so they
//! compare the same. A stored value is within half a unit of the true one
//! (plus rounding in the order of 1e-6 units); a test is settled when the point's
//! unit is at least [`MARGIN`] units from every value it compares with, and
//! otherwise the exact edge decides. The answer is therefore always the exact one;
//! the fixed-point copy only decides how it is found.
//!
//! The copy also settles most orientation tests (a point within an edge's x range):
//! the determinant of the rounded points, in integers, is off by at most a bound
//! that follows from the half-unit roundings, and beyond that bound its sign is the
//! exact one. Only points within a unit or two of an edge's line, or of one of its
//! end heights, are left to the exact edge.
//!
//! Edges are stored in groups of four (padded with edges that settle to nothing),
//! field by field, so that one group is tested at once, without a branch per edge
//! and in vector instructions where the compiler finds them.

use crate::edges::{Edge, Label};

/// Units of the fixed-point frame per tile size: 32,766 over three tiles.
pub(crate) const PER_TILE: f64 = 10_922.0;
/// The frame's last unit.
const TOP: f64 = 3.0 * PER_TILE;
/// Bits of a stored value.
const VALUE: u32 = 0x7fff;
/// In the x word: the edge's lower end is its west end.
const RISES_EAST: u32 = 1 << 15;
/// In the x word: an end of the edge was clamped to the frame, so the rounded ends
/// say nothing about its line.
const CLAMPED: u32 = 1 << 31;

/// How far (in whole units, counted from the unit the point is in) a point must be
/// from a stored value for the comparison to be settled: half a unit of rounding of
/// the stored value, up to one unit for the point's own unit, and the rest for the
/// rounding of the frame's arithmetic, which is smaller by many orders of magnitude.
const MARGIN: i32 = 2;

/// Edges per group.
pub(crate) const GROUP: usize = 4;
/// Words per group: y ranges, x ranges, weights.
pub(crate) const GROUP_WORDS: usize = 3 * GROUP;

/// The y range of a padding edge: empty (lower end above the upper end), so every
/// point is settled as out of it.
const EMPTY: u32 = VALUE;

/// A position in a tile's frame (see [`crate::grid::Grid::unit_x`]), rounded to the
/// nearest unit (half up) and clamped to the frame, and whether it lay outside the
/// frame (NaN, possible only in a degenerate grid of zero width, counts as outside).
fn quantize(u: f64) -> (u32, bool) {
    if u.is_nan() {
        return (0, true);
    }
    // Non-negative after the clamp, so truncation is the floor.
    ((u.clamp(0.0, TOP) + 0.5) as u32, !(0.0..=TOP).contains(&u))
}

/// Four edges' y ranges and x ranges in a tile's frame, and their weights.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Group {
    /// Lower end's y | upper end's y << 16.
    pub y: [u32; GROUP],
    /// Smaller x | [`RISES_EAST`] | larger x << 16 | [`CLAMPED`].
    pub x: [u32; GROUP],
    /// Weights.
    pub w: [Label; GROUP],
}

impl Group {
    /// A group of padding edges only.
    pub fn empty() -> Self {
        Group {
            y: [EMPTY; GROUP],
            ..Group::default()
        }
    }

    /// Appends the compact copies of `edges` in the frame of a tile, given the
    /// functions from x and y to the frame's (unrounded) units, to `out` as words:
    /// groups of [`GROUP_WORDS`], the last one padded.
    pub fn write(
        edges: &[Edge],
        unit_x: impl Fn(f64) -> f64,
        unit_y: impl Fn(f64) -> f64,
        out: &mut Vec<u32>,
    ) {
        for chunk in edges.chunks(GROUP) {
            let mut g = Group::empty();
            for (k, e) in chunk.iter().enumerate() {
                let (lo, c0) = quantize(unit_y(e.lo_y));
                let (hi, c1) = quantize(unit_y(e.hi_y));
                let (a, c2) = quantize(unit_x(e.min_x()));
                let (b, c3) = quantize(unit_x(e.max_x()));
                let rises = if e.lo_x <= e.hi_x { RISES_EAST } else { 0 };
                let clamped = if c0 | c1 | c2 | c3 { CLAMPED } else { 0 };
                g.y[k] = lo | hi << 16;
                g.x[k] = a | rises | b << 16 | clamped;
                g.w[k] = e.w;
            }
            out.extend_from_slice(&g.y);
            out.extend_from_slice(&g.x);
            out.extend_from_slice(&g.w);
        }
    }

    /// The group stored at `words[at..at + GROUP_WORDS]`.
    #[inline(always)]
    pub fn read(words: &[u32], at: usize) -> Self {
        let w = &words[at..at + GROUP_WORDS];
        let mut g = Group::default();
        g.y.copy_from_slice(&w[..GROUP]);
        g.x.copy_from_slice(&w[GROUP..2 * GROUP]);
        g.w.copy_from_slice(&w[2 * GROUP..]);
        g
    }

    /// What the group's settled edges add to a point in unit `(qx, qy)`, and a bit
    /// per edge that is not settled: the point is within the edge's x range (the
    /// orientation test, see [`Group::west_of`]) or too near a stored value to
    /// tell. No branch: the four edges are tested side by side.
    #[inline(always)]
    pub fn settle(&self, qx: i32, qy: i32) -> (Label, u32) {
        // Comparisons as the sign of a difference (values are at most 16 bits, so no
        // overflow): `a <= b` is `a - b - 1 < 0`. Lane by lane with all-ones masks and
        // no booleans, so the compiler can test the four edges as one vector.
        let neg = |v: i32| (v >> 31) as u32;
        let mut add = [0 as Label; GROUP];
        let mut open = [0u32; GROUP];
        for k in 0..GROUP {
            let lo = (self.y[k] & VALUE) as i32;
            let hi = (self.y[k] >> 16) as i32;
            let west_end = (self.x[k] & VALUE) as i32;
            let east_end = ((self.x[k] >> 16) & VALUE) as i32;
            let out = neg(qy + MARGIN - 1 - lo) | neg(hi + MARGIN - 1 - qy);
            let within = neg(lo + MARGIN - 1 - qy) & neg(qy + MARGIN - 1 - hi);
            let west = within & neg(qx + MARGIN - 1 - west_end);
            let east = within & neg(east_end + MARGIN - 1 - qx);
            add[k] = self.w[k] & west;
            open[k] = !(out | west | east) & (1 << k);
        }
        (
            add.iter().fold(0, |a, &b| a.wrapping_add(b)),
            open.iter().fold(0, |a, &b| a | b),
        )
    }

    /// Whether a point in unit `(qx, qy)` is strictly west of edge `k` (strictly left
    /// of it going up), when the rounded ends tell: `None` when the point is not
    /// surely within the edge's y range, an end was clamped, or the point is too near
    /// the edge's line.
    #[inline]
    pub fn west_of(&self, k: usize, qx: i32, qy: i32) -> Option<bool> {
        let (y, x) = (self.y[k], self.x[k]);
        let (lo, hi) = (i64::from(y & VALUE), i64::from(y >> 16));
        let (qx, qy) = (i64::from(qx), i64::from(qy));
        let margin = i64::from(MARGIN);
        if x & CLAMPED != 0 || qy < lo + margin || qy + margin > hi {
            return None;
        }
        let (a, b) = (i64::from(x & VALUE), i64::from((x >> 16) & VALUE));
        let (lo_x, hi_x) = if x & RISES_EAST != 0 { (a, b) } else { (b, a) };
        // In half units, so the point is the middle of its unit: every coordinate is
        // then within 1 of the true one (rounding: half a unit; the point: half a
        // unit, plus the frame's arithmetic, far below the slack of 8 added below).
        let (ux, uy) = (2 * (hi_x - lo_x), 2 * (hi - lo));
        let (vx, vy) = (2 * qx + 1 - 2 * lo_x, 2 * qy + 1 - 2 * lo);
        let det = ux * vy - uy * vx;
        // Each factor is off by at most 2 (both its ends off by 1): the products are
        // off by at most 2 * (|ux| + |uy| + |vx| + |vy|) + 8.
        let bound = 2 * (ux.abs() + uy.abs() + vx.abs() + vy.abs()) + 16;
        if det > bound {
            Some(true)
        } else if det < -bound {
            Some(false)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settles_far_points_and_leaves_near_ones_to_the_exact_edge() {
        // A tile of 1 x 1 at (10, 20): the frame starts one tile west and south.
        let ux = |v: f64| (v - 9.0) * PER_TILE;
        let uy = |v: f64| (v - 19.0) * PER_TILE;
        let e = Edge {
            lo_x: 10.2,
            lo_y: 20.1,
            hi_x: 10.4,
            hi_y: 20.9,
            w: 5,
        };
        // the edge, a step (infinitely far east, forever up), and padding
        let mut words = Vec::new();
        Group::write(&[e, Edge::step(20.5, 7)], ux, uy, &mut words);
        assert_eq!(words.len(), GROUP_WORDS);
        let g = Group::read(&words, 0);
        let at = |x: f64, y: f64| g.settle(ux(x) as i32, uy(y) as i32);
        assert_eq!(at(10.1, 20.45), (5, 0), "west, within the y range");
        assert_eq!(at(10.1, 20.55), (12, 0), "and above the step");
        assert_eq!(at(10.9, 20.45), (0, 0), "east");
        assert_eq!(at(10.1, 20.05), (0, 0), "below");
        assert_eq!(at(10.1, 20.95), (7, 0), "above the edge");
        assert_eq!(at(10.3, 20.45), (0, 1), "within the x range: orientation");
        // the line runs from (10.2, 20.1) to (10.4, 20.9): at y 20.45 it is at 10.2875
        let west = |x: f64, y: f64| g.west_of(0, ux(x) as i32, uy(y) as i32);
        assert_eq!(west(10.25, 20.45), Some(true));
        assert_eq!(west(10.33, 20.45), Some(false));
        assert_eq!(west(10.2875, 20.45), None, "on the line: exact");
        assert_eq!(west(10.1, 20.1), None, "at the lower end: exact");
        assert_eq!(at(10.1, 20.1).1, 1, "at the lower end: exact");
        assert_eq!(at(10.1, 20.9).1, 1, "at the upper end: exact");
        assert_eq!(at(10.95, 20.5).1, 2, "at the step: exact");
    }
}
