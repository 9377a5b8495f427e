//! Straightening the hexagon staircases between cells, each shared boundary once.
//!
//! A boundary between two cells runs along hexagon edges: a zigzag whose teeth are
//! half a hexagon edge deep. Each chain of such edges between two junctions (where
//! three cells meet, or where the chain reaches the unit boundary) is simplified
//! once with Douglas-Peucker, so the two cells along it still share exactly the
//! same vertices. A simplified chain that would cross or touch another chain or
//! the unit boundary keeps its original vertices, so the result is still a clean
//! coverage. The unit's own boundary is never changed.

use citygrid_crs::LocalFrame;
use citygrid_planar::{Meeting, meet};
use geo_types::Coord;
use rstar::{AABB, RTree, primitives::GeomWithData, primitives::Rectangle};

use crate::faces::{Arrangement, OUTSIDE};

/// A chain of boundary half-edges between two junctions, all with the same labels
/// on either side.
struct Chain {
    nodes: Vec<u32>,
    left: u32,
    right: u32,
}

/// Simplifies the inner boundaries of one unit's arrangement with a tolerance of
/// `tolerance_m` metres, and drops edges with the same label on both sides.
/// Returns the simplified arrangement, linked.
pub(crate) fn simplify_inner(arr: &Arrangement, tolerance_m: f64) -> Arrangement {
    let m = arr.label.len();
    let is_boundary = |e: usize| arr.label[e] != arr.label[e ^ 1];
    let on_ring = |e: usize| arr.label[e] == OUTSIDE || arr.label[e ^ 1] == OUTSIDE;
    // Junctions: nodes with other than two boundary edges, or on the unit boundary.
    let mut degree = vec![0u32; arr.nodes.len()];
    let mut fixed = vec![false; arr.nodes.len()];
    for e in 0..m {
        if is_boundary(e) {
            degree[arr.origin[e] as usize] += 1;
            if on_ring(e) {
                fixed[arr.origin[e] as usize] = true;
            }
        }
    }
    for (v, d) in degree.iter().enumerate() {
        if *d != 2 {
            fixed[v] = true;
        }
    }
    // Walk chains from junctions along half-edges with an inner label on the left.
    let mut used = vec![false; m];
    let mut chains: Vec<Chain> = Vec::new();
    let mut ring_edges: Vec<(u32, u32, u32, u32)> = Vec::new();
    for e0 in 0..m {
        if used[e0] || !is_boundary(e0) {
            continue;
        }
        if on_ring(e0) {
            used[e0] = true;
            used[e0 ^ 1] = true;
            let (a, b) = (arr.origin[e0], arr.dest(e0 as u32));
            ring_edges.push((a, b, arr.label[e0], arr.label[e0 ^ 1]));
            continue;
        }
        if !fixed[arr.origin[e0] as usize] {
            continue;
        }
        chains.push(walk(arr, e0 as u32, &fixed, &mut used));
    }
    // Closed loops with no junction (an island cell inside another).
    for e0 in 0..m {
        if !used[e0] && is_boundary(e0) && !on_ring(e0) {
            chains.push(walk(arr, e0 as u32, &fixed, &mut used));
        }
    }

    // Metres per degree where the unit lies, on the WGS84 ellipsoid, as everywhere
    // else (a unit spans a few kilometres: the scale changes by far less than the
    // tolerance's precision across it). Without a frame (coordinates off the world,
    // which the input check refuses) nothing is simplified.
    let frame = arr
        .nodes
        .first()
        .and_then(|c| LocalFrame::new(c.x, c.y).ok());
    let ((kx, ky), tol) = frame.map_or(((1.0, 1.0), 0.0), |f| (f.metres_per_degree(), tolerance_m));
    let mut simplified: Vec<Vec<u32>> = chains
        .iter()
        .map(|c| douglas_peucker(&c.nodes, &arr.nodes, kx, ky, tol))
        .collect();
    // Where a simplified chain meets anything it should not, try it again with
    // half the tolerance, then a quarter, then keep the original.
    let mut level = vec![0u8; chains.len()];
    for _ in 0..16 {
        let bad = conflicts(arr, &simplified, &ring_edges);
        if bad.is_empty() {
            break;
        }
        for k in bad {
            level[k] = level[k].saturating_add(1);
            simplified[k] = if level[k] >= 3 {
                chains[k].nodes.clone()
            } else {
                let t = tol / f64::from(1u8 << level[k]);
                douglas_peucker(&chains[k].nodes, &arr.nodes, kx, ky, t)
            };
        }
    }
    let mut out = Arrangement::default();
    for &(a, b, l, r) in &ring_edges {
        out.add(arr.nodes[a as usize], arr.nodes[b as usize], l, r);
    }
    for (c, s) in chains.iter().zip(&simplified) {
        for w in s.windows(2) {
            out.add(
                arr.nodes[w[0] as usize],
                arr.nodes[w[1] as usize],
                c.left,
                c.right,
            );
        }
    }
    out.link();
    out
}

