//! `POST /v1/edits` bodies: JSON to an [`EditRequest`], every mistake named by its
//! place in the body (`ops[2].line.coordinates[4]: ...`).
//!
//! ```json
//! {"base_version": 12, "message": "new road", "crs": "gcj02", "dry_run": false,
//!  "ops": [{"op": "transfer", "from": "520102001001001", "to": "520102001001002",
//!           "area": {"type": "Polygon", "coordinates": [[[106.7, 26.6], ...]]},
//!           "move_parents": false},
//!          {"op": "reshape", "line": {"type": "LineString", "coordinates": [...]}},
//!          {"op": "split", "cell": "...", "line": {...}},
//!          {"op": "merge", "cells": ["...", "..."]},
//!          {"op": "reparent", "cell": "...", "village": "..."},
//!          {"op": "set", "cell": "...", "attributes": {"name": "...", "staff": "..."}}]}
//! ```
//!
//! Geometry arrives in the body's `crs` (any the server accepts, GCJ-02 and BD-09
//! included) and leaves in WGS84; a polygon ring that crosses itself is refused
//! here, with where.

use std::collections::BTreeMap;

use citygrid_crs::{Crs, Transform};
use citygrid_edit::{EditRequest, Op};
use citygrid_model::{AttrValue, UnitCode};
use geo_types::{Coord, LineString, MultiPolygon, Polygon};
use serde_json::{Map, Value};

use crate::error::ApiError;
use crate::routes::params::crs_param;

/// Most operations in one request.
pub const MAX_OPS: usize = 100;
/// Most positions in one request's geometry.
pub const MAX_POSITIONS: usize = 100_000;

fn bad(at: &str, message: impl std::fmt::Display) -> ApiError {
    ApiError::BadRequest(format!("{at}: {message}"))
}

/// A short rendering of a value, for messages.
fn shown(v: &Value) -> String {
    let t = v.to_string();
    if t.chars().count() > 40 {
        format!("{}...", t.chars().take(40).collect::<String>())
    } else {
        t
    }
}

/// Parses an edit request body; also returns the coordinate system it was drawn
/// in, for answers in kind.
///
/// # Errors
/// [`ApiError::BadRequest`] naming the field and what is wrong with it.
pub fn parse(body: &[u8]) -> Result<(EditRequest, Crs), ApiError> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::BadRequest(format!("the body is not JSON: {e}")))?;
    let Value::Object(obj) = &value else {
        return Err(bad(
            "body",
            format!("expected an object, got {}", shown(&value)),
        ));
    };
    for key in obj.keys() {
        if !["base_version", "message", "ops", "crs", "dry_run"].contains(&key.as_str()) {
            return Err(bad(
                key,
                "unknown field; expected base_version, message, ops, crs, dry_run",
            ));
        }
    }
    let base_version = match obj.get("base_version") {
        Some(v) => v.as_u64().filter(|&n| n >= 1).ok_or_else(|| {
            bad(
                "base_version",
                format!("must be a version number from 1, got {}", shown(v)),
            )
        })?,
        None => {
            return Err(bad(
                "base_version",
                "missing: the version the edit was made on",
            ));
        }
    };
    let dry_run = match obj.get("dry_run") {
        None => false,
        Some(Value::Bool(b)) => *b,
        Some(v) => {
            return Err(bad(
                "dry_run",
                format!("must be true or false, got {}", shown(v)),
            ));
        }
    };
    // a dry run commits nothing, so it need not say why
    let message = match obj.get("message") {
        Some(Value::String(s)) if !s.trim().is_empty() => s.clone(),
        Some(v) => {
            return Err(bad(
                "message",
                format!("must be a non-empty text, got {}", shown(v)),
            ));
        }
        None if dry_run => "(dry run)".to_string(),
        None => return Err(bad("message", "missing: say why the edit is made")),
    };
    let crs_text = match obj.get("crs") {
        None => None,
        Some(Value::String(s)) => Some(s.as_str()),
        Some(v) => {
            return Err(bad(
                "crs",
                format!(
                    "must be a name such as \"wgs84\" or \"gcj02\", got {}",
                    shown(v)
                ),
            ));
        }
    };
    let (crs, transform) = crs_param(crs_text)?;
    let ops = match obj.get("ops") {
        Some(Value::Array(list)) if list.is_empty() => {
            return Err(bad("ops", "empty: nothing to do"));
        }
        Some(Value::Array(list)) if list.len() > MAX_OPS => {
            return Err(ApiError::TooLarge(format!(
                "ops: {} operations, more than the limit of {MAX_OPS} in one request",
                list.len()
            )));
        }
        Some(Value::Array(list)) => list,
        Some(v) => {
            return Err(bad(
                "ops",
                format!("must be a list of operations, got {}", shown(v)),
            ));
        }
        None => return Err(bad("ops", "missing: the operations")),
    };
    let mut budget = MAX_POSITIONS;
    let ops = ops
        .iter()
        .enumerate()
        .map(|(i, op)| parse_op(&format!("ops[{i}]"), op, &transform, &mut budget))
        .collect::<Result<Vec<Op>, ApiError>>()?;
    let request = EditRequest {
        base_version,
        message,
        ops,
        dry_run,
        log: Some(value),
    };
    Ok((request, crs))
}

