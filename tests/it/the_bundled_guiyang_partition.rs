//! The bundled demo city, `data/guiyang/partition.geojson.gz` (made by
//! `scripts/data.sh` with `citygrid build`): a clean, nested partition of the real
//! Guiyang outline into the real 10 districts, the 146 real townships by name,
//! generated villages and 5,906 cells of about 400 households.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use citygrid_check::{CheckOptions, Checker};
use citygrid_io::{ReadOptions, read_boundary, read_units};
use citygrid_model::measure::area_m2;
use citygrid_model::{AttrValue, Level, Unit};

use crate::support::root;

fn partition() -> Vec<Unit> {
    read_units(
        &root().join("data/guiyang/partition.geojson.gz"),
        &ReadOptions::default(),
    )
    .expect("the bundled partition reads")
    .units
}

fn households(u: &Unit) -> f64 {
    match u.attributes.get("households") {
        Some(AttrValue::Number(n)) => *n,
        _ => f64::NAN,
    }
}

#[test]
fn it_checks_clean_against_the_real_city_outline() {
    let units: Vec<Arc<Unit>> = partition().into_iter().map(Arc::new).collect();
    let outline = read_boundary(&root().join("data/guiyang/city.geojson"), None).unwrap();
    let report = Checker::new(CheckOptions::default()).check(&units, Some(&outline));
    assert!(
        report.is_valid(),
        "{:?}",
        &report.violations[..report.violations.len().min(3)]
    );
    let count = |l: Level| units.iter().filter(|u| u.level == l).count();
    assert_eq!(count(Level::City), 1);
    assert_eq!(count(Level::District), 10);
    assert_eq!(count(Level::Township), 146);
    assert_eq!(count(Level::Cell), 5906);
    assert!(
        (1250..1450).contains(&count(Level::Village)),
        "{}",
        count(Level::Village)
    );
}

#[test]
fn districts_keep_their_area_and_townships_their_real_names() {
    let units = partition();
    let source = read_units(
        &root().join("data/guiyang/districts.geojson"),
        &ReadOptions::default(),
    )
    .unwrap()
    .units;
    for d in &source {
        let built = units
            .iter()
            .find(|u| u.code == d.code)
            .expect("every district is kept");
        let (a, b) = (area_m2(&d.geometry), area_m2(&built.geometry));
        // Only crossing points were added to the boundary (and vertices put on the
        // 0.1 mm output grid). Geodesic areas join vertices by geodesics, which sag
        // millimetres away from the straight lon/lat lines new vertices sit on, so
        // allow 1e-5 (Kaiyang, 2,030 km²: 2,000 m²; shapely's planar areas agree to
        // 6 m² in every district).
        assert!((a - b).abs() / a < 1e-5, "{}: {a} vs {b}", d.code);
        assert_eq!(built.name, d.name);
    }
    let csv = std::fs::read_to_string(root().join("data/guiyang/townships.csv")).unwrap();
    let listed: BTreeSet<(String, String)> = csv
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[0].to_string(), f[1].to_string())
        })
        .collect();
    let built: BTreeSet<(String, String)> = units
        .iter()
        .filter(|u| u.level == Level::Township)
        .map(|u| (u.code.to_string(), u.name.clone()))
        .collect();
    assert_eq!(built, listed);
}

#[test]
fn cells_hold_about_400_households_and_add_up() {
    let units = partition();
    let cells: Vec<&Unit> = units.iter().filter(|u| u.level == Level::Cell).collect();
    let hh: Vec<f64> = cells.iter().map(|u| households(u)).collect();
    let mean = hh.iter().sum::<f64>() / hh.len() as f64;
    let sd = (hh.iter().map(|h| (h - mean).powi(2)).sum::<f64>() / hh.len() as f64).sqrt();
    assert!((380.0..430.0).contains(&mean), "mean {mean}");
    assert!(sd / mean < 0.15, "CV {}", sd / mean);
    let in_band = hh.iter().filter(|&&h| (300.0..=500.0).contains(&h)).count();
    assert!(
        in_band * 10 >= cells.len() * 9,
        "{in_band} of {} in 300-500",
        cells.len()
    );
    // Every level's households are the sum of its cells (the city holds ~2.4 M).
    let mut sums: BTreeMap<String, f64> = BTreeMap::new();
    for c in &cells {
        let v = c.parent.as_ref().unwrap().to_string();
        *sums.entry(v).or_default() += households(c);
    }
    for v in units.iter().filter(|u| u.level == Level::Village) {
        assert_eq!(households(v), sums[v.code.as_str()], "{}", v.code);
    }
    let total: f64 = hh.iter().sum();
    assert!((2.3e6..2.5e6).contains(&total), "{total}");
}
