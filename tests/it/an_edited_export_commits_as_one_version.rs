//! `citygrid export cells --store`, an edit of the file (as QGIS makes it, through
//! the geopackage crate), `citygrid commit` and `citygrid revert`: what is
//! committed, what is refused and why, and what the store holds after.

use std::path::{Path, PathBuf};
use std::process::Output;

use geo::{Contains, Validation};
use geo_types::{Coord, Geometry, LineString, MultiPolygon, Polygon};
use geopackage::{Feature, FeatureWriter, GeoPackage, ValueRef};

use citygrid_model::{AttrValue, Level};

use crate::support::{generated_store, run, tmp};

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn said(out: &Output, status: i32) -> String {
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(status), "{text}");
    text
}

/// Version `version` (the head when `None`) of `store` exported to `name`.
fn export(store: &str, name: &str, crs: &str, version: Option<&str>) -> PathBuf {
    let out = tmp(name);
    let mut args = vec![
        "export",
        "cells",
        s(&out),
        "--store",
        store,
        "--crs",
        crs,
        "--force",
    ];
    if let Some(v) = version {
        args.extend(["--version", v]);
    }
    said(&run(&args), 0);
    out
}

fn commit(file: &Path, store: &str, extra: &[&str]) -> Output {
    let mut args = vec![
        "commit",
        s(file),
        "--store",
        store,
        "--message",
        "edited in QGIS",
    ];
    args.extend(extra);
    run(&args)
}

fn area(f: &Feature) -> MultiPolygon<f64> {
    match f.geometry().unwrap().and_then(|g| g.to_geo()) {
        Some(Geometry::MultiPolygon(mp)) => mp,
        other => panic!("{other:?}"),
    }
}

fn code(f: &Feature) -> String {
    f.value("code").unwrap().as_str().unwrap().to_string()
}

/// Edits the cells layer of `path` in one transaction, as QGIS saves an edit session.
fn edit(path: &Path, change: impl FnOnce(&[Feature], &mut FeatureWriter)) {
    let gpkg = GeoPackage::open(path).unwrap();
    let layer = gpkg.layer("cells").unwrap();
    let features: Vec<Feature> = layer.features().unwrap().map(|f| f.unwrap()).collect();
    let mut w = layer.writer().unwrap();
    change(&features, &mut w);
    w.commit().unwrap();
}

/// Sets households of the feature with `code`.
fn households(features: &[Feature], w: &mut FeatureWriter, code: &str, n: i64) {
    let f = features.iter().find(|f| self::code(f) == code).unwrap();
    w.update_column(f.fid(), "households", ValueRef::Integer(n))
        .unwrap();
}

/// A cell and its two halves along a chord between two of its vertices that runs
/// inside it, each half valid and at least a quarter of the cell.
fn splittable(features: &[Feature]) -> (usize, Polygon<f64>, Polygon<f64>) {
    for (k, f) in features.iter().enumerate() {
        let mp = area(f);
        let pts = &mp.0[0].exterior().0;
        let n = pts.len() - 1;
        for a in 0..n {
            for b in a + 2..n - usize::from(a == 0) {
                let chord = LineString(vec![pts[a], pts[b]]);
                let first: Vec<Coord<f64>> = pts[a..=b].iter().copied().chain([pts[a]]).collect();
                let second: Vec<Coord<f64>> = pts[b..n]
                    .iter()
                    .chain(&pts[..=a])
                    .copied()
                    .chain([pts[b]])
                    .collect();
                let halves = (
                    Polygon::new(LineString(first), vec![]),
                    Polygon::new(LineString(second), vec![]),
                );
                let big = |p: &Polygon<f64>| {
                    geo::Area::unsigned_area(p) > 0.25 * geo::Area::unsigned_area(&mp)
                };
                if mp.contains(&chord)
                    && halves.0.is_valid()
                    && halves.1.is_valid()
                    && big(&halves.0)
                    && big(&halves.1)
                {
                    return (k, halves.0, halves.1);
                }
            }
        }
    }
    panic!("no cell to split")
}

