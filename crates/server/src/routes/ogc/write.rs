//! OGC API - Features Part 4 (create, replace, update, delete) on the edit engine:
//! each request is one edit of `/v1/edits`, with its roles (an editor's token,
//! within its districts), its validation (422 with the check's located problems),
//! and its conflicts (409). So a replaced geometry that would leave a gap or an
//! overlap with the neighbours is refused like any edit; attributes and names
//! change freely (`PATCH` with properties only).
//!
//! The body's coordinates are in the CRS its `Content-Crs` header names (CRS84
//! when absent). `If-Match` with an ETag from a read makes that read's version the
//! edit's base (a stale one is a conflict only if what the edit touches changed
//! since); without it the edit applies to the head. `message` (a query parameter)
//! is kept with the version.

use std::collections::{BTreeMap, HashMap};

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use serde_json::{Map, Value, json};

use citygrid_edit::{EditRequest, Op, Outcome, assign_codes, same_rings};
use citygrid_io::ExportedVertices;
use citygrid_model::{AttrValue, Level, Unit, UnitCode};
use geo::BoundingRect;
use geo_types::{Coord, MultiPolygon, Rect};

use crate::auth::Caller;
use crate::city::City;
use crate::edit_json::{attribute_values, polygons_as_given};
use crate::error::{ApiError, shorten};
use crate::routes::edits::{answer, submit};
use crate::routes::ogc::collections::Collection;
use crate::routes::ogc::crs::{OgcCrs, swap_axes};
use crate::state::AppState;

/// Properties that describe a unit's place, not attributes it holds.
const RESERVED: [&str; 4] = ["code", "name", "level", "parent"];

/// `POST /ogc/collections/{id}/items`: a new unit, numbered in its parent
/// (`properties.parent`) as a split numbers new cells.
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let collection = Collection::from_id(&id)?;
    caller.require(citygrid_store::Role::Editor)?;
    let (feature, crs) = feature_of(&body, &headers)?;
    let props = properties(&feature)?;
    let parent = match props.get("parent") {
        Some(Value::String(p)) => p
            .parse::<UnitCode>()
            .map_err(|e| ApiError::BadRequest(format!("properties.parent: {e}")))?,
        _ => {
            return Err(ApiError::BadRequest(
                "properties.parent: the code of the unit the new one belongs to (its village, for a cell)"
                    .into(),
            ));
        }
    };
    let head = state.versions.head().city.partition.clone();
    let wanted = parent.clone();
    let given = state
        .versions
        .read(move |store| {
            Ok(assign_codes(&head, &[wanted], &|c| {
                store.code_ever_used(c).unwrap_or(true)
            }))
        })
        .await?
        .map_err(|e| ApiError::BadRequest(format!("properties.parent: {e}")))?;
    let new = given
        .into_iter()
        .next()
        .ok_or_else(|| ApiError::Internal("no code was given".into()))?;
    let geometry = shape(&feature, crs, &state.versions.head().city, None)?;
    let mut unit = Unit::new(new.code.clone(), collection.0, geometry);
    unit.parent = Some(parent);
    unit.name = match props.get("name") {
        Some(Value::String(n)) => n.clone(),
        _ => new.name,
    };
    unit.attributes = attributes(&props)?;
    let op = Op::Replace {
        units: vec![unit],
        removed: Vec::new(),
    };
    let message = message(&query, "create", &new.code);
    let outcome = commit(&state, &caller, &headers, vec![op], message, &body).await?;
    let mut response = answer(&outcome);
    *response.status_mut() = StatusCode::CREATED;
    let location = format!("/ogc/collections/{}/items/{}", collection.id(), new.code);
    if let Ok(v) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, v);
    }
    Ok(response)
}

/// `PUT /ogc/collections/{id}/items/{featureId}`: the unit's geometry, name and
/// attributes replaced by the feature's.
pub async fn replace(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, feature_id)): Path<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    caller.require(citygrid_store::Role::Editor)?;
    let Target {
        mut unit,
        feature,
        crs,
        props,
    } = target(&state, &id, &feature_id, &body, &headers)?;
    let geometry = shape(
        &feature,
        crs,
        &state.versions.head().city,
        Some(&unit.geometry),
    )?;
    let attributes = attributes(&props)?;
    let message = message(&query, "replace", &unit.code);
    let op = if same_rings(&geometry, &unit.geometry) {
        // The same shape: a change of name and attributes only, which moves no
        // boundary of the units above.
        let mut set: BTreeMap<String, Option<AttrValue>> =
            unit.attributes.keys().map(|k| (k.clone(), None)).collect();
        set.extend(attributes.into_iter().map(|(k, v)| (k, Some(v))));
        if let Some(Value::String(n)) = props.get("name") {
            set.insert("name".into(), Some(AttrValue::Text(n.clone())));
        }
        Op::Set {
            cell: unit.code.clone(),
            attributes: set,
        }
    } else {
        unit.geometry = geometry;
        if let Some(Value::String(n)) = props.get("name") {
            unit.name.clone_from(n);
        }
        unit.attributes = attributes;
        Op::Replace {
            units: vec![unit],
            removed: Vec::new(),
        }
    };
    let outcome = commit(&state, &caller, &headers, vec![op], message, &body).await?;
    Ok(answer(&outcome))
}

