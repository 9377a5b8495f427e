//! Planar graphs from arbitrary segments: noding, so that segments meet only at
//! shared end points, the faces of the result, and polygons traced from a region's
//! boundary.
//!
//! Noding finds every crossing, touch and collinear overlap with the exact
//! predicates of [`crate::segment`] and splits both segments there. A touch or an
//! overlap splits at a vertex that already exists, exactly; a proper crossing is
//! rounded to a double, so the pieces around it move by a fraction of a nanometre
//! and can, rarely, meet a third segment that the unrounded ones did not: pieces at
//! rounded crossings are checked again until nothing new is found. The result is a
//! graph whose edges meet only at vertices, as the exact predicates see it, which is
//! what a checker reading the same numbers will see.
//!
//! Faces are traced on half-edges with the face on the left, turning at every vertex
//! to the next edge clockwise; edges around a vertex are ordered exactly (half-plane,
//! then orientation), never by rounded angles.

use std::cmp::Ordering;

use geo_types::{Coord, LineString, MultiPolygon, Polygon};
use rstar::{AABB, RTree, RTreeObject};
use rustc_hash::{FxHashMap, FxHashSet};

use citygrid_model::rings::{coord_key, signed_area2};

use crate::pip;
use crate::segment::{Meeting, meet, side};

/// Where a piece of a noded graph came from: an input segment, and whether the
/// piece runs in the same direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Source {
    /// Index of the input segment.
    pub segment: u32,
    /// True when the piece runs from the segment's start towards its end.
    pub forward: bool,
}

/// Segments noded into a planar graph: edges meet only at shared vertices.
#[derive(Debug, Clone, Default)]
pub struct Noded {
    /// Distinct vertices.
    pub vertices: Vec<Coord<f64>>,
    /// Whether each vertex was computed at a crossing rather than taken from the
    /// input.
    pub computed: Vec<bool>,
    /// Edges as vertex pairs; no two are equal (either way round).
    pub edges: Vec<[u32; 2]>,
    offsets: Vec<u32>,
    sources: Vec<Source>,
}

impl Noded {
    /// The input segments an edge is part of.
    #[must_use]
    pub fn sources(&self, edge: usize) -> &[Source] {
        &self.sources[self.offsets[edge] as usize..self.offsets[edge + 1] as usize]
    }

    /// The two end points of an edge.
    #[must_use]
    pub fn ends(&self, edge: usize) -> (Coord<f64>, Coord<f64>) {
        let [a, b] = self.edges[edge];
        (self.vertices[a as usize], self.vertices[b as usize])
    }
}

/// Noding did not settle: pieces around rounded crossings kept meeting new ones.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NotPlanar {
    /// Near where it happened.
    pub at: Coord<f64>,
}

/// Rounds of re-checking pieces at rounded crossings before giving up; one or two
/// are needed in practice.
const MAX_ROUNDS: usize = 32;

/// Nodes segments: splits them wherever they cross, touch or overlap, and merges
/// identical pieces, keeping for each piece the input segments it came from.
/// Zero-length segments are dropped.
///
/// # Errors
/// [`NotPlanar`] when rounded crossings keep making new ones (not seen in practice;
/// it would take segments crossing within a few units in the last place).
pub fn node(segments: &[[Coord<f64>; 2]]) -> Result<Noded, NotPlanar> {
    let mut w = Work::default();
    for (i, s) in segments.iter().enumerate() {
        let (a, b) = (w.vertex(s[0], false), w.vertex(s[1], false));
        if a != b {
            w.add(
                a,
                b,
                &[Source {
                    segment: i as u32,
                    forward: true,
                }],
            );
        }
    }
    w.grid = Grid::new(&w.vertices, &w.edges);
    for e in 0..w.edges.len() {
        let bbox = w.bbox(e);
        w.grid.insert(e as u32, bbox);
    }
    let mut splits: FxHashMap<u32, Vec<u32>> = FxHashMap::default();
    for (i, j) in w.grid.pairs(|e| w.bbox(e as usize)) {
        w.meet(i, j, &mut splits);
    }
    let mut dirty = w.apply(splits);
    for _ in 0..MAX_ROUNDS {
        if dirty.is_empty() {
            return Ok(w.finish());
        }
        let mut splits: FxHashMap<u32, Vec<u32>> = FxHashMap::default();
        let mut stamp = vec![u32::MAX; w.edges.len()];
        for &i in &dirty {
            if !w.alive[i as usize] {
                continue;
            }
            for j in w.grid.query(w.bbox(i as usize), &mut stamp, i) {
                if j != i && w.alive[j as usize] && (j > i || !dirty.contains(&j)) {
                    w.meet(i, j, &mut splits);
                }
            }
        }
        dirty = w.apply(splits);
    }
    let at = dirty
        .iter()
        .map(|&e| w.vertices[w.edges[e as usize][0] as usize])
        .next()
        .unwrap_or_else(Coord::zero);
    Err(NotPlanar { at })
}

