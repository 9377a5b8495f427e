//! From labelled hexagons to exact polygons: the boundaries between differently
//! labelled hexagons, cut where they cross the unit's boundary, joined with that
//! boundary into one arrangement per unit.
//!
//! Hexagon vertices come from H3 vertex indexes, computed from the vertex's owner
//! cell, so a vertex shared by three hexagons has the same coordinates in all of
//! them. Where a hexagon edge crosses a unit boundary, the crossing point is computed
//! once and inserted into the boundary edge of the shared-edge topology, so the units
//! on both sides of that boundary (and their cells) get the very same vertex.

use citygrid_model::{OUTSIDE as NO_FACE, Topology};
use citygrid_planar::{Meeting, coord_key, meet};
use geo_types::Coord;
use h3o::{CellIndex, LatLng};
use rayon::prelude::*;
use rstar::{AABB, RTree, primitives::GeomWithData, primitives::Rectangle};
use rustc_hash::{FxHashMap, FxHashSet};

use citygrid_model::topology::ring_through;

use crate::faces::{Arrangement, OUTSIDE, UNKNOWN};
use crate::hexes::Hexes;
use crate::inside::Bands;

/// The hexagons of one unit with the label (generated cell) of each piece.
pub(crate) struct Labelled {
    /// The unit's hexagon pieces.
    pub hexes: Hexes,
    /// Label of each piece.
    pub label: Vec<u32>,
}

/// An edge between two differently labelled hexagons, left piece's label on its left.
struct HexEdge {
    a: Coord<f64>,
    b: Coord<f64>,
    left: u32,
    right: u32,
    near_boundary: bool,
    cuts: Vec<Coord<f64>>,
}

/// A point where a hexagon edge meets a unit boundary segment.
struct Cut {
    edge: u32,
    seg: u32,
    at: Coord<f64>,
}

type SegTree = RTree<GeomWithData<Rectangle<[f64; 2]>, (u32, u32)>>;

/// One arrangement per unit (topology face), plus the topology's edges refined with
/// every crossing point, and how many faces had conflicting labels.
pub(crate) struct Assembled {
    /// Per unit, its labelled arrangement.
    pub units: Vec<Arrangement>,
    /// The topology's edges with crossing points inserted.
    pub edges: Vec<Vec<Coord<f64>>>,
    /// Faces that carried two labels (a missed crossing; 0 when all is well).
    pub conflicts: usize,
}

/// Builds the arrangements.
pub(crate) fn assemble(topo: &Topology, units: &[Labelled]) -> Assembled {
    let tree: SegTree = RTree::bulk_load(
        topo.edges
            .iter()
            .enumerate()
            .flat_map(|(k, e)| {
                e.coords.windows(2).enumerate().map(move |(s, w)| {
                    GeomWithData::new(
                        Rectangle::from_corners(
                            [w[0].x.min(w[1].x), w[0].y.min(w[1].y)],
                            [w[0].x.max(w[1].x), w[0].y.max(w[1].y)],
                        ),
                        (k as u32, s as u32),
                    )
                })
            })
            .collect(),
    );
    let mut per_unit: Vec<(Vec<HexEdge>, Vec<Cut>)> = units
        .par_iter()
        .enumerate()
        .map(|(u, l)| {
            let mut edges = hex_edges(l);
            let cuts = find_cuts(topo, &tree, u as u32, &mut edges);
            (edges, cuts)
        })
        .collect();
    let edges = refine(topo, per_unit.iter_mut().flat_map(|p| p.1.drain(..)));
    let results: Vec<(Arrangement, usize)> = per_unit
        .into_par_iter()
        .enumerate()
        .map(|(u, (hex, _))| unit_arrangement(topo, &edges, u, &units[u], hex))
        .collect();
    let conflicts = results.iter().map(|r| r.1).sum();
    Assembled {
        units: results.into_iter().map(|r| r.0).collect(),
        edges,
        conflicts,
    }
}

