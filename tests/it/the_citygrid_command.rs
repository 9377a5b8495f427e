//! The `citygrid` binary as users run it: exit statuses, formats, and messages.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::support::{citygrid, root, run, tmp};

const CELLS: &str = r#"{"type":"FeatureCollection","features":[
 {"type":"Feature","properties":{"code":"520102001001001"},"geometry":{"type":"Polygon","coordinates":[[[106.700,26.600],[106.701,26.600],[106.701,26.601],[106.700,26.601],[106.700,26.600]]]}},
 {"type":"Feature","properties":{"code":"520102001001002"},"geometry":{"type":"Polygon","coordinates":[[[106.7005,26.600],[106.7015,26.600],[106.7015,26.601],[106.7005,26.601],[106.7005,26.600]]]}}
]}"#;

#[test]
fn a_valid_partition_exits_0() {
    let out = run(&[
        "check",
        "data/guiyang/districts.geojson",
        "--boundary",
        "data/guiyang/city.geojson",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("10 units") && text.contains("valid"),
        "{text}"
    );
}

#[test]
fn a_broken_partition_exits_1_with_a_json_report_naming_cells_and_sizes() {
    let path = tmp("overlap.geojson");
    std::fs::write(&path, CELLS).unwrap();
    let out = run(&["check", path.to_str().unwrap(), "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["valid"], false);
    assert_eq!(report["cells"], 2);
    let overlap = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["rule"] == "overlap")
        .expect("an overlap");
    assert_eq!(
        overlap["cells"],
        serde_json::json!(["520102001001001", "520102001001002"])
    );
    assert_eq!(overlap["size"]["unit"], "m2");
    // Half a cell of 0.001° x 0.001° at 26.6°N: 0.5 x 99.6 m x 110.8 m.
    let area = overlap["size"]["value"].as_f64().unwrap();
    assert!((area - 0.5 * 99.58 * 110.79).abs() < 30.0, "{area}");
    assert_eq!(overlap["location"]["type"], "MultiPolygon");
}

#[test]
fn the_geojson_report_opens_as_a_feature_collection() {
    let path = tmp("overlap2.geojson");
    std::fs::write(&path, CELLS).unwrap();
    let report = tmp("report.geojson");
    let out = run(&[
        "check",
        path.to_str().unwrap(),
        "--format",
        "geojson",
        "-o",
        report.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let fc: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(fc["type"], "FeatureCollection");
    let first = &fc["features"][0];
    assert!(first["properties"]["rule"].is_string());
    assert_eq!(
        first["properties"]["cells"],
        "520102001001001,520102001001002"
    );
}

#[test]
fn unreadable_input_exits_2_naming_file_and_place() {
    let path = tmp("broken.geojson");
    std::fs::write(
        &path,
        "{\"type\": \"FeatureCollection\",\n \"features\": [ {,] }",
    )
    .unwrap();
    let out = run(&["check", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("broken.geojson: not valid GeoJSON at line 2"),
        "{err}"
    );

    let missing = run(&["check", "no/such/file.geojson"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no/such/file.geojson"));

    let projected = tmp("projected.geojson");
    std::fs::write(
        &projected,
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"520102001001001"},"geometry":{"type":"Polygon","coordinates":[[[500000,2940000],[500100,2940000],[500100,2940100],[500000,2940000]]]}}]}"#,
    )
    .unwrap();
    let out = run(&["check", projected.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("out of range for wgs84") && err.contains("feature 0"),
        "{err}"
    );
    // The same numbers are fine as the Gauss-Kruger zone they are in.
    let out = run(&[
        "check",
        projected.to_str().unwrap(),
        "--crs",
        "epsg:4545",
        "--min-area",
        "0",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn convert_round_trips_gcj02_through_wgs84() {
    let gcj = root().join("tests/data/guiyang-amap/520103.geojson");
    let (wgs, back) = (tmp("wgs.geojson"), tmp("back.geojson"));
    let a = run(&[
        "convert",
        gcj.to_str().unwrap(),
        wgs.to_str().unwrap(),
        "--from",
        "gcj02",
        "--to",
        "wgs84",
    ]);
    assert!(a.status.success(), "{}", String::from_utf8_lossy(&a.stderr));
    let b = run(&[
        "convert",
        wgs.to_str().unwrap(),
        back.to_str().unwrap(),
        "--to",
        "gcj02",
    ]);
    assert!(b.status.success(), "{}", String::from_utf8_lossy(&b.stderr));
    let coords = |p: &Path| -> Vec<f64> {
        let v: Value = serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
        let mut out = Vec::new();
        fn walk(v: &Value, out: &mut Vec<f64>) {
            match v {
                Value::Number(n) => out.push(n.as_f64().unwrap()),
                Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
                _ => {}
            }
        }
        walk(&v["coordinates"], &mut out);
        out
    };
    let (orig, round) = (coords(&gcj), coords(&back));
    assert_eq!(orig.len(), round.len());
    let worst = orig
        .iter()
        .zip(&round)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    assert!(worst < 1e-8, "worst round-trip error {worst}°");
    // The WGS84 copy carries no crs member; the GCJ-02 one cannot be named in GeoJSON either.
    let w: Value = serde_json::from_str(&std::fs::read_to_string(&wgs).unwrap()).unwrap();
    assert!(w.get("crs").is_none());
}

#[test]
fn help_teaches_with_examples() {
    let out = run(&["check", "--help"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("Exit status") && text.contains("--boundary") && text.contains("Examples"),
        "{text}"
    );
}

#[test]
fn export_tiles_writes_an_archive_with_its_largest_tiles() {
    let city = tmp("export-city.geojson");
    let synth = PathBuf::from(citygrid().get_program()).with_file_name("synth-city");
    let made = Command::new(synth)
        .args([
            city.to_str().unwrap(),
            "--cells",
            "150",
            "--vertices",
            "20",
            "--extent-km",
            "12",
        ])
        .output()
        .unwrap();
    assert!(made.status.success());
    let out = tmp("city.mbtiles");
    let done = run(&[
        "export",
        "tiles",
        "--format",
        "mbtiles",
        "--minzoom",
        "8",
        "--maxzoom",
        "13",
        "--partition",
        city.to_str().unwrap(),
        out.to_str().unwrap(),
    ]);
    let text = String::from_utf8_lossy(&done.stdout);
    assert_eq!(
        done.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    assert!(text.contains("largest tile"), "{text}");
    let size = std::fs::metadata(&out).unwrap().len();
    assert!(size > 10_000, "{size} bytes");
    let refused = run(&["export", "tiles", "--format", "zip", out.to_str().unwrap()]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("expected pmtiles or mbtiles"));
}
