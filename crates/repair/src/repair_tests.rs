//! Hand-checkable repairs: squares a few metres apart near Guiyang, built in a local
//! frame so every expected area is a product of round numbers.

use std::sync::Arc;

use geo_types::{Coord, LineString, MultiPolygon, Polygon};

use citygrid_check::{CheckOptions, Checker};
use citygrid_model::measure::{LocalFrame, planar_area_m2};
use citygrid_model::{Level, Unit};

use super::*;
use crate::change::{ChangeKind, ProblemKind};

/// A polygon from points in metres east and north of 106.7, 26.6.
fn poly(points: &[(f64, f64)]) -> MultiPolygon<f64> {
    let f = LocalFrame::new(106.7, 26.6).unwrap();
    let mut ring: Vec<Coord<f64>> = points
        .iter()
        .map(|&(x, y)| {
            let (lon, lat) = f.to_degrees(x, y);
            Coord { x: lon, y: lat }
        })
        .collect();
    ring.push(ring[0]);
    MultiPolygon(vec![Polygon::new(LineString(ring), vec![])])
}

fn rect(x0: f64, y0: f64, x1: f64, y1: f64) -> MultiPolygon<f64> {
    poly(&[(x0, y0), (x1, y0), (x1, y1), (x0, y1)])
}

fn district(code: &str, geometry: MultiPolygon<f64>) -> Unit {
    Unit::new(code.parse().unwrap(), Level::District, geometry)
}

fn area_of(r: &Repaired, code: &str) -> f64 {
    r.units
        .iter()
        .find(|u| u.code.as_str() == code)
        .map(|u| planar_area_m2(&u.geometry))
        .unwrap()
}

fn assert_close(got: f64, want: f64) {
    assert!(
        (got - want).abs() < 1e-6 * want.max(1.0),
        "{got} m² instead of {want} m²"
    );
}

fn assert_checks(r: &Repaired, boundary: Option<&MultiPolygon<f64>>) {
    let units: Vec<Arc<Unit>> = r.units.iter().cloned().map(Arc::new).collect();
    let report = Checker::new(CheckOptions::default()).check(&units, boundary);
    assert!(report.is_valid(), "{:#?}", report.violations);
}

#[test]
fn an_overlap_strip_goes_to_the_unit_with_the_longer_border() {
    // B (90..190 x 0..50) reaches 10 m into A (0..100 x 0..100): a 10 x 50 strip.
    // Its border with A alone is 50 + 10 = 60 m, with B alone 50 m: A keeps it.
    let units = [
        district("520102", rect(0., 0., 100., 100.)),
        district("520103", rect(90., 0., 190., 50.)),
    ];
    let r = repair(&units, None, &RepairOptions::default()).unwrap();
    assert_close(
        area_of(&r, "520102"),
        planar_area_m2(&rect(0., 0., 100., 100.)),
    );
    assert_close(
        area_of(&r, "520103"),
        planar_area_m2(&rect(100., 0., 190., 50.)),
    );
    assert!((area_of(&r, "520103") - 4500.0).abs() < 0.1);
    let [change] = &r.changes[..] else {
        panic!("{:#?}", r.changes)
    };
    assert_eq!(change.kind, ChangeKind::Overlap);
    assert_eq!(change.to.as_ref().unwrap().as_str(), "520102");
    assert!((change.area_m2 - 500.0).abs() < 0.05, "{}", change.area_m2);
    assert!(r.is_complete());
    assert_checks(&r, None);
}

#[test]
fn a_gap_strip_inside_the_boundary_goes_to_the_neighbour_with_the_longer_border() {
    // Between A's east side (x = 100) and B's zig-zag west side (105, 0) -> (110, 50)
    // -> (105, 100): 5 x 100 + 5 x 100 / 2 = 750 m². B's side is 2 x 50.25 m long,
    // A's 100 m: B takes it.
    let boundary = rect(0., 0., 200., 100.);
    let units = [
        district("520102", rect(0., 0., 100., 100.)),
        district(
            "520103",
            poly(&[
                (105., 0.),
                (200., 0.),
                (200., 100.),
                (105., 100.),
                (110., 50.),
            ]),
        ),
    ];
    let r = repair(&units, Some(&boundary), &RepairOptions::default()).unwrap();
    assert_close(
        area_of(&r, "520102"),
        planar_area_m2(&rect(0., 0., 100., 100.)),
    );
    assert_close(
        area_of(&r, "520103"),
        planar_area_m2(&rect(100., 0., 200., 100.)),
    );
    let gaps: Vec<_> = r
        .changes
        .iter()
        .filter(|c| c.kind == ChangeKind::Gap)
        .collect();
    assert_eq!(gaps.len(), 1, "{:#?}", r.changes);
    assert_eq!(gaps[0].to.as_ref().unwrap().as_str(), "520103");
    assert!((gaps[0].area_m2 - 750.0).abs() < 0.1, "{}", gaps[0].area_m2);
    assert!(r.is_complete(), "{:#?}", r.unresolved);
    assert_checks(&r, Some(&boundary));
}

