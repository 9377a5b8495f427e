use std::io::Write;

use citygrid_crs::{Crs, Transform};
use citygrid_model::{FieldType, FieldValue};

use super::*;

fn file(name: &str, text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::File::create(&path)
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    (dir, path)
}

#[test]
fn csv_fields_get_the_narrowest_type_and_times_read_at_the_offset() {
    let (_d, path) = file(
        "events.csv",
        "\u{feff}lon,lat,kind,persons,share,received,note\n\
         106.7,26.5,noise,3,0.5,2026-03-01 08:00,\"a, quoted\nline\"\n\
         106.71,26.51,litter,,2,2026-03-01T00:00:00Z,\n",
    );
    let read = read_entities(&path, &EntityOptions::default()).unwrap();
    let kinds: Vec<(&str, FieldType)> = read
        .schema
        .fields
        .iter()
        .map(|f| (f.name.as_str(), f.kind))
        .collect();
    assert_eq!(
        kinds,
        [
            ("kind", FieldType::Text),
            ("persons", FieldType::Integer),
            ("share", FieldType::Real),
            ("received", FieldType::Time),
            ("note", FieldType::Text)
        ]
    );
    assert_eq!(read.entities.len(), 2);
    let first = &read.entities[0];
    assert_eq!((first.id, first.lon, first.lat), (1, 106.7, 26.5));
    // 08:00 in China is midnight UTC: the same instant as the second row's
    assert_eq!(first.values[3], read.entities[1].values[3]);
    assert_eq!(first.values[3], FieldValue::Time(1_772_323_200));
    assert_eq!(first.values[4], FieldValue::Text("a, quoted\nline".into()));
    assert_eq!(read.entities[1].values[1], FieldValue::Null);
    assert_eq!(read.entities[1].values[2], FieldValue::Real(2.0));
}

#[test]
fn bad_rows_are_named_by_line_and_skipped_only_when_asked() {
    // the quoted field spans two lines: the bad row after it is on line 5
    let (_d, path) = file(
        "houses.csv",
        "x,y,persons\n106.7,26.5,1\n106.7,26.5,\"2.5\n\"\n106.7,north,3\n106.7,26.5,4,extra\nNaN,26.5,5\n",
    );
    let options = EntityOptions {
        x_field: "x".into(),
        y_field: "y".into(),
        types: vec![("persons".into(), FieldType::Integer)],
        ..EntityOptions::default()
    };
    let refused = read_entities(&path, &options).unwrap_err().to_string();
    assert!(refused.contains("4 bad rows"), "{refused}");
    assert!(
        refused.contains("line 3: persons \"2.5\" is not a whole number"),
        "{refused}"
    );
    assert!(
        refused.contains("line 5: y \"north\" is not a number"),
        "{refused}"
    );
    assert!(
        refused.contains("line 6: 4 columns where the header has 3"),
        "{refused}"
    );
    assert!(
        refused.contains("line 7: x \"NaN\" is not a number"),
        "{refused}"
    );
    let skipped = read_entities(
        &path,
        &EntityOptions {
            skip_bad: true,
            ..options
        },
    )
    .unwrap();
    assert_eq!(skipped.entities.len(), 1);
    assert_eq!(skipped.bad.len(), 4);
    let missing = read_entities(&path, &EntityOptions::default())
        .unwrap_err()
        .to_string();
    assert!(missing.contains("no column \"lon\""), "{missing}");
}

#[test]
fn geojson_points_in_gcj02_come_out_in_wgs84() {
    let t = Transform::new(Crs::Gcj02).unwrap();
    let (x, y) = t.from_wgs84(106.7, 26.5).unwrap();
    let (_d, path) = file(
        "reports.geojson",
        &format!(
            r#"{{"type": "FeatureCollection", "features": [
              {{"type": "Feature", "geometry": {{"type": "Point", "coordinates": [{x}, {y}]}},
               "properties": {{"category": "noise", "count": 2}}}},
              {{"type": "Feature", "geometry": {{"type": "LineString", "coordinates": [[0, 0], [1, 1]]}},
               "properties": {{"category": "litter"}}}}]}}"#
        ),
    );
    let options = EntityOptions {
        crs: Some(Crs::Gcj02),
        category: Some("category".into()),
        skip_bad: true,
        ..EntityOptions::default()
    };
    let read = read_entities(&path, &options).unwrap();
    assert_eq!(read.entities.len(), 1);
    assert!(
        (read.entities[0].lon - 106.7).abs() < 1e-7 && (read.entities[0].lat - 26.5).abs() < 1e-7
    );
    assert_eq!(read.bad[0].place, "feature 1");
    assert!(read.bad[0].reason.contains("LineString"));
    assert_eq!(read.schema.category.as_deref(), Some("category"));
    let wrong = EntityOptions {
        weight: Some("nothing".into()),
        ..EntityOptions::default()
    };
    assert!(
        read_entities(&path, &wrong)
            .unwrap_err()
            .to_string()
            .contains("no field \"nothing\"")
    );
}

#[test]
fn json_properties_must_fit_the_layer() {
    let read = {
        let (_d, path) = file(
            "a.csv",
            "lon,lat,kind,persons,received\n106.7,26.5,a,1,2026-03-01\n",
        );
        read_entities(&path, &EntityOptions::default()).unwrap()
    };
    let props = |v: serde_json::Value| v.as_object().unwrap().clone();
    let ok = values_from_json(
        &read.schema,
        &props(serde_json::json!({"kind": "b", "received": "2026-03-02T00:00:00+08:00"})),
        0,
    )
    .unwrap();
    assert_eq!(ok[0], FieldValue::Text("b".into()));
    assert_eq!(ok[1], FieldValue::Null);
    let unknown = values_from_json(
        &read.schema,
        &props(serde_json::json!({"colour": "red"})),
        0,
    )
    .unwrap_err();
    assert!(unknown.contains("\"colour\" is not a field"), "{unknown}");
    let wrong =
        values_from_json(&read.schema, &props(serde_json::json!({"persons": 1.5})), 0).unwrap_err();
    assert!(wrong.contains("persons"), "{wrong}");
}
