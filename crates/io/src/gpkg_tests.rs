use std::path::PathBuf;

use geo_types::Geometry;
use geopackage::ValueRef;

use citygrid_model::{AttrValue, CodeLayout, Level, Unit};
use citygrid_synth::SynthCity;

use super::*;
use crate::atomic::Pending;
use crate::read::{ReadOptions, parse_units};
use crate::table::tables;
use crate::write::table_geojson;

const LEVELS: [Level; 4] = [
    Level::District,
    Level::Township,
    Level::Village,
    Level::Cell,
];

fn city() -> Vec<Unit> {
    SynthCity::new(11)
        .cells(300)
        .vertices_per_cell(24)
        .generate()
}

fn out(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("citygrid-gpkg-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    let _ = std::fs::remove_file(&path);
    path
}

fn write(units: &[Unit], name: &str, crs: Crs) -> (PathBuf, usize) {
    let path = out(name);
    let t = tables(units, &LEVELS, &CodeLayout::default());
    let mut written = 0;
    let pending = Pending::new(&path, true).unwrap();
    write_gpkg(&pending, &t, crs, None, || written += 1).unwrap();
    pending.commit().unwrap();
    (path, written)
}

fn households(u: &Unit) -> i64 {
    match u.attributes.get("households") {
        Some(AttrValue::Number(n)) => *n as i64,
        other => panic!("{}: households {other:?}", u.code),
    }
}

#[test]
fn a_generated_city_reads_back_with_every_code_attribute_and_coordinate() {
    let units = city();
    let (path, written) = write(&units, "city.gpkg", Crs::Wgs84);
    assert_eq!(written, units.len() - 1, "every unit but the city");
    let gpkg = GeoPackage::open_read_only(&path).unwrap();
    assert_eq!(gpkg.srs(4326).unwrap().unwrap().organization, "EPSG");
    let mut names: Vec<String> = gpkg
        .layers()
        .unwrap()
        .iter()
        .map(|l| l.table_name().to_string())
        .collect();
    names.sort();
    assert_eq!(names, ["cells", "districts", "townships", "villages"]);
    for level in LEVELS {
        let layer = gpkg.layer(level.layer_name()).unwrap();
        let column = layer.geometry_column().unwrap();
        assert_eq!(column.srs_id, 4326);
        assert_eq!(column.geometry_type, GeometryType::MultiPolygon);
        assert!(layer.has_spatial_index().unwrap());
        let expected: Vec<&Unit> = {
            let mut v: Vec<&Unit> = units.iter().filter(|u| u.level == level).collect();
            v.sort_by(|a, b| a.code.cmp(&b.code));
            v
        };
        assert_eq!(layer.count().unwrap(), expected.len() as u64, "{level}");
        for (feature, unit) in layer.features().unwrap().zip(&expected) {
            let feature = feature.unwrap();
            assert_eq!(
                feature.value("code"),
                Some(ValueRef::Text(unit.code.as_str()))
            );
            assert_eq!(feature.value("name"), Some(ValueRef::Text(&unit.name)));
            assert_eq!(feature.value("level"), Some(ValueRef::Text(level.as_str())));
            let parent = unit.parent.as_ref().map(|p| p.as_str());
            assert_eq!(feature.value("parent").and_then(|v| v.as_str()), parent);
            assert_eq!(
                feature.value("households"),
                Some(ValueRef::Integer(households(unit)))
            );
            let area = feature.value("area_m2").and_then(|v| v.as_f64()).unwrap();
            assert!(
                (area - citygrid_model::measure::area_m2(&unit.geometry)).abs() <= 0.005,
                "{area}"
            );
            let geometry = feature.geometry().unwrap().and_then(|g| g.to_geo());
            assert_eq!(
                geometry,
                Some(Geometry::MultiPolygon(unit.geometry.clone())),
                "{}: coordinates differ",
                unit.code
            );
        }
    }
    // The ancestor codes of a cell are its chain of parents.
    let cells = gpkg.layer("cells").unwrap();
    let first = cells.features().unwrap().next().unwrap().unwrap();
    let village = first.value("village_code").unwrap().as_str().unwrap();
    let township = first.value("township_code").unwrap().as_str().unwrap();
    let district = first.value("district_code").unwrap().as_str().unwrap();
    assert_eq!(first.value("parent").unwrap().as_str(), Some(village));
    assert!(village.starts_with(township) && township.starts_with(district));
    let v = units.iter().find(|u| u.code.as_str() == village).unwrap();
    assert_eq!(v.parent.as_ref().unwrap().as_str(), township);
}

#[test]
fn geojson_of_the_same_tables_reads_back_to_the_same_units() {
    let units = city();
    let t = tables(&units, &[Level::Cell], &CodeLayout::default());
    let text = table_geojson(&t[0], Crs::Wgs84).unwrap();
    let back = parse_units(&text, "cells", &ReadOptions::default()).unwrap();
    let cells: Vec<&Unit> = t[0].rows.iter().map(|r| r.unit).collect();
    assert_eq!(back.units.len(), cells.len());
    for (b, u) in back.units.iter().zip(cells) {
        assert_eq!(
            (&b.code, &b.name, b.level, &b.parent),
            (&u.code, &u.name, u.level, &u.parent)
        );
        assert_eq!(
            b.attributes.get("households"),
            u.attributes.get("households")
        );
        for (p, q) in b.geometry.0.iter().zip(&u.geometry.0) {
            for (a, c) in p.exterior().0.iter().zip(&q.exterior().0) {
                // Written to 9 decimals.
                assert!((a.x - c.x).abs() <= 5e-10 && (a.y - c.y).abs() <= 5e-10);
            }
        }
    }
}

#[test]
fn cgcs2000_and_gauss_kruger_are_registered_by_their_epsg_codes() {
    let units = city();
    let (path, _) = write(&units, "cgcs2000.gpkg", Crs::Cgcs2000);
    let gpkg = GeoPackage::open_read_only(&path).unwrap();
    assert_eq!(
        gpkg.layer("cells")
            .unwrap()
            .geometry_column()
            .unwrap()
            .srs_id,
        4490
    );

    let gk = Crs::from_epsg(4545).unwrap();
    let (path, _) = write(&units, "gk.gpkg", gk);
    let gpkg = GeoPackage::open_read_only(&path).unwrap();
    let layer = gpkg.layer("districts").unwrap();
    assert_eq!(layer.geometry_column().unwrap().srs_id, 4545);
    let transform = Transform::new(gk).unwrap();
    let feature = layer.features().unwrap().next().unwrap().unwrap();
    let Some(Geometry::MultiPolygon(mp)) = feature.geometry().unwrap().and_then(|g| g.to_geo())
    else {
        panic!("no multipolygon")
    };
    let district = units.iter().find(|u| u.level == Level::District).unwrap();
    let (e, n) = (mp.0[0].exterior().0[0].x, mp.0[0].exterior().0[0].y);
    let (lon, lat) = transform.to_wgs84(e, n).unwrap();
    let c = district.geometry.0[0].exterior().0[0];
    assert!(
        (lon - c.x).abs() < 1e-8 && (lat - c.y).abs() < 1e-8,
        "{lon} {lat} vs {c:?}"
    );
}

#[test]
fn a_crs_without_an_epsg_code_is_refused_before_anything_is_written() {
    let units = city();
    let path = out("gcj02.gpkg");
    let t = tables(&units, &[Level::Cell], &CodeLayout::default());
    let pending = Pending::new(&path, false).unwrap();
    let msg = write_gpkg(&pending, &t, Crs::Gcj02, None, || {})
        .unwrap_err()
        .to_string();
    assert!(
        msg.starts_with(&format!("{}: gcj02 has no EPSG code", path.display())),
        "{msg}"
    );
    drop(pending);
    assert!(!path.exists());
}

#[test]
fn a_failed_write_through_a_pending_file_leaves_nothing() {
    let units = city();
    let dest = out("failed.gpkg");
    let t = tables(&units, &[Level::Cell], &CodeLayout::default());
    let pending = Pending::new(&dest, false).unwrap();
    // Web Mercator cannot hold a pole; make one cell reach it.
    let mut far = t[0].rows[0].unit.clone();
    far.geometry.0[0].exterior_mut(|r| r.0[1].y = 89.9);
    let mut broken = t.clone();
    broken[0].rows[0].unit = &far;
    let err = write_gpkg(&pending, &broken, Crs::WebMercator, None, || {}).unwrap_err();
    assert!(
        err.to_string().starts_with(&format!(
            "unit {}: cannot be written in epsg:3857",
            far.code
        )),
        "{err}"
    );
    drop(pending);
    assert!(!dest.exists());
    let folder = dest.parent().unwrap();
    let leftovers: Vec<_> = std::fs::read_dir(folder)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains("failed.gpkg"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}
