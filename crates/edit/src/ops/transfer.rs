//! `transfer`: the part of a cell inside an area goes to a neighbouring cell.

use citygrid_model::{Level, UnitCode};
use geo_types::{Coord, MultiPolygon};

use crate::local::{Insertions, Local};
use crate::neighbours::{around, share_boundary};
use crate::snap::Snapper;
use crate::working::{Step, Working};

use super::relabel;

pub(super) fn step(
    w: &Working<'_>,
    from: &UnitCode,
    to: &UnitCode,
    area: &MultiPolygon<f64>,
    move_parents: bool,
) -> Result<Step, String> {
    let p = &w.now;
    if from == to {
        return Err(format!("from and to are both {from}"));
    }
    let (f, t) = (
        relabel::unit_of(p, from, Level::Cell)?,
        relabel::unit_of(p, to, Level::Cell)?,
    );
    if !share_boundary(&p.unit(f).geometry, &p.unit(t).geometry) {
        return Err(format!("cells {from} and {to} do not share a boundary"));
    }
    let units = around(p, &[f, t]);
    let snapper = Snapper::new(p, &units, w.snap_m);
    let mut insertions = Insertions::default();
    let mut lines: Vec<[Coord<f64>; 2]> = Vec::new();
    for poly in &area.0 {
        for (k, ring) in std::iter::once(poly.exterior())
            .chain(poly.interiors())
            .enumerate()
        {
            let mut pts = snapper.points(&ring.0, &mut insertions);
            if pts.len() > 1 && pts.first() == pts.last() {
                pts.pop();
            }
            if pts.len() < 3 {
                continue;
            }
            // The area on the left: shells counter-clockwise, holes clockwise.
            let mut closed = pts.clone();
            closed.push(pts[0]);
            if (citygrid_planar::signed_area2(&closed) > 0.0) == (k > 0) {
                pts.reverse();
            }
            let n = pts.len();
            lines.extend((0..n).map(|i| [pts[i], pts[(i + 1) % n]]));
        }
    }
    if lines.is_empty() {
        return Err("the area has no ring of three points or more".to_string());
    }
    let local = Local::build(p, units, &insertions, &lines)?;
    let label = |id| local.units.iter().position(|&u| u == id).map(|i| i as u32);
    let (lf, lt) = (label(f).unwrap_or(u32::MAX), label(t).unwrap_or(u32::MAX));
    let inside = local.inside_lines();
    let mut owner = local.owner.clone();
    let mut moved = false;
    for (face, o) in owner.iter_mut().enumerate() {
        if *o == lf && inside[face] {
            *o = lt;
            moved = true;
        }
    }
    if !moved {
        return Err(format!("the area does not reach into cell {from}"));
    }
    relabel::land_moved(p, &local, &owner, move_parents)
}
