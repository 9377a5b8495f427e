//! Every vertex of a generated city, and points exactly on every one of its edges,
//! are in exactly one cell by the check's rule when they are inside the city's
//! outline, in at most one on the outline, and the index returns that cell.

use std::collections::HashSet;

use citygrid_model::{Level, Partition, RingSet, match_segments, rings::NO_SEG};
use citygrid_synth::SynthCity;
use geo::kernels::{Kernel, Orientation, RobustKernel};
use geo_types::{Coord, LineString, MultiPolygon, Polygon};

use super::{BruteForce, indexes, synth_partition};

fn bits(c: Coord<f64>) -> (u64, u64) {
    ((c.x + 0.0).to_bits(), (c.y + 0.0).to_bits())
}

/// Whether `p` lies exactly on the closed segment `a`-`b`.
fn on_segment(a: Coord<f64>, b: Coord<f64>, p: Coord<f64>) -> bool {
    <RobustKernel as Kernel<f64>>::orient2d(a, b, p) == Orientation::Collinear
        && p.x >= a.x.min(b.x)
        && p.x <= a.x.max(b.x)
        && p.y >= a.y.min(b.y)
        && p.y <= a.y.max(b.y)
}

/// The doubles `k` steps from `v` (negative: down).
fn nudge(v: f64, k: i64) -> f64 {
    let mut v = v;
    for _ in 0..k.unsigned_abs() {
        v = if k > 0 { v.next_up() } else { v.next_down() };
    }
    v
}

/// The spacing of the doubles at the larger magnitude of `a` and `b`: every
/// multiple of it between them is a double.
fn unit(a: f64, b: f64) -> f64 {
    let m = a.abs().max(b.abs());
    m.next_up() - m
}

fn gcd(a: i64, b: i64) -> i64 {
    if b == 0 { a.abs() } else { gcd(b, a % b) }
}

/// Points exactly on the open segment `a`-`b`: its midpoint and quarter points where
/// they are representable (or doubles next to them that lie exactly on it), and the
/// segment's lattice points: with both coordinates' differences counted in units of
/// the doubles' spacing, `dx` and `dy`, the points `k / gcd(dx, dy)` of the way along
/// are doubles.
fn points_on(a: Coord<f64>, b: Coord<f64>) -> Vec<Coord<f64>> {
    let mut candidates = Vec::new();
    for t in [0.5, 0.25, 0.75] {
        let m = Coord {
            x: a.x + (b.x - a.x) * t,
            y: a.y + (b.y - a.y) * t,
        };
        for dx in -2..=2 {
            for dy in -2..=2 {
                candidates.push(Coord {
                    x: nudge(m.x, dx),
                    y: nudge(m.y, dy),
                });
            }
        }
    }
    let (ux, uy) = (unit(a.x, b.x), unit(a.y, b.y));
    let (dx, dy) = (((b.x - a.x) / ux) as i64, ((b.y - a.y) / uy) as i64);
    let g = gcd(dx, dy);
    if g > 1 {
        for k in [1, g / 2, g - 1] {
            candidates.push(Coord {
                x: a.x + (k * (dx / g)) as f64 * ux,
                y: a.y + (k * (dy / g)) as f64 * uy,
            });
        }
    }
    let mut out: Vec<Coord<f64>> = Vec::new();
    for q in candidates {
        if q != a && q != b && on_segment(a, b, q) && !out.contains(&q) {
            out.push(q);
        }
    }
    out
}

/// Vertices and exact edge points of a partition's cells, each marked with whether
/// it is on the city's outline.
fn boundary_points(p: &Partition) -> Vec<(Coord<f64>, bool)> {
    let set = RingSet::build(p.level_ids(Level::Cell).map(|id| &p.unit(id).geometry));
    let twin = match_segments(&set).twin;
    let outline_vertices: HashSet<(u64, u64)> = set
        .segment_ids()
        .filter(|&s| twin[s as usize] == NO_SEG)
        .flat_map(|s| {
            let (a, b) = set.segment(s);
            [bits(a), bits(b)]
        })
        .collect();
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for s in set.segment_ids() {
        let (a, b) = set.segment(s);
        if seen.insert(bits(a)) {
            out.push((a, outline_vertices.contains(&bits(a))));
        }
        let shared = twin[s as usize] != NO_SEG;
        if shared && twin[s as usize] < s {
            continue;
        }
        out.extend(points_on(a, b).into_iter().map(|q| (q, !shared)));
    }
    out
}

fn is_vertex(p: &Partition, q: Coord<f64>) -> bool {
    p.level_ids(Level::Cell).any(|id| {
        p.unit(id)
            .geometry
            .0
            .iter()
            .any(|poly| poly.exterior().0.contains(&q))
    })
}

