//! The shared-edge topology of a clean coverage: nodes, edges and faces.
//!
//! A node is a point where three or more faces (the outside counts as one) meet, or
//! where a face touches itself or another face at a single point; an edge is the chain
//! of segments between two nodes, bounded by exactly two faces (or one face and the
//! outside). Every face's rings are sequences of edges. Because each shared boundary
//! is stored once, work done on an edge (simplifying it for a tile, moving it in an
//! edit, checking it against its two neighbours) applies to both faces at once and
//! can never open a gap or an overlap between them.

use geo_types::{Coord, LineString, MultiPolygon, Polygon};
use rustc_hash::{FxHashMap, FxHashSet};

use crate::error::{ModelError, Result};
use citygrid_planar::coord_key;

use crate::rings::{FaceId, NO_SEG, OUTSIDE, RingSet, SegId, match_segments};

/// Index of a node.
pub type NodeId = u32;
/// Index of an edge.
pub type EdgeId = u32;

/// A chain of segments between two nodes, shared by the faces on either side.
#[derive(Debug, Clone, PartialEq)]
pub struct Edge {
    /// Vertices from `start` to `end`, both nodes included.
    pub coords: Vec<Coord<f64>>,
    /// The face on the left going from start to end.
    pub left: FaceId,
    /// The face on the right, or [`OUTSIDE`].
    pub right: FaceId,
    /// First node.
    pub start: NodeId,
    /// Last node (equal to `start` for a closed edge).
    pub end: NodeId,
}

/// An edge used by a face ring, in its direction or reversed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EdgeUse {
    /// The edge.
    pub edge: EdgeId,
    /// True when the ring runs from the edge's start to its end.
    pub forward: bool,
}

/// One ring of a face as a cycle of edges.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaceRing {
    /// Which polygon of the face's multipolygon.
    pub polygon: u32,
    /// 0 for the shell, 1.. for holes.
    pub index: u32,
    /// The edges in ring order (counter-clockwise for shells, clockwise for holes).
    pub edges: Vec<EdgeUse>,
}

/// Nodes, edges and faces of a clean coverage.
#[derive(Debug, Clone, Default)]
pub struct Topology {
    /// Node positions.
    pub nodes: Vec<Coord<f64>>,
    /// Edges.
    pub edges: Vec<Edge>,
    /// For each face (in input order), its rings.
    pub faces: Vec<Vec<FaceRing>>,
}

