//! Snapping near-coincident boundaries: a vertex within the snapping distance of
//! another unit's vertex moves onto it, and a vertex within that distance of another
//! unit's edge is inserted into the edge. Distances are in metres in one local
//! frame.
//!
//! Vertices are taken in a fixed order (the boundary's first, then those shared by
//! more units, then input order) and each one either snaps to the nearest vertex
//! already kept or is kept itself, so no chain of snaps carries a vertex further than
//! the distance. Both operations are functions of the points alone, so a boundary
//! two units already share stays shared. The boundary never moves: units snap onto
//! it. Only vertices of different units are snapped (vertices a unit shares with the
//! same units are already consistent, however close).

use std::collections::BTreeSet;

use geo_types::Coord;
use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};

use citygrid_planar::{Buckets, Grid, bounds, coord_key, point_segment_distance, signed_area2};

use crate::rings::{BOUNDARY, Rings};

/// Moves shorter than this (metres) are made but not reported: they are rounding,
/// not drawing (GeoJSON written to 9 decimals moves a vertex by up to 0.05 mm).
const NOTICED_M: f64 = 1e-3;

/// Lon/lat to metres around one origin.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Frame {
    pub origin: Coord<f64>,
    pub mx: f64,
    pub my: f64,
}

impl Frame {
    pub(crate) fn metres(self, c: Coord<f64>) -> Coord<f64> {
        Coord {
            x: (c.x - self.origin.x) * self.mx,
            y: (c.y - self.origin.y) * self.my,
        }
    }

    pub(crate) fn length_m(&self, a: Coord<f64>, b: Coord<f64>) -> f64 {
        ((b.x - a.x) * self.mx).hypot((b.y - a.y) * self.my)
    }

    /// Square metres per square degree.
    pub(crate) fn m2(&self) -> f64 {
        self.mx * self.my
    }

    /// Square metres per square degree at `c`: areas of features far from the
    /// origin (a district 50 km away) are off by 0.1 % or more in the origin's frame.
    pub(crate) fn m2_at(&self, c: Coord<f64>) -> f64 {
        citygrid_model::measure::LocalFrame::new(c.x, c.y).map_or(self.m2(), |f| {
            let (mx, my) = f.metres_per_degree();
            mx * my
        })
    }
}

/// What snapping did to one unit.
#[derive(Debug, Clone, Default)]
pub(crate) struct UnitSnap {
    /// Where its vertices went (moved or inserted).
    pub points: Vec<Coord<f64>>,
    pub moved: usize,
    pub inserted: usize,
    pub max_m: f64,
    /// Units (or the boundary) it snapped onto.
    pub onto: BTreeSet<u32>,
    pub area_before_m2: f64,
    pub area_after_m2: f64,
}

impl UnitSnap {
    fn note(&mut self, at: Coord<f64>, d: f64, onto: impl IntoIterator<Item = u32>) {
        self.points.push(at);
        self.max_m = self.max_m.max(d);
        self.onto.extend(onto);
    }
}

/// Points (metres) filed in the kernel's bucket grid.
struct PointGrid {
    grid: Grid,
    buckets: Buckets,
}

impl PointGrid {
    /// A grid over `points` (metres) with buckets at least `cell` wide, coarser when
    /// that would make far more buckets than points.
    fn new(points: &[Coord<f64>], ids: &[u32], cell: f64) -> Self {
        let (lo, hi) = bounds(ids.iter().map(|&v| points[v as usize]))
            .unwrap_or((Coord::zero(), Coord::zero()));
        let (w, h) = (hi.x - lo.x, hi.y - lo.y);
        let budget = (4 * ids.len()).max(1024) as f64;
        let mut cell = cell.max(1e-9);
        if (w / cell + 1.0) * (h / cell + 1.0) > budget {
            cell = ((w + cell) * (h + cell) / budget).sqrt().max(cell);
        }
        let grid = Grid::new(lo, cell, (w / cell) as usize + 1, (h / cell) as usize + 1);
        let pairs: Vec<(u32, u32)> = ids
            .iter()
            .map(|&v| (grid.bucket(points[v as usize]) as u32, v))
            .collect();
        PointGrid {
            buckets: Buckets::from_pairs(grid.len(), &pairs),
            grid,
        }
    }

