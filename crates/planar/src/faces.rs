//! The faces of a planar graph (edges meeting only at vertices, as
//! [`crate::node`] makes them), traced on half-edges.
//!
//! Each half-edge has its face on the left; at every vertex the walk turns to the
//! next edge clockwise. Edges around a vertex are ordered exactly ([`angular`]:
//! half-plane, then orientation), never by rounded angles, so two faces that share a
//! vertex never disagree about which edge comes next.

use geo_types::Coord;
use rstar::{AABB, RTree, RTreeObject};
use rustc_hash::FxHashMap;

use crate::parts::Parts;
use crate::point::bounds;
use crate::ring::{signed_area2, winding};
use crate::trace::angular;

/// The face of a cycle that bounds no area: the outside of everything.
pub const UNBOUNDED: u32 = u32::MAX;

/// The faces of a planar graph (edges meeting only at vertices, as [`node`] makes
/// them).
///
/// Half-edge `2e` runs along edge `e` from its first vertex to its second, `2e + 1`
/// back; each has its face on the left. A cycle is a closed walk of half-edges
/// around one face. Each connected part of the graph has one outer cycle, which
/// bounds the face around it (another part's bounded face, or [`UNBOUNDED`]); its
/// other cycles each bound a face of their own.
#[derive(Debug, Clone, Default)]
pub struct Faces {
    /// Vertex each half-edge starts at.
    pub origin: Vec<u32>,
    /// The next half-edge around the same face.
    pub next: Vec<u32>,
    /// The cycle of each half-edge.
    pub cycle_of: Vec<u32>,
    /// One half-edge of each cycle.
    pub cycles: Vec<u32>,
    /// Whether each cycle is the outer cycle of its connected part.
    pub outer: Vec<bool>,
    /// The face each cycle bounds: itself for a bounded face's own cycle, the
    /// enclosing face's cycle (or [`UNBOUNDED`]) for an outer cycle.
    pub face: Vec<u32>,
    /// The connected parts, outermost first: each part's outer cycle.
    pub parts: Vec<u32>,
    /// Outgoing half-edges of each vertex, counter-clockwise from east: the slice
    /// `around[around_start[v]..around_start[v + 1]]`.
    pub around: Vec<u32>,
    /// Offsets into [`Faces::around`].
    pub around_start: Vec<u32>,
}

/// Whether `p` lies west of (or, at equal x, south of) `q`.
fn west_of(p: Coord<f64>, q: Coord<f64>) -> bool {
    p.x < q.x || (p.x == q.x && p.y < q.y)
}

struct CycleBox {
    cycle: u32,
    envelope: AABB<[f64; 2]>,
}

impl RTreeObject for CycleBox {
    type Envelope = AABB<[f64; 2]>;
    fn envelope(&self) -> Self::Envelope {
        self.envelope
    }
}

/// The outer cycles of the parts ordered by how many parts lie around each
/// (stable, so west to east among equals).
fn outermost_first(
    outer: &[(u32, u32)],
    around_part: &FxHashMap<u32, Option<u32>>,
    parts: &mut Parts,
) -> Vec<u32> {
    let depth = |mut p: u32| {
        let mut d = 0usize;
        while let Some(Some(q)) = around_part.get(&p) {
            d += 1;
            p = *q;
            if d > around_part.len() {
                break;
            }
        }
        d
    };
    let mut ordered: Vec<(usize, u32)> = outer
        .iter()
        .map(|&(v, c)| (depth(parts.of(v)), c))
        .collect();
    ordered.sort_by_key(|&(d, _)| d);
    ordered.into_iter().map(|(_, c)| c).collect()
}

impl Faces {
    /// Traces the faces of noded edges over `vertices`, and finds which face holds
    /// each connected part ([`Faces::outer`], [`Faces::face`], [`Faces::parts`]).
    #[must_use]
    pub fn build(vertices: &[Coord<f64>], edges: &[[u32; 2]]) -> Self {
        let mut faces = Faces::cycles(vertices, edges);
        faces.nest(vertices, edges);
        faces
    }

