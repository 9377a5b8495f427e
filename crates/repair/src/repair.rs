//! The repair, step by step: rings, snapping, the overlay, who gets what, and the
//! units rebuilt.

use std::time::Instant;

use geo::{BoundingRect, InteriorPoint};
use geo_types::{Coord, Geometry, MultiPoint, MultiPolygon, Point};
use rayon::prelude::*;
use rustc_hash::FxHashMap;

use citygrid_check::validity::{Defect, defects};
use citygrid_model::Unit;
use citygrid_model::measure::LocalFrame;
use citygrid_planar::signed_area2;

use crate::assign::{Hierarchy, assign};
use crate::change::{Change, ChangeKind, Repaired, names};
use crate::error::{RepairError, Result};
use crate::options::RepairOptions;
use crate::output;
use crate::overlay::Overlay;
use crate::rings::{BOUNDARY, Rings};
use crate::snap::{Frame, UnitSnap, snap};

/// Repairs units (of any levels, as read from a file) against an optional
/// boundary.
///
/// Levels are settled from the top: the top level against the boundary (without
/// one, only holes enclosed by units are gaps), each level below against the
/// repaired level above, each unit within its parent when its parent is among the
/// units. The output keeps every unit's code, name, parent and attributes, in input
/// order.
///
/// # Errors
/// [`RepairError::NoUnits`] for an empty input, [`RepairError::EmptyBoundary`] for
/// a boundary without area, [`RepairError::NotLonLat`] for coordinates that are not
/// WGS84 degrees, [`RepairError::NotPlanar`] if noding cannot separate two
/// boundaries (not seen in practice).
pub fn repair(
    units: &[Unit],
    boundary: Option<&MultiPolygon<f64>>,
    options: &RepairOptions,
) -> Result<Repaired> {
    if units.is_empty() {
        return Err(RepairError::NoUnits);
    }
    let started = Instant::now();
    let frame = frame_of(units, boundary);
    let mut rings = Rings::build(units, boundary)?;
    let given_area: Vec<f64> = units
        .iter()
        .map(|u| shoelace_m2(&u.geometry, &frame))
        .collect();
    let unit_defects: Vec<Vec<Defect>> = units.par_iter().map(|u| defects(&u.geometry)).collect();
    let snapped = snap(&mut rings, &frame, options.snap_m);
    tracing::info!(
        units = units.len(),
        rings = rings.rings.len(),
        snapped_units = snapped.len(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "snapped"
    );
    let t = Instant::now();
    let overlay = Overlay::build(&rings, &frame)?;
    tracing::info!(
        edges = overlay.noded.edges.len(),
        faces = overlay.face_count(),
        elapsed_ms = t.elapsed().as_millis() as u64,
        "overlay"
    );
    let t = Instant::now();
    let hierarchy = Hierarchy::new(units);
    let assignment = assign(
        &overlay,
        &hierarchy,
        boundary.is_some(),
        options.max_gap_width_m,
    );
    tracing::info!(
        changes = assignment.changes.len(),
        unresolved = assignment.problems.len(),
        elapsed_ms = t.elapsed().as_millis() as u64,
        "assigned"
    );
    let t = Instant::now();
    let out = output::build(&overlay, &rings, &assignment.owner, &hierarchy, &frame);
    tracing::info!(
        junctions = out.changes.len(),
        elapsed_ms = t.elapsed().as_millis() as u64,
        "rebuilt"
    );

    let mut changes = snap_changes(units, snapped);
    changes.extend(ring_changes(units, &unit_defects, &given_area, &overlay));
    changes.extend(assignment.changes);
    changes.extend(out.changes);
    let mut unresolved = assignment.problems;
    unresolved.extend(out.problems);
    let repaired = with_geometry(units, out.geometry);
    tracing::info!(
        units = repaired.len(),
        changes = changes.len(),
        unresolved = unresolved.len(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "repaired"
    );
    Ok(Repaired {
        units: repaired,
        changes,
        unresolved,
    })
}

/// One change per snapped unit, in unit order: how many vertices moved or were
/// inserted, onto whose, how far at most, and what it did to the unit's area.
fn snap_changes(units: &[Unit], snapped: FxHashMap<u32, UnitSnap>) -> Vec<Change> {
    let mut snapped: Vec<_> = snapped.into_iter().collect();
    snapped.sort_by_key(|(u, _)| *u);
    snapped
        .into_iter()
        .map(|(u, s)| snap_change(units, &units[u as usize], &s))
        .collect()
}

/// The change snapping made to one unit.
fn snap_change(units: &[Unit], unit: &Unit, s: &UnitSnap) -> Change {
    let onto: Vec<_> = s
        .onto
        .iter()
        .filter(|&&o| o != BOUNDARY)
        .map(|&o| units[o as usize].code.clone())
        .collect();
    let mut whose: Vec<String> = Vec::new();
    if !onto.is_empty() {
        whose.push(names(unit.level, &onto));
    }
    if s.onto.contains(&BOUNDARY) {
        whose.push("the boundary".to_string());
    }
    let whose = whose.join(" and ");
    let mut did = Vec::new();
    if s.moved > 0 {
        did.push(format!(
            "{} of its vertices moved onto those of {whose}",
            s.moved
        ));
    }
    if s.inserted > 0 {
        did.push(format!(
            "{} vertices of {whose} inserted into its edges",
            s.inserted
        ));
    }
    let area = (s.area_after_m2 - s.area_before_m2).abs();
    let mut all = vec![unit.code.clone()];
    all.extend(onto.iter().cloned());
    all.sort();
    all.dedup();
    Change {
        kind: ChangeKind::Snap,
        level: unit.level,
        to: Some(unit.code.clone()),
        units: all,
        location: Some(Geometry::MultiPoint(MultiPoint(
            s.points.iter().map(|&c| Point(c)).collect(),
        ))),
        area_m2: area,
        message: format!(
            "{} {}: {}, up to {:.2} m away; its area changed by {area:.2} m²",
            unit.level,
            unit.code,
            did.join(", "),
            s.max_m
        ),
    }
}

/// One change per unit with invalid rings, in unit order: its first defects, and
/// how far the even-odd reading moved its area from the rings' signed area.
fn ring_changes(
    units: &[Unit],
    unit_defects: &[Vec<Defect>],
    given_area: &[f64],
    overlay: &Overlay,
) -> Vec<Change> {
    let covered = covered_m2(overlay, units.len());
    unit_defects
        .iter()
        .enumerate()
        .filter(|(_, found)| !found.is_empty())
        .map(|(u, found)| ring_change(&units[u], found, (covered[u] - given_area[u]).abs()))
        .collect()
}

/// The change the even-odd rule made to one unit's invalid rings, `area` m² off
/// their signed area.
fn ring_change(unit: &Unit, found: &[Defect], area: f64) -> Change {
    // The first few defects by name; a quantised ring can have hundreds.
    let mut what: Vec<String> = found.iter().take(3).map(|d| d.message.clone()).collect();
    if found.len() > 3 {
        what.push(format!("{} more defects", found.len() - 3));
    }
    let points: Vec<Point<f64>> = found.iter().filter_map(|d| d.at.map(Point)).collect();
    Change {
        kind: ChangeKind::Ring,
        level: unit.level,
        to: Some(unit.code.clone()),
        units: vec![unit.code.clone()],
        location: if points.is_empty() {
            unit.geometry.interior_point().map(Geometry::Point)
        } else {
            Some(Geometry::MultiPoint(MultiPoint(points)))
        },
        area_m2: area,
        message: format!(
            "{} {}: {}; rebuilt valid by the even-odd rule (inside is what its rings wind around an odd number of times){}",
            unit.level,
            unit.code,
            what.join("; "),
            if area >= 0.01 {
                format!(", which differs from the rings' signed area by {area:.2} m²")
            } else {
                String::new()
            }
        ),
    }
}

/// The units with their rebuilt geometry, in input order; a unit left with none
/// is dropped.
fn with_geometry(units: &[Unit], geometry: Vec<MultiPolygon<f64>>) -> Vec<Unit> {
    units
        .iter()
        .zip(geometry)
        .filter(|(_, g)| !g.0.is_empty())
        .map(|(u, geometry)| Unit {
            geometry,
            ..u.clone()
        })
        .collect()
}

/// One metric frame at the middle of everything.
fn frame_of(units: &[Unit], boundary: Option<&MultiPolygon<f64>>) -> Frame {
    let corners: Vec<Point<f64>> = units
        .iter()
        .map(|u| &u.geometry)
        .chain(boundary)
        .filter_map(BoundingRect::bounding_rect)
        .flat_map(|r| [r.min().into(), r.max().into()])
        .filter(|p: &Point<f64>| p.x().is_finite() && p.y().is_finite())
        .collect();
    let centre = MultiPoint(corners)
        .bounding_rect()
        .map_or(Coord { x: 0.0, y: 0.0 }, |r| r.center());
    let (mx, my) = LocalFrame::new(centre.x, centre.y)
        .map_or((111_320.0, 110_574.0), |f| f.metres_per_degree());
    Frame {
        origin: centre,
        mx,
        my,
    }
}

/// Area of a unit's rings as given (shells minus holes, each by the shoelace
/// formula), m².
fn shoelace_m2(mp: &MultiPolygon<f64>, frame: &Frame) -> f64 {
    mp.0.iter()
        .map(|p| {
            let a = |r: &geo_types::LineString<f64>| signed_area2(&r.0).abs() / 2.0;
            a(p.exterior()) - p.interiors().iter().map(a).sum::<f64>()
        })
        .sum::<f64>()
        * frame.m2()
}

/// The area each unit covers in the overlay (before overlaps are settled), m².
fn covered_m2(overlay: &Overlay, units: usize) -> Vec<f64> {
    let mut area = vec![0.0; units];
    for f in 0..overlay.face_count() {
        for &u in &overlay.covering[f] {
            area[u as usize] += overlay.area_m2[f];
        }
    }
    area
}

#[cfg(test)]
#[path = "repair_tests.rs"]
mod tests;