    /// Every point in the buckets a box (metres) covers.
    fn around(&self, lo: Coord<f64>, hi: Coord<f64>) -> impl Iterator<Item = u32> + '_ {
        let span = self.grid.span(lo, hi);
        span.into_iter().flat_map(move |(i0, j0, i1, j1)| {
            (j0..=j1).flat_map(move |j| {
                let row = self
                    .buckets
                    .run(self.grid.index(i0, j), self.grid.index(i1, j));
                row.iter().copied()
            })
        })
    }
}

/// Planar area of some units' rings as they stand (shells minus holes), m².
fn unit_areas(rings: &Rings, frame: &Frame, units: &BTreeSet<u32>) -> FxHashMap<u32, f64> {
    let mut out: FxHashMap<u32, f64> = units.iter().map(|&u| (u, 0.0)).collect();
    // Relative to the first vertex, the open ring's closing segment adds nothing.
    let a = |r: u32| signed_area2(&rings.rings[r as usize].coords).abs() / 2.0 * frame.m2();
    for p in &rings.polygons {
        if let Some(area) = out.get_mut(&p.owner) {
            *area += a(p.shell) - p.holes.iter().map(|&h| a(h)).sum::<f64>();
        }
    }
    out
}

/// Snaps in place; returns what happened to each unit (by unit index).
///
/// Vertices onto vertices first, then the vertices kept into other units' edges;
/// the rings that changed are written back and their units measured before and
/// after.
pub(crate) fn snap(rings: &mut Rings, frame: &Frame, metres: f64) -> FxHashMap<u32, UnitSnap> {
    let mut report: FxHashMap<u32, UnitSnap> = FxHashMap::default();
    if metres <= 0.0 {
        return report;
    }
    let mut vertices = Vertices::index(rings, frame);
    let map = vertices.snap_onto_vertices(metres, &mut report);
    vertices.merge_users(&map);
    let mut touched = vertices.follow_snaps(&map);
    let found = vertices.edge_candidates(rings, &map, metres);
    let inserts = vertices.insertions(rings, &found, &mut report);
    vertices.mark_inserted(&inserts, &mut touched);

    // Rebuild what changed, measuring the units before and after.
    let changed = changed_units(rings, &touched);
    let before = unit_areas(rings, frame, &changed);
    vertices.rewrite(rings, &inserts, &touched);
    report.retain(|&u, _| u != BOUNDARY);
    let after = unit_areas(rings, frame, &changed);
    for (&u, r) in &mut report {
        r.area_before_m2 = before.get(&u).copied().unwrap_or(0.0);
        r.area_after_m2 = after.get(&u).copied().unwrap_or(0.0);
    }
    report
}

/// A kept vertex that may go into a ring segment.
#[derive(Debug, Clone, Copy)]
struct Insertion {
    /// The segment's vertices, lower id first.
    a: u32,
    b: u32,
    /// Where along the segment it projects (0 at `a`, 1 at `b`).
    t: f64,
    /// The vertex.
    w: u32,
    /// Its distance from the segment, m.
    d: f64,
}

/// Vertices to insert into each segment (by [`segment_key`]), in order from the
/// lower id: (position along, vertex).
type Inserts = FxHashMap<(u32, u32), Vec<(f64, u32)>>;

/// A segment by its vertices, whichever way a ring runs along it.
fn segment_key(a: u32, b: u32) -> (u32, u32) {
    (a.min(b), a.max(b))
}

/// A ring's segments as vertex pairs, the closing one included.
fn closing_pairs(list: &[u32]) -> impl Iterator<Item = (u32, u32)> + '_ {
    let n = list.len();
    (0..n).map(move |i| (list[i], list[(i + 1) % n]))
}

/// The units (not the boundary) owning the rings that changed.
fn changed_units(rings: &Rings, touched: &[bool]) -> BTreeSet<u32> {
    touched
        .iter()
        .enumerate()
        .filter(|(_, t)| **t)
        .map(|(r, _)| rings.rings[r].owner)
        .filter(|&o| o != BOUNDARY)
        .collect()
}

