//! Generated cities (districts > townships > villages > cells) with geometric
//! damage, repaired: the checker then finds nothing, except the gaps the repair
//! reported as too wide to fill, at their place.

use std::sync::Arc;

use geo::{BoundingRect, Intersects};
use proptest::prelude::*;

use citygrid_check::{CheckOptions, Checker, Report, Rule};
use citygrid_model::{Level, Unit};
use citygrid_repair::{ProblemKind, RepairOptions, Repaired, repair};
use citygrid_synth::{DamageKind, SynthCity, damage};

/// The damage that breaks geometry (codes, slivers and parts are the checker's
/// business, not the repair's).
const GEOMETRIC: [DamageKind; 6] = [
    DamageKind::MoveVertex,
    DamageKind::ExtraVertex,
    DamageKind::RemoveCell,
    DamageKind::ShiftCell,
    DamageKind::NarrowGap,
    DamageKind::BowTie,
];

fn city(seed: u64, cells: usize, vertices: usize) -> Vec<Unit> {
    SynthCity::new(seed)
        .cells(cells)
        .vertices_per_cell(vertices)
        .extent_km(6.0, 5.0)
        .generate()
}

fn outline(units: &[Unit]) -> geo_types::MultiPolygon<f64> {
    units
        .iter()
        .find(|u| u.level == Level::City)
        .expect("a city unit")
        .geometry
        .clone()
}

fn check(units: &[Unit], boundary: &geo_types::MultiPolygon<f64>) -> Report {
    let shared: Vec<Arc<Unit>> = units.iter().cloned().map(Arc::new).collect();
    Checker::new(CheckOptions::default()).check(&shared, Some(boundary))
}

/// Districts with rings through the given points (metres east and north of Guiyang).
fn scribbles(shapes: &[Vec<(f64, f64)>]) -> Vec<Unit> {
    let f = citygrid_model::measure::LocalFrame::new(106.7, 26.6).expect("a frame");
    shapes
        .iter()
        .enumerate()
        .map(|(i, pts)| {
            let mut ring: Vec<geo_types::Coord<f64>> = pts
                .iter()
                .map(|&(x, y)| {
                    let (lon, lat) = f.to_degrees(x, y);
                    geo_types::Coord { x: lon, y: lat }
                })
                .collect();
            ring.push(ring[0]);
            let code = format!("5201{:02}", i + 1).parse().expect("a code");
            Unit::new(
                code,
                Level::District,
                geo_types::MultiPolygon(vec![geo_types::Polygon::new(
                    geo_types::LineString(ring),
                    vec![],
                )]),
            )
        })
        .collect()
}

/// Every violation left is a gap where the repair said it left a wide one.
fn only_reported_gaps(report: &Report, repaired: &Repaired) -> Result<(), String> {
    for v in &report.violations {
        let reported = v.rule == Rule::Gap
            && repaired.unresolved.iter().any(|p| {
                p.kind == ProblemKind::WideGap
                    && match (&p.location, &v.location) {
                        (Some(a), Some(b)) => a
                            .bounding_rect()
                            .zip(b.bounding_rect())
                            .is_some_and(|(a, b)| a.intersects(&b)),
                        _ => false,
                    }
            });
        if !reported {
            return Err(format!("left after the repair: {}", v.message));
        }
    }
    Ok(())
}

/// Damages a generated city (`kinds` index [`GEOMETRIC`]), repairs it against its
/// outline, and checks that only the wide gaps the repair reported are left.
fn repair_damaged(
    seed: u64,
    cells: usize,
    vertices: usize,
    kinds: &[usize],
) -> Result<(), TestCaseError> {
    let mut units = city(seed, cells, vertices);
    let boundary = outline(&units);
    let mut done = Vec::new();
    for (i, &k) in kinds.iter().enumerate() {
        if let Ok(d) = damage(&mut units, GEOMETRIC[k], seed + i as u64) {
            done.push(d.description);
        }
    }
    prop_assume!(!done.is_empty());
    prop_assert!(
        !check(&units, &boundary).is_valid(),
        "{:?} broke nothing",
        done
    );
    let repaired = repair(&units, Some(&boundary), &RepairOptions::default())
        .map_err(|e| TestCaseError::fail(format!("{done:?}: {e}")))?;
    for p in &repaired.unresolved {
        prop_assert_eq!(p.kind, ProblemKind::WideGap, "{:?}: {}", done, p.message);
    }
    let report = check(&repaired.units, &boundary);
    only_reported_gaps(&report, &repaired)
        .map_err(|e| TestCaseError::fail(format!("{done:?}: {e}")))
}

/// A known bug, found by CI's random cases on 2026-11-28 (present since the repair
/// was written): a cell shifted 45 m through its neighbour, with another cell
/// removed and a boundary pushed in, is repaired into a coverage where cell
/// 520101002006002 is in two separate parts. The repair gives overlaps and gaps away
/// region by region and never checks that each unit stays in one piece; it needs
/// a pass that hands a unit's detached smaller parts to the neighbour with the
/// longest border, as `citygrid build` does. Run it with `--ignored`.
#[test]
#[ignore = "known bug: the repair can leave a unit in two parts"]
fn a_cell_shifted_through_its_neighbour_leaves_it_in_one_piece() {
    repair_damaged(411_849, 62, 11, &[2, 3, 4]).expect("a clean repair");
}

