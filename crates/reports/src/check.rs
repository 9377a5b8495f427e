//! Check reports: every broken rule, as JSON for scripts and as GeoJSON or a
//! GeoPackage to open in QGIS beside the cells, locations in the coordinate system
//! asked for.

use geo_types::{Geometry, MultiLineString, MultiPoint, MultiPolygon};
use geojson::{JsonObject, JsonValue};
use serde_json::json;

use citygrid_check::{Report, Rule, Size};
use citygrid_crs::Crs;
use citygrid_io::geometry::to_geojson;
use citygrid_io::{
    Column, Field, FieldType, GeometryKind, GpkgWriter, LayerRow, Pending, collection, feature,
    output_transform,
};

use crate::values::{codes, round};

fn size_json(size: Option<Size>) -> JsonValue {
    match size {
        Some(Size::Metres(v)) => json!({"value": round(v), "unit": "m"}),
        Some(Size::SquareMetres(v)) => json!({"value": round(v), "unit": "m2"}),
        None => JsonValue::Null,
    }
}

fn counts(report: &Report) -> JsonValue {
    let mut m = JsonObject::new();
    for rule in Rule::ALL {
        let n = report.count(rule);
        if n > 0 {
            m.insert(rule.name().into(), json!(n));
        }
    }
    JsonValue::Object(m)
}

/// The report as JSON: `{"valid", "units", "cells", "counts", "errors": [{"rule",
/// "cells", "location", "size", "message"}]}`, locations as GeoJSON geometries in
/// `crs`.
#[must_use]
pub fn check_json(report: &Report, crs: Crs) -> JsonValue {
    let t = output_transform(crs);
    let errors: Vec<JsonValue> = report
        .violations
        .iter()
        .map(|v| {
            json!({
                "rule": v.rule.name(),
                "cells": codes(&v.codes),
                "location": v.location.as_ref().map(|g| to_geojson(g, &t)),
                "size": size_json(v.size),
                "message": v.message,
            })
        })
        .collect();
    json!({
        "valid": report.is_valid(),
        "units": report.units,
        "cells": report.cells,
        "crs": crs.to_string(),
        "counts": counts(report),
        "errors": errors,
    })
}

/// The report as a FeatureCollection to open in QGIS beside the cells: one feature
/// per violation, with `rule`, `cells` (comma-separated codes), `size`, `size_unit`
/// and `message`.
#[must_use]
pub fn check_geojson(report: &Report, crs: Crs) -> String {
    let t = output_transform(crs);
    let features = report
        .violations
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let mut props = JsonObject::new();
            props.insert("id".into(), json!(i + 1));
            props.insert("rule".into(), json!(v.rule.name()));
            props.insert("cells".into(), json!(codes(&v.codes).join(",")));
            let (value, unit) = match v.size {
                Some(Size::Metres(x)) => (json!(round(x)), json!("m")),
                Some(Size::SquareMetres(x)) => (json!(round(x)), json!("m2")),
                None => (JsonValue::Null, JsonValue::Null),
            };
            props.insert("size".into(), value);
            props.insert("size_unit".into(), unit);
            props.insert("message".into(), json!(v.message));
            feature(v.location.as_ref().map(|g| to_geojson(g, &t)), props)
        })
        .collect();
    collection(features, crs)
}

/// One row of a problems layer: its label (the problem's number), place, values.
type ProblemRow = (String, Option<Geometry<f64>>, Vec<Field>);

/// The layers of [`check_gpkg`], by the kind of place they hold.
const PROBLEM_LAYERS: [(GeometryKind, &str); 3] = [
    (GeometryKind::MultiPolygon, "problems_areas"),
    (GeometryKind::MultiLineString, "problems_lines"),
    (GeometryKind::MultiPoint, "problems_points"),
];

/// The report as a GeoPackage to open in QGIS beside the cells, written through
/// `out` (commit it when this returns `Ok`). A GeoPackage layer holds one kind of
/// geometry, so the problems go to up to three layers, those the report has:
/// `problems_areas` (overlaps, gaps, slivers), `problems_lines` (unmatched edges)
/// and `problems_points` (codes, broken rings; a problem without a place too). The
/// columns are [`check_geojson`]'s: `id`, `rule`, `cells`, `size`, `size_unit`,
/// `message`; a problem whose place has parts of several kinds is in each of
/// their layers, with the same `id`.
///
/// # Errors
/// [`citygrid_io::IoError`] when `crs` has no EPSG code or the file cannot be
/// written.
pub fn check_gpkg(report: &Report, crs: Crs, out: &Pending) -> citygrid_io::Result<()> {
    let text = |name: &str, kind| Column {
        name: name.to_string(),
        kind,
        attribute: None,
    };
    let columns = [
        text("id", FieldType::Integer),
        text("rule", FieldType::Text),
        text("cells", FieldType::Text),
        text("size", FieldType::Real),
        text("size_unit", FieldType::Text),
        text("message", FieldType::Text),
    ];
    let mut rows: [Vec<ProblemRow>; 3] = Default::default();
    for (i, v) in report.violations.iter().enumerate() {
        let (size, unit) = match v.size {
            Some(Size::Metres(x)) => (Field::Real(round(x)), Field::Text("m".into())),
            Some(Size::SquareMetres(x)) => (Field::Real(round(x)), Field::Text("m2".into())),
            None => (Field::Null, Field::Null),
        };
        let fields = vec![
            Field::Integer(i as i64 + 1),
            Field::Text(v.rule.name().to_string()),
            Field::Text(codes(&v.codes).join(",")),
            size,
            unit,
            Field::Text(v.message.clone()),
        ];
        let places = v.location.as_ref().map_or_else(Vec::new, by_kind);
        if places.is_empty() {
            rows[2].push(((i + 1).to_string(), None, fields));
            continue;
        }
        for (layer, g) in places {
            rows[layer].push(((i + 1).to_string(), Some(g), fields.clone()));
        }
    }
    let writer = GpkgWriter::create(out, crs)?;
    for ((kind, name), rows) in PROBLEM_LAYERS.into_iter().zip(&rows) {
        if rows.is_empty() {
            continue;
        }
        writer.layer(
            name,
            &format!("{} problems found by the citygrid checker", rows.len()),
            kind,
            &columns,
            rows.iter().map(|(label, g, fields)| LayerRow {
                label,
                geometry: g.clone(),
                fields,
            }),
        )?;
    }
    writer.finish()
}

