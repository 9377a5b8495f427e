//! Rings on their own: area, orientation, and where a point lies, with the half-open
//! rule that puts a point on a boundary shared by two units in exactly one of them.
//!
//! The winding number counts an edge only when the point is strictly on its inner
//! side, and an edge's lower end is included while its upper end is not. Two units
//! sharing an edge see it in opposite directions, so a point on it is inside exactly
//! one of them (the one to its east, or for a horizontal edge the one to its north).
//! Functions over [`Point`] take a ring closed (first point repeated) or open alike.

use geo_types::{Coord, LineString, MultiPolygon};

use crate::point::{IntPoint, Point, on_segment};

/// Twice the signed area of a ring (positive when counter-clockwise), computed
/// relative to its first vertex to keep precision with lon/lat values. The ring
/// must be closed (first point repeated) for the closing segment to count.
#[must_use]
pub fn signed_area2(ring: &[Coord<f64>]) -> f64 {
    let Some(&o) = ring.first() else { return 0.0 };
    let mut sum = 0.0;
    for w in ring.windows(2) {
        let (a, b) = (w[0] - o, w[1] - o);
        sum += a.x * b.y - a.y * b.x;
    }
    sum
}

/// Twice the signed area of an open integer ring, exactly (positive when
/// counter-clockwise with y up).
#[must_use]
pub fn twice_area(ring: &[IntPoint]) -> i128 {
    let n = ring.len();
    (0..n)
        .map(|i| {
            let (a, b) = (ring[i], ring[(i + 1) % n]);
            i128::from(a[0]) * i128::from(b[1]) - i128::from(b[0]) * i128::from(a[1])
        })
        .sum()
}

/// Whether an open ring that repeats no vertex runs counter-clockwise, exactly: the
/// turn at its lowest-leftmost vertex decides.
#[must_use]
pub fn counter_clockwise<P: Point>(ring: &[P]) -> bool {
    let n = ring.len();
    let k = (0..n)
        .min_by(|&i, &j| {
            let (p, q) = (ring[i], ring[j]);
            p.x()
                .partial_cmp(&q.x())
                .unwrap_or(std::cmp::Ordering::Equal)
                .then(
                    p.y()
                        .partial_cmp(&q.y())
                        .unwrap_or(std::cmp::Ordering::Equal),
                )
        })
        .unwrap_or(0);
    let v = |i: usize| ring[i % n];
    P::side(v(k + n - 1), v(k), v(k + 1)) > 0
}

/// Segments of a ring given closed or open: consecutive pairs, then last to first.
fn segments<P: Point>(ring: &[P]) -> impl Iterator<Item = (P, P)> + '_ {
    let closing = match (ring.first(), ring.last()) {
        (Some(&f), Some(&l)) if f != l => Some((l, f)),
        _ => None,
    };
    ring.windows(2).map(|w| (w[0], w[1])).chain(closing)
}

/// The winding number of a ring around `p` under the half-open rule (0 when
/// outside, or on the west or south side of its boundary).
#[must_use]
pub fn winding<P: Point>(p: P, ring: &[P]) -> i32 {
    let mut wn = 0;
    for (a, b) in segments(ring) {
        if a.y() <= p.y() {
            if b.y() > p.y() && P::side(a, b, p) > 0 {
                wn += 1;
            }
        } else if b.y() <= p.y() && P::side(a, b, p) < 0 {
            wn -= 1;
        }
    }
    wn
}

/// Where a point lies against a ring, with the boundary told apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    /// Winding number not zero, off the boundary.
    Inside,
    /// Winding number zero, off the boundary.
    Outside,
    /// On a segment of the ring.
    Boundary,
}

/// Where `p` lies against a ring (closed or open), exactly.
#[must_use]
pub fn locate<P: Point>(p: P, ring: &[P]) -> Location {
    if segments(ring).any(|(a, b)| on_segment(p, a, b)) {
        Location::Boundary
    } else if winding(p, ring) != 0 {
        Location::Inside
    } else {
        Location::Outside
    }
}

fn in_ring(p: Coord<f64>, ring: &LineString<f64>) -> bool {
    winding(p, &ring.0) != 0
}

/// Whether `p` is inside a (multi)polygon under the half-open rule, whatever the
/// orientation of its rings.
#[must_use]
pub fn contains(mp: &MultiPolygon<f64>, p: Coord<f64>) -> bool {
    mp.0.iter()
        .any(|poly| in_ring(p, poly.exterior()) && !poly.interiors().iter().any(|h| in_ring(p, h)))
}

#[cfg(test)]
mod tests {
    use geo_types::polygon;

    use super::*;

    #[test]
    fn a_point_on_a_shared_edge_is_in_exactly_one_unit() {
        let west = MultiPolygon(vec![
            polygon![(x: 0., y: 0.), (x: 1., y: 0.), (x: 1., y: 1.), (x: 0., y: 1.)],
        ]);
        let east = MultiPolygon(vec![
            polygon![(x: 1., y: 0.), (x: 2., y: 0.), (x: 2., y: 1.), (x: 1., y: 1.)],
        ]);
        for p in [(1.0, 0.5), (1.0, 0.0), (0.5, 1.0), (1.0, 1.0)] {
            let p = Coord { x: p.0, y: p.1 };
            let n = usize::from(contains(&west, p)) + usize::from(contains(&east, p));
            assert!(n <= 1, "{p:?}");
        }
        assert!(contains(&east, Coord { x: 1.0, y: 0.5 }));
        assert!(contains(&west, Coord { x: 0.5, y: 0.5 }));
        assert!(!contains(&west, Coord { x: 2.5, y: 0.5 }));
    }

    #[test]
    fn holes_are_outside() {
        let p = MultiPolygon(vec![polygon!(
            exterior: [(x: 0., y: 0.), (x: 4., y: 0.), (x: 4., y: 4.), (x: 0., y: 4.)],
            interiors: [[(x: 1., y: 1.), (x: 2., y: 1.), (x: 2., y: 2.), (x: 1., y: 2.)]],
        )]);
        assert!(!contains(&p, Coord { x: 1.5, y: 1.5 }));
        assert!(contains(&p, Coord { x: 3.0, y: 3.0 }));
    }

    #[test]
    fn open_and_closed_rings_agree() {
        let open: Vec<IntPoint> = vec![[0, 0], [4, 0], [4, 4], [0, 4]];
        let mut closed = open.clone();
        closed.push([0, 0]);
        for p in [[2, 2], [5, 5], [4, 2], [0, 0], [2, 4]] {
            assert_eq!(winding(p, &open), winding(p, &closed), "{p:?}");
            assert_eq!(locate(p, &open), locate(p, &closed), "{p:?}");
        }
        assert_eq!(locate([2, 2], &open), Location::Inside);
        assert_eq!(locate([4, 2], &open), Location::Boundary);
        assert_eq!(locate([5, 2], &open), Location::Outside);
        assert_eq!(twice_area(&open), 32);
        assert!(counter_clockwise(&open));
        let f: Vec<Coord<f64>> = closed
            .iter()
            .map(|p| Coord {
                x: p[0] as f64,
                y: p[1] as f64,
            })
            .collect();
        assert_eq!(signed_area2(&f), 32.0);
    }
}
