//! Where edits can be drawn on a partition: the boundary segments cells share, and
//! small squares over them. The edit engine's tests, the server's tests and the
//! benchmarks all need edits that can succeed (a transfer of a square over a shared
//! segment, a reshape between its ends); they find them here, one way.

use citygrid_model::{Level, Partition, RingSet, UnitId};
use geo_types::{Coord, LineString, MultiPolygon, Polygon};

/// A boundary segment cells `a` and `b` share: `from` -> `to` as `a`'s ring runs it
/// (`b`'s runs it the other way).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SharedSegment {
    /// The cell whose ring runs `from` -> `to`.
    pub a: UnitId,
    /// The cell on the other side.
    pub b: UnitId,
    /// One end.
    pub from: Coord<f64>,
    /// The other end.
    pub to: Coord<f64>,
}

impl SharedSegment {
    /// The point a fraction `t` of the way from `from` to `to`.
    #[must_use]
    pub fn at(&self, t: f64) -> Coord<f64> {
        Coord {
            x: self.from.x + (self.to.x - self.from.x) * t,
            y: self.from.y + (self.to.y - self.from.y) * t,
        }
    }

    /// Its length, in the partition's units.
    #[must_use]
    pub fn length(&self) -> f64 {
        (self.to.x - self.from.x).hypot(self.to.y - self.from.y)
    }
}

/// Every segment cell `a` shares with another cell (of any village), in the order
/// of `a`'s rings.
#[must_use]
pub fn shared_segments(p: &Partition, a: UnitId) -> Vec<SharedSegment> {
    let rings = RingSet::build([&p.unit(a).geometry]);
    let mine: Vec<(Coord<f64>, Coord<f64>)> =
        rings.segment_ids().map(|s| rings.segment(s)).collect();
    let bounds = |id: UnitId| {
        citygrid_planar::bounds(
            p.unit(id)
                .geometry
                .iter()
                .flat_map(|poly| poly.exterior().0.iter().copied()),
        )
    };
    let Some((lo, hi)) = bounds(a) else {
        return Vec::new();
    };
    let near = |b: UnitId| {
        bounds(b).is_some_and(|(l, h)| l.x <= hi.x && lo.x <= h.x && l.y <= hi.y && lo.y <= h.y)
    };
    let mut out = Vec::new();
    for b in p.level_ids(Level::Cell).filter(|&b| b != a && near(b)) {
        let theirs = RingSet::build([&p.unit(b).geometry]);
        for t in theirs.segment_ids() {
            let (x, y) = theirs.segment(t);
            if mine.contains(&(y, x)) {
                out.push(SharedSegment {
                    a,
                    b,
                    from: y,
                    to: x,
                });
            }
        }
    }
    out
}

/// For each pair of cells of one village that share a boundary, `a` before `b` in
/// id order, one segment they share.
pub fn village_neighbours(p: &Partition) -> impl Iterator<Item = SharedSegment> + '_ {
    p.level_ids(Level::Cell).flat_map(move |a| {
        let mut seen = Vec::new();
        shared_segments(p, a)
            .into_iter()
            .filter(|s| s.b > a && p.unit(s.b).parent == p.unit(a).parent)
            .filter(|s| {
                let new = !seen.contains(&s.b);
                seen.push(s.b);
                new
            })
            .collect::<Vec<_>>()
    })
}

/// A square of half-side `r` around `c`, counter-clockwise.
#[must_use]
pub fn square(c: Coord<f64>, r: f64) -> MultiPolygon<f64> {
    let p = |dx: f64, dy: f64| Coord {
        x: c.x + dx * r,
        y: c.y + dy * r,
    };
    MultiPolygon(vec![Polygon::new(
        LineString(vec![
            p(-1., -1.),
            p(1., -1.),
            p(1., 1.),
            p(-1., 1.),
            p(-1., -1.),
        ]),
        vec![],
    )])
}
