//! The repaired units, rebuilt from one set of edges: the overlay's edges whose two
//! faces have different owners at some level. Every unit at every level traces its
//! rings over the same edges, so a boundary two units share has the same vertices
//! on both sides, and a parent's ring has every vertex its children's have.
//!
//! Two touches keep the output close to its sources. A run of pieces that together
//! make one input segment, with nothing else meeting them, becomes that segment
//! again (crossings computed on it are dropped). And where an inner boundary meets
//! the city boundary between two of the boundary's vertices, the meeting point (a
//! rounded crossing, off the boundary's line by a fraction of a nanometre) moves to
//! the nearer boundary vertex, if that crosses nothing: the outline is then exactly
//! the boundary's, vertex for vertex, as a checker comparing them needs.

use geo_types::{Coord, Geometry, LineString, MultiPolygon};
use rayon::prelude::*;
use rstar::{AABB, RTree, RTreeObject};
use rustc_hash::FxHashMap;

use citygrid_check::validity::fmt;
use citygrid_model::UnitCode;
use citygrid_planar::{Meeting, Noded, coord_key, meet, polygons, side};

use crate::assign::{Hierarchy, NONE};
use crate::change::{Change, ChangeKind, Problem, ProblemKind, names};
use crate::overlay::Overlay;
use crate::rings::{BOUNDARY, Rings};
use crate::snap::Frame;

/// The rebuilt geometry of every unit, and the junction moves made on the way.
pub(crate) struct Output {
    pub geometry: Vec<MultiPolygon<f64>>,
    pub changes: Vec<Change>,
    pub problems: Vec<Problem>,
}

#[derive(Debug, Clone, Copy)]
struct Piece {
    v: [u32; 2],
    left: usize,
    right: usize,
    alive: bool,
}

struct Boxed {
    piece: u32,
    envelope: AABB<[f64; 2]>,
}

impl RTreeObject for Boxed {
    type Envelope = AABB<[f64; 2]>;
    fn envelope(&self) -> Self::Envelope {
        self.envelope
    }
}

struct Graph<'a> {
    vertices: &'a [Coord<f64>],
    pieces: Vec<Piece>,
    incident: Vec<Vec<u32>>,
    index: Option<RTree<Boxed>>,
}

impl<'a> Graph<'a> {
    /// A piece for every overlay edge whose two faces have different owners at
    /// some level, and the piece of each edge (`u32::MAX` for none).
    fn between_owners(overlay: &'a Overlay, owner: &[Vec<u32>]) -> (Self, Vec<u32>) {
        let noded = &overlay.noded;
        let differ = |f: usize, g: usize| owner.iter().any(|o| o[f] != o[g]);
        let mut graph = Graph {
            vertices: &noded.vertices,
            pieces: Vec::new(),
            incident: vec![Vec::new(); noded.vertices.len()],
            index: None,
        };
        let mut piece_of_edge = vec![u32::MAX; noded.edges.len()];
        for (e, &v) in noded.edges.iter().enumerate() {
            let (left, right) = (
                overlay.face_of(2 * e as u32),
                overlay.face_of(2 * e as u32 + 1),
            );
            if differ(left, right) {
                piece_of_edge[e] = graph.add(Piece {
                    v,
                    left,
                    right,
                    alive: true,
                });
            }
        }
        (graph, piece_of_edge)
    }

    fn add(&mut self, p: Piece) -> u32 {
        let id = self.pieces.len() as u32;
        for v in p.v {
            self.incident[v as usize].push(id);
        }
        let boxed = self.boxed(id, &p);
        if let Some(index) = &mut self.index {
            index.insert(boxed);
        }
        self.pieces.push(p);
        id
    }

    fn kill(&mut self, id: u32) {
        let p = &mut self.pieces[id as usize];
        p.alive = false;
        for v in p.v {
            self.incident[v as usize].retain(|&q| q != id);
        }
    }

    fn boxed(&self, id: u32, p: &Piece) -> Boxed {
        let (a, b) = (
            self.vertices[p.v[0] as usize],
            self.vertices[p.v[1] as usize],
        );
        Boxed {
            piece: id,
            envelope: AABB::from_corners(
                [a.x.min(b.x), a.y.min(b.y)],
                [a.x.max(b.x), a.y.max(b.y)],
            ),
        }
    }