#[test]
fn a_gap_wider_than_the_limit_is_reported_and_left_open() {
    let boundary = rect(0., 0., 200., 100.);
    let units = [
        district("520102", rect(0., 0., 100., 100.)),
        district("520103", rect(105., 0., 200., 100.)),
    ];
    let r = repair(
        &units,
        Some(&boundary),
        &RepairOptions::default().max_gap_width(3.0),
    )
    .unwrap();
    let [problem] = &r.unresolved[..] else {
        panic!("{:#?}", r.unresolved)
    };
    assert_eq!(problem.kind, ProblemKind::WideGap);
    assert!((problem.area_m2.unwrap() - 500.0).abs() < 0.05);
    let w = problem.width_m.unwrap();
    assert!((w - 5.0).abs() < 0.1, "{w}");
    assert!(r.changes.is_empty(), "{:#?}", r.changes);
    assert_close(
        area_of(&r, "520103"),
        planar_area_m2(&rect(105., 0., 200., 100.)),
    );
}

#[test]
fn a_bow_tie_becomes_its_two_triangles() {
    // A square with its last two corners swapped: it crosses itself at (50, 50) and
    // encloses two triangles of 2,500 m² each.
    let bow = poly(&[(0., 0.), (100., 0.), (0., 100.), (100., 100.)]);
    let r = repair(&[district("520102", bow)], None, &RepairOptions::default()).unwrap();
    let u = &r.units[0];
    assert_eq!(u.geometry.0.len(), 2);
    let lower = poly(&[(0., 0.), (100., 0.), (50., 50.)]);
    let upper = poly(&[(50., 50.), (100., 100.), (0., 100.)]);
    assert!((planar_area_m2(&u.geometry) - 5000.0).abs() < 0.5);
    assert!(
        (planar_area_m2(&u.geometry) - planar_area_m2(&lower) - planar_area_m2(&upper)).abs()
            < 1e-3
    );
    assert!(citygrid_check::validity::defects(&u.geometry).is_empty());
    let [change] = &r.changes[..] else {
        panic!("{:#?}", r.changes)
    };
    assert_eq!(change.kind, ChangeKind::Ring);
    assert!(
        change.message.contains("self-intersects"),
        "{}",
        change.message
    );
    assert_checks(&r, None);
}

#[test]
fn near_coincident_edges_snap_together() {
    // B's west corners are 0.6 m east of A's, and its west side has a vertex 0.2 m
    // east of A's east side: the corners snap onto A's and the middle vertex is
    // inserted into A's side, which gains a 0.2 x 100 / 2 = 10 m² triangle.
    let units = [
        district("520102", rect(0., 0., 100., 100.)),
        district(
            "520103",
            poly(&[
                (100.6, 0.),
                (200., 0.),
                (200., 100.),
                (100.6, 100.),
                (100.2, 50.),
            ]),
        ),
    ];
    let r = repair(&units, None, &RepairOptions::default()).unwrap();
    let a = area_of(&r, "520102");
    let b = area_of(&r, "520103");
    assert!((a - 10_010.0).abs() < 0.5, "{a}");
    assert!((b - 9_990.0).abs() < 0.5, "{b}");
    assert_close(
        a,
        planar_area_m2(&poly(&[
            (0., 0.),
            (100., 0.),
            (100.2, 50.),
            (100., 100.),
            (0., 100.),
        ])),
    );
    let snaps: Vec<_> = r
        .changes
        .iter()
        .filter(|c| c.kind == ChangeKind::Snap)
        .collect();
    assert_eq!(snaps.len(), 2, "{:#?}", r.changes);
    assert!(r.changes.iter().all(|c| c.kind == ChangeKind::Snap));
    assert_checks(&r, None);
}