    /// Traces the face cycles of noded edges only: every cycle is its own face and
    /// none is marked outer. Enough for callers that label faces from their edges.
    #[must_use]
    pub fn cycles(vertices: &[Coord<f64>], edges: &[[u32; 2]]) -> Self {
        let n_half = edges.len() * 2;
        let origin: Vec<u32> = (0..n_half).map(|h| edges[h / 2][h % 2]).collect();
        let target = |h: usize| edges[h / 2][1 - h % 2] as usize;
        let mut around_start = vec![0u32; vertices.len() + 1];
        for &o in &origin {
            around_start[o as usize + 1] += 1;
        }
        for v in 0..vertices.len() {
            around_start[v + 1] += around_start[v];
        }
        let mut fill = around_start.clone();
        let mut around = vec![0u32; n_half];
        for (h, &o) in origin.iter().enumerate() {
            around[fill[o as usize] as usize] = h as u32;
            fill[o as usize] += 1;
        }
        let mut pos = vec![0u32; n_half];
        for v in 0..vertices.len() {
            let (s, e) = (around_start[v] as usize, around_start[v + 1] as usize);
            let o = vertices[v];
            around[s..e].sort_by(|&p, &q| {
                angular(
                    o,
                    vertices[target(p as usize)],
                    vertices[target(q as usize)],
                )
            });
            for (i, &h) in around[s..e].iter().enumerate() {
                pos[h as usize] = i as u32;
            }
        }
        // next(h): at h's target, the outgoing half-edge just clockwise of h's twin.
        let next: Vec<u32> = (0..n_half)
            .map(|h| {
                let twin = h ^ 1;
                let v = origin[twin] as usize;
                let (s, e) = (around_start[v], around_start[v + 1]);
                let len = e - s;
                around[(s + (pos[twin] + len - 1) % len) as usize]
            })
            .collect();
        let mut cycle_of = vec![u32::MAX; n_half];
        let mut cycles = Vec::new();
        for start in 0..n_half {
            if cycle_of[start] != u32::MAX {
                continue;
            }
            let id = cycles.len() as u32;
            cycles.push(start as u32);
            let mut h = start;
            while cycle_of[h] == u32::MAX {
                cycle_of[h] = id;
                h = next[h] as usize;
            }
        }
        Faces {
            origin,
            next,
            cycle_of,
            outer: vec![false; cycles.len()],
            face: (0..cycles.len() as u32).collect(),
            cycles,
            parts: Vec::new(),
            around,
            around_start,
        }
    }

    /// Finds each connected part's outer cycle and the face around it, and lists
    /// the parts outermost first.
    fn nest(&mut self, vertices: &[Coord<f64>], edges: &[[u32; 2]]) {
        let mut parts = Parts::new(vertices.len());
        for &[a, b] in edges {
            parts.join(a, b);
        }
        let outer = self.outer_cycles(vertices, &mut parts);
        for &(_, c) in &outer {
            self.outer[c as usize] = true;
        }
        let around_part = self.enclose(vertices, &outer, &mut parts);
        self.parts = outermost_first(&outer, &around_part, &mut parts);
    }

    /// Each part's westmost vertex and outer cycle, west to east: the cycle of
    /// the face west of that vertex.
    fn outer_cycles(&self, vertices: &[Coord<f64>], parts: &mut Parts) -> Vec<(u32, u32)> {
        let mut westmost: FxHashMap<u32, u32> = FxHashMap::default();
        for v in 0..vertices.len() as u32 {
            if self.around_start[v as usize] == self.around_start[v as usize + 1] {
                continue;
            }
            let r = parts.of(v);
            let w = westmost.entry(r).or_insert(v);
            if west_of(vertices[v as usize], vertices[*w as usize]) {
                *w = v;
            }
        }
        let mut outer: Vec<(u32, u32)> = westmost
            .values()
            .map(|&v| (v, self.cycle_west_of(vertices, v)))
            .collect();
        outer.sort_unstable_by(|a, b| {
            let (p, q) = (vertices[a.0 as usize], vertices[b.0 as usize]);
            p.x.total_cmp(&q.x).then(p.y.total_cmp(&q.y))
        });
        outer
    }

    /// The cycle of the face west of vertex `v`: left of the outgoing edge just
    /// clockwise of west, the last one in the upper half-plane, else the last of
    /// all.
    fn cycle_west_of(&self, vertices: &[Coord<f64>], v: u32) -> u32 {
        let (s, e) = (
            self.around_start[v as usize] as usize,
            self.around_start[v as usize + 1] as usize,
        );
        let o = vertices[v as usize];
        let out = &self.around[s..e];
        let upper = |h: u32| {
            let t = vertices[self.origin[(h ^ 1) as usize] as usize];
            t.y > o.y || (t.y == o.y && t.x > o.x)
        };
        let h = out
            .iter()
            .rev()
            .find(|&&h| upper(h))
            .or(out.last())
            .copied()
            .unwrap_or(0);
        self.cycle_of[h as usize]
    }

