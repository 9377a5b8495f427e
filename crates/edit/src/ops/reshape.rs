//! `reshape`: a new line, both ends on the boundary between two cells, replaces
//! the stretch of that boundary between its ends.
//!
//! With the line and the cells noded together, the faces of the two cells are
//! joined across every edge except the line and the parts of their shared
//! boundary outside the stretch. Each group of faces then touches the unmoved
//! boundary of exactly one of the two cells (its other neighbours, or the shared
//! boundary outside the stretch) and belongs to that cell.

use citygrid_model::UnitId;
use citygrid_planar::Parts;
use geo_types::Coord;
use rustc_hash::{FxHashMap, FxHashSet};

use crate::local::{Insertions, Local, OUTSIDE};
use crate::neighbours::around;
use crate::snap::Snapper;
use crate::working::{Step, Working};

use super::relabel;

pub(super) fn step(
    w: &Working<'_>,
    line: &[Coord<f64>],
    move_parents: bool,
) -> Result<Step, String> {
    let p = &w.now;
    let (Some(&first), Some(&last)) = (line.first(), line.last()) else {
        return Err("the line has no points".to_string());
    };
    let near = cells_near(w, &[first, last]);
    if near.is_empty() {
        return Err(format!(
            "no cell is near the line's ends ({:.7} {:.7}, {:.7} {:.7})",
            first.x, first.y, last.x, last.y
        ));
    }
    let units = around(p, &near);
    let mut insertions = Insertions::default();
    let pts = Snapper::new(p, &units, w.snap_m).points(line, &mut insertions);
    if pts.len() < 2 {
        return Err("the line needs two distinct points".to_string());
    }
    let local = Local::build(p, units, &insertions, &relabel::segments(&pts))?;
    let ends = [pts[0], pts[pts.len() - 1]];
    let (v0, v1) = match (local.vertex_at(ends[0]), local.vertex_at(ends[1])) {
        (Some(a), Some(b)) if a != b => (a, b),
        _ => return Err("the line must have two different ends".to_string()),
    };
    let (la, lb) = pair_at_ends(&local, v0, v1, &ends)?;
    let both = |o: u32| o == la || o == lb;
    for e in 0..local.noded.edges.len() {
        if !local.on_line(e) || local.on_boundary(e) {
            continue;
        }
        let (l, r) = (local.face(2 * e as u32), local.face(2 * e as u32 + 1));
        if !both(local.owner[l]) || !both(local.owner[r]) {
            let (a, _) = local.noded.ends(e);
            return Err(format!(
                "the line leaves cells {} and {} near {:.7} {:.7}",
                local.code(la),
                local.code(lb),
                a.x,
                a.y
            ));
        }
    }
    let stretch = stretch(&local, la, lb, v0, v1)?;
    let owner = regroup(&local, la, lb, &stretch)?;
    if owner == local.owner {
        return Err("the line follows the boundary already".to_string());
    }
    relabel::land_moved(p, &local, &owner, move_parents)
}

/// Cells whose bounding box, grown by the snapping distance, holds one of `points`.
fn cells_near(w: &Working<'_>, points: &[Coord<f64>]) -> Vec<UnitId> {
    let p = &w.now;
    // Degrees are never shorter than 110 km at the latitudes people live at.
    let pad = w.snap_m / 100_000.0;
    p.level_ids(citygrid_model::Level::Cell)
        .filter(|&id| {
            let g = &p.unit(id).geometry;
            let Some((lo, hi)) =
                citygrid_planar::bounds(g.0.iter().flat_map(|q| q.exterior().0.iter().copied()))
            else {
                return false;
            };
            points.iter().any(|c| {
                c.x >= lo.x - pad && c.x <= hi.x + pad && c.y >= lo.y - pad && c.y <= hi.y + pad
            })
        })
        .collect()
}

/// The owners of the faces around a vertex.
fn owners_at(local: &Local, v: u32) -> FxHashSet<u32> {
    let (s, e) = (
        local.faces.around_start[v as usize] as usize,
        local.faces.around_start[v as usize + 1] as usize,
    );
    local.faces.around[s..e]
        .iter()
        .map(|&h| local.owner[local.face(h)])
        .filter(|&o| o != OUTSIDE)
        .collect()
}