fn parse_op(at: &str, value: &Value, t: &Transform, budget: &mut usize) -> Result<Op, ApiError> {
    let Value::Object(obj) = value else {
        return Err(bad(
            at,
            format!("expected an operation object, got {}", shown(value)),
        ));
    };
    let kind = match obj.get("op") {
        Some(Value::String(s)) => s.as_str(),
        Some(v) => {
            return Err(bad(
                &format!("{at}.op"),
                format!("must be a name, got {}", shown(v)),
            ));
        }
        None => {
            return Err(bad(
                &format!("{at}.op"),
                "missing: transfer, reshape, split, merge, reparent or set",
            ));
        }
    };
    let fields: &[&str] = match kind {
        "transfer" => &["op", "from", "to", "area", "move_parents"],
        "reshape" => &["op", "line", "move_parents"],
        "split" => &["op", "cell", "line"],
        "merge" => &["op", "cells"],
        "reparent" => &["op", "cell", "village"],
        "set" => &["op", "cell", "attributes"],
        other => {
            return Err(bad(
                &format!("{at}.op"),
                format!(
                    "unknown operation {other:?}; expected transfer, reshape, split, merge, reparent or set"
                ),
            ));
        }
    };
    for key in obj.keys() {
        if !fields.contains(&key.as_str()) {
            return Err(bad(
                &format!("{at}.{key}"),
                format!("not a field of {kind}; it takes {}", fields[1..].join(", ")),
            ));
        }
    }
    let code = |name: &str| code_at(&format!("{at}.{name}"), obj.get(name));
    let flag = |name: &str| match obj.get(name) {
        None => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(v) => Err(bad(
            &format!("{at}.{name}"),
            format!("must be true or false, got {}", shown(v)),
        )),
    };
    Ok(match kind {
        "transfer" => Op::Transfer {
            from: code("from")?,
            to: code("to")?,
            area: area(&format!("{at}.area"), obj.get("area"), Some(t), budget)?,
            move_parents: flag("move_parents")?,
        },
        "reshape" => Op::Reshape {
            line: line(&format!("{at}.line"), obj.get("line"), t, budget)?,
            move_parents: flag("move_parents")?,
        },
        "split" => Op::Split {
            cell: code("cell")?,
            line: line(&format!("{at}.line"), obj.get("line"), t, budget)?,
        },
        "merge" => {
            let where_ = format!("{at}.cells");
            match obj.get("cells") {
                Some(Value::Array(list)) if list.len() == 2 => Op::Merge {
                    cells: [
                        code_at(&format!("{where_}[0]"), list.first())?,
                        code_at(&format!("{where_}[1]"), list.get(1))?,
                    ],
                },
                Some(v) => {
                    return Err(bad(
                        &where_,
                        format!("must be a list of two cell codes, got {}", shown(v)),
                    ));
                }
                None => return Err(bad(&where_, "missing: the two cells to merge")),
            }
        }
        "reparent" => Op::Reparent {
            cell: code("cell")?,
            village: code("village")?,
        },
        _ => Op::Set {
            cell: code("cell")?,
            attributes: attributes(&format!("{at}.attributes"), obj.get("attributes"))?,
        },
    })
}

