//! Four unit squares around the vertex (1, 1): every case of the half-open rule, by
//! hand.
//!
//! ```text
//!  2 +-----+-----+
//!    |  C  |  D  |
//!  1 +-----+-----+
//!    |  A  |  B  |
//!  0 +-----+-----+
//!    0     1     2
//! ```

use geo_types::{MultiPolygon, polygon};

use super::{BruteForce, id, indexes, partition_of};

fn square(x: f64, y: f64) -> MultiPolygon<f64> {
    MultiPolygon(vec![
        polygon![(x: x, y: y), (x: x + 1., y: y), (x: x + 1., y: y + 1.), (x: x, y: y + 1.)],
    ])
}

#[test]
fn every_point_goes_to_the_cell_east_or_north_of_it() {
    let p = partition_of(vec![
        square(0., 0.),
        square(1., 0.),
        square(0., 1.),
        square(1., 1.),
    ]);
    let brute = BruteForce::new(&p);
    let cell = |c: &str| Some(id(&p, c));
    let cases = [
        // interiors
        ((0.5, 0.5), cell("1")),
        ((1.5, 0.5), cell("2")),
        ((0.5, 1.5), cell("3")),
        ((1.5, 1.5), cell("4")),
        // shared vertical edges: the cell to the east
        ((1.0, 0.5), cell("2")),
        ((1.0, 1.5), cell("4")),
        // shared horizontal edges: the cell to the north
        ((0.5, 1.0), cell("3")),
        ((1.5, 1.0), cell("4")),
        // the vertex all four share: north-east
        ((1.0, 1.0), cell("4")),
        // the outline's west and south sides are in, east and north sides are not
        ((0.0, 0.5), cell("1")),
        ((0.0, 1.5), cell("3")),
        ((0.5, 0.0), cell("1")),
        ((1.5, 0.0), cell("2")),
        ((2.0, 0.5), None),
        ((2.0, 1.5), None),
        ((0.5, 2.0), None),
        ((1.5, 2.0), None),
        // where two cells meet the outline
        ((1.0, 0.0), cell("2")),
        ((0.0, 1.0), cell("3")),
        ((2.0, 1.0), None),
        ((1.0, 2.0), None),
        // corners: only the south-west one is in
        ((0.0, 0.0), cell("1")),
        ((2.0, 0.0), None),
        ((0.0, 2.0), None),
        ((2.0, 2.0), None),
        // outside
        ((-0.5, 0.5), None),
        ((2.5, 0.5), None),
        ((1.0, -1e-300), None),
        ((1.0, 2.0 + f64::EPSILON * 2.0), None),
    ];
    for (r, index) in indexes(&p) {
        for ((x, y), want) in cases {
            assert_eq!(index.lookup(x, y), want, "({x}, {y}) at {r} tiles per cell");
            let reference = brute.cells_at(geo_types::Coord { x, y });
            assert_eq!(
                reference,
                want.into_iter().collect::<Vec<_>>(),
                "check rule at ({x}, {y})"
            );
        }
    }
}

#[test]
fn points_a_few_ulps_off_the_shared_edges_go_to_their_side() {
    let p = partition_of(vec![
        square(0., 0.),
        square(1., 0.),
        square(0., 1.),
        square(1., 1.),
    ]);
    let below_one = 1.0 - f64::EPSILON / 2.0;
    let above_one = 1.0 + f64::EPSILON;
    for (_, index) in indexes(&p) {
        assert_eq!(index.lookup(below_one, 0.5), Some(id(&p, "1")));
        assert_eq!(index.lookup(above_one, 0.5), Some(id(&p, "2")));
        assert_eq!(index.lookup(0.5, below_one), Some(id(&p, "1")));
        assert_eq!(index.lookup(0.5, above_one), Some(id(&p, "3")));
        assert_eq!(index.lookup(below_one, below_one), Some(id(&p, "1")));
        assert_eq!(index.lookup(below_one, 1.0), Some(id(&p, "3")));
        assert_eq!(index.lookup(1.0, below_one), Some(id(&p, "2")));
    }
}
