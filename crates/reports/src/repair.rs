//! Repair reports: every change and every problem left open, as JSON for scripts
//! and as GeoJSON to open in QGIS beside the repaired units.

use geojson::{JsonObject, JsonValue};
use serde_json::json;

use citygrid_crs::Crs;
use citygrid_repair::{Change, ChangeKind, Problem, Repaired};

use citygrid_io::geometry::to_geojson;
use citygrid_io::{collection, feature, output_transform};

use crate::values::{codes, round};

fn change_json(c: &Change, t: &citygrid_crs::Transform) -> JsonValue {
    json!({
        "kind": c.kind.name(),
        "level": c.level.as_str(),
        "to": c.to.as_ref().map(|u| u.as_str()),
        "units": codes(&c.units),
        "area_m2": round(c.area_m2),
        "location": c.location.as_ref().map(|g| to_geojson(g, t)),
        "message": c.message,
    })
}

fn problem_json(p: &Problem, t: &citygrid_crs::Transform) -> JsonValue {
    json!({
        "kind": p.kind.name(),
        "level": p.level.as_str(),
        "units": codes(&p.units),
        "area_m2": p.area_m2.map(round),
        "width_m": p.width_m.map(round),
        "location": p.location.as_ref().map(|g| to_geojson(g, t)),
        "message": p.message,
    })
}

/// The repair as JSON: `{"complete", "units", "area_moved_m2", "counts",
/// "changes": [{"kind", "level", "to", "units", "area_m2", "location",
/// "message"}], "unresolved": [{"kind", "level", "units", "area_m2", "width_m",
/// "location", "message"}]}`, locations as GeoJSON geometries in `crs`.
#[must_use]
pub fn repair_json(repaired: &Repaired, crs: Crs) -> JsonValue {
    let t = output_transform(crs);
    let mut counts = JsonObject::new();
    for kind in ChangeKind::ALL {
        let n = repaired.changes.iter().filter(|c| c.kind == kind).count();
        if n > 0 {
            counts.insert(kind.name().into(), json!(n));
        }
    }
    json!({
        "complete": repaired.is_complete(),
        "units": repaired.units.len(),
        "area_moved_m2": round(repaired.area_moved_m2()),
        "counts": counts,
        "changes": repaired.changes.iter().map(|c| change_json(c, &t)).collect::<Vec<_>>(),
        "unresolved": repaired.unresolved.iter().map(|p| problem_json(p, &t)).collect::<Vec<_>>(),
        "crs": crs.to_string(),
    })
}

/// The repair as a FeatureCollection: one feature per change (`status` "changed")
/// and per problem left open (`status` "unresolved"), with `kind`, `level`, `to`,
/// `units` (comma-separated codes), `area_m2`, `width_m` and `message`.
#[must_use]
pub fn repair_geojson(repaired: &Repaired, crs: Crs) -> String {
    let t = output_transform(crs);
    let mut features = Vec::new();
    let mut id = 0usize;
    let mut push =
        |status: &str, geometry: Option<&geo_types::Geometry<f64>>, mut props: JsonObject| {
            id += 1;
            props.insert("id".into(), json!(id));
            props.insert("status".into(), json!(status));
            features.push(feature(geometry.map(|g| to_geojson(g, &t)), props));
        };
    for c in &repaired.changes {
        let mut props = JsonObject::new();
        props.insert("kind".into(), json!(c.kind.name()));
        props.insert("level".into(), json!(c.level.as_str()));
        props.insert("to".into(), json!(c.to.as_ref().map(|u| u.as_str())));
        props.insert("units".into(), json!(codes(&c.units).join(",")));
        props.insert("area_m2".into(), json!(round(c.area_m2)));
        props.insert("width_m".into(), JsonValue::Null);
        props.insert("message".into(), json!(c.message));
        push("changed", c.location.as_ref(), props);
    }
    for p in &repaired.unresolved {
        let mut props = JsonObject::new();
        props.insert("kind".into(), json!(p.kind.name()));
        props.insert("level".into(), json!(p.level.as_str()));
        props.insert("to".into(), JsonValue::Null);
        props.insert("units".into(), json!(codes(&p.units).join(",")));
        props.insert("area_m2".into(), json!(p.area_m2.map(round)));
        props.insert("width_m".into(), json!(p.width_m.map(round)));
        props.insert("message".into(), json!(p.message));
        push("unresolved", p.location.as_ref(), props);
    }
    collection(features, crs)
}

#[cfg(test)]
mod tests {
    use citygrid_model::Level;
    use citygrid_repair::ProblemKind;

    use super::*;

    fn repaired() -> Repaired {
        let code = |c: &str| c.parse::<citygrid_model::UnitCode>().unwrap();
        Repaired {
            units: Vec::new(),
            changes: vec![Change {
                kind: ChangeKind::Overlap,
                level: Level::District,
                to: Some(code("520102")),
                units: vec![code("520102"), code("520103")],
                location: None,
                area_m2: 12.345_67,
                message: "overlap given to 520102".into(),
            }],
            unresolved: vec![Problem {
                kind: ProblemKind::WideGap,
                level: Level::District,
                units: vec![code("520103")],
                location: None,
                area_m2: Some(1000.0),
                width_m: Some(150.000_4),
                message: "a gap 150 m wide".into(),
            }],
        }
    }

    #[test]
    fn changes_and_open_problems_are_numbered_in_one_collection() {
        let fc: JsonValue = serde_json::from_str(&repair_geojson(&repaired(), Crs::Wgs84)).unwrap();
        let props: Vec<&JsonValue> = fc["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| &f["properties"])
            .collect();
        assert_eq!(props.len(), 2);
        assert_eq!(
            (&props[0]["id"], &props[0]["status"]),
            (&json!(1), &json!("changed"))
        );
        assert_eq!(props[0]["units"], "520102,520103");
        assert_eq!(props[0]["area_m2"], 12.346);
        assert_eq!(
            (&props[1]["id"], &props[1]["status"]),
            (&json!(2), &json!("unresolved"))
        );
        assert_eq!(props[1]["width_m"], 150.0);

        let json = repair_json(&repaired(), Crs::Wgs84);
        assert_eq!(json["complete"], false);
        assert_eq!(json["counts"], json!({"overlap": 1}));
        assert_eq!(json["unresolved"][0]["kind"], "wide_gap");
    }
}