impl Topology {
    /// Builds the topology of faces that form a clean coverage (every shared boundary
    /// identical, vertex for vertex, in both faces).
    ///
    /// # Errors
    /// [`ModelError::NotACoverage`] when a segment is shared in the same direction,
    /// by more than two faces, or by a face with itself. Run a checker first to learn
    /// everything that is wrong; this only refuses to build on a broken input.
    pub fn build<'a>(faces: impl IntoIterator<Item = &'a MultiPolygon<f64>>) -> Result<Self> {
        let rings = RingSet::build(faces);
        let matched = match_segments(&rings);
        if let Some(c) = matched.conflicts.first() {
            let p = rings.coords[c.second as usize];
            return Err(ModelError::NotACoverage {
                reason: "a segment is not shared cleanly",
                x: p.x,
                y: p.y,
            });
        }
        let twin = &matched.twin;
        let is_node = find_nodes(&rings, twin);
        let face_count = rings.rings.iter().map(|r| r.face + 1).max().unwrap_or(0) as usize;
        let mut topo = Topology {
            faces: vec![Vec::new(); face_count],
            ..Topology::default()
        };
        let mut node_ids: FxHashMap<[u64; 2], NodeId> = FxHashMap::default();
        let mut edge_of_seg: Vec<EdgeId> = vec![u32::MAX; rings.segment_count()];
        for ring in &rings.rings {
            if ring.len < 2 {
                continue;
            }
            let first = ring
                .segments()
                .find(|&s| is_node[s as usize])
                .unwrap_or(ring.start);
            let mut uses = Vec::new();
            let mut s = first;
            loop {
                // One chain: from node s to the next node.
                let chain_start = s;
                let mut chain = vec![s];
                let mut t = rings.next(s);
                while !is_node[t as usize] && t != chain_start {
                    chain.push(t);
                    t = rings.next(t);
                }
                let last = *chain.last().expect("a chain has a segment");
                let tw = twin[last as usize];
                let known = if tw == NO_SEG {
                    u32::MAX
                } else {
                    edge_of_seg[tw as usize]
                };
                let edge = if known != u32::MAX {
                    uses.push(EdgeUse {
                        edge: known,
                        forward: false,
                    });
                    known
                } else {
                    let mut coords: Vec<Coord<f64>> =
                        chain.iter().map(|&c| rings.coords[c as usize]).collect();
                    coords.push(rings.coords[t as usize]);
                    let mut node = |c: Coord<f64>| {
                        let next = node_ids.len() as NodeId;
                        *node_ids.entry(coord_key(c)).or_insert_with(|| {
                            topo.nodes.push(c);
                            next
                        })
                    };
                    let start = node(coords[0]);
                    let end = node(*coords.last().expect("two points"));
                    let right = if tw == NO_SEG {
                        OUTSIDE
                    } else {
                        rings.face_of(tw)
                    };
                    let id = topo.edges.len() as EdgeId;
                    topo.edges.push(Edge {
                        coords,
                        left: ring.face,
                        right,
                        start,
                        end,
                    });
                    uses.push(EdgeUse {
                        edge: id,
                        forward: true,
                    });
                    id
                };
                for &c in &chain {
                    edge_of_seg[c as usize] = edge;
                }
                s = t;
                if s == first {
                    break;
                }
            }
            topo.faces[ring.face as usize].push(FaceRing {
                polygon: ring.polygon,
                index: ring.index,
                edges: uses,
            });
        }
        Ok(topo)
    }

    /// The faces that share at least one edge with `face`, each once, in edge order.
    #[must_use]
    pub fn neighbours(&self, face: FaceId) -> Vec<FaceId> {
        let mut out = Vec::new();
        for ring in &self.faces[face as usize] {
            for u in &ring.edges {
                let e = &self.edges[u.edge as usize];
                let other = if e.left == face { e.right } else { e.left };
                if other != OUTSIDE && !out.contains(&other) {
                    out.push(other);
                }
            }
        }
        out
    }

    /// The coordinates of one face ring, closed (first vertex repeated at the end).
    #[must_use]
    pub fn ring_coords(&self, ring: &FaceRing) -> Vec<Coord<f64>> {
        ring_through(ring, |e| &self.edges[e as usize].coords)
    }

    /// Rebuilds one face's geometry from its edges.
    #[must_use]
    pub fn face_geometry(&self, face: FaceId) -> MultiPolygon<f64> {
        let mut polys: Vec<Polygon<f64>> = Vec::new();
        for ring in &self.faces[face as usize] {
            let ls = LineString(self.ring_coords(ring));
            if ring.index == 0 {
                polys.push(Polygon::new(ls, vec![]));
            } else if let Some(p) = polys.last_mut() {
                p.interiors_push(ls);
            }
        }
        MultiPolygon(polys)
    }
}

/// The coordinates of a face ring, closed, with each edge's vertices from
/// `coords` (the topology's own, or edges refined with extra vertices).
pub fn ring_through<'a>(
    ring: &FaceRing,
    coords: impl Fn(EdgeId) -> &'a [Coord<f64>],
) -> Vec<Coord<f64>> {
    let mut out: Vec<Coord<f64>> = Vec::new();
    for u in &ring.edges {
        let c = coords(u.edge);
        let skip = usize::from(!out.is_empty());
        if u.forward {
            out.extend(c.iter().skip(skip));
        } else {
            out.extend(c.iter().rev().skip(skip));
        }
    }
    if out.first() != out.last()
        && let Some(&f) = out.first()
    {
        out.push(f);
    }
    out
}