fn code_at(at: &str, value: Option<&Value>) -> Result<UnitCode, ApiError> {
    match value {
        Some(Value::String(s)) => s.parse::<UnitCode>().map_err(|e| {
            bad(
                at,
                format!(
                    "{:?} is not a code: {e}",
                    s.chars().take(40).collect::<String>()
                ),
            )
        }),
        Some(v) => Err(bad(at, format!("must be a code (text), got {}", shown(v)))),
        None => Err(bad(at, "missing")),
    }
}

/// The attributes of a JSON object of names to values (`null`: remove), each
/// checked and named by `at`.
///
/// # Errors
/// [`ApiError::BadRequest`] naming the first value that is not a finite number,
/// text, true/false or null.
pub fn attribute_values(
    at: &str,
    value: &Map<String, Value>,
) -> Result<BTreeMap<String, Option<AttrValue>>, ApiError> {
    attributes(at, Some(&Value::Object(value.clone())))
}

/// A GeoJSON Polygon or MultiPolygon (or a Feature holding one) with its coordinates
/// as given (in whatever CRS the caller knows), checked as an edit's area is:
/// finite numbers, closed rings that do not cross themselves.
///
/// # Errors
/// [`ApiError::BadRequest`] naming the place of the first problem.
pub fn polygons_as_given(at: &str, value: Option<&Value>) -> Result<MultiPolygon<f64>, ApiError> {
    let mut budget = MAX_POSITIONS;
    area(at, value, None, &mut budget)
}

fn attributes(
    at: &str,
    value: Option<&Value>,
) -> Result<BTreeMap<String, Option<AttrValue>>, ApiError> {
    let obj: &Map<String, Value> = match value {
        Some(Value::Object(o)) if !o.is_empty() => o,
        Some(v) => {
            return Err(bad(
                at,
                format!("must be an object of names to values, got {}", shown(v)),
            ));
        }
        None => return Err(bad(at, "missing: the attributes to set")),
    };
    obj.iter()
        .map(|(k, v)| {
            let value = match v {
                Value::Null => None,
                Value::Bool(b) => Some(AttrValue::Bool(*b)),
                Value::String(s) => Some(AttrValue::Text(s.clone())),
                Value::Number(n) => Some(AttrValue::Number(
                    n.as_f64().filter(|x| x.is_finite()).ok_or_else(|| {
                        bad(&format!("{at}.{k}"), format!("{n} is not a finite number"))
                    })?,
                )),
                other => {
                    return Err(bad(
                        &format!("{at}.{k}"),
                        format!(
                            "must be a number, text, true/false or null, got {}",
                            shown(other)
                        ),
                    ));
                }
            };
            Ok((k.clone(), value))
        })
        .collect()
}

/// A GeoJSON geometry object of one of `types`, and its `coordinates`.
fn geometry<'a>(
    at: &str,
    value: Option<&'a Value>,
    types: &[&str],
) -> Result<(&'a str, &'a Value), ApiError> {
    let obj = match value {
        Some(Value::Object(o)) => o,
        Some(v) => {
            return Err(bad(
                at,
                format!(
                    "must be a GeoJSON {} geometry, got {}",
                    types.join(" or "),
                    shown(v)
                ),
            ));
        }
        None => {
            return Err(bad(
                at,
                format!("missing: a GeoJSON {} geometry", types.join(" or ")),
            ));
        }
    };
    // A Feature is accepted for its geometry: what map drawing tools hand out.
    if obj.get("type").and_then(Value::as_str) == Some("Feature") {
        return geometry(&format!("{at}.geometry"), obj.get("geometry"), types);
    }
    let kind = obj.get("type").and_then(Value::as_str).unwrap_or("");
    if !types.contains(&kind) {
        return Err(bad(
            &format!("{at}.type"),
            format!("must be {}, got {kind:?}", types.join(" or ")),
        ));
    }
    let coords = obj
        .get("coordinates")
        .ok_or_else(|| bad(&format!("{at}.coordinates"), "missing"))?;
    Ok((kind, coords))
}

