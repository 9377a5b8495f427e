//! Versions, unit states and lineage as JSON: the shapes of `/v1/versions` and
//! `/v1/cells/{code}/history`, which `citygrid history --format json` prints too.

use serde_json::{Value, json};

use citygrid_model::UnitCode;
use citygrid_store::{LineageEvent, UnitRecord, VersionInfo};

use crate::city::attributes_json;

/// `{"version", "created_at", "author", "message", "kind", "base", "changed",
/// "created", "retired", "reverted_to", "request"}`.
#[must_use]
pub fn version_json(v: &VersionInfo) -> Value {
    json!({
        "version": v.version,
        "created_at": v.created_at.to_string(),
        "author": v.author,
        "message": v.message,
        "kind": v.kind.as_str(),
        "base": v.base,
        "changed": codes(&v.changed),
        "created": codes(&v.created),
        "retired": codes(&v.retired),
        "reverted_to": v.reverted_to,
        "request": v.request,
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