#[test]
fn an_untouched_export_commits_nothing_and_other_files_are_refused() {
    let (store, _) = generated_store("qgis-untouched.gpkg", 31, 40);
    let file = export(&store, "untouched.gpkg", "epsg:4545", None);
    let out = said(&commit(&file, &store, &[]), 0);
    assert!(out.contains("nothing changed since version 1"), "{out}");

    // A GeoPackage that did not come from a store has no version to compare with.
    let plain = tmp("plain.gpkg");
    let partition = tmp("plain.geojson");
    let units = citygrid_store::open(&store).unwrap().load(1).unwrap();
    let units: Vec<_> = units.units().iter().map(|u| (**u).clone()).collect();
    std::fs::write(
        &partition,
        citygrid_io::units_geojson(&units, citygrid_crs::Crs::Wgs84),
    )
    .unwrap();
    said(
        &run(&[
            "export",
            "cells",
            s(&plain),
            "--partition",
            s(&partition),
            "--force",
        ]),
        0,
    );
    let out = said(&commit(&plain, &store, &[]), 2);
    assert!(out.contains("was not exported from a store"), "{out}");

    // A version number means nothing in another store's history.
    let (other, _) = generated_store("qgis-other.gpkg", 32, 40);
    let out = said(&commit(&file, &other, &[]), 2);
    assert!(out.contains("was exported from another store"), "{out}");
}

#[test]
fn a_split_commits_after_a_dry_run_and_a_revert_brings_the_old_version_back() {
    let (store, handle) = generated_store("qgis-split.gpkg", 33, 40);
    let file = export(&store, "split.gpkg", "wgs84", None);
    let mut split = String::new();
    edit(&file, |features, w| {
        let (k, first, second) = splittable(features);
        split = code(&features[k]);
        let values: Vec<ValueRef> = features[k].values().collect();
        w.update(features[k].fid(), &MultiPolygon(vec![first]), &values)
            .unwrap();
        w.insert(None, &MultiPolygon(vec![second]), &values)
            .unwrap();
    });

    let out = said(&commit(&file, &store, &["--dry-run"]), 0);
    assert!(out.contains("dry run: would be version 2"), "{out}");
    assert_eq!(handle.head().unwrap(), 1);

    let out = said(&commit(&file, &store, &["--author", "王芳"]), 0);
    assert!(out.contains("version 2 by 王芳"), "{out}");
    let v2 = handle.version(2).unwrap();
    assert_eq!(
        v2.changed.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
        [split.as_str()]
    );
    let [new] = v2.created.as_slice() else {
        panic!("{:?}", v2.created)
    };
    assert!(
        out.contains(&format!("new cell {new}: cells feature")),
        "{out}"
    );
    assert_eq!(&new.as_str()[..12], &split[..12], "the same village");
    let head = handle.load(2).unwrap();
    let part = head.get(new).unwrap();
    assert!(
        part.attributes.is_empty(),
        "QGIS's copied values are not inherited"
    );
    // The request kept with the version says where the edit came from.
    let log = v2.request.unwrap();
    assert_eq!(log["op"], "commit");
    assert_eq!(log["added"][0]["split_from"], split.as_str());

    // `citygrid diff` says what the split changed and how much land moved.
    let out = said(
        &run(&["diff", "--store", &store, "--from", "1", "--to", "2"]),
        0,
    );
    assert!(
        out.contains(&format!("{split} ")) && out.contains("changed"),
        "{out}"
    );
    assert!(
        out.contains(&format!("{new} ")) && out.contains("created"),
        "{out}"
    );
    assert!(out.contains(&format!("{split} -> {new}: ")), "{out}");
    let geojson = tmp("split-diff.geojson");
    let out = said(
        &run(&[
            "diff",
            "--store",
            &store,
            "--from",
            "1",
            "--format",
            "json",
            "--output",
            s(&geojson),
        ]),
        0,
    );
    let printed: serde_json::Value = serde_json::from_str(&out).unwrap();
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&geojson).unwrap()).unwrap();
    assert_eq!(printed, written);
    assert_eq!(printed["to"], 2, "the head by default");
    let moved = printed["moved"].as_array().unwrap();
    let cell_moved = moved
        .iter()
        .find(|m| m["level"] == "cell" && m["from"] == split.as_str())
        .unwrap();
    let new_area = printed["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["properties"]["code"] == new.as_str())
        .unwrap()["properties"]["area_m2"]
        .as_f64()
        .unwrap();
    let m2 = cell_moved["m2"].as_f64().unwrap();
    assert!(
        (m2 - new_area).abs() <= 1e-3 * new_area,
        "{m2} vs {new_area}"
    );
    let out = said(&run(&["diff", "--store", &store, "--from", "9"]), 2);
    assert!(out.contains("there is no version 9"), "{out}");

    // Again: the file is out of date, and says so by being a conflict.
    let out = said(&commit(&file, &store, &[]), 1);
    assert!(
        out.contains("changed since version 1") && out.contains("export the head again"),
        "{out}"
    );

    let out = said(
        &run(&[
            "revert",
            "--store",
            &store,
            "--to",
            "1",
            "--message",
            "undo",
        ]),
        0,
    );
    assert!(
        out.contains("version 3") && out.contains("equal to version 1 again"),
        "{out}"
    );
    let (v1, v3) = (handle.load(1).unwrap(), handle.load(3).unwrap());
    assert_eq!(v3.units().len(), v1.units().len());
    for u in v1.units() {
        assert_eq!(v3.get(&u.code).map(|x| &**x), Some(&**u));
    }
    assert_eq!(
        handle.version(3).unwrap().retired,
        std::slice::from_ref(new)
    );
}

