//! `citygrid export cells` as GIS staff run it: a generated city to GeoPackage and
//! GeoJSON, read back with other readers; refusals that keep files safe.

use std::path::{Path, PathBuf};
use std::process::Output;

use geo_types::Geometry;
use geopackage::{GeoPackage, ValueRef};

use citygrid_crs::Crs;
use citygrid_io::{ReadOptions, read_units, units_geojson};
use citygrid_model::{Level, Unit};
use citygrid_synth::SynthCity;

use crate::support::{citygrid, run, tmp};

/// A generated city written as a partition file, and its units as read back.
fn city(name: &str) -> (PathBuf, Vec<Unit>) {
    let path = tmp(name);
    let units = SynthCity::new(21)
        .cells(400)
        .vertices_per_cell(24)
        .generate();
    std::fs::write(&path, units_geojson(&units, Crs::Wgs84)).unwrap();
    let read = read_units(&path, &ReadOptions::default()).unwrap().units;
    (path, read)
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn failed(out: &Output) -> String {
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_geopackage_holds_one_layer_per_level_with_exact_coordinates() {
    let (partition, units) = city("gpkg-city.geojson");
    let gpkg_path = tmp("city.gpkg");
    let said = ok(&run(&[
        "export",
        "cells",
        s(&gpkg_path),
        "--partition",
        s(&partition),
    ]));
    let cells = units.iter().filter(|u| u.level == Level::Cell).count();
    assert!(said.contains(&format!("cells {cells} in wgs84")), "{said}");
    let gpkg = GeoPackage::open_read_only(&gpkg_path).unwrap();
    for (level, layer) in [
        (Level::City, "city"),
        (Level::District, "districts"),
        (Level::Township, "townships"),
        (Level::Village, "villages"),
        (Level::Cell, "cells"),
    ] {
        let mut expected: Vec<&Unit> = units.iter().filter(|u| u.level == level).collect();
        expected.sort_by(|a, b| a.code.cmp(&b.code));
        let layer = gpkg.layer(layer).unwrap();
        assert_eq!(layer.geometry_column().unwrap().srs_id, 4326);
        assert_eq!(layer.count().unwrap(), expected.len() as u64);
        for (f, u) in layer.features().unwrap().zip(expected) {
            let f = f.unwrap();
            assert_eq!(f.value("code"), Some(ValueRef::Text(u.code.as_str())));
            assert_eq!(
                f.value("households").and_then(|v| v.as_i64()),
                Some(match u.attributes.get("households") {
                    Some(citygrid_model::AttrValue::Number(n)) => *n as i64,
                    other => panic!("{other:?}"),
                })
            );
            assert_eq!(
                f.geometry().unwrap().and_then(|g| g.to_geo()),
                Some(Geometry::MultiPolygon(u.geometry.clone()))
            );
        }
    }
}

#[test]
fn geojson_of_every_level_goes_to_one_file_per_level() {
    let (partition, units) = city("gj-city.geojson");
    let out = tmp("levels.geojson");
    ok(&run(&[
        "export",
        "cells",
        s(&out),
        "--partition",
        s(&partition),
        "--level",
        "all",
    ]));
    assert!(!out.exists(), "with every level, OUT itself is not written");
    for (level, name) in [
        (Level::City, "levels-city.geojson"),
        (Level::District, "levels-districts.geojson"),
        (Level::Village, "levels-villages.geojson"),
        (Level::Cell, "levels-cells.geojson"),
    ] {
        let back = read_units(&tmp(name), &ReadOptions::default())
            .unwrap()
            .units;
        assert_eq!(
            back.len(),
            units.iter().filter(|u| u.level == level).count(),
            "{name}"
        );
        assert!(back.iter().all(|u| u.level == level));
    }
    // One level by default: cells, to OUT itself, with their ancestors' codes.
    let cells = tmp("only-cells.geojson");
    ok(&run(&[
        "export",
        "cells",
        s(&cells),
        "--partition",
        s(&partition),
    ]));
    let fc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&cells).unwrap()).unwrap();
    let props = &fc["features"][0]["properties"];
    let code = props["code"].as_str().unwrap();
    assert_eq!(props["village_code"].as_str(), Some(&code[..12]));
    assert_eq!(props["district_code"].as_str(), Some(&code[..6]));
    assert!(props["area_m2"].as_f64().unwrap() > 0.0);
}