    fn at(&self, v: u32) -> Coord<f64> {
        self.vertices[v as usize]
    }

    fn other(&self, id: u32, v: u32) -> u32 {
        let p = &self.pieces[id as usize];
        if p.v[0] == v { p.v[1] } else { p.v[0] }
    }

    /// Replaces a chain of pieces from `start` to `end` (every inner vertex met by
    /// exactly two pieces) by one piece.
    fn merge(&mut self, chain: &[u32], start: u32, end: u32) -> bool {
        let mut count: FxHashMap<u32, u32> = FxHashMap::default();
        for &p in chain {
            if !self.pieces[p as usize].alive {
                return false;
            }
            for v in self.pieces[p as usize].v {
                *count.entry(v).or_default() += 1;
            }
        }
        let ends_ok = count.get(&start) == Some(&1) && count.get(&end) == Some(&1);
        let inner_ok = count.iter().all(|(&v, &n)| {
            v == start || v == end || (n == 2 && self.incident[v as usize].len() == 2)
        });
        if !ends_ok || !inner_ok {
            return false;
        }
        let Some(&first) = chain
            .iter()
            .find(|&&p| self.pieces[p as usize].v.contains(&start))
        else {
            return false;
        };
        let f = self.pieces[first as usize];
        let (left, right) = if f.v[0] == start {
            (f.left, f.right)
        } else {
            (f.right, f.left)
        };
        for &p in chain {
            self.kill(p);
        }
        self.add(Piece {
            v: [start, end],
            left,
            right,
            alive: true,
        });
        true
    }

    fn ensure_index(&mut self) {
        if self.index.is_none() {
            let items: Vec<Boxed> = self
                .pieces
                .iter()
                .enumerate()
                .filter(|(_, p)| p.alive)
                .map(|(i, p)| self.boxed(i as u32, p))
                .collect();
            self.index = Some(RTree::bulk_load(items));
        }
    }

    fn near(&self, lo: Coord<f64>, hi: Coord<f64>) -> Vec<u32> {
        self.index.as_ref().map_or_else(Vec::new, |t| {
            t.locate_in_envelope_intersecting(&AABB::from_corners([lo.x, lo.y], [hi.x, hi.y]))
                .map(|b| b.piece)
                .filter(|&p| self.pieces[p as usize].alive)
                .collect()
        })
    }

    /// Moves vertex `x` onto vertex `t`, if nothing it drags along crosses another
    /// piece or sweeps over a vertex. Returns the area swept (degrees²).
    fn relocate(&mut self, x: u32, t: u32) -> Option<f64> {
        self.ensure_index();
        let moving: Vec<u32> = self.incident[x as usize].clone();
        let (pt, px) = (self.at(t), self.at(x));
        let mut fresh: Vec<Piece> = Vec::new();
        let mut swept = 0.0;
        for &id in &moving {
            let q = self.other(id, x);
            if q == t {
                continue;
            }
            if self.incident[t as usize]
                .iter()
                .any(|&p| self.other(p, t) == q)
            {
                return None;
            }
            let p = self.pieces[id as usize];
            fresh.push(if p.v[0] == x {
                Piece { v: [t, q], ..p }
            } else {
                Piece { v: [q, t], ..p }
            });
            let pq = self.at(q);
            swept += ((px.x - pt.x) * (pq.y - pt.y) - (px.y - pt.y) * (pq.x - pt.x)).abs() / 2.0;
            // Nothing may lie inside the triangle the piece sweeps.
            let lo = Coord {
                x: pt.x.min(px.x).min(pq.x),
                y: pt.y.min(px.y).min(pq.y),
            };
            let hi = Coord {
                x: pt.x.max(px.x).max(pq.x),
                y: pt.y.max(px.y).max(pq.y),
            };
            for other in self.near(lo, hi) {
                for v in self.pieces[other as usize].v {
                    if v == t || v == x || v == q {
                        continue;
                    }
                    let c = self.at(v);
                    let s = [side(pt, px, c), side(px, pq, c), side(pq, pt, c)];
                    if s.iter().all(|&k| k == s[0]) && s[0] != 0 {
                        return None;
                    }
                }
            }
        }
        for (i, p) in fresh.iter().enumerate() {
            let (a, b) = (self.at(p.v[0]), self.at(p.v[1]));
            let lo = Coord {
                x: a.x.min(b.x),
                y: a.y.min(b.y),
            };
            let hi = Coord {
                x: a.x.max(b.x),
                y: a.y.max(b.y),
            };
            for other in self.near(lo, hi) {
                if moving.contains(&other) {
                    continue;
                }
                let o = self.pieces[other as usize];
                if !matches!(
                    meet(a, b, self.at(o.v[0]), self.at(o.v[1])),
                    Meeting::Apart | Meeting::SharedEnd
                ) {
                    return None;
                }
            }
            for q in &fresh[i + 1..] {
                if !matches!(
                    meet(a, b, self.at(q.v[0]), self.at(q.v[1])),
                    Meeting::Apart | Meeting::SharedEnd
                ) {
                    return None;
                }
            }
        }
        for id in moving {
            self.kill(id);
        }
        for p in fresh {
            self.add(p);
        }
        Some(swept)
    }
}

