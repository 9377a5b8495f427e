//! Property tests: on random cities, random weights and random options, a build
//! always succeeds, passes the checker against the original outline, makes exactly
//! the cells asked for, and gives the same result twice.

use std::sync::Arc;

use citygrid_build::{BuildInput, BuildOptions, WeightedPoint, Weights, build};
use citygrid_check::{CheckOptions, Checker};
use citygrid_model::{Level, Unit};
use citygrid_synth::SynthCity;
use proptest::prelude::*;

/// A random city cut down to its outline, its districts and (sometimes) its
/// townships: the levels `citygrid build` starts from.
fn given(seed: u64, cells: usize, keep_townships: bool) -> Vec<Unit> {
    SynthCity::new(seed)
        .cells(cells)
        .vertices_per_cell(8)
        .extent_km(8.0, 6.0)
        .generate()
        .into_iter()
        .filter(|u| {
            matches!(u.level, Level::City | Level::District)
                || (keep_townships && u.level == Level::Township)
        })
        .collect()
}

/// Households at random points, denser towards the middle of the city.
fn points(seed: u64, units: &[Unit], n: usize) -> Vec<WeightedPoint> {
    let city = units
        .iter()
        .find(|u| u.level == Level::City)
        .expect("a city");
    let bbox = geo::BoundingRect::bounding_rect(&city.geometry).expect("a box");
    let mut state = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
    let mut next = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    (0..n)
        .map(|_| {
            let (u, v) = (next(), next());
            WeightedPoint {
                lon: bbox.min().x + bbox.width() * (0.5 + (u - 0.5) * v.sqrt()),
                lat: bbox.min().y + bbox.height() * next(),
                weight: (next() * 40.0).floor(),
            }
        })
        .collect()
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(6)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn every_build_is_a_clean_nested_partition_with_the_cells_asked_for(
        seed in 0u64..10_000,
        cells in 40usize..160,
        keep_townships in any::<bool>(),
        with_points in any::<bool>(),
        per_village in 2.0f64..8.0,
        resolution in 9u8..=10,
    ) {
        let units = given(seed, 60, keep_townships);
        let pts = points(seed, &units, 3_000);
        let input = BuildInput {
            units: units.clone(),
            townships: vec![],
            weights: if with_points { Weights::Points(&pts) } else { Weights::None },
        };
        let options = BuildOptions::default()
            .cells(Some(cells))
            .cells_per_village(per_village)
            .cells_per_township(12.0)
            .resolution(Some(resolution));
        let built = build(&input, &options, &()).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert!(built.report.is_valid(), "{:?}", built.report.violations.first());
        let n_cells = built.units.iter().filter(|u| u.level == Level::Cell).count();
        prop_assert!(n_cells >= cells, "{n_cells} cells for {cells} asked");
        // Against the original outline, as `citygrid check --boundary` would.
        let outline = units.iter().find(|u| u.level == Level::City).unwrap().geometry.clone();
        let all: Vec<Arc<Unit>> = built.units.into_iter().map(Arc::new).collect();
        let report = Checker::new(CheckOptions::default()).check(&all, Some(&outline));
        prop_assert!(report.is_valid(), "{:?}", report.violations.first());
        // Every cell has a village parent, every village a township.
        for u in &all {
            if matches!(u.level, Level::Cell | Level::Village | Level::Township) {
                prop_assert!(u.parent.is_some());
            }
        }
    }
}

#[test]
fn the_same_input_builds_the_same_partition() {
    let units = given(7, 80, false);
    let pts = points(7, &units, 2_000);
    let input = BuildInput {
        units,
        townships: vec![],
        weights: Weights::Points(&pts),
    };
    let options = BuildOptions::default().cells(Some(90)).resolution(Some(10));
    let a = build(&input, &options, &()).unwrap();
    let b = build(&input, &options, &()).unwrap();
    assert_eq!(a.units, b.units);
}
