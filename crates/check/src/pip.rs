//! Point in polygon with a half-open rule, so a point on a boundary shared by two
//! units counts in exactly one of them.
//!
//! This is the winding-number test with robust orientation: an edge counts only when
//! the point is strictly on its inner side, and an edge's lower end is included while
//! its upper end is not. Two units sharing an edge see it in opposite directions, so a
//! point on it is inside exactly one of them (the one to its east, or for a horizontal
//! edge the one to its north).

use geo_types::{Coord, LineString, MultiPolygon};

use crate::segment::side;

/// The winding number of a closed ring around `p` (0 when outside or on the west or
/// south side of its boundary).
#[must_use]
pub fn winding(p: Coord<f64>, ring: &[Coord<f64>]) -> i32 {
    let mut wn = 0;
    for w in ring.windows(2) {
        let (a, b) = (w[0], w[1]);
        if a.y <= p.y {
            if b.y > p.y && side(a, b, p) > 0 {
                wn += 1;
            }
        } else if b.y <= p.y && side(a, b, p) < 0 {
            wn -= 1;
        }
    }
    wn
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
}