/// Rebuilds every unit from the overlay's edges and the owners of its faces.
///
/// The edges between different owners become pieces; runs of pieces that make one
/// input segment become it again; meeting points on the city boundary move onto
/// its vertices; then every unit traces its rings over the pieces.
pub(crate) fn build(
    overlay: &Overlay,
    rings: &Rings,
    owner: &[Vec<u32>],
    h: &Hierarchy<'_>,
    frame: &Frame,
) -> Output {
    let (mut graph, piece_of_edge) = Graph::between_owners(overlay, owner);
    let cuts = SegmentCuts::new(overlay);
    let mut ids = VertexIds {
        vertices: &overlay.noded.vertices,
        id: FxHashMap::default(),
    };
    let (segments, _) = rings.segments();
    restore_input_segments(&mut graph, &segments, &cuts, &piece_of_edge, &mut ids);
    let mut meetings = Meetings {
        owner,
        h,
        frame,
        changes: Vec::new(),
        problems: Vec::new(),
    };
    for (s, &seg) in segments.iter().enumerate() {
        if rings.rings[overlay.seg_ring[s] as usize].owner != BOUNDARY {
            continue;
        }
        let edges = cuts.edges_of(s);
        if let Some(mut run) = BoundaryRun::along(&graph, &mut ids, &overlay.noded, edges, seg) {
            meetings.move_onto_vertices(&mut graph, &mut run);
            meetings.report_stuck(&graph, &run);
        }
    }
    Output {
        geometry: trace_units(&graph, owner, h.units.len()),
        changes: meetings.changes,
        problems: meetings.problems,
    }
}

/// The edges each input segment was cut into: those of segment `s` are
/// `edges[start[s]..start[s + 1]]`.
struct SegmentCuts {
    start: Vec<u32>,
    edges: Vec<u32>,
}

impl SegmentCuts {
    fn new(overlay: &Overlay) -> Self {
        let noded = &overlay.noded;
        let n_segments = overlay.seg_ring.len();
        let mut start = vec![0u32; n_segments + 1];
        for e in 0..noded.edges.len() {
            for s in noded.sources(e) {
                start[s.segment as usize + 1] += 1;
            }
        }
        for s in 0..n_segments {
            start[s + 1] += start[s];
        }
        let mut fill = start.clone();
        let mut edges = vec![0u32; start[n_segments] as usize];
        for e in 0..noded.edges.len() {
            for s in noded.sources(e) {
                edges[fill[s.segment as usize] as usize] = e as u32;
                fill[s.segment as usize] += 1;
            }
        }
        SegmentCuts { start, edges }
    }

    fn edges_of(&self, s: usize) -> &[u32] {
        &self.edges[self.start[s] as usize..self.start[s + 1] as usize]
    }
}

/// The overlay vertex at an input point; the table is filled on first use.
struct VertexIds<'a> {
    vertices: &'a [Coord<f64>],
    id: FxHashMap<[u64; 2], u32>,
}

impl VertexIds<'_> {
    fn get(&mut self, c: Coord<f64>) -> Option<u32> {
        if self.id.is_empty() {
            for (i, v) in self.vertices.iter().enumerate() {
                self.id.insert(coord_key(*v), i as u32);
            }
        }
        self.id.get(&coord_key(c)).copied()
    }
}