#[test]
fn what_lies_outside_the_boundary_is_cut_away() {
    let boundary = rect(0., 0., 200., 100.);
    let units = [
        district("520102", rect(0., 0., 100., 100.)),
        district("520103", rect(100., 0., 220., 100.)),
    ];
    let r = repair(&units, Some(&boundary), &RepairOptions::default()).unwrap();
    assert_close(
        area_of(&r, "520103"),
        planar_area_m2(&rect(100., 0., 200., 100.)),
    );
    let [change] = &r.changes[..] else {
        panic!("{:#?}", r.changes)
    };
    assert_eq!(change.kind, ChangeKind::Outside);
    assert!(change.to.is_none());
    assert!((change.area_m2 - 2000.0).abs() < 0.1);
    assert_checks(&r, Some(&boundary));
}

#[test]
fn a_unit_inside_another_is_kept_as_an_enclave_and_reported() {
    let units = [
        district("520102", rect(0., 0., 100., 100.)),
        district("520103", rect(40., 40., 60., 60.)),
    ];
    let r = repair(&units, None, &RepairOptions::default()).unwrap();
    let [problem] = &r.unresolved[..] else {
        panic!("{:#?}", r.unresolved)
    };
    assert_eq!(problem.kind, ProblemKind::Enclave);
    assert_eq!(r.units.len(), 2);
    assert_close(
        area_of(&r, "520103"),
        planar_area_m2(&rect(40., 40., 60., 60.)),
    );
    assert!((area_of(&r, "520102") - 9600.0).abs() < 0.5);
    assert_eq!(r.units[0].geometry.0[0].interiors().len(), 1);
    assert_checks(&r, None);
}

#[test]
fn an_exact_duplicate_vanishes_and_is_reported() {
    let units = [
        district("520102", rect(0., 0., 100., 100.)),
        district("520103", rect(0., 0., 100., 100.)),
    ];
    let r = repair(&units, None, &RepairOptions::default()).unwrap();
    assert_eq!(r.units.len(), 1);
    assert_eq!(r.units[0].code.as_str(), "520102");
    let [problem] = &r.unresolved[..] else {
        panic!("{:#?}", r.unresolved)
    };
    assert_eq!(problem.kind, ProblemKind::Vanished);
    assert!(problem.message.contains("520103"), "{}", problem.message);
}

#[test]
fn children_stay_inside_their_parent() {
    // Two districts, each with one cell; the west cell reaches 10 m into the east
    // district, where only the east cell may be.
    let parent = |c: &str| c.parse().unwrap();
    let units = [
        district("520102", rect(0., 0., 100., 100.)),
        district("520103", rect(100., 0., 200., 100.)),
        Unit::new(
            parent("520102001001001"),
            Level::Cell,
            rect(0., 0., 110., 100.),
        )
        .with_parent(parent("520102")),
        Unit::new(
            parent("520103001001001"),
            Level::Cell,
            rect(100., 0., 200., 100.),
        )
        .with_parent(parent("520103")),
    ];
    let r = repair(&units, None, &RepairOptions::default()).unwrap();
    assert_close(
        area_of(&r, "520102001001001"),
        planar_area_m2(&rect(0., 0., 100., 100.)),
    );
    let [change] = &r.changes[..] else {
        panic!("{:#?}", r.changes)
    };
    assert_eq!(change.kind, ChangeKind::Outside);
    assert_eq!(change.to.as_ref().unwrap().as_str(), "520103001001001");
    assert_checks(&r, None);
}

#[test]
fn attributes_names_and_order_are_kept() {
    let units = [
        district("520103", rect(90., 0., 190., 50.))
            .with_name("B")
            .with_attribute("households", citygrid_model::AttrValue::Number(7.0)),
        district("520102", rect(0., 0., 100., 100.)).with_name("A"),
    ];
    let r = repair(&units, None, &RepairOptions::default()).unwrap();
    assert_eq!(r.units[0].name, "B");
    assert_eq!(
        r.units[0].attributes.get("households"),
        Some(&citygrid_model::AttrValue::Number(7.0))
    );
    assert_eq!(r.units[1].code.as_str(), "520102");
}

#[test]
fn refuses_an_empty_input_and_projected_numbers() {
    assert_eq!(
        repair(&[], None, &RepairOptions::default()).unwrap_err(),
        RepairError::NoUnits
    );
    let far = district(
        "520102",
        MultiPolygon(vec![Polygon::new(
            LineString::from(vec![
                (500_000., 2_940_000.),
                (500_100., 2_940_000.),
                (500_100., 2_940_100.),
            ]),
            vec![],
        )]),
    );
    let err = repair(&[far], None, &RepairOptions::default()).unwrap_err();
    assert!(err.to_string().contains("520102"), "{err}");
}