/// The edges between differently labelled neighbouring pieces, each once.
fn hex_edges(l: &Labelled) -> Vec<HexEdge> {
    let h = &l.hexes;
    let mut verts: FxHashMap<u32, Vec<(u64, Coord<f64>)>> = FxHashMap::default();
    let mut vertices = |i: u32| -> Vec<(u64, Coord<f64>)> {
        verts
            .entry(i)
            .or_insert_with(|| {
                h.cells[i as usize]
                    .vertexes()
                    .map(|v| {
                        let ll = LatLng::from(v);
                        (
                            u64::from(v),
                            Coord {
                                x: ll.lng(),
                                y: ll.lat(),
                            },
                        )
                    })
                    .collect()
            })
            .clone()
    };
    let deep = |i: u32| {
        h.inner[i as usize]
            && h.neighbours(i).len() == 6
            && h.neighbours(i).iter().all(|&n| h.inner[n as usize])
    };
    let mut out = Vec::new();
    for i in 0..h.len() as u32 {
        for &j in h.neighbours(i) {
            if j < i || l.label[i as usize] == l.label[j as usize] {
                continue;
            }
            let vi = vertices(i);
            let vj = vertices(j);
            let shared: Vec<usize> = (0..vi.len())
                .filter(|&k| vj.iter().any(|w| w.0 == vi[k].0))
                .collect();
            let [k1, k2] = shared[..] else {
                continue;
            };
            // Vertexes run counter-clockwise, so k -> k+1 has the hexagon on its left.
            let n = vi.len();
            let (a, b) = if (k1 + 1) % n == k2 {
                (vi[k1].1, vi[k2].1)
            } else {
                (vi[k2].1, vi[k1].1)
            };
            out.push(HexEdge {
                a,
                b,
                left: l.label[i as usize],
                right: l.label[j as usize],
                // The tiler's "fully contained" is judged on the sphere; an edge of
                // a hexagon next to the boundary may still cross a straight boundary
                // segment, so only hexagons with inner neighbours all round skip the
                // crossing test.
                near_boundary: !(deep(i) && deep(j)),
                cuts: Vec::new(),
            });
        }
    }
    out
}

/// Where the hexagon edges of unit `u` meet its boundary segments.
fn find_cuts(topo: &Topology, tree: &SegTree, u: u32, edges: &mut [HexEdge]) -> Vec<Cut> {
    let mut cuts = Vec::new();
    for he in edges.iter_mut().filter(|e| e.near_boundary) {
        let env = AABB::from_corners(
            [he.a.x.min(he.b.x), he.a.y.min(he.b.y)],
            [he.a.x.max(he.b.x), he.a.y.max(he.b.y)],
        );
        for cand in tree.locate_in_envelope_intersecting(&env) {
            let (k, s) = cand.data;
            let e = &topo.edges[k as usize];
            if e.left != u && e.right != u {
                continue;
            }
            let (c, d) = (e.coords[s as usize], e.coords[s as usize + 1]);
            let points: Vec<Coord<f64>> = match meet(he.a, he.b, c, d) {
                Meeting::Apart | Meeting::SharedEnd => Vec::new(),
                Meeting::Cross(p) | Meeting::Touch(p) => vec![p],
                Meeting::Along(p, q) => vec![p, q],
            };
            for p in points {
                he.cuts.push(p);
                cuts.push(Cut {
                    edge: k,
                    seg: s,
                    at: p,
                });
            }
        }
    }
    cuts
}

/// The topology's edges with the cut points inserted in order along each segment.
fn refine(topo: &Topology, cuts: impl Iterator<Item = Cut>) -> Vec<Vec<Coord<f64>>> {
    let mut by_seg: FxHashMap<(u32, u32), Vec<Coord<f64>>> = FxHashMap::default();
    for c in cuts {
        by_seg.entry((c.edge, c.seg)).or_default().push(c.at);
    }
    topo.edges
        .iter()
        .enumerate()
        .map(|(k, e)| {
            let mut out = Vec::with_capacity(e.coords.len());
            for (s, w) in e.coords.windows(2).enumerate() {
                out.push(w[0]);
                if let Some(pts) = by_seg.get_mut(&(k as u32, s as u32)) {
                    sort_along(w[0], pts);
                    for &p in pts.iter() {
                        if p != w[0] && p != w[1] && out.last() != Some(&p) {
                            out.push(p);
                        }
                    }
                }
            }
            if let Some(&last) = e.coords.last() {
                out.push(last);
            }
            out
        })
        .collect()
}

/// Sorts points by distance from `from`, dropping exact repeats.
fn sort_along(from: Coord<f64>, pts: &mut Vec<Coord<f64>>) {
    let d = |p: &Coord<f64>| (p.x - from.x).powi(2) + (p.y - from.y).powi(2);
    pts.sort_by(|p, q| {
        d(p).total_cmp(&d(q))
            .then(p.x.total_cmp(&q.x))
            .then(p.y.total_cmp(&q.y))
    });
    pts.dedup();
}

/// The rings of face `u` from the refined edges, closed, with the face on the left.
pub(crate) fn face_rings(
    topo: &Topology,
    edges: &[Vec<Coord<f64>>],
    u: usize,
) -> Vec<Vec<Coord<f64>>> {
    topo.faces[u]
        .iter()
        .map(|ring| ring_through(ring, |e| &edges[e as usize]))
        .collect()
}

