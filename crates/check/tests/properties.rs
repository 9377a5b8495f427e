//! Invariants on random partitions: every generated city passes, and every kind of
//! damage is found at the place it was done, by the full and the incremental check.

use std::sync::Arc;

use geo::{BoundingRect, Intersects};
use geo_types::Rect;
use proptest::prelude::*;

use citygrid_check::{CheckOptions, Checker, Report, Rule};
use citygrid_model::{CodeLayout, Level, Partition, Unit};
use citygrid_synth::{Damage, DamageKind, SynthCity, damage};

fn city(seed: u64, cells: usize, vertices: usize) -> Vec<Unit> {
    SynthCity::new(seed)
        .cells(cells)
        .vertices_per_cell(vertices)
        .extent_km(12.0, 10.0)
        .generate()
}

fn shared(units: Vec<Unit>) -> Vec<Arc<Unit>> {
    units.into_iter().map(Arc::new).collect()
}

fn outline(units: &[Arc<Unit>]) -> geo_types::MultiPolygon<f64> {
    units
        .iter()
        .find(|u| u.level == Level::City)
        .expect("a city unit")
        .geometry
        .clone()
}

fn check(units: &[Arc<Unit>]) -> Report {
    Checker::new(CheckOptions::default()).check(units, Some(&outline(units)))
}

/// The rule each kind of damage must produce at its place (the synth crate lists
/// consequences too; these name the defect itself). A vertex moved inwards opens a
/// gap between two boundaries that no longer meet; moved outwards, it overlaps and
/// the boundaries do not match: `Gap` or `UnmatchedEdge`.
fn must_report(kind: DamageKind) -> &'static [Rule] {
    match kind {
        DamageKind::MoveVertex => &[Rule::UnmatchedEdge, Rule::Gap],
        DamageKind::ExtraVertex => &[Rule::UnmatchedEdge],
        DamageKind::RemoveCell | DamageKind::NarrowGap => &[Rule::Gap],
        DamageKind::ShiftCell => &[Rule::Overlap],
        DamageKind::BowTie => &[Rule::InvalidGeometry],
        DamageKind::DuplicateCode => &[Rule::DuplicateCode],
        DamageKind::BadCode => &[Rule::BadCode],
        DamageKind::Sliver => &[Rule::Sliver],
        DamageKind::Multipart => &[Rule::Multipart],
        other => panic!("no expectation for {other}"),
    }
}

/// Rules that may only appear as consequences of a damage kind; anything else is a
/// false alarm.
fn may_report(kind: DamageKind) -> Vec<Rule> {
    let mut rules = must_report(kind).to_vec();
    rules.extend(match kind {
        DamageKind::MoveVertex => vec![Rule::Overlap, Rule::Gap],
        DamageKind::ShiftCell => vec![Rule::Gap, Rule::UnmatchedEdge, Rule::OutsideParent],
        DamageKind::NarrowGap => vec![Rule::UnmatchedEdge],
        DamageKind::BowTie => vec![
            Rule::UnmatchedEdge,
            Rule::Overlap,
            Rule::Gap,
            Rule::OutsideParent,
        ],
        _ => vec![],
    });
    if kind == DamageKind::MoveVertex {
        // A vertex pushed out of its village's boundary also leaves the village.
        rules.push(Rule::OutsideParent);
    }
    rules
}

fn grown(r: Rect<f64>) -> Rect<f64> {
    // A few metres of slack around the damage's box (1e-4° ≈ 10 m).
    let pad = 1e-4;
    Rect::new(
        (r.min().x - pad, r.min().y - pad),
        (r.max().x + pad, r.max().y + pad),
    )
}

fn found_at_place(report: &Report, d: &Damage) -> bool {
    let rules = must_report(d.kind);
    report.violations.iter().any(|v| {
        rules.contains(&v.rule)
            && v.location
                .as_ref()
                .and_then(|g| g.bounding_rect())
                .is_some_and(|b| b.intersects(&grown(d.location)))
    })
}

proptest! {
    // 24 cases per run in CI; PROPTEST_CASES=1000 for a deeper search.
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(24),
        ..ProptestConfig::default()
    })]

    #[test]
    fn every_generated_city_is_valid(seed in 0u64..1_000_000, cells in 20usize..160, vertices in 6usize..40) {
        let units = shared(city(seed, cells, vertices));
        let report = check(&units);
        prop_assert!(report.is_valid(), "seed {seed}: {:#?}", report.violations);
    }

    #[test]
    fn every_damage_is_found_where_it_was_done(seed in 0u64..1_000_000, kind_index in 0usize..10) {
        let kind = DamageKind::ALL[kind_index];
        let mut units = city(seed, 120, 24);
        let Ok(d) = damage(&mut units, kind, seed) else { return Ok(()) };
        let report = check(&shared(units));
        prop_assert!(found_at_place(&report, &d), "{}: {:#?}", d.description, report.violations);
        let allowed = may_report(kind);
        for v in &report.violations {
            prop_assert!(allowed.contains(&v.rule), "{}: unexpected {}", d.description, v.message);
        }
    }

    #[test]
    fn an_edit_is_checked_against_its_neighbours_like_the_whole_city(seed in 0u64..1_000_000, kind_index in 0usize..10) {
        let kind = DamageKind::ALL[kind_index];
        prop_assume!(kind != DamageKind::DuplicateCode); // a partition cannot hold it
        let before_units = city(seed, 120, 24);
        let mut after_units = before_units.clone();
        let Ok(d) = damage(&mut after_units, kind, seed) else { return Ok(()) };
        let layout = CodeLayout::default();
        let before = Partition::new(before_units.clone(), layout.clone()).unwrap();
        let Ok(after) = Partition::new(after_units.clone(), layout) else { return Ok(()) };
        // Changed: every code whose unit differs, plus removed codes.
        let mut changed: Vec<_> = after.units().iter()
            .filter(|u| before.get(&u.code).is_none_or(|b| b.as_ref() != u.as_ref()))
            .map(|u| u.code.clone())
            .collect();
        changed.extend(before.units().iter().filter(|u| after.get(&u.code).is_none()).map(|u| u.code.clone()));
        let report = Checker::new(CheckOptions::default()).check_changed(&before, &after, &changed);
        prop_assert!(found_at_place(&report, &d), "{}: {:#?}", d.description, report.violations);
    }
}

#[test]
fn an_unchanged_partition_passes_the_incremental_check() {
    let units = city(5, 120, 24);
    let p = Partition::new(units, CodeLayout::default()).unwrap();
    let some: Vec<_> = p
        .units()
        .iter()
        .filter(|u| u.level == Level::Cell)
        .take(5)
        .map(|u| u.code.clone())
        .collect();
    assert!(
        Checker::new(CheckOptions::default())
            .check_changed(&p, &p, &some)
            .is_valid()
    );
}