#[derive(Default)]
struct Work {
    vertices: Vec<Coord<f64>>,
    computed: Vec<bool>,
    ids: FxHashMap<[u64; 2], u32>,
    edges: Vec<[u32; 2]>,
    alive: Vec<bool>,
    sources: Vec<Vec<Source>>,
    keys: FxHashMap<(u32, u32), u32>,
    grid: Grid,
}

impl Work {
    fn vertex(&mut self, c: Coord<f64>, computed: bool) -> u32 {
        let next = self.vertices.len() as u32;
        let id = *self.ids.entry(coord_key(c)).or_insert(next);
        if id == next {
            self.vertices.push(c);
            self.computed.push(computed);
        }
        id
    }

    /// Adds edge a-b with these sources (directions relative to a->b), merging into
    /// an equal edge if there is one; returns the edge if it is new.
    fn add(&mut self, a: u32, b: u32, sources: &[Source]) -> Option<u32> {
        let key = (a.min(b), a.max(b));
        if let Some(&e) = self.keys.get(&key) {
            let flip = self.edges[e as usize][0] != a;
            let list = &mut self.sources[e as usize];
            list.extend(sources.iter().map(|s| Source {
                segment: s.segment,
                forward: s.forward != flip,
            }));
            return None;
        }
        let e = self.edges.len() as u32;
        self.keys.insert(key, e);
        self.edges.push([a, b]);
        self.alive.push(true);
        self.sources.push(sources.to_vec());
        Some(e)
    }

    fn bbox(&self, e: usize) -> [f64; 4] {
        let [a, b] = self.edges[e];
        let (p, q) = (self.vertices[a as usize], self.vertices[b as usize]);
        [p.x.min(q.x), p.y.min(q.y), p.x.max(q.x), p.y.max(q.y)]
    }

    /// Records where edges `i` and `j` must be split for them to meet only at ends.
    fn meet(&mut self, i: u32, j: u32, splits: &mut FxHashMap<u32, Vec<u32>>) {
        let [a, b] = self.edges[i as usize];
        let [c, d] = self.edges[j as usize];
        let v = |k: u32| self.vertices[k as usize];
        let points: Vec<Coord<f64>> = match meet(v(a), v(b), v(c), v(d)) {
            Meeting::Apart | Meeting::SharedEnd => return,
            Meeting::Cross(x) => {
                let x = self.vertex(x, true);
                for (e, [p, q]) in [(i, [a, b]), (j, [c, d])] {
                    if x != p && x != q {
                        splits.entry(e).or_default().push(x);
                    }
                }
                return;
            }
            Meeting::Touch(x) => vec![x],
            Meeting::Along(x, y) => vec![x, y],
        };
        for p in points {
            let x = self.vertex(p, false);
            for (e, [s, t]) in [(i, [a, b]), (j, [c, d])] {
                if x != s && x != t {
                    splits.entry(e).or_default().push(x);
                }
            }
        }
    }