/// Marks the segments that start at a node.
///
/// A vertex inside an edge has exactly two segments in each face that passes it, and
/// the twins of those segments are consecutive in one neighbouring ring (or both have
/// no twin). Any other vertex is a node. Outer-boundary vertices shared by two
/// separate chains (faces touching at one point) are found by counting. A ring with
/// no node at all gets one at its smallest vertex, which its twin ring (if any) picks
/// too. Finally every vertex at a node's position becomes a node, so both faces of an
/// edge agree on where it ends.
fn find_nodes(rings: &RingSet, twin: &[SegId]) -> Vec<bool> {
    let mut is_node = vec![false; rings.segment_count()];
    let mut outer_starts: FxHashMap<[u64; 2], u32> = FxHashMap::default();
    for ring in &rings.rings {
        for s in ring.segments() {
            let p = rings.prev(s);
            let (ts, tp) = (twin[s as usize], twin[p as usize]);
            is_node[s as usize] = match (ts == NO_SEG, tp == NO_SEG) {
                (true, true) => {
                    *outer_starts
                        .entry(coord_key(rings.coords[s as usize]))
                        .or_default() += 1;
                    false
                }
                (false, false) => rings.face_of(ts) != rings.face_of(tp) || rings.next(ts) != tp,
                _ => true,
            };
        }
    }
    let mut nodes: FxHashSet<[u64; 2]> = FxHashSet::default();
    for ring in &rings.rings {
        let mut any = false;
        for s in ring.segments() {
            let k = coord_key(rings.coords[s as usize]);
            if is_node[s as usize] || outer_starts.get(&k).is_some_and(|&n| n > 1) {
                nodes.insert(k);
                any = true;
            }
        }
        if !any && ring.len > 0 {
            let min = ring
                .segments()
                .map(|s| rings.coords[s as usize])
                .min_by(|a, b| a.x.total_cmp(&b.x).then(a.y.total_cmp(&b.y)))
                .expect("ring has vertices");
            nodes.insert(coord_key(min));
        }
    }
    for (s, flag) in is_node.iter_mut().enumerate() {
        *flag = nodes.contains(&coord_key(rings.coords[s]));
    }
    is_node
}

#[cfg(test)]
mod tests {
    use geo_types::polygon;

    use super::*;

    fn sq(x: f64, y: f64, w: f64, h: f64) -> MultiPolygon<f64> {
        MultiPolygon(vec![
            polygon![(x: x, y: y), (x: x + w, y: y), (x: x + w, y: y + h), (x: x, y: y + h)],
        ])
    }

    fn closed_ring_eq(a: &[Coord<f64>], b: &[Coord<f64>]) -> bool {
        // Same cycle, possibly starting elsewhere.
        let (a, b) = (&a[..a.len() - 1], &b[..b.len() - 1]);
        a.len() == b.len()
            && (0..a.len()).any(|k| (0..a.len()).all(|i| a[(i + k) % a.len()] == b[i]))
    }

    #[test]
    fn two_squares_share_one_edge() {
        // A T-shape: two cells on the bottom, one long cell on top.
        let a = sq(0., 0., 1., 1.);
        let b = sq(1., 0., 1., 1.);
        let c = MultiPolygon(vec![
            polygon![(x: 0., y: 1.), (x: 1., y: 1.), (x: 2., y: 1.), (x: 2., y: 2.), (x: 0., y: 2.)],
        ]);
        let t = Topology::build([&a, &b, &c]).unwrap();
        // Nodes: (1,0) where a, b and outside meet; (1,1) where a, b, c meet;
        // (0,1) and (2,1) where two cells and the outside meet.
        assert_eq!(t.nodes.len(), 4);
        // Edges: a|b, a|c, b|c, and three outer chains (a, b, c).
        assert_eq!(t.edges.len(), 6);
        let shared: Vec<_> = t.edges.iter().filter(|e| e.right != OUTSIDE).collect();
        assert_eq!(shared.len(), 3);
        assert_eq!(t.neighbours(0), vec![1, 2]);
        for (i, f) in [a, b, c].iter().enumerate() {
            let rebuilt = t.face_geometry(i as FaceId);
            assert!(closed_ring_eq(
                &rebuilt.0[0].exterior().0,
                &f.0[0].exterior().0
            ));
        }
    }

    #[test]
    fn an_island_is_one_closed_edge() {
        let outer = MultiPolygon(vec![Polygon::new(
            sq(0., 0., 4., 4.).0[0].exterior().clone(),
            vec![sq(1., 1., 1., 1.).0[0].exterior().clone()],
        )]);
        let island = sq(1., 1., 1., 1.);
        let t = Topology::build([&outer, &island]).unwrap();
        assert_eq!(t.edges.len(), 2);
        let shared = t.edges.iter().find(|e| e.right != OUTSIDE).unwrap();
        assert_eq!(shared.start, shared.end);
        assert_eq!(shared.coords.len(), 5);
        assert_eq!(t.neighbours(1), vec![0]);
    }

    #[test]
    fn faces_touching_at_a_point_get_a_node_there() {
        let a = sq(0., 0., 1., 1.);
        let b = sq(1., 1., 1., 1.);
        let t = Topology::build([&a, &b]).unwrap();
        let touch = Coord { x: 1., y: 1. };
        assert!(t.nodes.contains(&touch));
        assert!(t.edges.iter().all(|e| e.right == OUTSIDE));
    }

    #[test]
    fn refuses_overlapping_copies() {
        let a = sq(0., 0., 1., 1.);
        assert!(Topology::build([&a, &a]).is_err());
    }
}
