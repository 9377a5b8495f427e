//! Check reports: every broken rule, as JSON for scripts and as GeoJSON to open in
//! QGIS beside the cells, locations in the coordinate system asked for.

use geojson::{JsonObject, JsonValue};
use serde_json::json;

use citygrid_check::{Report, Rule, Size};
use citygrid_crs::Crs;
use citygrid_io::geometry::to_geojson;
use citygrid_io::{collection, feature, output_transform};

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
}
