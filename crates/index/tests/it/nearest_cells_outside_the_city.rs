//! Outside the city, the nearest cell within a distance, against a brute-force
//! search over every cell's rings.

use citygrid_model::Level;
use citygrid_model::measure::LocalFrame;
use citygrid_synth::{SplitMix64, SynthCity};
use geo_types::{Coord, MultiPolygon, polygon};

use super::{indexes, synth_partition};

/// Distance in metres from the frame's origin to a segment, in the frame.
fn to_segment(f: &LocalFrame, a: Coord<f64>, b: Coord<f64>) -> f64 {
    let (ax, ay) = f.to_metres(a.x, a.y);
    let (bx, by) = f.to_metres(b.x, b.y);
    let (dx, dy) = (bx - ax, by - ay);
    let t = (-(ax * dx + ay * dy) / (dx * dx + dy * dy)).clamp(0.0, 1.0);
    (ax + t * dx).hypot(ay + t * dy)
}

#[test]
fn is_the_cell_with_the_nearest_ring() {
    let p = synth_partition(
        &SynthCity::new(9)
            .cells(60)
            .vertices_per_cell(16)
            .extent_km(10.0, 8.0),
    );
    let indexes = indexes(&p);
    let mut rng = SplitMix64::new(4);
    let mut found = 0;
    for _ in 0..300 {
        // around the city: 106.70 +- 0.1, 26.60 +- 0.08
        let (x, y) = (rng.range(106.6, 106.8), rng.range(26.52, 26.68));
        let f = LocalFrame::new(x, y).unwrap();
        let (mut best, mut best_d) = (None, f64::INFINITY);
        for id in p.level_ids(Level::Cell) {
            for poly in &p.unit(id).geometry.0 {
                for w in poly.exterior().0.windows(2) {
                    let d = to_segment(&f, w[0], w[1]);
                    if d < best_d {
                        (best, best_d) = (Some(id), d);
                    }
                }
            }
        }
        for (r, index) in &indexes {
            if let Some(inside) = index.lookup(x, y) {
                let near = index.lookup_near(x, y, 0.0).unwrap();
                assert_eq!((near.cell, near.distance_m), (inside, 0.0));
                continue;
            }
            let near = index.lookup_near(x, y, 5_000.0);
            if best_d <= 5_000.0 {
                let near = near.expect("a cell within 5 km");
                assert!(
                    (near.distance_m - best_d).abs() < 1e-6,
                    "{r}: {near:?} vs {best_d}"
                );
                // a tie between the cells of a shared outline vertex may go either way
                if near.cell != best.unwrap() {
                    assert!((near.distance_m - best_d).abs() < 1e-9);
                }
                found += 1;
            } else {
                assert!(near.is_none());
            }
            let closer = index.lookup_near(x, y, best_d * 0.999);
            assert!(closer.is_none(), "{closer:?} closer than {best_d}");
        }
    }
    assert!(found > 100, "{found}");
}

#[test]
fn is_at_distance_zero_on_the_outline() {
    // Two unit squares near Guiyang; their east and north sides are in no cell by the
    // half-open rule, but they are on the cells' outline.
    let square = |x0: f64, x1: f64| {
        MultiPolygon(vec![
            polygon![(x: x0, y: 26.0), (x: x1, y: 26.0), (x: x1, y: 26.01), (x: x0, y: 26.01)],
        ])
    };
    let p = super::partition_of(vec![square(106.0, 106.01), square(106.01, 106.02)]);
    let east = super::id(&p, "2");
    for (_, index) in indexes(&p) {
        for (x, y) in [(106.02, 26.005), (106.015, 26.01), (106.02, 26.01)] {
            assert_eq!(index.lookup(x, y), None);
            let near = index.lookup_near(x, y, 0.0).unwrap();
            assert_eq!(near.cell, east);
            assert_eq!(near.distance_m, 0.0, "{near:?}");
        }
        // 100 m east of the city, found within 150 m and not within 50 m
        let per_degree = LocalFrame::new(106.02, 26.005)
            .unwrap()
            .metres_per_degree()
            .0;
        let x = 106.02 + 100.0 / per_degree;
        let near = index.lookup_near(x, 26.005, 150.0).unwrap();
        assert!((near.distance_m - 100.0).abs() < 1e-6, "{near:?}");
        assert_eq!(index.lookup_near(x, 26.005, 50.0), None);
    }
}
