//! Every file a command writes appears whole or not at all: it is written beside
//! its destination and renamed over it, so a command that fails leaves no file (and
//! no temporary file) behind, and an old file stays as it was until the new one is
//! complete. (The archives of `export tiles`: `crates/archive/tests/replacing.rs`.)

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

use crate::support::{run, tmp};

/// An empty folder of the test's own.
fn folder(name: &str) -> PathBuf {
    let dir = tmp(name);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn json(p: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

fn exits(out: &Output, code: i32) -> String {
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(code), "{err}");
    err
}

#[test]
fn check_convert_and_fix_replace_old_outputs_whole() {
    let dir = folder("replaced");
    let [report, converted, fixed, changes] = [
        "report.json",
        "converted.geojson",
        "fixed.geojson",
        "changes.geojson",
    ]
    .map(|n| dir.join(n));
    for p in [&report, &converted, &fixed, &changes] {
        std::fs::write(p, "old").unwrap();
    }
    let districts = [
        "data/guiyang/districts.geojson",
        "--boundary",
        "data/guiyang/city.geojson",
    ];

    let mut check = vec!["check"];
    check.extend(districts);
    check.extend(["--format", "json", "-o", path(&report)]);
    exits(&run(&check), 0);
    assert_eq!(json(&report)["valid"], true);

    let gcj = "tests/data/guiyang-amap/520103.geojson";
    exits(
        &run(&["convert", gcj, path(&converted), "--from", "gcj02"]),
        0,
    );
    assert_eq!(json(&converted)["type"], "MultiPolygon");

    let mut fix = vec!["fix"];
    fix.extend(districts);
    fix.extend(["--out", path(&fixed), "--report", path(&changes)]);
    exits(&run(&fix), 0);
    assert_eq!(json(&fixed)["features"].as_array().unwrap().len(), 10);
    assert_eq!(json(&changes)["type"], "FeatureCollection");

    assert_eq!(
        entries(&dir),
        [
            "changes.geojson",
            "converted.geojson",
            "fixed.geojson",
            "report.json"
        ]
    );
}

#[test]
fn a_command_that_cannot_write_leaves_nothing_behind() {
    let dir = folder("unwritable");
    let fixed = dir.join("fixed.geojson");
    std::fs::write(&fixed, "old").unwrap();
    let nowhere = dir.join("no/such/changes.geojson");

    // The report cannot be written: refused before the repair, the old output kept.
    let err = exits(
        &run(&[
            "fix",
            "data/guiyang/districts.geojson",
            "--out",
            path(&fixed),
            "--report",
            path(&nowhere),
        ]),
        2,
    );
    assert!(err.contains("no/such does not exist"), "{err}");

    let err = exits(
        &run(&["check", "data/guiyang/districts.geojson", "-o", path(&dir)]),
        2,
    );
    assert!(err.contains("is a folder"), "{err}");

    let gcj = "tests/data/guiyang-amap/520103.geojson";
    let err = exits(
        &run(&["convert", gcj, path(&nowhere), "--from", "gcj02"]),
        2,
    );
    assert!(err.contains("no/such does not exist"), "{err}");

    assert_eq!(entries(&dir), ["fixed.geojson"]);
    assert_eq!(std::fs::read_to_string(&fixed).unwrap(), "old");
}
