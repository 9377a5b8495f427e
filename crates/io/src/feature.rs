//! GeoJSON features and collections as citygrid writes them: attribute values as
//! they came, and collections that declare their coordinate system.

use geojson::{Feature, FeatureCollection, JsonObject, JsonValue};
use serde_json::json;

use citygrid_crs::Crs;
use citygrid_model::AttrValue;

use crate::crs_member::crs_member;

/// An attribute as JSON; whole numbers are written without a fraction (420, not
/// 420.0), as they came.
#[must_use]
pub fn attr(v: &AttrValue) -> JsonValue {
    match v {
        AttrValue::Number(n) if n.fract() == 0.0 && n.abs() < 9e15 => json!(*n as i64),
        AttrValue::Number(n) => json!(n),
        AttrValue::Text(t) => json!(t),
        AttrValue::Bool(b) => json!(b),
    }
}

/// A feature with a geometry (or none) and properties; no id, no bbox.
#[must_use]
pub fn feature(geometry: Option<geojson::Geometry>, properties: JsonObject) -> Feature {
    Feature {
        bbox: None,
        geometry,
        id: None,
        properties: Some(properties),
        foreign_members: None,
    }
}

/// Features as the text of a FeatureCollection whose coordinates are in `crs`,
/// with the `crs` member QGIS reads when that is not WGS84.
#[must_use]
pub fn collection(features: Vec<Feature>, crs: Crs) -> String {
    FeatureCollection {
        bbox: None,
        features,
        foreign_members: crs_member(crs),
    }
    .to_string()
}
