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
//! it.

use std::collections::BTreeSet;

use geo_types::Coord;
use rustc_hash::FxHashMap;

use citygrid_check::segment::point_segment_distance;
use citygrid_model::rings::coord_key;

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

struct Vertices {
    at: Vec<Coord<f64>>,
    users: Vec<Vec<u32>>,
}

fn cell_of(p: Coord<f64>, size: f64) -> (i64, i64) {
    ((p.x / size).floor() as i64, (p.y / size).floor() as i64)
}

/// Planar area of each unit's rings as they stand (shells minus holes), m².
fn unit_areas(rings: &Rings, frame: &Frame, units: usize) -> Vec<f64> {
    let mut area = vec![0.0; units];
    for p in &rings.polygons {
        if p.owner == BOUNDARY {
            continue;
        }
        let a = |r: u32| {
            let mut c = rings.rings[r as usize].coords.clone();
            if let Some(&f) = c.first() {
                c.push(f);
            }
            citygrid_model::rings::signed_area2(&c).abs() / 2.0 * frame.m2()
        };
        area[p.owner as usize] += a(p.shell) - p.holes.iter().map(|&h| a(h)).sum::<f64>();
    }
    area
}

/// Snaps in place; returns what happened to each unit (by unit index).
pub(crate) fn snap(
    rings: &mut Rings,
    frame: &Frame,
    metres: f64,
    units: usize,
) -> FxHashMap<u32, UnitSnap> {
    let mut report: FxHashMap<u32, UnitSnap> = FxHashMap::default();
    if metres <= 0.0 {
        return report;
    }
    let before = unit_areas(rings, frame, units);
    let mut ids: FxHashMap<[u64; 2], u32> = FxHashMap::default();
    let mut verts = Vertices {
        at: Vec::new(),
        users: Vec::new(),
    };
    let mut ring_ids: Vec<Vec<u32>> = Vec::with_capacity(rings.rings.len());
    for ring in &rings.rings {
        let mut list = Vec::with_capacity(ring.coords.len());
        for &c in &ring.coords {
            let next = verts.at.len() as u32;
            let v = *ids.entry(coord_key(c)).or_insert(next);
            if v == next {
                verts.at.push(c);
                verts.users.push(Vec::new());
            }
            let users = &mut verts.users[v as usize];
            if !users.contains(&ring.owner) {
                users.push(ring.owner);
            }
            list.push(v);
        }
        ring_ids.push(list);
    }
    for u in &mut verts.users {
        u.sort_unstable();
    }
    let metric: Vec<Coord<f64>> = verts.at.iter().map(|&c| frame.metres(c)).collect();
    let fixed = |v: usize| verts.users[v].contains(&BOUNDARY);

    // Vertex onto vertex.
    let mut order: Vec<usize> = (0..verts.at.len()).collect();
    order.sort_by_key(|&v| (!fixed(v), std::cmp::Reverse(verts.users[v].len()), v));
    let mut map: Vec<u32> = (0..verts.at.len() as u32).collect();
    let mut anchors: FxHashMap<(i64, i64), Vec<u32>> = FxHashMap::default();
    for v in order {
        let p = metric[v];
        let mut best: Option<(f64, u32)> = None;
        if !fixed(v) {
            let (cx, cy) = cell_of(p, metres);
            for dx in -1..=1 {
                for dy in -1..=1 {
                    for &w in anchors.get(&(cx + dx, cy + dy)).into_iter().flatten() {
                        if verts.users[w as usize] == verts.users[v] {
                            continue;
                        }
                        let q = metric[w as usize];
                        let d = (p.x - q.x).hypot(p.y - q.y);
                        if d <= metres && best.is_none_or(|(b, _)| d < b) {
                            best = Some((d, w));
                        }
                    }
                }
            }
        }
        match best {
            Some((d, w)) => {
                map[v] = w;
                for &u in verts.users[v].iter().filter(|_| d >= NOTICED_M) {
                    let r = report.entry(u).or_default();
                    r.points.push(verts.at[w as usize]);
                    r.moved += 1;
                    r.max_m = r.max_m.max(d);
                    r.onto
                        .extend(verts.users[w as usize].iter().filter(|&&o| o != u));
                }
            }
            None => anchors
                .entry(cell_of(p, metres))
                .or_default()
                .push(v as u32),
        }
    }
    let mut users: Vec<Vec<u32>> = vec![Vec::new(); verts.at.len()];
    for (v, list) in verts.users.iter().enumerate() {
        let to = &mut users[map[v] as usize];
        to.extend(list);
    }
    for u in &mut users {
        u.sort_unstable();
        u.dedup();
    }
    for list in &mut ring_ids {
        for v in list.iter_mut() {
            *v = map[*v as usize];
        }
        list.dedup();
        while list.len() > 1 && list.first() == list.last() {
            list.pop();
        }
    }

    // Vertex into edge: the kept vertices, in a grid about as coarse as the edges.
    let kept: Vec<u32> = (0..verts.at.len() as u32)
        .filter(|&v| map[v as usize] == v)
        .collect();
    let mut seg_owners: FxHashMap<(u32, u32), Vec<u32>> = FxHashMap::default();
    let mut total = 0.0;
    let mut count = 0usize;
    for (r, list) in ring_ids.iter().enumerate() {
        let owner = rings.rings[r].owner;
        let n = list.len();
        for i in 0..n {
            let (a, b) = (list[i], list[(i + 1) % n]);
            if a == b {
                continue;
            }
            let e = seg_owners.entry((a.min(b), a.max(b))).or_default();
            if !e.contains(&owner) {
                e.push(owner);
            }
            let (p, q) = (metric[a as usize], metric[b as usize]);
            total += (p.x - q.x).abs().max((p.y - q.y).abs());
            count += 1;
        }
    }
    let cell = (total / count.max(1) as f64).max(metres);
    let mut grid: FxHashMap<(i64, i64), Vec<u32>> = FxHashMap::default();
    for &v in &kept {
        grid.entry(cell_of(metric[v as usize], cell))
            .or_default()
            .push(v);
    }
    let mut keys: Vec<(u32, u32)> = seg_owners.keys().copied().collect();
    keys.sort_unstable();
    let mut inserts: FxHashMap<(u32, u32), Vec<(f64, u32)>> = FxHashMap::default();
    for key in keys {
        let owners = &seg_owners[&key];
        if owners.contains(&BOUNDARY) {
            continue;
        }
        let (a, b) = (metric[key.0 as usize], metric[key.1 as usize]);
        let (lo, hi) = (
            cell_of(
                Coord {
                    x: a.x.min(b.x) - metres,
                    y: a.y.min(b.y) - metres,
                },
                cell,
            ),
            cell_of(
                Coord {
                    x: a.x.max(b.x) + metres,
                    y: a.y.max(b.y) + metres,
                },
                cell,
            ),
        );
        let ab = b - a;
        let len2 = ab.x * ab.x + ab.y * ab.y;
        if len2 <= 0.0 {
            continue;
        }
        let mut found: Vec<(f64, u32)> = Vec::new();
        for cx in lo.0..=hi.0 {
            for cy in lo.1..=hi.1 {
                for &w in grid.get(&(cx, cy)).into_iter().flatten() {
                    if w == key.0 || w == key.1 {
                        continue;
                    }
                    if users[w as usize].iter().any(|u| owners.contains(u)) {
                        continue;
                    }
                    let p = metric[w as usize];
                    let t = ((p.x - a.x) * ab.x + (p.y - a.y) * ab.y) / len2;
                    if t <= 0.0 || t >= 1.0 {
                        continue;
                    }
                    let d = point_segment_distance(p, a, b);
                    if d <= metres {
                        found.push((t, w));
                        for &u in owners.iter().filter(|_| d >= NOTICED_M) {
                            let r = report.entry(u).or_default();
                            r.points.push(verts.at[w as usize]);
                            r.inserted += 1;
                            r.max_m = r.max_m.max(d);
                            r.onto.extend(users[w as usize].iter().filter(|&&o| o != u));
                        }
                    }
                }
            }
        }
        if !found.is_empty() {
            found.sort_by(|x, y| x.0.total_cmp(&y.0));
            inserts.insert(key, found);
        }
    }

    for (r, list) in ring_ids.iter().enumerate() {
        let n = list.len();
        let mut coords = Vec::with_capacity(n);
        for i in 0..n {
            let (a, b) = (list[i], list[(i + 1) % n]);
            coords.push(verts.at[a as usize]);
            if let Some(ins) = inserts.get(&(a.min(b), a.max(b))) {
                if a < b {
                    coords.extend(ins.iter().map(|&(_, w)| verts.at[w as usize]));
                } else {
                    coords.extend(ins.iter().rev().map(|&(_, w)| verts.at[w as usize]));
                }
            }
        }
        rings.rings[r].coords = coords;
    }
    let after = unit_areas(rings, frame, units);
    report.retain(|&u, _| u != BOUNDARY);
    for (&u, r) in &mut report {
        r.area_before_m2 = before[u as usize];
        r.area_after_m2 = after[u as usize];
    }
    report
}
