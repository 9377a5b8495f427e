//! The shared-edge topology of generated cities: every face rebuilds exactly from its
//! edges, every shared boundary is one edge, nodes are where three or more faces meet.

use std::collections::HashMap;

use citygrid_model::{Level, OUTSIDE, Topology};
use citygrid_planar::coord_key;
use citygrid_synth::SynthCity;
use geo_types::Coord;

/// The same closed ring, possibly starting at another vertex.
fn same_cycle(a: &[Coord<f64>], b: &[Coord<f64>]) -> bool {
    let (a, b) = (&a[..a.len() - 1], &b[..b.len() - 1]);
    a.len() == b.len() && (0..a.len()).any(|k| (0..a.len()).all(|i| a[(i + k) % a.len()] == b[i]))
}

fn oriented_ccw(ring: &[Coord<f64>]) -> Vec<Coord<f64>> {
    let mut r = ring.to_vec();
    if citygrid_planar::signed_area2(&r) < 0.0 {
        r.reverse();
    }
    r
}

#[test]
fn faces_rebuild_from_edges_and_nodes_are_where_three_faces_meet() {
    for seed in [1, 2, 3] {
        let cells: Vec<_> = SynthCity::new(seed)
            .cells(400)
            .vertices_per_cell(30)
            .extent_km(20.0, 20.0)
            .generate()
            .into_iter()
            .filter(|u| u.level == Level::Cell)
            .collect();
        let topo = Topology::build(cells.iter().map(|u| &u.geometry)).expect("a clean coverage");
        // Every face rebuilds to its input ring (counter-clockwise).
        for (i, cell) in cells.iter().enumerate() {
            let rebuilt = topo.face_geometry(i as u32);
            assert_eq!(rebuilt.0.len(), cell.geometry.0.len());
            let want = oriented_ccw(&cell.geometry.0[0].exterior().0);
            assert!(
                same_cycle(&rebuilt.0[0].exterior().0, &want),
                "seed {seed} cell {}",
                cell.code
            );
        }
        // Each edge separates two different faces; shared ones are used by both.
        let mut uses: HashMap<u32, usize> = HashMap::new();
        for face in &topo.faces {
            for ring in face {
                for u in &ring.edges {
                    *uses.entry(u.edge).or_default() += 1;
                }
            }
        }
        for (id, e) in topo.edges.iter().enumerate() {
            assert_ne!(e.left, e.right);
            let expected = if e.right == OUTSIDE { 1 } else { 2 };
            assert_eq!(uses[&(id as u32)], expected, "edge {id}");
        }
        // Node degree: at least 3 edge ends, or 2 where a ring has no other node.
        let mut degree: HashMap<[u64; 2], usize> = HashMap::new();
        for e in &topo.edges {
            *degree
                .entry(coord_key(topo.nodes[e.start as usize]))
                .or_default() += 1;
            *degree
                .entry(coord_key(topo.nodes[e.end as usize]))
                .or_default() += 1;
        }
        assert!(degree.values().all(|&d| d >= 3 || d == 2), "{degree:?}");
        let shared = topo.edges.iter().filter(|e| e.right != OUTSIDE).count();
        // Euler on the sphere for a connected planar map: V - E + F = 2 (faces + outside).
        let v = topo.nodes.len() as i64;
        let e = topo.edges.len() as i64;
        let f = cells.len() as i64 + 1;
        assert_eq!(
            v - e + f,
            2,
            "seed {seed}: {v} nodes, {e} edges ({shared} shared), {f} faces"
        );
    }
}
