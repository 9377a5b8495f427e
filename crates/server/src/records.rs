//! Versions, unit states, lineage and diffs as JSON: the shapes of `/v1/versions`,
//! `/v1/cells/{code}/history` and `/v1/diff`, which `citygrid history --format json`
//! and `citygrid diff` print too.

use geo_types::Geometry;
use serde_json::{Value, json};

use citygrid_crs::Transform;
use citygrid_io::geometry::to_geojson;
use citygrid_model::measure::area_m2;
use citygrid_model::{Partition, Unit, UnitCode};
use citygrid_store::{LineageEvent, UnitChanges, UnitRecord, VersionInfo};

use crate::city::attributes_json;
use crate::moved::moved_areas;

/// `{"version", "created_at", "author", "message", "kind", "base", "changed",
/// "created", "retired", "reverted_to", "request"}`.
#[must_use]
pub fn version_json(v: &VersionInfo) -> Value {
    let mut out = version_brief(v);
    out["changed"] = json!(codes(&v.changed));
    out["created"] = json!(codes(&v.created));
    out["retired"] = json!(codes(&v.retired));
    out["request"] = json!(v.request);
    out
}

/// A version without the codes it touched and its request, with their `counts`: what
/// a list of versions needs (version 1 of a city touches every unit).
#[must_use]
pub fn version_brief(v: &VersionInfo) -> Value {
    json!({
        "version": v.version,
        "created_at": v.created_at.to_string(),
        "author": v.author,
        "message": v.message,
        "kind": v.kind.as_str(),
        "base": v.base,
        "counts": {"changed": v.changed.len(), "created": v.created.len(), "retired": v.retired.len()},
        "reverted_to": v.reverted_to,
    })
}

/// `{"valid_from", "valid_to", "level", "name", "parent", "attributes"}`: one state
/// of a unit and the versions it held in (`valid_to` is the first version it no
/// longer holds in, null while current).
#[must_use]
pub fn state_json(s: &UnitRecord) -> Value {
    json!({
        "valid_from": s.valid_from,
        "valid_to": s.valid_to,
        "level": s.unit.level.as_str(),
        "name": s.unit.name,
        "parent": s.unit.parent.as_ref().map(UnitCode::as_str),
        "attributes": attributes_json(&s.unit.attributes),
    })
}

/// `{"version", "kind", "from", "to"}`: a split, merge or reparenting.
#[must_use]
pub fn lineage_json(l: &LineageEvent) -> Value {
    json!({"version": l.version, "kind": l.kind.as_str(), "from": codes(&l.from), "to": codes(&l.to)})
}

fn codes(codes: &[UnitCode]) -> Vec<&str> {
    codes.iter().map(UnitCode::as_str).collect()
}

/// What changed from version `from` to version `to` (`changes` between them, as
/// the store tells it), as a GeoJSON FeatureCollection a GIS opens: `{"type":
/// "FeatureCollection", "from", "to", "features", "moved"}`. Each changed unit is
/// one or two features, `side` `before` and `after` (only `after` for a unit `to`
/// created, only `before` for one it retired), with `code`, `level`, `name`,
/// `parent`, `attributes`, `area_m2` and `change` (`changed`, `created`,
/// `retired`), its geometry in `transform`'s CRS. `moved` lists `{"level", "from",
/// "to", "m2"}`: land that belonged to unit `from` in version `from` and to unit
/// `to` in version `to`.
#[must_use]
pub fn diff_json(
    (from, before): (u64, &Partition),
    (to, after): (u64, &Partition),
    changes: &UnitChanges,
    transform: &Transform,
) -> Value {
    let mut codes: Vec<UnitCode> = changes
        .upserts
        .iter()
        .map(|u| u.code.clone())
        .chain(changes.removed.iter().cloned())
        .collect();
    codes.sort();
    let mut features = Vec::new();
    for code in &codes {
        let (was, now) = (before.get(code), after.get(code));
        let change = match (was, now) {
            (Some(_), Some(_)) => "changed",
            (None, _) => "created",
            (_, None) => "retired",
        };
        for (side, unit) in [("before", was), ("after", now)] {
            if let Some(unit) = unit {
                features.push(diff_feature(unit, side, change, transform));
            }
        }
    }
    let moved: Vec<Value> = moved_areas(before, after, &codes)
        .into_iter()
        .map(|m| {
            json!({
                "level": m.level.as_str(),
                "from": m.from.as_str(),
                "to": m.to.as_str(),
                "m2": (m.m2 * 100.0).round() / 100.0,
            })
        })
        .collect();
    json!({
        "type": "FeatureCollection",
        "from": from,
        "to": to,
        "features": features,
        "moved": moved,
    })
}

fn diff_feature(unit: &Unit, side: &str, change: &str, transform: &Transform) -> Value {
    json!({
        "type": "Feature",
        "geometry": to_geojson(&Geometry::MultiPolygon(unit.geometry.clone()), transform),
        "properties": {
            "side": side,
            "change": change,
            "code": unit.code.as_str(),
            "level": unit.level.as_str(),
            "name": unit.name,
            "parent": unit.parent.as_ref().map(UnitCode::as_str),
            "attributes": attributes_json(&unit.attributes),
            "area_m2": (area_m2(&unit.geometry) * 10.0).round() / 10.0,
        },
    })
}