/// Follows boundary half-edges with the same labels from `e0` to the next junction.
fn walk(arr: &Arrangement, e0: u32, fixed: &[bool], used: &mut [bool]) -> Chain {
    let (left, right) = (arr.label[e0 as usize], arr.label[(e0 ^ 1) as usize]);
    let mut nodes = vec![arr.origin[e0 as usize]];
    let mut e = e0;
    loop {
        used[e as usize] = true;
        used[(e ^ 1) as usize] = true;
        let v = arr.dest(e);
        nodes.push(v);
        if fixed[v as usize] {
            break;
        }
        // The next boundary half-edge around the face on the left, which at a
        // degree-2 node is the chain's continuation.
        let mut n = arr.next[e as usize];
        let mut guard = 0;
        while arr.label[n as usize] == arr.label[(n ^ 1) as usize] && guard < 64 {
            n = arr.next[(n ^ 1) as usize];
            guard += 1;
        }
        if used[n as usize] || arr.label[n as usize] != left || arr.label[(n ^ 1) as usize] != right
        {
            break;
        }
        e = n;
    }
    Chain { nodes, left, right }
}

/// Douglas-Peucker on node ids, distances in metres (degrees scaled by `kx`, `ky`).
fn douglas_peucker(ids: &[u32], nodes: &[Coord<f64>], kx: f64, ky: f64, tol: f64) -> Vec<u32> {
    if ids.len() <= 2 {
        return ids.to_vec();
    }
    let p = |i: u32| {
        let c = nodes[i as usize];
        (c.x * kx, c.y * ky)
    };
    let closed = ids.first() == ids.last();
    // A closed loop is split at its farthest vertex from the start first.
    let mut keep = vec![false; ids.len()];
    keep[0] = true;
    keep[ids.len() - 1] = true;
    let mut stack = vec![(0usize, ids.len() - 1)];
    if closed {
        let a = p(ids[0]);
        let far = (1..ids.len() - 1)
            .max_by(|&x, &y| {
                let (px, py) = p(ids[x]);
                let (qx, qy) = p(ids[y]);
                ((px - a.0).hypot(py - a.1)).total_cmp(&(qx - a.0).hypot(qy - a.1))
            })
            .unwrap_or(1);
        keep[far] = true;
        stack = vec![(0, far), (far, ids.len() - 1)];
    }
    while let Some((i, j)) = stack.pop() {
        if j <= i + 1 {
            continue;
        }
        let (a, b) = (p(ids[i]), p(ids[j]));
        let (dx, dy) = (b.0 - a.0, b.1 - a.1);
        let len = dx.hypot(dy);
        let mut best = (0.0, i);
        for (k, &id) in ids.iter().enumerate().take(j).skip(i + 1) {
            let c = p(id);
            let d = if len == 0.0 {
                (c.0 - a.0).hypot(c.1 - a.1)
            } else {
                ((c.0 - a.0) * dy - (c.1 - a.1) * dx).abs() / len
            };
            if d > best.0 {
                best = (d, k);
            }
        }
        if best.0 > tol {
            keep[best.1] = true;
            stack.push((i, best.1));
            stack.push((best.1, j));
        }
    }
    // A closed loop needs at least a triangle.
    let out: Vec<u32> = ids
        .iter()
        .zip(&keep)
        .filter(|x| *x.1)
        .map(|x| *x.0)
        .collect();
    if closed && out.len() < 4 {
        return ids.to_vec();
    }
    out
}