/// The distinct vertices of every ring, who uses each, and the rings as lists of
/// them: snapping works on vertex ids, so a vertex several rings share moves for
/// all of them at once.
struct Vertices {
    /// Each vertex, lon/lat.
    at: Vec<Coord<f64>>,
    /// Each vertex in metres in the frame.
    metric: Vec<Coord<f64>>,
    /// The units (or the boundary) using each vertex, sorted.
    users: Vec<Vec<u32>>,
    /// Each ring's vertices, open like the ring.
    rings: Vec<Vec<u32>>,
}

impl Vertices {
    /// Files every ring's points as vertices, one per exact coordinate.
    fn index(rings: &Rings, frame: &Frame) -> Self {
        let mut ids: FxHashMap<[u64; 2], u32> = FxHashMap::default();
        let mut at: Vec<Coord<f64>> = Vec::new();
        let mut users: Vec<Vec<u32>> = Vec::new();
        let mut ring_ids: Vec<Vec<u32>> = Vec::with_capacity(rings.rings.len());
        for ring in &rings.rings {
            let mut list = Vec::with_capacity(ring.coords.len());
            for &c in &ring.coords {
                let next = at.len() as u32;
                let v = *ids.entry(coord_key(c)).or_insert(next);
                if v == next {
                    at.push(c);
                    users.push(Vec::new());
                }
                let u = &mut users[v as usize];
                if !u.contains(&ring.owner) {
                    u.push(ring.owner);
                }
                list.push(v);
            }
            ring_ids.push(list);
        }
        drop(ids);
        users.par_iter_mut().for_each(|u| u.sort_unstable());
        let metric: Vec<Coord<f64>> = at.par_iter().map(|&c| frame.metres(c)).collect();
        Vertices {
            at,
            metric,
            users,
            rings: ring_ids,
        }
    }

    /// Each vertex with partners: vertices of other units within `metres`, with
    /// their distances.
    fn close_pairs(&self, metres: f64) -> Vec<(u32, Vec<(u32, f64)>)> {
        let all: Vec<u32> = (0..self.at.len() as u32).collect();
        let grid = PointGrid::new(&self.metric, &all, 2.0 * metres);
        let near = |v: u32| -> Vec<(u32, f64)> {
            let p = self.metric[v as usize];
            let r = Coord {
                x: metres,
                y: metres,
            };
            grid.around(p - r, p + r)
                .filter(|&w| w != v && self.users[w as usize] != self.users[v as usize])
                .filter_map(|w| {
                    let q = self.metric[w as usize];
                    let d = (p.x - q.x).hypot(p.y - q.y);
                    (d <= metres).then_some((w, d))
                })
                .collect()
        };
        all.par_iter()
            .map(|&v| (v, near(v)))
            .filter(|(_, n)| !n.is_empty())
            .collect()
    }

    /// Vertex onto vertex: in rank order (the boundary's first, then those shared
    /// by more units, then input order) each vertex with partners snaps to the
    /// nearest one already kept, or is kept itself, so no chain of snaps carries a
    /// vertex further than the distance. Returns where each vertex went.
    fn snap_onto_vertices(&self, metres: f64, report: &mut FxHashMap<u32, UnitSnap>) -> Vec<u32> {
        let close = self.close_pairs(metres);
        let fixed = |v: usize| self.users[v].contains(&BOUNDARY);
        let mut map: Vec<u32> = (0..self.at.len() as u32).collect();
        let mut order: Vec<usize> = (0..close.len()).collect();
        let rank = |v: usize| (!fixed(v), std::cmp::Reverse(self.users[v].len()), v);
        order.sort_by_key(|&i| rank(close[i].0 as usize));
        let mut done: FxHashSet<u32> = FxHashSet::default();
        for i in order {
            let (v, partners) = &close[i];
            let v = *v;
            done.insert(v);
            if fixed(v as usize) {
                continue;
            }
            // The nearest partner already kept (taken earlier and not snapped itself).
            let best = partners
                .iter()
                .filter(|(w, _)| done.contains(w) && map[*w as usize] == *w)
                .min_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
            if let Some(&(w, d)) = best {
                map[v as usize] = w;
                if d >= NOTICED_M {
                    self.note(report, &self.users[v as usize], w, d, |r| r.moved += 1);
                }
            }
        }
        map
    }

