//! The `crs` member of a GeoJSON object: the coordinate system a file is in, as QGIS
//! and GDAL write and read it, `{"type": "name", "properties": {"name":
//! "urn:ogc:def:crs:EPSG::4545"}}` (GeoJSON 2008 section 3.1; RFC 7946 dropped it
//! and allows WGS84 only, so a WGS84 file has none).

use geojson::{JsonObject, JsonValue};
use serde_json::json;

use citygrid_crs::Crs;

/// The name the `crs` member among an object's foreign members declares, if any
/// (not yet parsed: what an unknown name means is the caller's to say).
#[must_use]
pub fn declared_crs(foreign: Option<&JsonObject>) -> Option<&str> {
    foreign
        .and_then(|f| f.get("crs"))
        .and_then(|c| c.get("properties"))
        .and_then(|p| p.get("name"))
        .and_then(JsonValue::as_str)
}

/// Foreign members declaring `crs`, for a new object: none for WGS84.
#[must_use]
pub fn crs_member(crs: Crs) -> Option<JsonObject> {
    if crs == Crs::Wgs84 {
        return None;
    }
    let name = crs.ogc_urn().unwrap_or_else(|| crs.to_string());
    let mut m = JsonObject::new();
    m.insert(
        "crs".into(),
        json!({"type": "name", "properties": {"name": name}}),
    );
    Some(m)
}

/// Declares `crs` in an object's foreign members, replacing what they declared
/// and keeping the rest; for WGS84 the member goes, and members left empty with it.
pub fn set_crs_member(members: &mut Option<JsonObject>, crs: Crs) {
    let m = members.get_or_insert_with(JsonObject::new);
    m.remove("crs");
    m.extend(crs_member(crs).into_iter().flatten());
    if m.is_empty() {
        *members = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_member_set_reads_back_and_wgs84_removes_it() {
        let gk = Crs::from_epsg(4545).unwrap();
        let mut members = Some(JsonObject::from_iter([("name".to_string(), json!("x"))]));
        set_crs_member(&mut members, gk);
        assert_eq!(
            declared_crs(members.as_ref()),
            Some("urn:ogc:def:crs:EPSG::4545")
        );
        assert_eq!(
            declared_crs(members.as_ref())
                .unwrap()
                .parse::<Crs>()
                .unwrap(),
            gk
        );
        set_crs_member(&mut members, Crs::Wgs84);
        assert_eq!(
            members,
            Some(JsonObject::from_iter([("name".to_string(), json!("x"))]))
        );
        let mut only_crs = crs_member(gk);
        set_crs_member(&mut only_crs, Crs::Wgs84);
        assert_eq!(only_crs, None);
        assert_eq!(crs_member(Crs::Wgs84), None);
    }
}
