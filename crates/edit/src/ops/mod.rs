//! One module per operation, each turning an [`Op`] into a [`Step`] on the working
//! partition; the helpers they share.

mod merge; // two cells of a village become one
mod reparent; // a cell moves to a neighbouring village
mod replace; // whole units from an edited file
mod reshape; // a new line replaces a stretch of boundary between two cells
mod set; // attributes and names
mod split; // a cell cut in two
mod transfer; // an area moves from a cell to its neighbour

use citygrid_model::{Level, Partition, Unit, UnitCode, UnitId};
use geo_types::Coord;

use crate::local::{Local, OUTSIDE};
use crate::op::Op;
use crate::shape::same;
use crate::working::{Step, Working};

/// What `op` changes on the working partition.
///
/// # Errors
/// A message naming the units and places when the operation cannot be done.
pub(crate) fn step(w: &Working<'_>, op: &Op) -> Result<Step, String> {
    match op {
        Op::Transfer {
            from,
            to,
            area,
            move_parents,
        } => transfer::step(w, from, to, area, *move_parents),
        Op::Reshape { line, move_parents } => reshape::step(w, &line.0, *move_parents),
        Op::Split { cell, line } => split::step(w, cell, &line.0),
        Op::Merge { cells } => merge::step(w, cells),
        Op::Reparent { cell, village } => reparent::step(w, cell, village),
        Op::Set { cell, attributes } => set::step(w, cell, attributes),
        Op::Replace { units, removed } => replace::step(w, units, removed),
    }
}

/// The id of a unit of `level` by code, or a message saying what it is instead.
fn unit_of(p: &Partition, code: &citygrid_model::UnitCode, level: Level) -> Result<UnitId, String> {
    let id = p
        .id_of(code)
        .ok_or_else(|| format!("{code} is not a unit of version {}", p.version()))?;
    let found = p.unit(id).level;
    if found != level {
        return Err(format!("{code} is a {found}, not a {level}"));
    }
    Ok(id)
}

/// The segments of a line, in order.
fn segments(points: &[Coord<f64>]) -> Vec<[Coord<f64>; 2]> {
    points.windows(2).map(|w| [w[0], w[1]]).collect()
}

/// The pairs of units between which faces changed hands, `(from, to)`, each once.
fn exchanges(local: &Local, owner: &[u32]) -> Vec<(UnitCode, UnitCode)> {
    let mut out: Vec<(UnitCode, UnitCode)> = Vec::new();
    for (f, &new) in owner.iter().enumerate() {
        let old = local.owner[f];
        if old == new || old == OUTSIDE || new == OUTSIDE {
            continue;
        }
        let (Some(&a), Some(&b)) = (local.units.get(old as usize), local.units.get(new as usize))
        else {
            continue;
        };
        let pair = (local.code_of(a), local.code_of(b));
        if !out.contains(&pair) {
            out.push(pair);
        }
    }
    out
}

/// The units of the neighbourhood whose geometry differs under `owner`, reshaped.
/// An empty result for a unit is refused: it would vanish.
fn reshaped(p: &Partition, local: &Local, owner: &[u32]) -> Result<Vec<Unit>, String> {
    let mut out = Vec::new();
    for (label, &id) in local.units.iter().enumerate() {
        let unit = p.unit(id);
        let geometry = local.geometry(owner, label as u32);
        if same(&geometry, &unit.geometry) {
            continue;
        }
        if geometry.0.is_empty() {
            return Err(format!(
                "{} {} would be left with no area; merge it instead",
                unit.level, unit.code
            ));
        }
        out.push(Unit {
            geometry,
            ..(**unit).clone()
        });
    }
    Ok(out)
}

/// Whether `v` lies on the boundary of a unit of `local` (an end snapped onto it).
fn on_boundary(local: &Local, v: u32) -> bool {
    let (s, e) = (
        local.faces.around_start[v as usize] as usize,
        local.faces.around_start[v as usize + 1] as usize,
    );
    local.faces.around[s..e]
        .iter()
        .any(|&h| local.on_boundary((h / 2) as usize))
}