/// `PATCH /ogc/collections/{id}/items/{featureId}`: the properties given set
/// (`null` removes one; `name` renames), and the geometry replaced if given.
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, feature_id)): Path<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    caller.require(citygrid_store::Role::Editor)?;
    let Target {
        mut unit,
        feature,
        crs,
        props,
    } = target(&state, &id, &feature_id, &body, &headers)?;
    let mut ops = Vec::new();
    if feature.get("geometry").is_some_and(|g| !g.is_null()) {
        unit.geometry = shape(
            &feature,
            crs,
            &state.versions.head().city,
            Some(&unit.geometry),
        )?;
        ops.push(Op::Replace {
            units: vec![unit.clone()],
            removed: Vec::new(),
        });
    }
    let changes: Map<String, Value> = props
        .into_iter()
        .filter(|(k, _)| !matches!(k.as_str(), "code" | "level" | "parent"))
        .collect();
    if !changes.is_empty() {
        ops.push(Op::Set {
            cell: unit.code.clone(),
            attributes: attribute_values("properties", &changes)?,
        });
    }
    if ops.is_empty() {
        return Err(ApiError::BadRequest(
            "nothing to change: give properties to set or a geometry".into(),
        ));
    }
    let message = message(&query, "update", &unit.code);
    let outcome = commit(&state, &caller, &headers, ops, message, &body).await?;
    Ok(answer(&outcome))
}

/// `DELETE /ogc/collections/{id}/items/{featureId}`: the unit retired (refused
/// when that leaves a gap, which it does unless its land went elsewhere first).
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, feature_id)): Path<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    caller.require(citygrid_store::Role::Editor)?;
    let unit = existing(&state, &id, &feature_id)?;
    let message = message(&query, "delete", &unit.code);
    let op = Op::Replace {
        units: Vec::new(),
        removed: vec![unit.code.clone()],
    };
    let outcome = commit(&state, &caller, &headers, vec![op], message, b"").await?;
    Ok(answer(&outcome))
}

/// The shape of a feature's `geometry` in WGS84. Its vertices at vertices of the
/// head's cells nearby (within a millimetre, as this server wrote them: to nine
/// decimals, or in another CRS) get those vertices back bit for bit, by the QGIS
/// round trip's rule ([`ExportedVertices`]), so a client sending back what it read
/// moves no boundary by a hair; its other vertices are converted. `own` is the
/// geometry of the unit being replaced, whose vertices win a tie.
fn shape(
    feature: &Map<String, Value>,
    crs: OgcCrs,
    city: &City,
    own: Option<&MultiPolygon<f64>>,
) -> Result<MultiPolygon<f64>, ApiError> {
    let given = polygons_as_given("geometry", feature.get("geometry"))?;
    let bad = |e: String| ApiError::BadRequest(format!("geometry: {e}"));
    let transform = crs.transform()?;
    let corner = |c: Coord<f64>| {
        transform
            .to_wgs84(c.x, c.y)
            .map_err(|e| bad(format!("{} {} in {}: {e}", c.x, c.y, crs.uri())))
    };
    let Some(b) = given.bounding_rect() else {
        return Err(bad("no polygon".into()));
    };
    // Both CRS axes grow with longitude and latitude: the corners bound the shape.
    let (lo, hi) = (corner(b.min())?, corner(b.max())?);
    let margin = 1e-6;
    let near = Rect::new(
        (lo.0 - margin, lo.1 - margin),
        (hi.0 + margin, hi.1 + margin),
    );
    let cells = city
        .in_box(Level::Cell, near)
        .map(|id| city.partition.unit(id).as_ref());
    ExportedVertices::new(cells, crs.citygrid())
        .and_then(|vertices| vertices.to_wgs84(&given, own))
        .map_err(bad)
}

/// What a `PUT` or `PATCH` works on: the head's unit, the body's feature, the CRS of
/// its coordinates, and its properties.
struct Target {
    unit: Unit,
    feature: Map<String, Value>,
    crs: OgcCrs,
    props: Map<String, Value>,
}