#[test]
fn an_existing_file_is_kept_unless_forced() {
    let (partition, _) = city("force-city.geojson");
    let out = tmp("kept.gpkg");
    std::fs::write(&out, "not yet a geopackage").unwrap();
    let err = failed(&run(&[
        "export",
        "cells",
        s(&out),
        "--partition",
        s(&partition),
    ]));
    assert!(
        err.contains("kept.gpkg already exists; pass --force to replace it"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        "not yet a geopackage"
    );
    ok(&run(&[
        "export",
        "cells",
        s(&out),
        "--partition",
        s(&partition),
        "--force",
    ]));
    assert!(GeoPackage::open_read_only(&out).is_ok());
    let folder = out.parent().unwrap();
    let temporaries = std::fs::read_dir(folder)
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .count();
    assert_eq!(temporaries, 0);
}

#[test]
fn bad_input_is_named_and_nothing_is_written() {
    let (partition, _) = city("bad-city.geojson");
    let out = tmp("never.gpkg");
    let err = failed(&run(&[
        "export",
        "cells",
        s(&out),
        "--partition",
        s(&partition),
        "--level",
        "block",
    ]));
    assert!(err.contains("unknown level \"block\""), "{err}");
    let err = failed(&run(&[
        "export",
        "cells",
        s(&out),
        "--partition",
        s(&partition),
        "--crs",
        "gcj02",
    ]));
    assert!(err.contains("never.gpkg: gcj02 has no EPSG code"), "{err}");
    let broken = tmp("broken-partition.geojson");
    std::fs::write(
        &broken,
        "{\"type\": \"FeatureCollection\",\n \"features\": [ {,] }",
    )
    .unwrap();
    let err = failed(&run(&[
        "export",
        "cells",
        s(&out),
        "--partition",
        s(&broken),
    ]));
    assert!(
        err.contains("broken-partition.geojson: not valid GeoJSON at line 2"),
        "{err}"
    );
    let err = failed(&run(&[
        "export",
        "cells",
        s(&tmp("no/such/folder/x.gpkg")),
        "--partition",
        s(&partition),
    ]));
    assert!(
        err.contains("the folder") && err.contains("does not exist"),
        "{err}"
    );
    assert!(!out.exists());
}

#[test]
fn without_a_partition_it_says_where_the_demo_city_should_be() {
    let empty = tmp("empty-folder");
    std::fs::create_dir_all(&empty).unwrap();
    let out = citygrid()
        .args(["export", "cells", "x.gpkg"])
        .current_dir(&empty)
        .output()
        .unwrap();
    let err = failed(&out);
    assert!(
        err.contains("data/guiyang/partition.geojson.gz") && err.contains("--partition FILE"),
        "{err}"
    );
}

#[test]
fn the_real_guiyang_districts_export_in_cgcs2000() {
    let out = tmp("guiyang-districts.gpkg");
    ok(&run(&[
        "export",
        "cells",
        s(&out),
        "--partition",
        "data/guiyang/districts.geojson",
        "--crs",
        "cgcs2000",
    ]));
    let gpkg = GeoPackage::open_read_only(&out).unwrap();
    let layer = gpkg.layer("districts").unwrap();
    assert_eq!(layer.geometry_column().unwrap().srs_id, 4490);
    assert_eq!(layer.count().unwrap(), 10);
    let nanming = layer
        .features()
        .unwrap()
        .map(Result::unwrap)
        .find(|f| f.value("code") == Some(ValueRef::Text("520102")))
        .unwrap();
    assert_eq!(nanming.value("name_en"), Some(ValueRef::Text("Nanming")));
    assert_eq!(nanming.value("parent"), Some(ValueRef::Text("520100")));
    // 205.3 km² by GEOS on the GCJ-02 source (shared/data/README.md).
    let km2 = nanming.value("area_m2").unwrap().as_f64().unwrap() / 1e6;
    assert!((km2 - 205.3).abs() < 0.5, "{km2}");
}

#[test]
fn help_teaches_with_examples() {
    let text = ok(&run(&["export", "cells", "--help"]));
    for needle in ["Examples", "--partition", "--level", "--force", "area_m2"] {
        assert!(text.contains(needle), "{needle}: {text}");
    }
}