/// The positions of a list, in WGS84 through `t`, or as given when `t` is `None`.
fn positions(
    at: &str,
    value: &Value,
    t: Option<&Transform>,
    budget: &mut usize,
) -> Result<Vec<Coord<f64>>, ApiError> {
    let Value::Array(list) = value else {
        return Err(bad(
            at,
            format!("must be a list of positions, got {}", shown(value)),
        ));
    };
    if list.len() > *budget {
        return Err(ApiError::TooLarge(format!(
            "{at}: more than {MAX_POSITIONS} positions in one request"
        )));
    }
    *budget -= list.len();
    list.iter()
        .enumerate()
        .map(|(i, p)| {
            let here = format!("{at}[{i}]");
            let xy: Vec<f64> = match p {
                Value::Array(xy) if xy.len() >= 2 => {
                    xy.iter().take(2).filter_map(Value::as_f64).collect()
                }
                _ => Vec::new(),
            };
            let [x, y] = xy[..] else {
                return Err(bad(
                    &here,
                    format!("must be [x, y] numbers, got {}", shown(p)),
                ));
            };
            if !x.is_finite() || !y.is_finite() {
                return Err(bad(&here, "not finite numbers"));
            }
            let Some(t) = t else {
                return Ok(Coord { x, y });
            };
            let (lon, lat) = t
                .to_wgs84(x, y)
                .map_err(|e| bad(&here, format!("{} {}: {e}", shown(&p[0]), shown(&p[1]))))?;
            Ok(Coord { x: lon, y: lat })
        })
        .collect()
}

fn line(
    at: &str,
    value: Option<&Value>,
    t: &Transform,
    budget: &mut usize,
) -> Result<LineString<f64>, ApiError> {
    let (_, coords) = geometry(at, value, &["LineString"])?;
    let pts = positions(&format!("{at}.coordinates"), coords, Some(t), budget)?;
    if pts.len() < 2 {
        return Err(bad(
            &format!("{at}.coordinates"),
            "a line needs two positions or more",
        ));
    }
    Ok(LineString(pts))
}

fn area(
    at: &str,
    value: Option<&Value>,
    t: Option<&Transform>,
    budget: &mut usize,
) -> Result<MultiPolygon<f64>, ApiError> {
    let (kind, coords) = geometry(at, value, &["Polygon", "MultiPolygon"])?;
    let here = format!("{at}.coordinates");
    let polygons: Vec<(String, &Value)> = if kind == "Polygon" {
        vec![(here, coords)]
    } else {
        let Value::Array(list) = coords else {
            return Err(bad(&here, "must be a list of polygons"));
        };
        list.iter()
            .enumerate()
            .map(|(i, p)| (format!("{here}[{i}]"), p))
            .collect()
    };
    let mut out = Vec::new();
    for (where_, rings) in polygons {
        let Value::Array(rings) = rings else {
            return Err(bad(&where_, "must be a list of rings"));
        };
        let mut parsed = Vec::new();
        for (k, r) in rings.iter().enumerate() {
            let rw = format!("{where_}[{k}]");
            let pts = positions(&rw, r, t, budget)?;
            if pts.len() < 4 || pts.first() != pts.last() {
                return Err(bad(
                    &rw,
                    "a ring needs four positions or more, the last equal to the first",
                ));
            }
            if let Some(at) = crossing(&pts) {
                return Err(bad(
                    &rw,
                    format!("the ring crosses itself near {:.7} {:.7}", at.x, at.y),
                ));
            }
            parsed.push(LineString(pts));
        }
        let mut it = parsed.into_iter();
        let Some(shell) = it.next() else {
            return Err(bad(&where_, "a polygon needs a ring"));
        };
        out.push(Polygon::new(shell, it.collect()));
    }
    Ok(MultiPolygon(out))
}

