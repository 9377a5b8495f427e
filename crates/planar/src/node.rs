//! Noding: splitting arbitrary segments wherever they cross, touch or overlap, so
//! that the result is a planar graph whose edges meet only at shared end points.
//!
//! Every crossing, touch and collinear overlap is found with the exact predicates of
//! [`crate::segment`]. A touch or an overlap splits at a vertex that already exists,
//! exactly; a proper crossing is rounded to a double, so the pieces around it move by
//! a fraction of a nanometre and can, rarely, meet a third segment that the unrounded
//! ones did not: pieces at rounded crossings are checked again until nothing new is
//! found. The result is a graph whose edges meet only at vertices, as the exact
//! predicates see it, which is what a checker reading the same numbers will see.

use geo_types::Coord;
use rustc_hash::FxHashMap;

use crate::grid::Grid;
use crate::point::{bounds, coord_key};
use crate::segment::{Meeting, meet};

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
#[derive(Debug, Clone)]
pub struct NotPlanar {
    /// Near where it happened.
    pub at: Coord<f64>,
    /// The graph after the last round: every piece is there, but some may still
    /// cross near `at`.
    pub partial: Box<Noded>,
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
    w.grid = Filed::new(&w.vertices, &w.edges);
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
    Err(NotPlanar {
        at,
        partial: Box::new(w.finish()),
    })
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
    grid: Filed,
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

/// Edge ids filed by the buckets their bounding boxes cover; growable, since the
/// pieces of split edges are filed as they are made.
#[derive(Default)]
struct Filed {
    grid: Option<Grid>,
    cells: Vec<Vec<u32>>,
}

impl Filed {
    /// A grid over the vertices' extent with buckets about twice the mean edge
    /// length, coarser when that would make far more buckets than edges.
    fn new(vertices: &[Coord<f64>], edges: &[[u32; 2]]) -> Self {
        let Some((lo, hi)) = bounds(vertices.iter().copied()) else {
            return Filed::default();
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
        Filed {
            grid: Some(Grid::new(lo, cell, nx, ny)),
            cells: vec![Vec::new(); nx * ny],
        }
    }

    fn range(grid: &Grid, bbox: [f64; 4]) -> (usize, usize, usize, usize) {
        let (x0, y0) = grid.clamped(Coord {
            x: bbox[0],
            y: bbox[1],
        });
        let (x1, y1) = grid.clamped(Coord {
            x: bbox[2],
            y: bbox[3],
        });
        (x0, y0, x1, y1)
    }

    fn insert(&mut self, e: u32, bbox: [f64; 4]) {
        let Some(grid) = &self.grid else { return };
        let (x0, y0, x1, y1) = Filed::range(grid, bbox);
        for y in y0..=y1 {
            for x in x0..=x1 {
                self.cells[grid.index(x, y)].push(e);
            }
        }
    }

    /// Every pair of edges whose boxes meet, once.
    fn pairs(&self, bbox: impl Fn(u32) -> [f64; 4]) -> Vec<(u32, u32)> {
        let mut out = Vec::new();
        let Some(grid) = &self.grid else { return out };
        let nx = grid.dims().0;
        for (k, list) in self.cells.iter().enumerate() {
            let (cx, cy) = (k % nx, k / nx);
            for (n, &i) in list.iter().enumerate() {
                let bi = bbox(i);
                for &j in &list[n + 1..] {
                    let bj = bbox(j);
                    if bi[0] > bj[2] || bj[0] > bi[2] || bi[1] > bj[3] || bj[1] > bi[3] {
                        continue;
                    }
                    // Report the pair only in the bucket holding the lower-left corner
                    // of the boxes' intersection.
                    let (ox, oy, _, _) =
                        Filed::range(grid, [bi[0].max(bj[0]), bi[1].max(bj[1]), 0.0, 0.0]);
                    if ox == cx && oy == cy {
                        out.push((i.min(j), i.max(j)));
                    }
                }
            }
        }
        out
    }

    /// Edges in the buckets a box covers, each once (`stamp` remembers what was
    /// seen for `query_id`).
    fn query(&self, bbox: [f64; 4], stamp: &mut Vec<u32>, query_id: u32) -> Vec<u32> {
        let mut out = Vec::new();
        let Some(grid) = &self.grid else { return out };
        let (x0, y0, x1, y1) = Filed::range(grid, bbox);
        for y in y0..=y1 {
            for x in x0..=x1 {
                for &e in &self.cells[grid.index(x, y)] {
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