#[test]
fn an_old_export_commits_on_the_head_unless_what_it_touches_changed_since() {
    let (store, handle) = generated_store("qgis-conflict.gpkg", 34, 40);
    let first = export(&store, "first.gpkg", "epsg:4545", None);
    let second = export(&store, "second.gpkg", "epsg:4545", Some("1"));
    let v1 = handle.load(1).unwrap();
    let cells: Vec<_> = v1.level_ids(Level::Cell).map(|id| v1.unit(id)).collect();
    let x = cells[0].code.to_string();
    // A cell far from x: no vertex in common.
    let vertices = |g: &MultiPolygon<f64>| -> Vec<Coord<f64>> { g.0[0].exterior().0.clone() };
    let near = vertices(&cells[0].geometry);
    let far = cells
        .iter()
        .find(|c| !vertices(&c.geometry).iter().any(|v| near.contains(v)))
        .unwrap()
        .code
        .to_string();

    edit(&first, |features, w| households(features, w, &x, 500));
    said(&commit(&first, &store, &[]), 0);

    edit(&second, |features, w| households(features, w, &x, 600));
    let out = said(&commit(&second, &store, &[]), 1);
    assert!(
        out.contains(&format!(
            "1 unit this edit touches changed since version 1 (the head is 2): {x}"
        )),
        "{out}"
    );
    assert_eq!(handle.head().unwrap(), 2);

    // Undo the clash in the old export: what is left touches nothing that changed.
    edit(&second, |features, w| {
        let was = match &cells[0].attributes["households"] {
            AttrValue::Number(n) => *n as i64,
            other => panic!("{other:?}"),
        };
        households(features, w, &x, was);
        households(features, w, &far, 42);
    });
    let out = said(&commit(&second, &store, &[]), 0);
    assert!(out.contains("version 3"), "{out}");
    let v3 = handle.load(3).unwrap();
    let hh = |code: &str| v3.get(&code.parse().unwrap()).unwrap().attributes["households"].clone();
    assert_eq!(
        (hh(&x), hh(&far)),
        (AttrValue::Number(500.0), AttrValue::Number(42.0))
    );
}

#[test]
fn a_deleted_cell_leaves_a_gap_that_is_refused_with_a_problems_layer() {
    let (store, handle) = generated_store("qgis-gap.gpkg", 35, 40);
    let file = export(&store, "gap.gpkg", "epsg:4545", None);
    let mut deleted = String::new();
    edit(&file, |features, w| {
        deleted = code(&features[5]);
        w.delete(features[5].fid()).unwrap();
    });
    let before = std::fs::read(&store).unwrap();
    let problems = tmp("gap-problems.gpkg");
    let out = said(&commit(&file, &store, &["--problems", s(&problems)]), 1);
    assert!(out.contains("refused") && out.contains("gap"), "{out}");
    assert_eq!(handle.head().unwrap(), 1);
    assert_eq!(
        std::fs::read(&store).unwrap(),
        before,
        "the store is as it was"
    );

    let gpkg = GeoPackage::open_read_only(&problems).unwrap();
    let layer = gpkg.layer("problems_areas").unwrap();
    assert_eq!(layer.geometry_column().unwrap().srs_id, 4545);
    let gaps: Vec<Feature> = layer
        .features()
        .unwrap()
        .map(|f| f.unwrap())
        .filter(|f| f.value("rule").and_then(|v| v.as_str()) == Some("gap"))
        .collect();
    assert!(!gaps.is_empty());
    assert!(
        gaps.iter().any(|g| g
            .value("message")
            .and_then(|v| v.as_str())
            .is_some_and(|m| m.contains("gap"))),
        "{deleted}"
    );

    // The problems file must not be the edited file.
    let out = said(&commit(&file, &store, &["--problems", s(&file)]), 2);
    assert!(out.contains("is the edited file"), "{out}");
}
