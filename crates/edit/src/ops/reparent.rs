//! `reparent`: a cell moves to a neighbouring village. Its code changes (codes
//! carry the village), the old one is retired, and both villages (and whatever
//! above them differs) take their new shapes.

use citygrid_model::{Level, Unit, UnitCode};
use citygrid_store::{Lineage, LineageKind};

use crate::codes::next_child_code;
use crate::neighbours::share_boundary;
use crate::working::{Step, Working};

use super::relabel;

pub(super) fn step(w: &Working<'_>, cell: &UnitCode, village: &UnitCode) -> Result<Step, String> {
    let p = &w.now;
    let c = p.unit(relabel::unit_of(p, cell, Level::Cell)?);
    let v = p.unit(relabel::unit_of(p, village, Level::Village)?);
    if c.parent.as_ref() == Some(village) {
        return Err(format!("cell {cell} is in village {village} already"));
    }
    if !share_boundary(&c.geometry, &v.geometry) {
        return Err(format!(
            "cell {cell} does not border village {village}: a cell can only join a neighbouring village"
        ));
    }
    let code = next_child_code(p, village, w.taken)?;
    let moved = Unit {
        code: code.clone(),
        parent: Some(village.clone()),
        ..(**c).clone()
    };
    Ok(Step {
        upserts: vec![moved],
        removed: vec![cell.clone()],
        lineage: vec![Lineage {
            kind: LineageKind::Reparent,
            from: vec![cell.clone()],
            to: vec![code.clone()],
        }],
        geometry: true,
        parents_may_move: true,
        // The cell's area passes from its old village to its new one.
        exchanges: vec![(cell.clone(), code)],
    })
}
