//! `GET /v1/lookup` (one point) and `POST /v1/lookup` (a batch, or a GeoJSON
//! FeatureCollection of points): which cell, with its chain of parents.
//!
//! A point exactly on a boundary shared by two cells belongs to exactly one of them,
//! always the same (the index's half-open rule), so a case is routed the same way
//! every time. Both take `version=N` or `at=TIME` in the query (the cell that held
//! the point then); every answer says its `version`.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing;
use serde_json::{Value, json};

use citygrid_crs::Transform;
use citygrid_model::UnitId;

use crate::as_of::AsOf;
use crate::city::City;
use crate::error::{ApiError, shorten};
use crate::routes::batch::{self, Answers, Fields};
use crate::routes::params::{crs_param, number};
use crate::state::AppState;

/// `GET` and `POST /v1/lookup`.
pub fn router() -> Router<AppState> {
    Router::new().route("/v1/lookup", routing::get(get).post(post))
}

fn json_response(body: String) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// Whether `include=staff` asks for the cell's staff (the only thing a lookup can
/// include).
fn include_staff(query: &HashMap<String, String>) -> Result<bool, ApiError> {
    match query.get("include").map(|i| i.trim()) {
        None | Some("") => Ok(false),
        Some("staff") => Ok(true),
        Some(other) => Err(ApiError::BadRequest(format!(
            "include={}: a lookup can include staff only",
            shorten(other)
        ))),
    }
}

/// `GET /v1/lookup?lon=..&lat=..[&crs=..][&near=METRES][&include=staff][&version=N|&at=TIME]`.
pub async fn get(
    State(state): State<AppState>,
    AsOf(city): AsOf,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let (crs, transform) = crs_param(query.get("crs").map(String::as_str))?;
    let (x, y) = (number(&query, "lon")?, number(&query, "lat")?);
    let with_staff = include_staff(&query)?;
    let staff = |id: UnitId| {
        if with_staff {
            let code = &city.partition.unit(id).code;
            format!(
                r#","staff":{}"#,
                state.versions.head().stats.datasets.staff.cell_json(code)
            )
        } else {
            String::new()
        }
    };
    let near = match query.get("near") {
        None => None,
        Some(text) => {
            let m = number(&query, "near")?;
            if !(0.0..=state.config.max_near_m).contains(&m) {
                return Err(ApiError::BadRequest(format!(
                    "near={} is outside 0..{} metres (max_near_m)",
                    shorten(text),
                    state.config.max_near_m
                )));
            }
            Some(m)
        }
    };
    let (lon, lat) = transform
        .to_wgs84(x, y)
        .map_err(|e| ApiError::BadRequest(format!("lon, lat: {e}")))?;
    let found = city.index.lookup(lon, lat);
    state.metrics.points(1, u64::from(found.is_none()));
    let point = format!(
        r#""point":{{"lon":{lon},"lat":{lat},"input":[{x},{y}],"crs":"{crs}"}},"version":{}"#,
        city.version()
    );
    if let Some(id) = found {
        return Ok(json_response(format!(
            r#"{{{point},"cell":{}{}}}"#,
            city.answer(id),
            staff(id)
        )));
    }
    if let Some(max) = near
        && let Some(near) = city.index.lookup_near(lon, lat, max)
    {
        let (id, d) = (near.cell, near.distance_m);
        return Ok(json_response(format!(
            r#"{{{point},"cell":{},"outside":true,"distance_m":{:.2}{}}}"#,
            city.answer(id),
            d,
            staff(id)
        )));
    }
    Err(ApiError::NotFound(format!(
        "point {x} {y} ({crs}) is outside the city"
    )))
}

/// `POST /v1/lookup[?fields=code][&version=N|&at=TIME]` with `{"crs": "..",
/// "points": [[x, y], ...], "fields": "all" | "code"}`, or a GeoJSON
/// FeatureCollection of points.
///
/// At most `batch_concurrency` batches are read and looked up at once and
/// `batch_queue` wait; beyond, 503 (the body is read only to be dropped, so the
/// client sees the answer). The work runs off the async workers, so health checks
/// and single lookups are not held up; the answer is streamed.
pub async fn post(
    State(state): State<AppState>,
    AsOf(city): AsOf,
    Query(query): Query<HashMap<String, String>>,
    body: Body,
) -> Result<Response, ApiError> {
    let asked = query
        .get("fields")
        .map(|f| Fields::parse(&Value::String(f.clone()), "fields="))
        .transpose()?;
    if include_staff(&query)? {
        return Err(ApiError::BadRequest(
            "include=staff: batches answer cells only; ask GET /v1/lookup, or ingest the points \
             with POST /v1/layers/{name}/features, for the staff of each cell"
                .into(),
        ));
    }
    let limit = state.config.max_body_bytes;
    let _turn = match state.batches.enter().await {
        Ok(turn) => turn,
        Err(shed) => {
            crate::body::discard(body, limit).await;
            return Err(shed);
        }
    };
    let bytes = crate::body::read(body, limit).await?;
    let state = state.clone();
    tokio::task::spawn_blocking(move || answer(&state, city, &bytes, asked))
        .await
        .map_err(|e| ApiError::Internal(format!("batch lookup: {e}")))?
}

