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
pub(crate) fn snap(rings: &mut Rings, frame: &Frame, metres: f64) -> FxHashMap<u32, UnitSnap> {
    let mut report: FxHashMap<u32, UnitSnap> = FxHashMap::default();
    if metres <= 0.0 {
        return report;
    }
    // Distinct vertices, and the units (or the boundary) using each.
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
    let all: Vec<u32> = (0..at.len() as u32).collect();
    let fixed = |v: usize| users[v].contains(&BOUNDARY);

    // Vertex onto vertex: pairs closer than the distance, used by different units.
    let grid = PointGrid::new(&metric, &all, 2.0 * metres);
    let near = |v: u32| -> Vec<(u32, f64)> {
        let p = metric[v as usize];
        let r = Coord {
            x: metres,
            y: metres,
        };
        grid.around(p - r, p + r)
            .filter(|&w| w != v && users[w as usize] != users[v as usize])
            .filter_map(|w| {
                let q = metric[w as usize];
                let d = (p.x - q.x).hypot(p.y - q.y);
                (d <= metres).then_some((w, d))
            })
            .collect()
    };
    let close: Vec<(u32, Vec<(u32, f64)>)> = all
        .par_iter()
        .map(|&v| (v, near(v)))
        .filter(|(_, n)| !n.is_empty())
        .collect();
    let mut map: Vec<u32> = all.clone();
    let mut order: Vec<usize> = (0..close.len()).collect();
    let rank = |v: usize| (!fixed(v), std::cmp::Reverse(users[v].len()), v);
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
                for &u in &users[v as usize] {
                    let r = report.entry(u).or_default();
                    r.moved += 1;
                    r.note(
                        at[w as usize],
                        d,
                        users[w as usize].iter().copied().filter(|&o| o != u),
                    );
                }
            }
        }
    }
    let mut merged_users = users.clone();
    for (v, &w) in map.iter().enumerate() {
        if w as usize != v {
            let extra = users[v].clone();
            let to = &mut merged_users[w as usize];
            to.extend(extra);
            to.sort_unstable();
            to.dedup();
        }
    }
    let users = merged_users;
    let mut touched: Vec<bool> = ring_ids
        .iter()
        .map(|list| list.iter().any(|&v| map[v as usize] != v))
        .collect();
    for (r, list) in ring_ids.iter_mut().enumerate() {
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

    // Vertex into edge: kept vertices near a segment of units they are not part of.
    let kept: Vec<u32> = all
        .iter()
        .copied()
        .filter(|&v| map[v as usize] == v)
        .collect();
    let mut total = 0.0;
    let mut count = 0usize;
    for list in &ring_ids {
        for w in list.windows(2) {
            let (p, q) = (metric[w[0] as usize], metric[w[1] as usize]);
            total += (p.x - q.x).abs().max((p.y - q.y).abs());
            count += 1;
        }
    }
    let grid = PointGrid::new(
        &metric,
        &kept,
        (total / count.max(1) as f64).max(2.0 * metres),
    );
    let segment_owners = |r: usize| rings.rings[r].owner;
    // Candidates per ring segment, before knowing all units along each segment.
    let found: Vec<(u32, u32, f64, u32, f64)> = ring_ids
        .par_iter()
        .enumerate()
        .flat_map_iter(|(r, list)| {
            let owner = segment_owners(r);
            let n = list.len();
            let grid = &grid;
            let metric = &metric;
            let users = &users;
            (0..n).flat_map(move |i| {
                let (a, b) = (list[i], list[(i + 1) % n]);
                let mut out = Vec::new();
                // The boundary never takes vertices.
                if owner == BOUNDARY || a == b {
                    return out.into_iter();
                }
                let (a, b) = (a.min(b), a.max(b));
                let (pa, pb) = (metric[a as usize], metric[b as usize]);
                let ab = pb - pa;
                let len2 = ab.x * ab.x + ab.y * ab.y;
                if len2 <= 0.0 {
                    return out.into_iter();
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
                    if w == a || w == b || users[w as usize].contains(&owner) {
                        continue;
                    }
                    let p = metric[w as usize];
                    let t = ((p.x - pa.x) * ab.x + (p.y - pa.y) * ab.y) / len2;
                    if t <= 0.0 || t >= 1.0 {
                        continue;
                    }
                    let d = point_segment_distance(p, pa, pb);
                    if d <= metres {
                        out.push((a, b, t, w, d));
                    }
                }
                out.into_iter()
            })
        })
        .collect();
    // A segment two rings share was seen from both.
    let mut found = found;
    found.sort_by_key(|f| (f.0, f.1, f.3));
    found.dedup_by_key(|f| (f.0, f.1, f.3));
    // Everyone along each candidate segment, to refuse vertices of any of them.
    let mut owners: FxHashMap<(u32, u32), Vec<u32>> =
        found.iter().map(|f| ((f.0, f.1), Vec::new())).collect();
    if !owners.is_empty() {
        for (r, list) in ring_ids.iter().enumerate() {
            let owner = rings.rings[r].owner;
            let n = list.len();
            for i in 0..n {
                let (a, b) = (list[i], list[(i + 1) % n]);
                if let Some(o) = owners.get_mut(&(a.min(b), a.max(b)))
                    && !o.contains(&owner)
                {
                    o.push(owner);
                }
            }
        }
    }
    let mut inserts: FxHashMap<(u32, u32), Vec<(f64, u32)>> = FxHashMap::default();
    for &(a, b, t, w, d) in &found {
        let Some(along) = owners.get(&(a, b)) else {
            continue;
        };
        if along.contains(&BOUNDARY) || users[w as usize].iter().any(|u| along.contains(u)) {
            continue;
        }
        inserts.entry((a, b)).or_default().push((t, w));
        if d >= NOTICED_M {
            for &u in along {
                let r = report.entry(u).or_default();
                r.inserted += 1;
                r.note(
                    at[w as usize],
                    d,
                    users[w as usize].iter().copied().filter(|&o| o != u),
                );
            }
        }
    }
    for list in inserts.values_mut() {
        list.sort_by(|x, y| x.0.total_cmp(&y.0));
    }
    for (r, list) in ring_ids.iter().enumerate() {
        let n = list.len();
        if !touched[r]
            && !(0..n).any(|i| {
                let (a, b) = (list[i], list[(i + 1) % n]);
                inserts.contains_key(&(a.min(b), a.max(b)))
            })
        {
            continue;
        }
        touched[r] = true;
    }

    // Rebuild what changed, measuring the units before and after.
    let changed: BTreeSet<u32> = touched
        .iter()
        .enumerate()
        .filter(|(_, t)| **t)
        .map(|(r, _)| rings.rings[r].owner)
        .filter(|&o| o != BOUNDARY)
        .collect();
    let before = unit_areas(rings, frame, &changed);
    for (r, list) in ring_ids.iter().enumerate() {
        if !touched[r] {
            continue;
        }
        let n = list.len();
        let mut coords = Vec::with_capacity(n);
        for i in 0..n {
            let (a, b) = (list[i], list[(i + 1) % n]);
            coords.push(at[a as usize]);
            if let Some(ins) = inserts.get(&(a.min(b), a.max(b))) {
                if a < b {
                    coords.extend(ins.iter().map(|&(_, w)| at[w as usize]));
                } else {
                    coords.extend(ins.iter().rev().map(|&(_, w)| at[w as usize]));
                }
            }
        }
        rings.rings[r].coords = coords;
    }
    report.retain(|&u, _| u != BOUNDARY);
    let after = unit_areas(rings, frame, &changed);
    for (&u, r) in &mut report {
        r.area_before_m2 = before.get(&u).copied().unwrap_or(0.0);
        r.area_after_m2 = after.get(&u).copied().unwrap_or(0.0);
    }
    report
}
