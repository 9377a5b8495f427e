//! Cells with holes (filled by other cells) and cells in several parts, including
//! parts that touch at a vertex.

use geo_types::{Coord, MultiPolygon, polygon};

use super::{BruteForce, id, indexes, partition_of};

fn sq(x0: f64, y0: f64, x1: f64, y1: f64) -> geo_types::Polygon<f64> {
    polygon![(x: x0, y: y0), (x: x1, y: y0), (x: x1, y: y1), (x: x0, y: y1)]
}

/// Dyadic points on and around a lattice: every vertex, edge point and crossing of
/// the lattice lines in the box, exactly.
fn lattice_points(x0: f64, y0: f64, x1: f64, y1: f64, step: f64) -> Vec<Coord<f64>> {
    let mut out = Vec::new();
    let mut y = y0;
    while y <= y1 {
        let mut x = x0;
        while x <= x1 {
            out.push(Coord { x, y });
            x += step;
        }
        y += step;
    }
    out
}

#[test]
fn a_ring_cell_around_a_hole_and_the_cell_filling_it() {
    // "1": a 4x4 square with a 2x2 hole; "2" fills the hole; "3" is east of both,
    // in two parts touching at the vertex (6, 2).
    let ring = MultiPolygon(vec![polygon!(
        exterior: [(x: 0., y: 0.), (x: 4., y: 0.), (x: 4., y: 4.), (x: 0., y: 4.)],
        interiors: [[(x: 1., y: 1.), (x: 1., y: 3.), (x: 3., y: 3.), (x: 3., y: 1.)]],
    )]);
    let inner = MultiPolygon(vec![sq(1., 1., 3., 3.)]);
    let parts = MultiPolygon(vec![
        polygon![(x: 4., y: 0.), (x: 6., y: 0.), (x: 6., y: 2.), (x: 4., y: 2.)],
        polygon![(x: 6., y: 2.), (x: 8., y: 2.), (x: 8., y: 4.), (x: 6., y: 4.)],
    ]);
    // "4" fills the rest of the 8x4 box: the notches of "3".
    let rest = MultiPolygon(vec![
        polygon![(x: 4., y: 2.), (x: 6., y: 2.), (x: 6., y: 4.), (x: 4., y: 4.)],
        polygon![(x: 6., y: 0.), (x: 8., y: 0.), (x: 8., y: 2.), (x: 6., y: 2.)],
    ]);
    let p = partition_of(vec![ring, inner, parts, rest]);
    let brute = BruteForce::new(&p);
    let points = lattice_points(-0.5, -0.5, 8.5, 4.5, 0.25);
    for (r, index) in indexes(&p) {
        for &q in &points {
            let want = brute.cells_at(q);
            assert!(want.len() <= 1, "{q:?} in {want:?}");
            let inside = q.x > 0.0 && q.x < 8.0 && q.y > 0.0 && q.y < 4.0;
            if inside {
                assert_eq!(want.len(), 1, "{q:?}");
            }
            assert_eq!(
                index.lookup(q.x, q.y),
                want.first().copied(),
                "{q:?} at {r}"
            );
        }
        // the hole's sides: east and north of a point belong to the filling cell
        assert_eq!(index.lookup(1.0, 2.0), Some(id(&p, "2")));
        assert_eq!(index.lookup(3.0, 2.0), Some(id(&p, "1")));
        assert_eq!(index.lookup(2.0, 1.0), Some(id(&p, "2")));
        assert_eq!(index.lookup(2.0, 3.0), Some(id(&p, "1")));
        // the vertex where the two parts of "3" touch: north-east is the upper part
        assert_eq!(index.lookup(6.0, 2.0), Some(id(&p, "3")));
        assert_eq!(index.lookup(5.0, 1.0), Some(id(&p, "3")));
        assert_eq!(index.lookup(5.0, 3.0), Some(id(&p, "4")));
    }
}