/// Runs of pieces that make one input segment, with nothing else meeting them,
/// become that segment again: the crossings computed on it are dropped.
fn restore_input_segments(
    graph: &mut Graph<'_>,
    segments: &[[Coord<f64>; 2]],
    cuts: &SegmentCuts,
    piece_of_edge: &[u32],
    ids: &mut VertexIds<'_>,
) {
    for (s, seg) in segments.iter().enumerate() {
        let edges = cuts.edges_of(s);
        if edges.len() < 2 {
            continue;
        }
        let chain: Option<Vec<u32>> = edges
            .iter()
            .map(|&e| {
                let p = piece_of_edge[e as usize];
                (p != u32::MAX).then_some(p)
            })
            .collect();
        if let (Some(chain), Some(a), Some(b)) = (chain, ids.get(seg[0]), ids.get(seg[1])) {
            graph.merge(&chain, a, b);
        }
    }
}

/// A segment of the city boundary, cut into pieces that the output's outline runs
/// along: the vertices on it, in order.
struct BoundaryRun {
    /// The segment's ends, as vertices and as points.
    a: u32,
    b: u32,
    pa: Coord<f64>,
    pb: Coord<f64>,
    /// The vertices along it, `a` first and `b` last.
    chain: Vec<u32>,
}

impl BoundaryRun {
    /// The run along boundary segment `seg`, cut into `edges`; `None` unless it is
    /// cut, its ends are vertices of the overlay, and the outline runs along all
    /// of it.
    fn along(
        graph: &Graph<'_>,
        ids: &mut VertexIds<'_>,
        noded: &Noded,
        edges: &[u32],
        seg: [Coord<f64>; 2],
    ) -> Option<Self> {
        if edges.len() < 2 {
            return None;
        }
        let (Some(a), Some(b)) = (ids.get(seg[0]), ids.get(seg[1])) else {
            return None;
        };
        let mut chain: Vec<u32> = edges
            .iter()
            .flat_map(|&e| noded.edges[e as usize])
            .collect();
        chain.sort_unstable();
        chain.dedup();
        let (pa, pb) = (seg[0], seg[1]);
        let d = pb - pa;
        let t = |v: u32| {
            let p = noded.vertices[v as usize] - pa;
            p.x * d.x + p.y * d.y
        };
        chain.sort_by(|&p, &q| t(p).total_cmp(&t(q)));
        if chain.first() != Some(&a) || chain.last() != Some(&b) {
            return None;
        }
        // Only where the outline of the output runs along this segment.
        let along = chain.windows(2).all(|w| {
            graph.incident[w[0] as usize]
                .iter()
                .any(|&p| graph.other(p, w[0]) == w[1])
        });
        along.then_some(BoundaryRun {
            a,
            b,
            pa,
            pb,
            chain,
        })
    }

    /// Whether vertex `v` is one of the segment's ends or lies exactly on its line.
    fn exact(&self, vertices: &[Coord<f64>], v: u32) -> bool {
        v == self.a || v == self.b || side(self.pa, self.pb, vertices[v as usize]) == 0
    }
}

/// Meeting points on the city boundary moved onto its vertices, and the moves
/// made and refused.
struct Meetings<'a> {
    owner: &'a [Vec<u32>],
    h: &'a Hierarchy<'a>,
    frame: &'a Frame,
    changes: Vec<Change>,
    problems: Vec<Problem>,
}