/// Reads a batch body and answers it.
fn answer(
    state: &AppState,
    city: Arc<City>,
    bytes: &[u8],
    asked: Option<Fields>,
) -> Result<Response, ApiError> {
    if batch::is_feature_collection(bytes) {
        let fc: Value = serde_json::from_slice(bytes)
            .map_err(|e| ApiError::BadRequest(format!("body is not valid JSON: {e}")))?;
        return feature_collection(state, &city, fc);
    }
    let batch = batch::parse(bytes, state.config.max_batch_points)?;
    let fields = match (asked, batch.fields) {
        (Some(q), Some(b)) if q != b => {
            return Err(ApiError::BadRequest(
                "fields differs between the query and the body; give it once".into(),
            ));
        }
        (q, b) => q.or(b).unwrap_or(Fields::All),
    };
    let (_, transform) = crs_param(batch.crs.as_deref())?;
    let wgs = batch
        .points
        .iter()
        .enumerate()
        .map(|(i, &(x, y))| {
            transform
                .to_wgs84(x, y)
                .map_err(|e| ApiError::BadRequest(format!("points[{i}]: {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    drop(batch);
    let mut found = Vec::with_capacity(wgs.len());
    city.index.lookup_batch(&wgs, &mut found);
    let outside = found.iter().filter(|f| f.is_none()).count() as u64;
    state.metrics.points(found.len() as u64, outside);
    let mut response = Response::new(Body::new(Answers::new(city, found, fields)));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Ok(response)
}

fn check_count(state: &AppState, n: usize) -> Result<(), ApiError> {
    let max = state.config.max_batch_points;
    if n > max {
        return Err(ApiError::TooLarge(format!(
            "features: {n} is over max_batch_points = {max} per request; split the batch"
        )));
    }
    Ok(())
}

/// A `[x, y]` position in the request's CRS, as WGS84.
fn point(p: &Value, transform: &Transform) -> Result<(f64, f64), String> {
    // RFC 7946 section 3.1.1: two numbers, or three with a height.
    let pair = p
        .as_array()
        .filter(|a| a.len() == 2 || a.len() == 3)
        .ok_or("expected [lon, lat] or [lon, lat, height]")?;
    let x = pair[0].as_f64().ok_or("lon is not a number")?;
    let y = pair[1].as_f64().ok_or("lat is not a number")?;
    transform.to_wgs84(x, y).map_err(|e| e.to_string())
}

/// Answers a FeatureCollection of points with the same features and a `cell`
/// property (the code, or null outside the city). It is held as a JSON tree (its
/// features come back with all their properties), a few times the body's size:
/// `max_body_bytes` and the batch queue bound it.
fn feature_collection(state: &AppState, city: &City, mut fc: Value) -> Result<Response, ApiError> {
    let crs = fc
        .get("crs")
        .and_then(|c| c.get("properties"))
        .and_then(|p| p.get("name"))
        .and_then(Value::as_str)
        .map(str::to_string);
    let (_, transform) = crs_param(crs.as_deref())?;
    let features = fc
        .get_mut("features")
        .and_then(Value::as_array_mut)
        .ok_or_else(|| ApiError::BadRequest("FeatureCollection has no features array".into()))?;
    check_count(state, features.len())?;
    let mut wgs = Vec::with_capacity(features.len());
    for (i, f) in features.iter().enumerate() {
        if f.get("type").and_then(Value::as_str) != Some("Feature") {
            return Err(ApiError::BadRequest(format!(
                "features[{i}]: not a Feature"
            )));
        }
        if !matches!(
            f.get("properties"),
            None | Some(Value::Null | Value::Object(_))
        ) {
            return Err(ApiError::BadRequest(format!(
                "features[{i}]: properties must be an object or null"
            )));
        }
        let g = f
            .get("geometry")
            .ok_or_else(|| ApiError::BadRequest(format!("features[{i}]: no geometry")))?;
        if g.get("type").and_then(Value::as_str) != Some("Point") {
            return Err(ApiError::BadRequest(format!(
                "features[{i}]: geometry must be a Point"
            )));
        }
        let c = g.get("coordinates").unwrap_or(&Value::Null);
        wgs.push(
            point(c, &transform)
                .map_err(|m| ApiError::BadRequest(format!("features[{i}]: {m}")))?,
        );
    }
    let mut found: Vec<Option<UnitId>> = Vec::with_capacity(wgs.len());
    city.index.lookup_batch(&wgs, &mut found);
    state.metrics.points(
        found.len() as u64,
        found.iter().filter(|f| f.is_none()).count() as u64,
    );
    for (f, id) in features.iter_mut().zip(found) {
        let code = id.map_or(Value::Null, |id| {
            json!(city.partition.unit(id).code.as_str())
        });
        match f.get_mut("properties") {
            Some(Value::Object(props)) => {
                props.insert("cell".into(), code);
            }
            _ => f["properties"] = json!({"cell": code}),
        }
    }
    // A foreign member (RFC 7946 section 6.1): the version the cells are of.
    fc["version"] = json!(city.version());
    Ok(json_response(fc.to_string()))
}