/// Where a closed ring crosses or touches itself (other than consecutive segments
/// at their common vertex), if it does.
fn crossing(ring: &[Coord<f64>]) -> Option<Coord<f64>> {
    let n = ring.len() - 1;
    for i in 0..n {
        for j in i + 1..n {
            if j == i + 1 || (i == 0 && j == n - 1) {
                continue;
            }
            match citygrid_planar::meet(ring[i], ring[i + 1], ring[j], ring[j + 1]) {
                citygrid_planar::Meeting::Apart => {}
                citygrid_planar::Meeting::Cross(p) | citygrid_planar::Meeting::Touch(p) => {
                    return Some(p);
                }
                citygrid_planar::Meeting::Along(p, _) => return Some(p),
                citygrid_planar::Meeting::SharedEnd => return Some(ring[j]),
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(body: &str) -> String {
        parse(body.as_bytes()).unwrap_err().to_string()
    }

    #[test]
    fn a_full_request_parses() {
        let body = r#"{"base_version": 3, "message": "road", "crs": "wgs84", "ops": [
            {"op": "transfer", "from": "520102001001001", "to": "520102001001002",
             "area": {"type": "Polygon", "coordinates": [[[106.7,26.6],[106.71,26.6],[106.71,26.61],[106.7,26.6]]]}},
            {"op": "merge", "cells": ["520102001001001", "520102001001002"]},
            {"op": "set", "cell": "520102001001001", "attributes": {"name": "x", "old": null, "n": 3}}]}"#;
        let (r, _) = parse(body.as_bytes()).unwrap();
        assert_eq!((r.base_version, r.ops.len(), r.dry_run), (3, 3, false));
        assert!(matches!(
            r.ops[0],
            Op::Transfer {
                move_parents: false,
                ..
            }
        ));
    }

    #[test]
    fn mistakes_are_named_by_their_place() {
        assert!(err("{").contains("not JSON"));
        assert!(err(r#"{"message": "m", "ops": []}"#).contains("base_version: missing"));
        assert!(err(r#"{"base_version": 1, "message": "m", "ops": []}"#).contains("ops: empty"));
        assert!(
            err(r#"{"base_version": 1, "message": "m", "ops": [{"op": "fly"}]}"#)
                .contains("ops[0].op: unknown operation")
        );
        assert!(
            err(r#"{"base_version": 1, "message": "m", "ops": [{"op": "merge", "cells": ["1"]}]}"#)
                .contains("ops[0].cells")
        );
        assert!(err(r#"{"base_version": 1, "message": "m", "crs": 5, "ops": [{"op": "merge", "cells": ["1", "2"]}]}"#).contains("crs: must be a name"));
        let bowtie = r#"{"base_version": 1, "message": "m", "ops": [{"op": "transfer", "from": "1", "to": "2",
            "area": {"type": "Polygon", "coordinates": [[[0,0],[1,1],[1,0],[0,1],[0,0]]]}}]}"#;
        assert!(
            err(bowtie).contains("ops[0].area.coordinates[0]: the ring crosses itself"),
            "{}",
            err(bowtie)
        );
        let short = r#"{"base_version": 1, "message": "m", "ops": [{"op": "split", "cell": "1",
            "line": {"type": "LineString", "coordinates": [[106.7, "x"]]}}]}"#;
        assert!(
            err(short).contains("ops[0].line.coordinates[0]: must be [x, y] numbers"),
            "{}",
            err(short)
        );
    }
}