/// One unit's arrangement: its refined rings and the parts of its hexagon edges
/// inside it, labelled; returns it with the number of conflicting faces.
fn unit_arrangement(
    topo: &Topology,
    edges: &[Vec<Coord<f64>>],
    u: usize,
    l: &Labelled,
    hex: Vec<HexEdge>,
) -> (Arrangement, usize) {
    let rings = face_rings(topo, edges, u);
    let bands = Bands::from_rings(&rings);
    let mut arr = Arrangement::default();
    let mut on_ring: FxHashSet<([u64; 2], [u64; 2])> = FxHashSet::default();
    for r in &rings {
        for w in r.windows(2) {
            arr.add(w[0], w[1], UNKNOWN, OUTSIDE);
            let (p, q) = (coord_key(w[0]), coord_key(w[1]));
            on_ring.insert(if p < q { (p, q) } else { (q, p) });
        }
    }
    for mut he in hex {
        if !he.near_boundary {
            arr.add(he.a, he.b, he.left, he.right);
            continue;
        }
        sort_along(he.a, &mut he.cuts);
        let mut stops = vec![he.a];
        stops.extend(he.cuts.iter().copied().filter(|&p| p != he.a && p != he.b));
        stops.push(he.b);
        for w in stops.windows(2) {
            let mid = Coord {
                x: (w[0].x + w[1].x) / 2.0,
                y: (w[0].y + w[1].y) / 2.0,
            };
            let (p, q) = (coord_key(w[0]), coord_key(w[1]));
            let key = if p < q { (p, q) } else { (q, p) };
            if bands.contains(mid) && !on_ring.contains(&key) {
                arr.add(w[0], w[1], he.left, he.right);
            }
        }
    }
    arr.link();
    let h = &l.hexes;
    let conflicts = arr.spread_labels(|a, e| {
        let p = a.point_left_of(e);
        let Ok(ll) = LatLng::new(p.y, p.x) else {
            return l.label.first().copied().unwrap_or(0);
        };
        let cell = ll.to_cell(h.res);
        let found = h.index.get(&cell).copied().or_else(|| {
            cell.grid_disk::<Vec<CellIndex>>(1)
                .into_iter()
                .find_map(|c| h.index.get(&c).copied())
        });
        found.map_or_else(
            || l.label.first().copied().unwrap_or(0),
            |i| l.label[i as usize],
        )
    });
    for &e in &conflicts {
        let p = arr.nodes[arr.origin[e as usize] as usize];
        tracing::warn!(unit = u, x = p.x, y = p.y, "a face with two labels");
    }
    (arr, conflicts.len())
}

/// An arrangement of the whole topology, each edge labelled with its faces (unit
/// positions), for dissolving the given units and the levels above them.
pub(crate) fn topology_arrangement(topo: &Topology, edges: &[Vec<Coord<f64>>]) -> Arrangement {
    let mut arr = Arrangement::default();
    for (k, e) in topo.edges.iter().enumerate() {
        let right = if e.right == NO_FACE { OUTSIDE } else { e.right };
        for w in edges[k].windows(2) {
            arr.add(w[0], w[1], e.left, right);
        }
    }
    arr.link();
    arr
}

#[cfg(test)]
mod tests {
    use citygrid_planar::signed_area2;
    use h3o::Resolution;

    use super::*;

    #[test]
    fn h3_vertexes_run_counter_clockwise_in_lon_lat() {
        let cell = LatLng::new(26.58, 106.70)
            .unwrap()
            .to_cell(Resolution::Eleven);
        let mut ring: Vec<Coord<f64>> = cell
            .vertexes()
            .map(|v| {
                let ll = LatLng::from(v);
                Coord {
                    x: ll.lng(),
                    y: ll.lat(),
                }
            })
            .collect();
        ring.push(ring[0]);
        assert!(signed_area2(&ring) > 0.0);
    }

    #[test]
    fn neighbours_share_bit_identical_vertices() {
        let cell = LatLng::new(26.58, 106.70)
            .unwrap()
            .to_cell(Resolution::Twelve);
        let coords = |c: CellIndex| -> Vec<[u64; 2]> {
            c.vertexes()
                .map(|v| {
                    let ll = LatLng::from(v);
                    coord_key(Coord {
                        x: ll.lng(),
                        y: ll.lat(),
                    })
                })
                .collect()
        };
        let mine = coords(cell);
        for nb in cell.grid_disk::<Vec<CellIndex>>(1) {
            if nb != cell {
                let theirs = coords(nb);
                assert_eq!(mine.iter().filter(|k| theirs.contains(k)).count(), 2);
            }
        }
    }
}