impl Meetings<'_> {
    /// Moves the meeting points between the run's ends, one at a time, until none
    /// moves or none is left.
    fn move_onto_vertices(&mut self, graph: &mut Graph<'_>, run: &mut BoundaryRun) {
        let mut moved = true;
        while moved && run.chain.len() > 2 {
            moved = (1..run.chain.len() - 1).any(|i| self.move_one(graph, run, i));
        }
    }

    /// Moves the point `run.chain[i]` onto a neighbour along the run that lies on
    /// the segment's line (the nearer first), if that crosses nothing; a junction
    /// of units moved is reported. Returns whether it moved.
    fn move_one(&mut self, graph: &mut Graph<'_>, run: &mut BoundaryRun, i: usize) -> bool {
        let vertices = graph.vertices;
        let frame = self.frame;
        let x = run.chain[i];
        if run.exact(vertices, x) && graph.incident[x as usize].len() > 2 {
            return false;
        }
        let (prev, next) = (run.chain[i - 1], run.chain[i + 1]);
        let px = vertices[x as usize];
        let dist = |v: u32| frame.length_m(px, vertices[v as usize]);
        let mut targets: Vec<u32> = [prev, next]
            .into_iter()
            .filter(|&v| run.exact(vertices, v))
            .collect();
        targets.sort_by(|&p, &q| dist(p).total_cmp(&dist(q)));
        let junction = graph.incident[x as usize].len() > 2;
        let around = units_around(graph, self.owner, self.h, x);
        for target in targets {
            if let Some(swept) = graph.relocate(x, target) {
                if junction {
                    let to = vertices[target as usize];
                    let change = self.junction_moved(&around, px, to, dist(target), swept);
                    self.changes.push(change);
                }
                run.chain.remove(i);
                return true;
            }
        }
        false
    }

    /// The change for a junction of `around` moved from `from` to the boundary
    /// vertex `to`, `dist_m` away, sweeping `swept` degrees².
    fn junction_moved(
        &self,
        around: &(usize, Vec<UnitCode>),
        from: Coord<f64>,
        to: Coord<f64>,
        dist_m: f64,
        swept: f64,
    ) -> Change {
        let level = self.h.levels[around.0];
        let area = swept * self.frame.m2();
        let codes = &around.1;
        Change {
            kind: ChangeKind::Junction,
            level,
            to: None,
            units: codes.clone(),
            location: Some(Geometry::LineString(LineString(vec![from, to]))),
            area_m2: area,
            message: format!(
                "{} met on the boundary {:.2} m from its vertex {}: moved there, {area:.2} m² changed hands",
                names(level, codes),
                dist_m,
                fmt(to)
            ),
        }
    }

    /// Reports the meeting points that stay between two of the boundary's
    /// vertices.
    fn report_stuck(&mut self, graph: &Graph<'_>, run: &BoundaryRun) {
        for &x in &run.chain[1..run.chain.len() - 1] {
            if !run.exact(graph.vertices, x) {
                let around = units_around(graph, self.owner, self.h, x);
                let level = self.h.levels[around.0];
                let at = graph.at(x);
                self.problems.push(Problem {
                    kind: ProblemKind::Junction,
                    level,
                    units: around.1.clone(),
                    location: Some(Geometry::Point(at.into())),
                    area_m2: None,
                    width_m: None,
                    message: format!(
                        "{} meet on the boundary between two of its vertices near {}, and the meeting point could not be moved to one",
                        names(level, &around.1),
                        fmt(at)
                    ),
                });
            }
        }
    }
}

/// Every unit's polygons, traced over the pieces left: each piece bounds the units
/// on its two sides at every level where they differ.
fn trace_units(graph: &Graph<'_>, owner: &[Vec<u32>], units: usize) -> Vec<MultiPolygon<f64>> {
    let mut half: Vec<Vec<(u32, u32)>> = vec![Vec::new(); units];
    for p in graph.pieces.iter().filter(|p| p.alive) {
        for o in owner {
            let (l, r) = (o[p.left], o[p.right]);
            if l == r {
                continue;
            }
            if l != NONE {
                half[l as usize].push((p.v[0], p.v[1]));
            }
            if r != NONE {
                half[r as usize].push((p.v[1], p.v[0]));
            }
        }
    }
    half.par_iter()
        .map(|list| polygons(graph.vertices, list))
        .collect()
}

/// The finest level at which units meet at a vertex, and those units.
fn units_around(
    graph: &Graph<'_>,
    owner: &[Vec<u32>],
    h: &Hierarchy<'_>,
    x: u32,
) -> (usize, Vec<UnitCode>) {
    for l in (0..owner.len()).rev() {
        let mut ids: Vec<u32> = graph.incident[x as usize]
            .iter()
            .flat_map(|&p| {
                let p = graph.pieces[p as usize];
                [owner[l][p.left], owner[l][p.right]]
            })
            .filter(|&o| o != NONE)
            .collect();
        ids.sort_unstable();
        ids.dedup();
        if ids.len() >= 2 || l == 0 {
            let mut codes: Vec<_> = ids
                .iter()
                .map(|&i| h.units[i as usize].code.clone())
                .collect();
            codes.sort();
            return (l, codes);
        }
    }
    (0, Vec::new())
}