    /// Splits edges at their points; returns the new pieces that end at a rounded
    /// crossing (they must be checked again).
    fn apply(&mut self, splits: FxHashMap<u32, Vec<u32>>) -> Vec<u32> {
        let mut splits: Vec<(u32, Vec<u32>)> = splits.into_iter().collect();
        splits.sort_unstable_by_key(|(e, _)| *e);
        let mut dirty = Vec::new();
        for (e, mut pts) in splits {
            let [a, b] = self.edges[e as usize];
            let (pa, pb) = (self.vertices[a as usize], self.vertices[b as usize]);
            let d = pb - pa;
            let t = |k: u32| {
                let p = self.vertices[k as usize] - pa;
                p.x * d.x + p.y * d.y
            };
            pts.sort_by(|&p, &q| t(p).total_cmp(&t(q)).then(p.cmp(&q)));
            pts.dedup();
            self.alive[e as usize] = false;
            self.keys.remove(&(a.min(b), a.max(b)));
            let sources = std::mem::take(&mut self.sources[e as usize]);
            let chain: Vec<u32> = std::iter::once(a)
                .chain(pts)
                .chain(std::iter::once(b))
                .collect();
            for w in chain.windows(2) {
                if w[0] == w[1] {
                    continue;
                }
                if let Some(n) = self.add(w[0], w[1], &sources) {
                    let bbox = self.bbox(n as usize);
                    self.grid.insert(n, bbox);
                    if self.computed[w[0] as usize] || self.computed[w[1] as usize] {
                        dirty.push(n);
                    }
                }
            }
        }
        dirty.sort_unstable();
        dirty.dedup();
        dirty
    }

    fn finish(self) -> Noded {
        let mut out = Noded {
            vertices: self.vertices,
            computed: self.computed,
            ..Noded::default()
        };
        out.offsets.push(0);
        for (e, ends) in self.edges.iter().enumerate() {
            if !self.alive[e] {
                continue;
            }
            out.edges.push(*ends);
            out.sources.extend(&self.sources[e]);
            out.offsets.push(out.sources.len() as u32);
        }
        out
    }
}

/// A uniform grid of edge ids by bounding box, for finding edges that may meet.
#[derive(Default)]
struct Grid {
    origin: Coord<f64>,
    cell: f64,
    nx: usize,
    ny: usize,
    cells: Vec<Vec<u32>>,
}

impl Grid {
    /// A grid over the vertices' extent with cells about twice the mean edge length,
    /// coarser when that would make far more cells than edges.
    fn new(vertices: &[Coord<f64>], edges: &[[u32; 2]]) -> Self {
        let Some((lo, hi)) = citygrid_model::measure::bounds(vertices.iter().copied()) else {
            return Grid::default();
        };
        let total: f64 = edges
            .iter()
            .map(|&[a, b]| {
                let d = vertices[b as usize] - vertices[a as usize];
                d.x.abs().max(d.y.abs())
            })
            .sum();
        let (w, h) = ((hi.x - lo.x).max(1e-12), (hi.y - lo.y).max(1e-12));
        let mut cell = (2.0 * total / edges.len().max(1) as f64).max(w.max(h) / 65_536.0);
        let budget = (4 * edges.len()).max(1024) as f64;
        if (w / cell) * (h / cell) > budget {
            cell = (w * h / budget).sqrt();
        }
        let nx = ((w / cell).floor() as usize + 1).max(1);
        let ny = ((h / cell).floor() as usize + 1).max(1);
        Grid {
            origin: lo,
            cell,
            nx,
            ny,
            cells: vec![Vec::new(); nx * ny],
        }
    }

    fn range(&self, bbox: [f64; 4]) -> (usize, usize, usize, usize) {
        let ix =
            |x: f64| (((x - self.origin.x) / self.cell).floor().max(0.0) as usize).min(self.nx - 1);
        let iy =
            |y: f64| (((y - self.origin.y) / self.cell).floor().max(0.0) as usize).min(self.ny - 1);
        (ix(bbox[0]), iy(bbox[1]), ix(bbox[2]), iy(bbox[3]))
    }