/// The [`Target`] of a `PUT` or `PATCH` of `feature_id` in collection `id`.
fn target(
    state: &AppState,
    id: &str,
    feature_id: &str,
    body: &[u8],
    headers: &HeaderMap,
) -> Result<Target, ApiError> {
    let unit = existing(state, id, feature_id)?;
    let (feature, crs) = feature_of(body, headers)?;
    let props = properties(&feature)?;
    Ok(Target {
        unit,
        feature,
        crs,
        props,
    })
}

/// The head's unit `feature_id` of the collection `id`.
fn existing(state: &AppState, id: &str, feature_id: &str) -> Result<Unit, ApiError> {
    let collection = Collection::from_id(id)?;
    let head = state.versions.head();
    let partition = &head.city.partition;
    feature_id
        .parse::<UnitCode>()
        .ok()
        .and_then(|c| partition.get(&c))
        .filter(|u| u.level == collection.0)
        .map(|u| u.as_ref().clone())
        .ok_or_else(|| {
            ApiError::NotFound(format!(
                "no feature {} in {} (version {})",
                shorten(feature_id),
                collection.id(),
                head.version()
            ))
        })
}

/// The body as a GeoJSON Feature with its coordinates as CRS84-ordered pairs, and
/// the CRS they are in (`Content-Crs`).
fn feature_of(body: &[u8], headers: &HeaderMap) -> Result<(Map<String, Value>, OgcCrs), ApiError> {
    let crs_header = headers
        .get("content-crs")
        .map(|v| v.to_str().unwrap_or("\u{fffd}").trim().to_string());
    let crs = OgcCrs::from_param("Content-Crs", crs_header.as_ref())?;
    let mut value: Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::BadRequest(format!("the body is not JSON: {e}")))?;
    if value["type"] != "Feature" {
        return Err(ApiError::BadRequest(
            "the body must be a GeoJSON Feature ({\"type\": \"Feature\", \"geometry\", \"properties\"})".into(),
        ));
    }
    if crs.lat_first() {
        swap_axes(&mut value["geometry"]["coordinates"]);
    }
    match value {
        Value::Object(o) => Ok((o, crs)),
        _ => unreachable!("a Feature is an object"),
    }
}

/// A feature's `properties` (an empty object when absent).
fn properties(feature: &Map<String, Value>) -> Result<Map<String, Value>, ApiError> {
    match feature.get("properties") {
        None | Some(Value::Null) => Ok(Map::new()),
        Some(Value::Object(o)) => Ok(o.clone()),
        Some(other) => Err(ApiError::BadRequest(format!(
            "properties must be an object, got {}",
            crate::error::shorten_json(other)
        ))),
    }
}

/// The attributes among `props` (every property but code, name, level, parent);
/// `null` values are left out.
fn attributes(props: &Map<String, Value>) -> Result<citygrid_model::Attributes, ApiError> {
    let rest: Map<String, Value> = props
        .iter()
        .filter(|(k, _)| !RESERVED.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if rest.is_empty() {
        return Ok(citygrid_model::Attributes::new());
    }
    Ok(attribute_values("properties", &rest)?
        .into_iter()
        .filter_map(|(k, v): (String, Option<AttrValue>)| v.map(|v| (k, v)))
        .collect())
}

/// `message=...`, else a message saying what OGC API request made the version.
fn message(query: &HashMap<String, String>, what: &str, code: &UnitCode) -> String {
    query
        .get("message")
        .filter(|m| !m.trim().is_empty())
        .cloned()
        .unwrap_or_else(|| format!("OGC API - Features: {what} {code}"))
}

/// The version an `If-Match` ETag names (`W/"v12-..."`), else none.
fn if_match(headers: &HeaderMap) -> Option<u64> {
    let text = headers.get(header::IF_MATCH)?.to_str().ok()?;
    let v = text.trim().trim_start_matches("W/").trim_matches('"');
    v.strip_prefix('v')?.split('-').next()?.parse().ok()
}

/// Submits `ops` as one edit on the `If-Match` version (else the head), the
/// request body kept as the edit log.
async fn commit(
    state: &AppState,
    caller: &Caller,
    headers: &HeaderMap,
    ops: Vec<Op>,
    message: String,
    body: &[u8],
) -> Result<Outcome, ApiError> {
    let base_version = if_match(headers).unwrap_or_else(|| state.versions.head().version());
    let log = serde_json::from_slice::<Value>(body).ok();
    let request = EditRequest {
        base_version,
        message,
        ops,
        dry_run: false,
        log: Some(json!({"op": "ogc", "feature": log})),
    };
    submit(state, caller, request, citygrid_crs::Crs::Wgs84).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_match_names_the_version_of_an_etag() {
        let mut h = HeaderMap::new();
        assert_eq!(if_match(&h), None);
        h.insert(header::IF_MATCH, HeaderValue::from_static("W/\"v12-00ff\""));
        assert_eq!(if_match(&h), Some(12));
    }
}
