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
        let mut units = city(seed, cells, vertices);
        let boundary = outline(&units);
        let mut done = Vec::new();
        for (i, &k) in kinds.iter().enumerate() {
            if let Ok(d) = damage(&mut units, GEOMETRIC[k], seed + i as u64) {
                done.push(d.description);
            }
        }
        prop_assume!(!done.is_empty());
        prop_assert!(!check(&units, &boundary).is_valid(), "{:?} broke nothing", done);
        let repaired = repair(&units, Some(&boundary), &RepairOptions::default())
            .map_err(|e| TestCaseError::fail(format!("{done:?}: {e}")))?;
        for p in &repaired.unresolved {
            prop_assert_eq!(p.kind, ProblemKind::WideGap, "{:?}: {}", done, p.message);
        }
        let report = check(&repaired.units, &boundary);
        only_reported_gaps(&report, &repaired).map_err(|e| TestCaseError::fail(format!("{done:?}: {e}")))?;
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
