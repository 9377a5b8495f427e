//! `split`: a cell cut in two by a line whose ends lie on its boundary. The larger
//! part keeps the code, name and attributes; the smaller part is a new cell with the
//! next free code of the village, named as `citygrid build` names cells (the
//! village's name and 第N网格) and no attributes until a `set` gives them.

use citygrid_model::{Level, Partition, Unit, UnitCode};
use citygrid_planar::Parts;
use citygrid_store::{Lineage, LineageKind};

use crate::codes::next_child_code;
use crate::local::{Insertions, Local};
use crate::neighbours::around;
use crate::snap::Snapper;
use crate::working::{Step, Working};

use super::relabel;

pub(super) fn step(
    w: &Working<'_>,
    cell: &UnitCode,
    line: &[geo_types::Coord<f64>],
) -> Result<Step, String> {
    let p = &w.now;
    let c = relabel::unit_of(p, cell, Level::Cell)?;
    let units = around(p, &[c]);
    let mut insertions = Insertions::default();
    let pts = Snapper::new(p, &units, w.snap_m).points(line, &mut insertions);
    if pts.len() < 2 {
        return Err("the line needs two distinct points".to_string());
    }
    let local = Local::build(p, units, &insertions, &relabel::segments(&pts))?;
    let lc = local.units.iter().position(|&u| u == c).unwrap_or(0) as u32;
    check_line(&local, lc, cell, &pts)?;
    let (keep, new) = halves(&local, lc, cell)?;
    let new_label = local.units.len() as u32;
    let mut owner = local.owner.clone();
    for f in &new {
        owner[*f] = new_label;
    }
    // The larger part keeps the code.
    let area = |label: u32, owner: &[u32]| -> f64 {
        local
            .geometry(owner, label)
            .0
            .iter()
            .map(|poly| citygrid_planar::signed_area2(&poly.exterior().0))
            .sum()
    };
    if area(new_label, &owner) > area(lc, &owner) {
        for f in keep.iter().chain(&new) {
            owner[*f] = if owner[*f] == lc { new_label } else { lc };
        }
    }
    let unit = p.unit(c);
    let village = unit
        .parent
        .clone()
        .ok_or_else(|| format!("cell {cell} has no village, so a new code cannot be made"))?;
    let code = next_child_code(p, &village, w.taken)?;
    let mut upserts = relabel::reshaped(p, &local, &owner)?;
    upserts.push(Unit {
        name: cell_name(p, &village, &code),
        geometry: local.geometry(&owner, new_label),
        attributes: Default::default(),
        ..Unit::new(
            code.clone(),
            Level::Cell,
            geo_types::MultiPolygon(Vec::new()),
        )
        .with_parent(village)
    });
    Ok(Step {
        upserts,
        removed: Vec::new(),
        lineage: vec![Lineage {
            kind: LineageKind::Split,
            from: vec![cell.clone()],
            to: vec![cell.clone(), code.clone()],
        }],
        geometry: true,
        parents_may_move: false,
        exchanges: vec![(cell.clone(), code)],
    })
}

/// The line runs inside the cell from its boundary to its boundary.
fn check_line(
    local: &Local,
    lc: u32,
    cell: &UnitCode,
    pts: &[geo_types::Coord<f64>],
) -> Result<(), String> {
    for e in 0..local.noded.edges.len() {
        if !local.on_line(e) || local.on_boundary(e) {
            continue;
        }
        let (l, r) = (local.face(2 * e as u32), local.face(2 * e as u32 + 1));
        if local.owner[l] != lc || local.owner[r] != lc {
            let (a, _) = local.noded.ends(e);
            return Err(format!(
                "the line leaves cell {cell} near {:.7} {:.7}",
                a.x, a.y
            ));
        }
    }
    for (which, p) in [("start", pts[0]), ("end", pts[pts.len() - 1])] {
        let on = local
            .vertex_at(p)
            .is_some_and(|v| relabel::on_boundary(local, v));
        if !on {
            return Err(format!(
                "the line's {which} ({:.7} {:.7}) is not on the boundary of cell {cell}",
                p.x, p.y
            ));
        }
    }
    Ok(())
}

/// The cell's faces in the two parts the line cuts it into.
fn halves(local: &Local, lc: u32, cell: &UnitCode) -> Result<(Vec<usize>, Vec<usize>), String> {
    let mut parts = Parts::new(local.face_count());
    for e in 0..local.noded.edges.len() {
        let (l, r) = (local.face(2 * e as u32), local.face(2 * e as u32 + 1));
        if !local.on_line(e) && local.owner[l] == lc && local.owner[r] == lc {
            parts.join(l as u32, r as u32);
        }
    }
    let mut groups: Vec<(u32, Vec<usize>)> = Vec::new();
    for f in local.faces_of(&local.owner, lc) {
        let root = parts.of(f as u32);
        match groups.iter_mut().find(|(r, _)| *r == root) {
            Some((_, list)) => list.push(f),
            None => groups.push((root, vec![f])),
        }
    }
    if groups.len() != 2 {
        return Err(format!(
            "the line must cut cell {cell} into two parts; it makes {}",
            groups.len()
        ));
    }
    let second = groups.pop().map(|g| g.1).unwrap_or_default();
    let first = groups.pop().map(|g| g.1).unwrap_or_default();
    Ok((first, second))
}

/// A new cell's name: its village's name and 第N网格, as `citygrid build` names
/// cells; empty when the village has no name.
fn cell_name(p: &Partition, village: &UnitCode, code: &UnitCode) -> String {
    let name = p.get(village).map_or("", |v| v.name.as_str());
    let seq = code
        .as_str()
        .get(village.as_str().len()..)
        .and_then(|s| s.parse::<u32>().ok());
    match (name.is_empty(), seq) {
        (false, Some(n)) => format!("{name}第{n}网格"),
        _ => String::new(),
    }
}
