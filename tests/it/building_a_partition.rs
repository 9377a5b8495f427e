//! `citygrid build` from the command line: a clean partition from real districts,
//! clear refusals of broken input.

use crate::support::{run, tmp};

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Yunyan district alone (92 km²) as its own city, by area: about 90 cells.
fn yunyan() -> (std::path::PathBuf, std::path::PathBuf) {
    let text =
        std::fs::read_to_string(crate::support::root().join("data/guiyang/districts.geojson"))
            .unwrap();
    let mut fc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let features = fc["features"].as_array_mut().unwrap();
    features.retain(|f| f["properties"]["code"] == "520103");
    let district = tmp("yunyan.geojson");
    std::fs::write(&district, fc.to_string()).unwrap();
    let mut city = fc.clone();
    let p = &mut city["features"][0]["properties"];
    p["code"] = "520100".into();
    p["level"] = "city".into();
    p["name"] = "贵阳市".into();
    p.as_object_mut().unwrap().remove("parent");
    let city_path = tmp("yunyan-city.geojson");
    std::fs::write(&city_path, city.to_string()).unwrap();
    (city_path, district)
}

#[test]
fn a_district_divided_by_area_checks_clean() {
    let (city, district) = yunyan();
    let out_path = tmp("yunyan-cells.geojson");
    let out = run(&[
        "build",
        "--city",
        city.to_str().unwrap(),
        "--units",
        district.to_str().unwrap(),
        "--cell-area-km2",
        "1",
        "--resolution",
        "10",
        "-o",
        out_path.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("units: 1 city, 1 district"), "{err}");
    assert!(err.contains("compactness"), "{err}");
    let check = run(&[
        "check",
        out_path.to_str().unwrap(),
        "--boundary",
        city.to_str().unwrap(),
    ]);
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );
    let text = std::fs::read_to_string(&out_path).unwrap();
    let cells = text.matches("\"level\":\"cell\"").count();
    assert!((85..=100).contains(&cells), "{cells} cells");
}

#[test]
fn broken_input_is_refused_with_a_pointer_to_fix() {
    let (city, district) = yunyan();
    // Shift the district east by 100 m: it overlaps nothing but leaves the city.
    let text = std::fs::read_to_string(&district).unwrap();
    let mut fc: serde_json::Value = serde_json::from_str(&text).unwrap();
    for poly in fc["features"][0]["geometry"]["coordinates"]
        .as_array_mut()
        .unwrap()
    {
        for ring in poly.as_array_mut().unwrap() {
            for c in ring.as_array_mut().unwrap() {
                c[0] = (c[0].as_f64().unwrap() + 0.001).into();
            }
        }
    }
    let moved = tmp("yunyan-moved.geojson");
    std::fs::write(&moved, fc.to_string()).unwrap();
    let out_path = tmp("never-written.geojson");
    let out = run(&[
        "build",
        "--city",
        city.to_str().unwrap(),
        "--units",
        moved.to_str().unwrap(),
        "-o",
        out_path.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("not a clean partition") && err.contains("citygrid fix"),
        "{err}"
    );
    assert!(!out_path.exists());
}

#[test]
fn a_township_list_naming_an_unknown_district_is_refused() {
    let (city, district) = yunyan();
    let csv = tmp("townships.csv");
    std::fs::write(&csv, "code,name,areaCode\n520199001,某街道,520199\n").unwrap();
    let out = run(&[
        "build",
        "--city",
        city.to_str().unwrap(),
        "--units",
        district.to_str().unwrap(),
        "--township-names",
        csv.to_str().unwrap(),
        "-o",
        tmp("x.geojson").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("district 520199, which is not in the input"),
        "{}",
        stderr(&out)
    );
}