proptest! {
    // 6 cases per run in CI; PROPTEST_CASES=200 for a deeper search.
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(6),
        ..ProptestConfig::default()
    })]

    #[test]
    fn damaged_cities_are_repaired_to_pass_the_check(
        seed in 0u64..1_000_000,
        cells in 40usize..160,
        vertices in 6usize..30,
        kinds in proptest::collection::vec(0usize..GEOMETRIC.len(), 1..4),
    ) {
        repair_damaged(seed, cells, vertices, &kinds)?;
    }

    #[test]
    fn scribbled_polygons_come_out_a_clean_coverage(
        shapes in proptest::collection::vec(
            proptest::collection::vec((0.0f64..400.0, 0.0f64..300.0), 3..9),
            1..7,
        ),
    ) {
        // Random rings in a 400 x 300 m box: they cross themselves and each other.
        let units = scribbles(&shapes);
        let repaired = repair(&units, None, &RepairOptions::default())
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        let shared: Vec<Arc<Unit>> = repaired.units.iter().cloned().map(Arc::new).collect();
        // Without a boundary the repair cannot tell the outside from a gap, so it
        // leaves notches of the outside alone; the checker rightly reports a notch
        // narrower than its gap width between two units that do not touch (a slot
        // open to the outside). That rule is off here, every other one on.
        let report = Checker::new(CheckOptions::default().gap_width(0.0)).check(&shared, None);
        for v in &report.violations {
            // Tiny leftovers are slivers (a checker's business); wide gaps are left
            // open on purpose.
            let reported_gap = v.rule == Rule::Gap
                && repaired.unresolved.iter().any(|p| p.kind == ProblemKind::WideGap);
            prop_assert!(v.rule == Rule::Sliver || reported_gap, "{}", v.message);
        }
        for p in &repaired.unresolved {
            prop_assert!(
                matches!(p.kind, ProblemKind::WideGap | ProblemKind::Enclave | ProblemKind::Vanished),
                "{}", p.message
            );
        }
        prop_assert_eq!(
            repaired.units.len() + repaired.unresolved.iter().filter(|p| p.kind == ProblemKind::Vanished).count(),
            units.len()
        );
    }

    #[test]
    fn scribbled_polygons_fill_a_boundary_exactly(
        shapes in proptest::collection::vec(
            proptest::collection::vec((-50.0f64..450.0, -50.0f64..350.0), 3..9),
            1..7,
        ),
    ) {
        // The same, cut to a 400 x 300 m box and filling it (no gap is too wide).
        let units = scribbles(&shapes);
        let boxed = scribbles(&[vec![(0.0, 0.0), (400.0, 0.0), (400.0, 300.0), (0.0, 300.0)]]);
        let boundary = &boxed[0].geometry;
        let options = RepairOptions::default().max_gap_width(1e6);
        let repaired = repair(&units, Some(boundary), &options)
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        let shared: Vec<Arc<Unit>> = repaired.units.iter().cloned().map(Arc::new).collect();
        // The narrow-slot rule is off here too: it still fires where two units
        // meet the outline 0.16 m apart with the outline between them (shapes
        // [[(0,0),(0,3.17),(421.25,32.79)], [(0,280.75),(438.65,-26.34),(-18.09,93.56)],
        // [(413.06,33.92),(417.19,255.17),(221.68,11.94),(85.22,-30.98)]]): a
        // checker false positive to fix, not the repair's.
        let report = Checker::new(CheckOptions::default().gap_width(0.0)).check(&shared, Some(boundary));
        let open: Vec<ProblemKind> = repaired.unresolved.iter().map(|p| p.kind).collect();
        for v in &report.violations {
            // Slivers are the checker's business; a box no unit reaches stays empty.
            let explained = v.rule == Rule::Sliver
                || (v.rule == Rule::Gap && open.contains(&ProblemKind::Unclaimed))
                || (v.rule == Rule::UnmatchedEdge && open.contains(&ProblemKind::Junction));
            prop_assert!(explained, "{} (left open: {:?})", v.message, open);
        }
    }

    #[test]
    fn a_clean_city_comes_out_unchanged(seed in 0u64..1_000_000, cells in 20usize..120) {
        let units = city(seed, cells, 12);
        let repaired = repair(&units, Some(&outline(&units)), &RepairOptions::default())
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert!(repaired.changes.is_empty(), "{:#?}", repaired.changes);
        prop_assert!(repaired.is_complete());
        for (before, after) in units.iter().zip(&repaired.units) {
            prop_assert_eq!(&before.code, &after.code);
            let (a, b) = (
                citygrid_model::measure::planar_area_m2(&before.geometry),
                citygrid_model::measure::planar_area_m2(&after.geometry),
            );
            prop_assert!((a - b).abs() <= 1e-6 * a.max(1.0), "{}: {a} -> {b}", before.code);
        }
    }
}