    /// Sets the face around each part: the smallest bounded cycle of another part
    /// that holds its westmost vertex, or [`UNBOUNDED`]. Returns, for each part (by
    /// root), the part around it, if any.
    fn enclose(
        &mut self,
        vertices: &[Coord<f64>],
        outer: &[(u32, u32)],
        parts: &mut Parts,
    ) -> FxHashMap<u32, Option<u32>> {
        let tree = self.bounded_cycle_boxes(vertices, outer.len() > 1);
        let mut around_part: FxHashMap<u32, Option<u32>> = FxHashMap::default();
        for &(v, c) in outer {
            let me = parts.of(v);
            let around = self.smallest_around(vertices, &tree, vertices[v as usize], me, parts);
            self.face[c as usize] = around;
            let outer_part = (around != UNBOUNDED).then(|| self.part_of_cycle(around, parts));
            around_part.insert(me, outer_part);
        }
        around_part
    }

    /// The boxes of the cycles that are not outer (each bounds a face of its own),
    /// in a tree only if there are several parts (one part is inside no other).
    fn bounded_cycle_boxes(&self, vertices: &[Coord<f64>], several: bool) -> RTree<CycleBox> {
        let boxes: Vec<CycleBox> = (0..self.cycles.len() as u32)
            .filter(|&c| !self.outer[c as usize])
            .filter_map(|c| {
                let (lo, hi) = bounds(self.ring(vertices, c))?;
                Some(CycleBox {
                    cycle: c,
                    envelope: AABB::from_corners([lo.x, lo.y], [hi.x, hi.y]),
                })
            })
            .collect();
        if several {
            RTree::bulk_load(boxes)
        } else {
            RTree::new()
        }
    }

    /// The smallest bounded cycle of a part other than `me` winding around `p`, or
    /// [`UNBOUNDED`].
    fn smallest_around(
        &self,
        vertices: &[Coord<f64>],
        tree: &RTree<CycleBox>,
        p: Coord<f64>,
        me: u32,
        parts: &mut Parts,
    ) -> u32 {
        let mut best: Option<(f64, u32)> = None;
        for cand in tree.locate_in_envelope_intersecting(&AABB::from_point([p.x, p.y])) {
            if self.part_of_cycle(cand.cycle, parts) == me {
                continue;
            }
            let ring = self.ring(vertices, cand.cycle);
            if winding(p, &ring) == 0 {
                continue;
            }
            let area = signed_area2(&ring).abs();
            if best.is_none_or(|(a, _)| area < a) {
                best = Some((area, cand.cycle));
            }
        }
        best.map_or(UNBOUNDED, |(_, f)| f)
    }

    /// The part a cycle belongs to.
    fn part_of_cycle(&self, c: u32, parts: &mut Parts) -> u32 {
        let h = self.cycles[c as usize] as usize;
        parts.of(self.origin[h])
    }

    /// The half-edges of a cycle, in order.
    pub fn half_edges(&self, cycle: u32) -> impl Iterator<Item = u32> + '_ {
        let start = self.cycles[cycle as usize];
        let mut h = Some(start);
        std::iter::from_fn(move || {
            let cur = h?;
            let n = self.next[cur as usize];
            h = (n != start).then_some(n);
            Some(cur)
        })
    }

    /// The closed ring of a cycle (first vertex repeated at the end).
    #[must_use]
    pub fn ring(&self, vertices: &[Coord<f64>], cycle: u32) -> Vec<Coord<f64>> {
        let mut ring: Vec<Coord<f64>> = self
            .half_edges(cycle)
            .map(|h| vertices[self.origin[h as usize] as usize])
            .collect();
        if let Some(&f) = ring.first() {
            ring.push(f);
        }
        ring
    }

    /// The face on the left of a half-edge.
    #[must_use]
    pub fn face_of(&self, half_edge: u32) -> u32 {
        self.face[self.cycle_of[half_edge as usize] as usize]
    }
}