    fn insert(&mut self, e: u32, bbox: [f64; 4]) {
        if self.cells.is_empty() {
            return;
        }
        let (x0, y0, x1, y1) = self.range(bbox);
        for y in y0..=y1 {
            for x in x0..=x1 {
                self.cells[y * self.nx + x].push(e);
            }
        }
    }

    /// Every pair of edges whose boxes meet, once.
    fn pairs(&self, bbox: impl Fn(u32) -> [f64; 4]) -> Vec<(u32, u32)> {
        let mut out = Vec::new();
        for (k, list) in self.cells.iter().enumerate() {
            let (cx, cy) = (k % self.nx, k / self.nx);
            for (n, &i) in list.iter().enumerate() {
                let bi = bbox(i);
                for &j in &list[n + 1..] {
                    let bj = bbox(j);
                    if bi[0] > bj[2] || bj[0] > bi[2] || bi[1] > bj[3] || bj[1] > bi[3] {
                        continue;
                    }
                    // Report the pair only in the cell holding the lower-left corner of
                    // the boxes' intersection.
                    let (ox, oy, _, _) = self.range([bi[0].max(bj[0]), bi[1].max(bj[1]), 0.0, 0.0]);
                    if ox == cx && oy == cy {
                        out.push((i.min(j), i.max(j)));
                    }
                }
            }
        }
        out
    }

    /// Edges in the cells a box covers, each once (`stamp` remembers what was seen
    /// for `query_id`).
    fn query(&self, bbox: [f64; 4], stamp: &mut Vec<u32>, query_id: u32) -> Vec<u32> {
        let mut out = Vec::new();
        if self.cells.is_empty() {
            return out;
        }
        let (x0, y0, x1, y1) = self.range(bbox);
        for y in y0..=y1 {
            for x in x0..=x1 {
                for &e in &self.cells[y * self.nx + x] {
                    if stamp.len() <= e as usize {
                        stamp.resize(e as usize + 1, u32::MAX);
                    }
                    if stamp[e as usize] != query_id {
                        stamp[e as usize] = query_id;
                        out.push(e);
                    }
                }
            }
        }
        out
    }
}

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