/// The two cells whose shared boundary holds both ends.
fn pair_at_ends(
    local: &Local,
    v0: u32,
    v1: u32,
    ends: &[Coord<f64>; 2],
) -> Result<(u32, u32), String> {
    for (v, p) in [(v0, ends[0]), (v1, ends[1])] {
        if !relabel::on_boundary(local, v) {
            return Err(format!(
                "the line's end {:.7} {:.7} is not on a boundary between cells",
                p.x, p.y
            ));
        }
    }
    let (a, b) = (owners_at(local, v0), owners_at(local, v1));
    let mut common: Vec<u32> = a.intersection(&b).copied().collect();
    common.sort_unstable();
    match common.as_slice() {
        [x, y] => Ok((*x, *y)),
        _ => Err(format!(
            "the line's ends must lie on the boundary between the same two cells (at its start: {}; at its end: {})",
            names(local, &a),
            names(local, &b)
        )),
    }
}

fn names(local: &Local, labels: &FxHashSet<u32>) -> String {
    let mut list: Vec<String> = labels.iter().map(|&l| local.code(l)).collect();
    list.sort();
    list.join(", ")
}

/// The edges of the shared boundary of `la` and `lb` between `v0` and `v1`.
fn stretch(local: &Local, la: u32, lb: u32, v0: u32, v1: u32) -> Result<FxHashSet<usize>, String> {
    let shared = |e: usize| {
        let (l, r) = (
            local.owner[local.face(2 * e as u32)],
            local.owner[local.face(2 * e as u32 + 1)],
        );
        (l == la && r == lb) || (l == lb && r == la)
    };
    let mut next: FxHashMap<u32, Vec<(usize, u32)>> = FxHashMap::default();
    for e in (0..local.noded.edges.len()).filter(|&e| shared(e)) {
        let [a, b] = local.noded.edges[e];
        next.entry(a).or_default().push((e, b));
        next.entry(b).or_default().push((e, a));
    }
    // Breadth first from v0: the fewest edges, which on a chain is the only way.
    let mut came: FxHashMap<u32, (usize, u32)> = FxHashMap::default();
    let mut frontier = vec![v0];
    let mut seen: FxHashSet<u32> = [v0].into_iter().collect();
    while !frontier.is_empty() && !seen.contains(&v1) {
        let mut grown = Vec::new();
        for v in frontier {
            for &(e, u) in next.get(&v).map_or(&[][..], Vec::as_slice) {
                if seen.insert(u) {
                    came.insert(u, (e, v));
                    grown.push(u);
                }
            }
        }
        frontier = grown;
    }
    if !seen.contains(&v1) {
        return Err(format!(
            "the line's ends are not on one stretch of the boundary between {} and {}",
            local.code(la),
            local.code(lb)
        ));
    }
    let mut out = FxHashSet::default();
    let mut v = v1;
    while v != v0 {
        let (e, prev) = came[&v];
        out.insert(e);
        v = prev;
    }
    Ok(out)
}

/// New owners of the two cells' faces: grouped across everything but the line and
/// the unmoved shared boundary, each group given to the cell whose unmoved
/// boundary it touches.
fn regroup(
    local: &Local,
    la: u32,
    lb: u32,
    stretch: &FxHashSet<usize>,
) -> Result<Vec<u32>, String> {
    let both = |o: u32| o == la || o == lb;
    let mut parts = Parts::new(local.face_count());
    for e in 0..local.noded.edges.len() {
        let (l, r) = (local.face(2 * e as u32), local.face(2 * e as u32 + 1));
        let (ol, or) = (local.owner[l], local.owner[r]);
        if both(ol) && both(or) && !local.on_line(e) && (ol == or || stretch.contains(&e)) {
            parts.join(l as u32, r as u32);
        }
    }
    let mut anchor: FxHashMap<u32, u32> = FxHashMap::default();
    for h in 0..local.half_edges() {
        let e = (h / 2) as usize;
        let (f, g) = (local.face(h), local.face(h ^ 1));
        let (of, og) = (local.owner[f], local.owner[g]);
        let fixed = !local.on_line(e) && (!both(og) || (of != og && !stretch.contains(&e)));
        if !both(of) || !fixed {
            continue;
        }
        let part = parts.of(f as u32);
        match anchor.get(&part) {
            None => {
                anchor.insert(part, of);
            }
            Some(&a) if a == of => {}
            Some(_) => {
                return Err(format!(
                    "the line does not separate {} from {}: one side of it touches both",
                    local.code(la),
                    local.code(lb)
                ));
            }
        }
    }
    let mut owner = local.owner.clone();
    for (f, o) in owner.iter_mut().enumerate() {
        if both(*o) {
            *o = *anchor.get(&parts.of(f as u32)).ok_or_else(|| {
                "the line closes off an area that touches neither cell's other boundaries"
                    .to_string()
            })?;
        }
    }
    Ok(owner)
}
