//! The real Guiyang districts (AMap, GCJ-02) load, check clean against the city
//! outline, and measure what the source says.

use std::path::PathBuf;
use std::sync::Arc;

use citygrid_check::{CheckOptions, Checker};
use citygrid_crs::Crs;
use citygrid_io::read_boundary;
use citygrid_model::measure::area_m2;
use citygrid_model::{Level, Unit};

fn data(file: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("data/guiyang-amap")
        .join(file)
}

/// adcode, name, km² from the data's README (GEOS areas of the same geometry).
const DISTRICTS: [(&str, &str, f64); 10] = [
    ("520102", "南明区", 205.3),
    ("520103", "云岩区", 91.9),
    ("520111", "花溪区", 961.3),
    ("520112", "乌当区", 684.2),
    ("520113", "白云区", 269.4),
    ("520115", "观山湖区", 307.1),
    ("520121", "开阳县", 2033.1),
    ("520122", "息烽县", 1028.5),
    ("520123", "修文县", 1083.6),
    ("520181", "清镇市", 1385.2),
];

fn districts() -> Vec<Arc<Unit>> {
    DISTRICTS
        .iter()
        .map(|(code, name, _)| {
            let geometry =
                read_boundary(&data(&format!("{code}.geojson")), Some(Crs::Gcj02)).unwrap();
            Arc::new(
                Unit::new(code.parse().unwrap(), Level::District, geometry)
                    .with_name(*name)
                    .with_parent("520100".parse().unwrap()),
            )
        })
        .collect()
}

#[test]
fn the_ten_districts_cover_the_city_outline_exactly() {
    let outline = read_boundary(&data("520100.geojson"), Some(Crs::Gcj02)).unwrap();
    let report = Checker::new(CheckOptions::default()).check(&districts(), Some(&outline));
    assert!(report.is_valid(), "{:#?}", report.violations);
    assert_eq!(report.units, 10);
}

#[test]
fn district_areas_match_the_published_table_within_half_a_percent() {
    for (unit, (code, _, km2)) in districts().iter().zip(DISTRICTS) {
        let measured = area_m2(&unit.geometry) / 1e6;
        let off = (measured - km2).abs() / km2;
        println!(
            "{code}: {measured:.1} km² (published {km2}, {:+.3}%)",
            (measured - km2) / km2 * 100.0
        );
        assert!(
            off < 0.005,
            "{code}: {measured:.1} km² vs {km2} km² ({:.3}%)",
            off * 100.0
        );
    }
}

#[test]
fn the_city_outline_converted_from_gcj02_lies_about_400_m_from_the_raw_numbers() {
    // GCJ-02 shifts Guiyang by +0.0037..0.0042° lon and -0.0032..-0.0035° lat.
    let raw = read_boundary(&data("520100.geojson"), Some(Crs::Wgs84)).unwrap();
    let wgs = read_boundary(&data("520100.geojson"), Some(Crs::Gcj02)).unwrap();
    let (r, w) = (raw.0[0].exterior().0[0], wgs.0[0].exterior().0[0]);
    let (dx, dy) = (r.x - w.x, r.y - w.y);
    assert!((0.0035..0.0045).contains(&dx), "{dx}");
    assert!((-0.0037..-0.0030).contains(&dy), "{dy}");
}