fn check_city(city: SynthCity) {
    let p = synth_partition(&city);
    let brute = BruteForce::new(&p);
    let points = boundary_points(&p);
    let expected: Vec<Option<u32>> = points
        .iter()
        .map(|&(q, on_outline)| {
            let cells = brute.cells_at(q);
            if on_outline {
                assert!(cells.len() <= 1, "{q:?} on the outline is in {cells:?}");
            } else {
                assert_eq!(cells.len(), 1, "{q:?} inside the city is in {cells:?}");
            }
            cells.first().copied()
        })
        .collect();
    let vertices = points.iter().filter(|(q, _)| is_vertex(&p, *q)).count();
    let edge_points = points.len() - vertices;
    assert!(
        edge_points * 3 >= vertices,
        "{vertices} vertices, {edge_points} edge points"
    );
    let on_outline = points.iter().filter(|(_, o)| *o).count();
    let in_a_cell = expected.iter().filter(|e| e.is_some()).count();
    assert!(on_outline > 0 && in_a_cell > points.len() - on_outline);
    for (r, index) in indexes(&p) {
        for (&(q, _), want) in points.iter().zip(&expected) {
            assert_eq!(index.lookup(q.x, q.y), *want, "{q:?} at {r} tiles per cell");
        }
    }
}

/// A quad mesh with vertices jittered by multiples of 1/64: every point a multiple of
/// 1/8 of the way along an edge is a double, and most edges are slanted.
fn jittered_mesh(n: usize, seed: u64) -> Partition {
    let mut rng = citygrid_synth::SplitMix64::new(seed);
    let mut v = vec![vec![Coord { x: 0.0, y: 0.0 }; n + 1]; n + 1];
    for (i, column) in v.iter_mut().enumerate() {
        for (j, c) in column.iter_mut().enumerate() {
            let jitter = |rng: &mut citygrid_synth::SplitMix64, at_edge: bool| {
                if at_edge {
                    0.0
                } else {
                    (rng.below(33) as f64 - 16.0) / 64.0
                }
            };
            *c = Coord {
                x: 100.0 + i as f64 / 4.0 + jitter(&mut rng, i == 0 || i == n) / 4.0,
                y: 20.0 + j as f64 / 4.0 + jitter(&mut rng, j == 0 || j == n) / 4.0,
            };
        }
    }
    let mut cells = Vec::new();
    for i in 0..n {
        for j in 0..n {
            let ring = vec![v[i][j], v[i + 1][j], v[i + 1][j + 1], v[i][j + 1], v[i][j]];
            cells.push(MultiPolygon(vec![Polygon::new(LineString(ring), vec![])]));
        }
    }
    super::partition_of(cells)
}

#[test]
fn in_a_jittered_mesh_on_dyadic_coordinates() {
    let p = jittered_mesh(14, 2);
    let brute = BruteForce::new(&p);
    let mut points = Vec::new();
    for id in p.level_ids(Level::Cell) {
        let ring = &p.unit(id).geometry.0[0].exterior().0;
        for w in ring.windows(2) {
            for k in 0..8 {
                let t = f64::from(k) / 8.0;
                let q = Coord {
                    x: w[0].x + (w[1].x - w[0].x) * t,
                    y: w[0].y + (w[1].y - w[0].y) * t,
                };
                assert!(on_segment(w[0], w[1], q));
                points.push(q);
            }
        }
    }
    let (x0, y0, x1, y1) = (100.0, 20.0, 103.5, 23.5);
    for (r, index) in indexes(&p) {
        for &q in &points {
            let want = brute.cells_at(q);
            let inside = q.x > x0 && q.x < x1 && q.y > y0 && q.y < y1;
            if inside {
                assert_eq!(want.len(), 1, "{q:?} in {want:?}");
            } else {
                assert!(want.len() <= 1, "{q:?} in {want:?}");
            }
            assert_eq!(
                index.lookup(q.x, q.y),
                want.first().copied(),
                "{q:?} at {r}"
            );
        }
    }
}

#[test]
fn and_points_a_few_ulps_off_every_edge_go_to_their_side() {
    // Where the index's compact copies of edges cannot tell and the exact edges must.
    let p = synth_partition(&SynthCity::new(8).cells(80).vertices_per_cell(30));
    let brute = BruteForce::new(&p);
    let mut points = Vec::new();
    for (q, _) in boundary_points(&p) {
        for k in [-3, -1, 1, 3] {
            points.push(Coord {
                x: nudge(q.x, k),
                y: q.y,
            });
            points.push(Coord {
                x: q.x,
                y: nudge(q.y, k),
            });
        }
    }
    for (r, index) in indexes(&p) {
        for &q in &points {
            let want = brute.cells_at(q);
            assert!(want.len() <= 1, "{q:?} in {want:?}");
            assert_eq!(
                index.lookup(q.x, q.y),
                want.first().copied(),
                "{q:?} at {r}"
            );
        }
    }
}

#[test]
fn in_a_city_of_wiggly_cells() {
    check_city(SynthCity::new(3).cells(150).vertices_per_cell(40));
}

#[test]
fn in_a_city_of_bare_lattice_cells() {
    // four or six vertices a cell: long edges across many tiles, many four-cell
    // vertices
    check_city(
        SynthCity::new(11)
            .cells(300)
            .vertices_per_cell(4)
            .merges(0.3),
    );
}

#[test]
fn in_cities_across_the_globe() {
    // west and south of zero, across the equator and the prime meridian, and far north
    for (lon, lat) in [(-0.01, -0.02), (-70.6, -33.4), (25.0, 60.2)] {
        check_city(
            SynthCity::new(5)
                .cells(120)
                .vertices_per_cell(24)
                .centre(lon, lat)
                .extent_km(8.0, 6.0),
        );
    }
}