/// Chains whose simplified segments meet another segment anywhere but at a shared
/// end node, or meet each other.
fn conflicts(arr: &Arrangement, chains: &[Vec<u32>], ring: &[(u32, u32, u32, u32)]) -> Vec<usize> {
    type Item = GeomWithData<Rectangle<[f64; 2]>, (usize, u32, u32)>;
    let rect = |a: Coord<f64>, b: Coord<f64>| {
        Rectangle::from_corners([a.x.min(b.x), a.y.min(b.y)], [a.x.max(b.x), a.y.max(b.y)])
    };
    let mut items: Vec<Item> = Vec::new();
    for (k, c) in chains.iter().enumerate() {
        for w in c.windows(2) {
            let (a, b) = (arr.nodes[w[0] as usize], arr.nodes[w[1] as usize]);
            items.push(GeomWithData::new(rect(a, b), (k, w[0], w[1])));
        }
    }
    for &(a, b, _, _) in ring {
        items.push(GeomWithData::new(
            rect(arr.nodes[a as usize], arr.nodes[b as usize]),
            (usize::MAX, a, b),
        ));
    }
    let tree = RTree::bulk_load(items);
    let mut bad = Vec::new();
    for (k, c) in chains.iter().enumerate() {
        let broken = c.windows(2).any(|w| {
            let (a, b) = (arr.nodes[w[0] as usize], arr.nodes[w[1] as usize]);
            let env =
                AABB::from_corners([a.x.min(b.x), a.y.min(b.y)], [a.x.max(b.x), a.y.max(b.y)]);
            tree.locate_in_envelope_intersecting(&env).any(|o| {
                let (ok, p, q) = o.data;
                if ok == k && p == w[0] && q == w[1] {
                    return false;
                }
                let (c2, d2) = (arr.nodes[p as usize], arr.nodes[q as usize]);
                match meet(a, b, c2, d2) {
                    Meeting::Apart => false,
                    // Segments meeting at a common node are fine.
                    Meeting::SharedEnd => false,
                    _ => true,
                }
            })
        });
        if broken {
            bad.push(k);
        }
    }
    bad
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::faces::UNKNOWN;

    fn c(x: f64, y: f64) -> Coord<f64> {
        Coord { x, y }
    }

    #[test]
    fn a_zigzag_between_two_cells_becomes_straight_and_the_cells_still_tile() {
        // A 4 x 2 box split by a zigzag 0.1 deep; a unit is 1e-4° (about 11 m), so
        // the zigzag is about 1 m deep and a 5 m tolerance flattens it.
        let s = 1e-4;
        let ring = [c(0., 0.), c(4., 0.), c(4., 2.), c(0., 2.)].map(|p| c(p.x * s, p.y * s));
        let zig = [c(2., 0.), c(2.1, 0.5), c(1.9, 1.0), c(2.1, 1.5), c(2., 2.)]
            .map(|p| c(p.x * s, p.y * s));
        let mut a = Arrangement::default();
        // Bottom and top edges split at the zigzag's ends.
        let outline = [ring[0], zig[0], ring[1], ring[2], zig[4], ring[3]];
        for k in 0..outline.len() {
            a.add(
                outline[k],
                outline[(k + 1) % outline.len()],
                UNKNOWN,
                OUTSIDE,
            );
        }
        for w in zig.windows(2) {
            a.add(w[0], w[1], 0, 1); // west cell 0 on the left going north
        }
        a.link();
        a.spread_labels(|_, _| unreachable!());
        let out = simplify_inner(&a, 5.0);
        let rings = out.dissolve(|l| l);
        let west = out.ring_coords(&rings[&0][0]);
        let east = out.ring_coords(&rings[&1][0]);
        assert_eq!(west.len(), 5, "{west:?}"); // a rectangle: 4 corners, closed
        assert_eq!(east.len(), 5, "{east:?}");
        let area = |r: &[Coord<f64>]| citygrid_planar::signed_area2(r) / 2.0 / (s * s);
        assert!((area(&west) - 4.0).abs() < 1e-6);
        assert!((area(&east) - 4.0).abs() < 1e-6);
    }
}