    /// Reports a snap onto vertex `w`, `d` metres long, to each of `units` (as a
    /// snap onto the other units using `w`), counted by `count`.
    fn note(
        &self,
        report: &mut FxHashMap<u32, UnitSnap>,
        units: &[u32],
        w: u32,
        d: f64,
        count: impl Fn(&mut UnitSnap),
    ) {
        for &u in units {
            let r = report.entry(u).or_default();
            count(r);
            r.note(
                self.at[w as usize],
                d,
                self.users[w as usize].iter().copied().filter(|&o| o != u),
            );
        }
    }

    /// A kept vertex is used by every unit whose vertex snapped onto it, so it is
    /// not inserted into their edges next.
    fn merge_users(&mut self, map: &[u32]) {
        let mut merged = self.users.clone();
        for (v, &w) in map.iter().enumerate() {
            if w as usize != v {
                let to = &mut merged[w as usize];
                to.extend_from_slice(&self.users[v]);
                to.sort_unstable();
                to.dedup();
            }
        }
        self.users = merged;
    }

    /// Rings through a snapped vertex run through its target instead, without
    /// repeated vertices. Returns which rings changed.
    fn follow_snaps(&mut self, map: &[u32]) -> Vec<bool> {
        let touched: Vec<bool> = self
            .rings
            .iter()
            .map(|list| list.iter().any(|&v| map[v as usize] != v))
            .collect();
        for (r, list) in self.rings.iter_mut().enumerate() {
            if !touched[r] {
                continue;
            }
            for v in list.iter_mut() {
                *v = map[*v as usize];
            }
            list.dedup();
            while list.len() > 1 && list.first() == list.last() {
                list.pop();
            }
        }
        touched
    }

    /// The mean extent (the larger of width and height) of the rings' segments,
    /// closing segments aside: the bucket size for finding vertices near segments.
    fn mean_segment_extent(&self) -> f64 {
        let mut total = 0.0;
        let mut count = 0usize;
        for list in &self.rings {
            for w in list.windows(2) {
                let (p, q) = (self.metric[w[0] as usize], self.metric[w[1] as usize]);
                total += (p.x - q.x).abs().max((p.y - q.y).abs());
                count += 1;
            }
        }
        total / count.max(1) as f64
    }

    /// Vertex into edge, the candidates: kept vertices near a segment of units they
    /// are not part of, once per segment and vertex (before knowing all units along
    /// each segment).
    fn edge_candidates(&self, rings: &Rings, map: &[u32], metres: f64) -> Vec<Insertion> {
        let kept: Vec<u32> = (0..self.at.len() as u32)
            .filter(|&v| map[v as usize] == v)
            .collect();
        let grid = PointGrid::new(
            &self.metric,
            &kept,
            self.mean_segment_extent().max(2.0 * metres),
        );
        let mut found: Vec<Insertion> = self
            .rings
            .par_iter()
            .enumerate()
            .flat_map_iter(|(r, list)| {
                let owner = rings.rings[r].owner;
                let grid = &grid;
                closing_pairs(list)
                    .flat_map(move |(a, b)| self.candidates_on(grid, owner, a, b, metres))
            })
            .collect();
        // A segment two rings share was seen from both.
        found.sort_by_key(|f| (f.a, f.b, f.w));
        found.dedup_by_key(|f| (f.a, f.b, f.w));
        found
    }

