//! `merge`: two neighbouring cells of one village become one; the first keeps its
//! code, name and attributes, the second's code is retired.

use citygrid_model::{Level, Unit, UnitCode};
use citygrid_store::{Lineage, LineageKind};

use crate::neighbours::share_boundary;
use crate::shape::dissolve;
use crate::working::{Step, Working};

use super::relabel;

pub(super) fn step(w: &Working<'_>, cells: &[UnitCode; 2]) -> Result<Step, String> {
    let p = &w.now;
    let [a, b] = cells;
    if a == b {
        return Err(format!("cannot merge {a} with itself"));
    }
    let (ia, ib) = (
        relabel::unit_of(p, a, Level::Cell)?,
        relabel::unit_of(p, b, Level::Cell)?,
    );
    let (ua, ub) = (p.unit(ia), p.unit(ib));
    if ua.parent != ub.parent {
        return Err(format!(
            "cells {a} and {b} are in different villages ({} and {}); reparent one first",
            ua.parent.as_ref().map_or("none", |c| c.as_str()),
            ub.parent.as_ref().map_or("none", |c| c.as_str())
        ));
    }
    if !share_boundary(&ua.geometry, &ub.geometry) {
        return Err(format!("cells {a} and {b} do not share a boundary"));
    }
    let merged = Unit {
        geometry: dissolve([&ua.geometry, &ub.geometry]),
        ..(**ua).clone()
    };
    Ok(Step {
        upserts: vec![merged],
        removed: vec![b.clone()],
        lineage: vec![Lineage {
            kind: LineageKind::Merge,
            from: vec![a.clone(), b.clone()],
            to: vec![a.clone()],
        }],
        geometry: true,
        parents_may_move: false,
        exchanges: vec![(b.clone(), a.clone())],
    })
}
