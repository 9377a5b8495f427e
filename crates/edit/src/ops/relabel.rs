//! What the operations share: units found by code, lines as segments, and new
//! face owners turned into the units they reshape.

use citygrid_model::{Level, Partition, Unit, UnitCode, UnitId};
use geo_types::Coord;

use crate::local::{Local, OUTSIDE};
use crate::shape::same;
use crate::working::Step;

/// The id of a unit of `level` by code, or a message saying what it is instead.
pub(super) fn unit_of(
    p: &Partition,
    code: &citygrid_model::UnitCode,
    level: Level,
) -> Result<UnitId, String> {
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
pub(super) fn segments(points: &[Coord<f64>]) -> Vec<[Coord<f64>; 2]> {
    points.windows(2).map(|w| [w[0], w[1]]).collect()
}

/// The pairs of units between which faces changed hands, `(from, to)`, each once.
pub(super) fn exchanges(local: &Local, owner: &[u32]) -> Vec<(UnitCode, UnitCode)> {
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

/// The step of an operation that only moves land between the units of the
/// neighbourhood (a transfer, a reshape): their new shapes under `owner`, and who
/// gave land to whom, so that parents whose boundary it moves are caught.
pub(super) fn land_moved(
    p: &Partition,
    local: &Local,
    owner: &[u32],
    move_parents: bool,
) -> Result<Step, String> {
    Ok(Step {
        upserts: reshaped(p, local, owner)?,
        exchanges: exchanges(local, owner),
        geometry: true,
        parents_may_move: move_parents,
        ..Step::default()
    })
}

/// The units of the neighbourhood whose geometry differs under `owner`, reshaped.
/// An empty result for a unit is refused: it would vanish.
pub(super) fn reshaped(p: &Partition, local: &Local, owner: &[u32]) -> Result<Vec<Unit>, String> {
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
pub(super) fn on_boundary(local: &Local, v: u32) -> bool {
    let (s, e) = (
        local.faces.around_start[v as usize] as usize,
        local.faces.around_start[v as usize + 1] as usize,
    );
    local.faces.around[s..e]
        .iter()
        .any(|&h| local.on_boundary((h / 2) as usize))
}