/// A place as the multi-geometries of [`PROBLEM_LAYERS`], by layer index.
fn by_kind(g: &Geometry<f64>) -> Vec<(usize, Geometry<f64>)> {
    match g {
        Geometry::Polygon(p) => vec![(0, MultiPolygon(vec![p.clone()]).into())],
        Geometry::MultiPolygon(m) => vec![(0, m.clone().into())],
        Geometry::Rect(r) => vec![(0, MultiPolygon(vec![r.to_polygon()]).into())],
        Geometry::Triangle(t) => vec![(0, MultiPolygon(vec![t.to_polygon()]).into())],
        Geometry::Line(l) => vec![(1, MultiLineString(vec![(*l).into()]).into())],
        Geometry::LineString(l) => vec![(1, MultiLineString(vec![l.clone()]).into())],
        Geometry::MultiLineString(m) => vec![(1, m.clone().into())],
        Geometry::Point(p) => vec![(2, MultiPoint(vec![*p]).into())],
        Geometry::MultiPoint(m) => vec![(2, m.clone().into())],
        Geometry::GeometryCollection(c) => c.0.iter().flat_map(by_kind).collect(),
    }
}

#[cfg(test)]
mod tests {
    use citygrid_check::Violation;
    use citygrid_model::{Level, Unit};
    use geo_types::{Coord, MultiPolygon};

    use super::*;

    fn report() -> Report {
        let unit = Unit::new(
            "520102".parse().unwrap(),
            Level::District,
            MultiPolygon(vec![]),
        );
        let mut v = Violation::invalid_geometry(
            &unit,
            "polygon 0 shell is not closed",
            Some(Coord { x: 106.7, y: 26.6 }),
        );
        v.size = Some(Size::Metres(1.234_56));
        Report {
            units: 1,
            cells: 0,
            violations: vec![v],
        }
    }

    #[test]
    fn locations_are_in_the_crs_asked_for_and_sizes_to_the_millimetre() {
        let gk = Crs::from_epsg(4545).unwrap();
        let json = check_json(&report(), gk);
        let error = &json["errors"][0];
        assert_eq!(error["rule"], "invalid_geometry");
        assert_eq!(error["cells"], json!(["520102"]));
        assert_eq!(error["size"], json!({"value": 1.235, "unit": "m"}));
        // Gauss-Kruger metres, not degrees.
        assert!(error["location"]["coordinates"][1].as_f64().unwrap() > 2e6);
        assert_eq!(json["crs"], gk.to_string());

        let text = check_geojson(&report(), gk);
        assert!(text.contains(r#""crs":{"properties":{"name":"urn:ogc:def:crs:EPSG::4545"}"#));
        assert!(text.contains(r#""size":1.235,"size_unit":"m""#), "{text}");
        assert!(!check_geojson(&report(), Crs::Wgs84).contains("\"crs\""));
    }

    #[test]
    fn a_geopackage_report_has_a_layer_per_kind_of_place_in_the_crs_asked_for() {
        use geo_types::{LineString, Polygon};
        use geopackage::GeoPackage;

        let mut report = report();
        let square = Polygon::new(
            LineString::from(vec![
                (106.7, 26.6),
                (106.71, 26.6),
                (106.71, 26.61),
                (106.7, 26.6),
            ]),
            vec![],
        );
        report.violations.push(Violation {
            rule: Rule::Overlap,
            codes: vec![
                "520102001001001".parse().unwrap(),
                "520102001001002".parse().unwrap(),
            ],
            location: Some(Geometry::Polygon(square)),
            size: Some(Size::SquareMetres(12.5)),
            message: "cells overlap".into(),
        });
        let dir = std::env::temp_dir().join(format!("citygrid-reports-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("problems.gpkg");
        let out = Pending::new(&path, true).unwrap();
        check_gpkg(&report, Crs::from_epsg(4545).unwrap(), &out).unwrap();
        out.commit().unwrap();

        let gpkg = GeoPackage::open_read_only(&path).unwrap();
        // No line in the report, so no layer of lines.
        assert!(gpkg.layer("problems_points").is_ok() && gpkg.layer("problems_lines").is_err());
        let areas = gpkg.layer("problems_areas").unwrap();
        assert_eq!(areas.geometry_column().unwrap().srs_id, 4545);
        let row = areas.features().unwrap().next().unwrap().unwrap();
        assert_eq!(row.value("rule").and_then(|v| v.as_str()), Some("overlap"));
        assert_eq!(
            row.value("cells").and_then(|v| v.as_str()),
            Some("520102001001001,520102001001002")
        );
        assert_eq!(row.value("size").and_then(|v| v.as_f64()), Some(12.5));
        assert_eq!(row.value("id").and_then(|v| v.as_i64()), Some(2));
        let Some(Geometry::MultiPolygon(mp)) = row.geometry().unwrap().and_then(|g| g.to_geo())
        else {
            panic!("not an area")
        };
        // Gauss-Kruger metres, not degrees.
        assert!(mp.0[0].exterior().0[0].y > 2e6);
    }
}