/// Orders directions from a common origin counter-clockwise, starting east, with
/// exact predicates.
fn angular(o: Coord<f64>, p: Coord<f64>, q: Coord<f64>) -> Ordering {
    let upper = |t: Coord<f64>| t.y > o.y || (t.y == o.y && t.x > o.x);
    match (upper(p), upper(q)) {
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        _ => match side(o, p, q) {
            1 => Ordering::Less,
            -1 => Ordering::Greater,
            _ => Ordering::Equal,
        },
    }
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

impl Faces {
    /// Traces the faces of noded edges over `vertices`.
    #[must_use]
    pub fn build(vertices: &[Coord<f64>], edges: &[[u32; 2]]) -> Self {
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
        let mut faces = Faces {
            origin,
            next,
            cycle_of,
            outer: vec![false; cycles.len()],
            face: (0..cycles.len() as u32).collect(),
            cycles,
            parts: Vec::new(),
            around,
            around_start,
        };
        faces.nest(vertices, edges);
        faces
    }

    /// Finds each connected part's outer cycle and the face around it.
    fn nest(&mut self, vertices: &[Coord<f64>], edges: &[[u32; 2]]) {
        // Connected parts by union-find over vertices.
        let mut root: Vec<u32> = (0..vertices.len() as u32).collect();
        fn find(root: &mut [u32], mut i: u32) -> u32 {
            while root[i as usize] != i {
                root[i as usize] = root[root[i as usize] as usize];
                i = root[i as usize];
            }
            i
        }
        for &[a, b] in edges {
            let (ra, rb) = (find(&mut root, a), find(&mut root, b));
            if ra != rb {
                root[ra.max(rb) as usize] = ra.min(rb);
            }
        }
        let mut westmost: FxHashMap<u32, u32> = FxHashMap::default();
        for v in 0..vertices.len() as u32 {
            if self.around_start[v as usize] == self.around_start[v as usize + 1] {
                continue;
            }
            let r = find(&mut root, v);
            let w = westmost.entry(r).or_insert(v);
            if west_of(vertices[v as usize], vertices[*w as usize]) {
                *w = v;
            }
        }
        let mut parts: Vec<(u32, u32)> = westmost
            .values()
            .map(|&v| {
                // The face west of the westmost vertex is left of the outgoing edge
                // just clockwise of west: the last one in the upper half-plane, else
                // the last of all.
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
                (v, self.cycle_of[h as usize])
            })
            .collect();
        parts.sort_unstable_by(|a, b| {
            let (p, q) = (vertices[a.0 as usize], vertices[b.0 as usize]);
            p.x.total_cmp(&q.x).then(p.y.total_cmp(&q.y))
        });
        for &(_, c) in &parts {
            self.outer[c as usize] = true;
        }
        // The face around each part: the smallest bounded cycle of another part
        // containing its westmost vertex.
        let boxes: Vec<CycleBox> = (0..self.cycles.len() as u32)
            .filter(|&c| !self.outer[c as usize])
            .filter_map(|c| {
                let ring = self.ring(vertices, c);
                let r = geo::BoundingRect::bounding_rect(&LineString(ring))?;
                Some(CycleBox {
                    cycle: c,
                    envelope: AABB::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]),
                })
            })
            .collect();
        let tree = if parts.len() > 1 {
            RTree::bulk_load(boxes)
        } else {
            RTree::new()
        };
        let part_of = |faces: &Faces, c: u32, root: &mut [u32]| {
            let h = faces.cycles[c as usize] as usize;
            find(root, faces.origin[h])
        };
        // For each part (by its root vertex): the part around it, if any.
        let mut around_part: FxHashMap<u32, Option<u32>> = FxHashMap::default();
        for &(v, c) in &parts {
            let p = vertices[v as usize];
            let me = find(&mut root, v);
            let mut best: Option<(f64, u32)> = None;
            for cand in tree.locate_in_envelope_intersecting(&AABB::from_point([p.x, p.y])) {
                if part_of(self, cand.cycle, &mut root) == me {
                    continue;
                }
                let ring = self.ring(vertices, cand.cycle);
                if pip::winding(p, &ring) == 0 {
                    continue;
                }
                let area = signed_area2(&ring).abs();
                if best.is_none_or(|(a, _)| area < a) {
                    best = Some((area, cand.cycle));
                }
            }
            let around = best.map_or(UNBOUNDED, |(_, f)| f);
            self.face[c as usize] = around;
            let outer_part = (around != UNBOUNDED).then(|| part_of(self, around, &mut root));
            around_part.insert(me, outer_part);
        }
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
        let mut ordered: Vec<(usize, u32)> = parts
            .iter()
            .map(|&(v, c)| (depth(find(&mut root, v)), c))
            .collect();
        ordered.sort_by_key(|&(d, _)| d);
        self.parts = ordered.into_iter().map(|(_, c)| c).collect();
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

/// Polygons of a region from the half-edges of its boundary, each with the region on
/// its left (as `(from, to)` vertex pairs): shells counter-clockwise, holes clockwise
/// inside the smallest shell around them. A boundary that touches itself at a vertex
/// is split there, so no ring touches itself (OGC SFA 6.1.11.1).
#[must_use]
pub fn polygons(vertices: &[Coord<f64>], half_edges: &[(u32, u32)]) -> MultiPolygon<f64> {
    let mut out_of: FxHashMap<u32, Vec<usize>> = FxHashMap::default();
    for (i, &(a, _)) in half_edges.iter().enumerate() {
        out_of.entry(a).or_default().push(i);
    }
    for (&v, list) in &mut out_of {
        let o = vertices[v as usize];
        list.sort_by(|&p, &q| {
            angular(
                o,
                vertices[half_edges[p].1 as usize],
                vertices[half_edges[q].1 as usize],
            )
        });
    }
    let mut used = vec![false; half_edges.len()];
    let mut rings: Vec<Vec<u32>> = Vec::new();
    for start in 0..half_edges.len() {
        if used[start] {
            continue;
        }
        let mut walk: Vec<u32> = Vec::new();
        let mut h = start;
        while !used[h] {
            used[h] = true;
            let (a, b) = half_edges[h];
            walk.push(a);
            // At b, the outgoing half-edge first clockwise from the way back to a.
            let Some(list) = out_of.get(&b) else { break };
            let o = vertices[b as usize];
            let back = vertices[a as usize];
            let cw = list
                .iter()
                .rev()
                .find(|&&g| angular(o, vertices[half_edges[g].1 as usize], back) == Ordering::Less)
                .or(list.last())
                .copied();
            match cw {
                Some(g) => h = g,
                None => break,
            }
        }
        split_at_repeats(walk, &mut rings);
    }
    assemble(vertices, rings)
}

/// Cuts a closed walk into rings that do not repeat a vertex.
fn split_at_repeats(walk: Vec<u32>, rings: &mut Vec<Vec<u32>>) {
    let mut stack: Vec<u32> = Vec::with_capacity(walk.len());
    let mut at: FxHashMap<u32, usize> = FxHashMap::default();
    for v in walk {
        if let Some(&i) = at.get(&v) {
            let ring: Vec<u32> = stack.drain(i..).collect();
            for u in &ring {
                at.remove(u);
            }
            if ring.len() >= 3 {
                rings.push(ring);
            }
        }
        at.insert(v, stack.len());
        stack.push(v);
    }
    if stack.len() >= 3 {
        rings.push(stack);
    }
}

/// Orientation of a ring without repeated vertices, exactly: the turn at its
/// lowest-leftmost vertex.
fn counter_clockwise(vertices: &[Coord<f64>], ring: &[u32]) -> bool {
    let n = ring.len();
    let k = (0..n)
        .min_by(|&i, &j| {
            let (p, q) = (vertices[ring[i] as usize], vertices[ring[j] as usize]);
            p.x.total_cmp(&q.x).then(p.y.total_cmp(&q.y))
        })
        .unwrap_or(0);
    let v = |i: usize| vertices[ring[i % n] as usize];
    side(v(k + n - 1), v(k), v(k + 1)) > 0
}

fn assemble(vertices: &[Coord<f64>], rings: Vec<Vec<u32>>) -> MultiPolygon<f64> {
    let close = |r: &[u32]| -> LineString<f64> {
        let mut c: Vec<Coord<f64>> = r.iter().map(|&v| vertices[v as usize]).collect();
        c.push(c[0]);
        LineString(c)
    };
    let (shells, holes): (Vec<Vec<u32>>, Vec<Vec<u32>>) = rings
        .into_iter()
        .partition(|r| counter_clockwise(vertices, r));
    let shell_rings: Vec<LineString<f64>> = shells.iter().map(|r| close(r)).collect();
    let areas: Vec<f64> = shell_rings.iter().map(|r| signed_area2(&r.0)).collect();
    let mut polys: Vec<Polygon<f64>> = shell_rings
        .iter()
        .map(|r| Polygon::new(r.clone(), vec![]))
        .collect();
    let shell_sets: Vec<FxHashSet<u32>> =
        shells.iter().map(|r| r.iter().copied().collect()).collect();
    for h in holes {
        let mut best: Option<usize> = None;
        for (i, ring) in shell_rings.iter().enumerate() {
            let Some(&probe) = h.iter().find(|v| !shell_sets[i].contains(v)) else {
                continue;
            };
            if pip::winding(vertices[probe as usize], &ring.0) == 0 {
                continue;
            }
            if best.is_none_or(|b| areas[i] < areas[b]) {
                best = Some(i);
            }
        }
        if let Some(i) = best {
            polys[i].interiors_push(close(&h));
        }
    }
    MultiPolygon(polys)
}

#[cfg(test)]
#[path = "planar_tests.rs"]
mod tests;
