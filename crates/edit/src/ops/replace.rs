//! `replace`: whole units as edited elsewhere (a GeoPackage edited in QGIS), put in
//! by code; parents are rebuilt from their children and may move with them.

use citygrid_model::{Unit, UnitCode};

use crate::working::{Step, Working};

pub(super) fn step(w: &Working<'_>, units: &[Unit], removed: &[UnitCode]) -> Result<Step, String> {
    for code in removed {
        if w.now.get(code).is_none() {
            return Err(format!(
                "{code} is not a unit of version {}",
                w.now.version()
            ));
        }
    }
    for u in units {
        if w.now.get(&u.code).is_none() && (w.taken)(&u.code) {
            return Err(format!(
                "{} was used before and retired; a new unit needs a new code",
                u.code
            ));
        }
    }
    Ok(Step {
        upserts: units.to_vec(),
        removed: removed.to_vec(),
        lineage: Vec::new(),
        geometry: true,
        parents_may_move: true,
        exchanges: Vec::new(),
    })
}
