//! Long slanted edges (a fan of thin triangles) on a fine grid: each edge is kept only
//! in the tiles its line passes through, not in every tile of its bounding box, and
//! the tiles it passes beside still answer right.

use citygrid_index::{CellIndex, IndexOptions};
use citygrid_synth::SplitMix64;
use geo_types::{Coord, LineString, MultiPolygon, Polygon};

use super::{BruteForce, partition_of};

/// Triangles from a centre to consecutive points of a square's outline.
fn fan(n: usize) -> Vec<MultiPolygon<f64>> {
    let c = Coord { x: 0.3, y: 0.6 };
    let outline: Vec<Coord<f64>> = (0..n)
        .map(|k| {
            let t = k as f64 / n as f64 * 4.0;
            let (side, f) = (t.floor() as usize, t.fract());
            match side {
                0 => Coord { x: f, y: 0.0 },
                1 => Coord { x: 1.0, y: f },
                2 => Coord { x: 1.0 - f, y: 1.0 },
                _ => Coord { x: 0.0, y: 1.0 - f },
            }
        })
        .collect();
    (0..n)
        .map(|k| {
            let (a, b) = (outline[k], outline[(k + 1) % n]);
            MultiPolygon(vec![Polygon::new(LineString(vec![c, a, b, c]), vec![])])
        })
        .collect()
}

#[test]
fn a_fan_of_thin_triangles() {
    let p = partition_of(fan(24));
    let brute = BruteForce::new(&p);
    let index =
        CellIndex::with_options(&p, IndexOptions::default().tiles_per_cell(20_000.0)).unwrap();
    let stats = index.stats();
    let tiles = stats.columns * stats.rows;
    assert!(tiles > 400_000, "{tiles}");
    // 24 spokes and 24 outline edges crossing about 700 tiles each at most; a
    // bounding box test would keep each spoke in tens of thousands.
    assert!(stats.stored_edges < 48 * 1_500, "{stats:?}");
    let mut rng = SplitMix64::new(1);
    let mut points: Vec<Coord<f64>> = (0..20_000)
        .map(|_| Coord {
            x: rng.range(-0.01, 1.01),
            y: rng.range(-0.01, 1.01),
        })
        .collect();
    // on the spokes, exactly where representable
    for k in 0..24 {
        let ring = &p.unit(k).geometry.0[0].exterior().0;
        for w in ring.windows(2) {
            for t in [0.0, 0.5, 0.25, 0.125] {
                points.push(Coord {
                    x: w[0].x + (w[1].x - w[0].x) * t,
                    y: w[0].y + (w[1].y - w[0].y) * t,
                });
            }
        }
    }
    for q in points {
        let want = brute.cells_at(q);
        assert!(want.len() <= 1, "{q:?} in {want:?}");
        assert_eq!(index.lookup(q.x, q.y), want.first().copied(), "{q:?}");
    }
}
