//! Noding, faces and polygon assembly on small graphs a reader can check by hand.

use geo_types::{Coord, MultiPolygon};

use citygrid_planar::{Faces, UNBOUNDED, node, polygons, signed_area2};

fn c(x: f64, y: f64) -> Coord<f64> {
    Coord { x, y }
}

fn square(x0: f64, y0: f64, x1: f64, y1: f64) -> Vec<[Coord<f64>; 2]> {
    let p = [c(x0, y0), c(x1, y0), c(x1, y1), c(x0, y1)];
    (0..4).map(|i| [p[i], p[(i + 1) % 4]]).collect()
}

fn area(mp: &MultiPolygon<f64>) -> f64 {
    mp.0.iter()
        .map(|p| {
            signed_area2(&p.exterior().0) / 2.0
                + p.interiors()
                    .iter()
                    .map(|h| signed_area2(&h.0) / 2.0)
                    .sum::<f64>()
        })
        .sum()
}

#[test]
fn crossing_squares_are_split_where_they_cross() {
    let mut segs = square(0., 0., 2., 2.);
    segs.extend(square(1., 1., 3., 3.));
    let n = node(&segs).unwrap();
    // Each square's two crossed sides are split in two: 8 + 4 edges, two new vertices.
    assert_eq!(n.edges.len(), 12);
    assert_eq!(n.vertices.len(), 10);
    assert_eq!(n.computed.iter().filter(|&&x| x).count(), 2);
    let f = Faces::build(&n.vertices, &n.edges);
    // Three bounded faces (two L-shapes and the overlap) and one outer cycle.
    assert_eq!(f.outer.iter().filter(|&&o| !o).count(), 3);
    assert_eq!(f.parts.len(), 1);
    let outer = f.parts[0];
    assert_eq!(f.face[outer as usize], UNBOUNDED);
    let ring = f.ring(&n.vertices, outer);
    assert_eq!(signed_area2(&ring), -14.0, "the union's outline, clockwise");
}

#[test]
fn shared_and_collinear_pieces_merge_and_keep_their_sources() {
    // Two unit squares side by side, and a long segment along their common bottom.
    let mut segs = square(0., 0., 1., 1.);
    segs.extend(square(1., 0., 2., 1.));
    segs.push([c(2., 0.), c(0., 0.)]);
    let n = node(&segs).unwrap();
    // 7 distinct sides; the long segment splits at (1, 0) and adds nothing new.
    assert_eq!(n.edges.len(), 7);
    let bottom = (0..n.edges.len())
        .find(|&e| {
            let (a, b) = n.ends(e);
            a.y == 0.0 && b.y == 0.0 && a.x.min(b.x) == 0.0
        })
        .unwrap();
    let mut src: Vec<(u32, bool)> = n
        .sources(bottom)
        .iter()
        .map(|s| (s.segment, s.forward))
        .collect();
    src.sort_unstable();
    let first = src[0].1;
    assert_eq!(src.len(), 2);
    assert_eq!(src[0].0, 0);
    assert_eq!(src[1].0, 8);
    assert_ne!(first, src[1].1, "the long segment runs the other way");
}

#[test]
fn a_t_junction_splits_at_the_existing_vertex() {
    let segs = vec![[c(0., 0.), c(2., 0.)], [c(1., 0.), c(1., 1.)]];
    let n = node(&segs).unwrap();
    assert_eq!(n.edges.len(), 3);
    assert!(n.computed.iter().all(|&x| !x));
}

#[test]
fn an_island_is_a_part_inside_a_face() {
    let mut segs = square(0., 0., 10., 10.);
    segs.extend(square(4., 4., 6., 6.));
    let n = node(&segs).unwrap();
    let f = Faces::build(&n.vertices, &n.edges);
    assert_eq!(f.parts.len(), 2);
    let (outer, inner) = (f.parts[0], f.parts[1]);
    assert_eq!(f.face[outer as usize], UNBOUNDED);
    let around = f.face[inner as usize];
    assert_ne!(around, UNBOUNDED);
    assert_eq!(signed_area2(&f.ring(&n.vertices, around)), 200.0);
}

#[test]
fn a_hole_touching_the_shell_becomes_its_own_ring() {
    // The region: a 4x4 square minus a triangle touching its bottom side at (2, 0).
    let v = vec![
        c(0., 0.),
        c(2., 0.),
        c(4., 0.),
        c(4., 4.),
        c(0., 4.),
        c(1., 2.),
        c(3., 2.),
    ];
    let half = vec![
        (0, 1),
        (1, 2),
        (2, 3),
        (3, 4),
        (4, 0),
        // the hole, clockwise: (2,0) -> (1,2) -> (3,2) -> (2,0)
        (1, 5),
        (5, 6),
        (6, 1),
    ];
    let mp = polygons(&v, &half);
    assert_eq!(mp.0.len(), 1);
    assert_eq!(mp.0[0].interiors().len(), 1);
    assert_eq!(area(&mp), 16.0 - 2.0);
    assert!(rings_are_simple(&mp));
}

#[test]
fn two_parts_touching_at_a_point_stay_two_rings() {
    let v = vec![
        c(0., 0.),
        c(1., 0.),
        c(1., 1.),
        c(0., 1.),
        c(2., 1.),
        c(2., 2.),
        c(1., 2.),
    ];
    let half = vec![
        (0, 1),
        (1, 2),
        (2, 3),
        (3, 0),
        (2, 4),
        (4, 5),
        (5, 6),
        (6, 2),
    ];
    let mp = polygons(&v, &half);
    assert_eq!(mp.0.len(), 2);
    assert_eq!(area(&mp), 2.0);
    assert!(rings_are_simple(&mp));
}

/// No ring repeats a vertex (OGC SFA 6.1.11.1).
fn rings_are_simple(mp: &MultiPolygon<f64>) -> bool {
    mp.0.iter()
        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
        .all(|r| {
            let open = &r.0[..r.0.len() - 1];
            let mut keys: Vec<[u64; 2]> = open
                .iter()
                .map(|&c| citygrid_planar::coord_key(c))
                .collect();
            keys.sort_unstable();
            keys.windows(2).all(|w| w[0] != w[1])
        })
}