    /// The kept vertices that may go into one segment `a`-`b` of a ring of `owner`:
    /// within `metres` of it, projecting strictly between its ends, not used by
    /// `owner`.
    fn candidates_on(
        &self,
        grid: &PointGrid,
        owner: u32,
        a: u32,
        b: u32,
        metres: f64,
    ) -> Vec<Insertion> {
        let mut out = Vec::new();
        // The boundary never takes vertices.
        if owner == BOUNDARY || a == b {
            return out;
        }
        let (a, b) = segment_key(a, b);
        let (pa, pb) = (self.metric[a as usize], self.metric[b as usize]);
        let ab = pb - pa;
        let len2 = ab.x * ab.x + ab.y * ab.y;
        if len2 <= 0.0 {
            return out;
        }
        let pad = Coord {
            x: metres,
            y: metres,
        };
        let lo = Coord {
            x: pa.x.min(pb.x),
            y: pa.y.min(pb.y),
        } - pad;
        let hi = Coord {
            x: pa.x.max(pb.x),
            y: pa.y.max(pb.y),
        } + pad;
        for w in grid.around(lo, hi) {
            if w == a || w == b || self.users[w as usize].contains(&owner) {
                continue;
            }
            let p = self.metric[w as usize];
            let t = ((p.x - pa.x) * ab.x + (p.y - pa.y) * ab.y) / len2;
            if t <= 0.0 || t >= 1.0 {
                continue;
            }
            let d = point_segment_distance(p, pa, pb);
            if d <= metres {
                out.push(Insertion { a, b, t, w, d });
            }
        }
        out
    }

    /// Everyone whose rings run along each candidate segment, to refuse vertices
    /// of any of them.
    fn owners_along(&self, rings: &Rings, found: &[Insertion]) -> FxHashMap<(u32, u32), Vec<u32>> {
        let mut owners: FxHashMap<(u32, u32), Vec<u32>> =
            found.iter().map(|f| ((f.a, f.b), Vec::new())).collect();
        if !owners.is_empty() {
            for (r, list) in self.rings.iter().enumerate() {
                let owner = rings.rings[r].owner;
                for (a, b) in closing_pairs(list) {
                    if let Some(o) = owners.get_mut(&segment_key(a, b))
                        && !o.contains(&owner)
                    {
                        o.push(owner);
                    }
                }
            }
        }
        owners
    }

    /// Vertex into edge, decided: a candidate goes in unless the segment is the
    /// boundary's or someone along it already uses the vertex. Sorted along each
    /// segment.
    fn insertions(
        &self,
        rings: &Rings,
        found: &[Insertion],
        report: &mut FxHashMap<u32, UnitSnap>,
    ) -> Inserts {
        let owners = self.owners_along(rings, found);
        let mut inserts: Inserts = FxHashMap::default();
        for f in found {
            let Some(along) = owners.get(&(f.a, f.b)) else {
                continue;
            };
            if along.contains(&BOUNDARY)
                || self.users[f.w as usize].iter().any(|u| along.contains(u))
            {
                continue;
            }
            inserts.entry((f.a, f.b)).or_default().push((f.t, f.w));
            if f.d >= NOTICED_M {
                self.note(report, along, f.w, f.d, |r| r.inserted += 1);
            }
        }
        for list in inserts.values_mut() {
            list.sort_by(|x, y| x.0.total_cmp(&y.0));
        }
        inserts
    }

    /// Rings with a segment that takes vertices change too.
    fn mark_inserted(&self, inserts: &Inserts, touched: &mut [bool]) {
        for (r, list) in self.rings.iter().enumerate() {
            if !touched[r]
                && closing_pairs(list).any(|(a, b)| inserts.contains_key(&segment_key(a, b)))
            {
                touched[r] = true;
            }
        }
    }

    /// Writes the changed rings back as coordinates, inserted vertices in order
    /// along each segment whichever way the ring runs.
    fn rewrite(&self, rings: &mut Rings, inserts: &Inserts, touched: &[bool]) {
        for (r, list) in self.rings.iter().enumerate() {
            if !touched[r] {
                continue;
            }
            let mut coords = Vec::with_capacity(list.len());
            for (a, b) in closing_pairs(list) {
                coords.push(self.at[a as usize]);
                if let Some(ins) = inserts.get(&segment_key(a, b)) {
                    if a < b {
                        coords.extend(ins.iter().map(|&(_, w)| self.at[w as usize]));
                    } else {
                        coords.extend(ins.iter().rev().map(|&(_, w)| self.at[w as usize]));
                    }
                }
            }
            rings.rings[r].coords = coords;
        }
    }
}
