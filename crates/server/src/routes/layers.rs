//! `POST /v1/layers/{name}/features`: live ingest of points into an entity layer
//! (an editor's token; one limited to a district ingests only points in it). The
//! answer says, for each point, the cell it is counted in, the cell's ancestors and
//! the staff to dispatch it to: the hotline's "find it in the cell, send it to the
//! right people" in one call. The points are in the store, and in the statistics
//! served, before the answer goes out.

use std::collections::HashMap;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use citygrid_model::{Entity, UnitCode};
use citygrid_store::{LayerKind, Role, StoreError};

use std::sync::Arc;

use crate::as_of::Head;
use crate::auth::Caller;
use crate::datasets::LayerData;
use crate::error::{ApiError, shorten, store_error};
use crate::routes::params::crs_param;
use crate::routes::stats::CITY_UTC_OFFSET;
use crate::state::AppState;

/// Problems listed in one refusal.
const SHOWN_PROBLEMS: usize = 20;

/// `POST /v1/layers/{name}/features`; a raster layer's map tiles and their TileJSON.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/layers/{name}/features", post(ingest))
        .route("/v1/layers/{name}/tiles.json", get(raster_tilejson))
        .route("/v1/layers/{name}/tiles/{z}/{x}/{y}", get(raster_tile))
}

/// `GET /v1/layers/{name}/tiles.json`: TileJSON of a raster layer's PNG tiles, their
/// URLs carrying the layers revision (a new import is a new URL, so caches never
/// serve an old picture).
pub async fn raster_tilejson(
    State(state): State<AppState>,
    Head(head): Head,
    Path(name): Path<String>,
    headers: axum::http::HeaderMap,
) -> Result<Response, ApiError> {
    let base = crate::routes::params::base(&state, &headers)?.url;
    let (raster, ramp) = raster_of(&head, &name)?;
    let b = raster.raster().pixel_bounds_wgs84();
    let body = json!({
        "tilejson": "3.0.0",
        "name": name,
        "description": format!("raster layer {name}: values {} to {} on a yellow-to-red ramp; nodata and zero transparent", ramp.lo, ramp.hi),
        "tiles": [format!("{base}/v1/layers/{name}/tiles/{{z}}/{{x}}/{{y}}.png?r={}", head.stats.datasets.revision)],
        "minzoom": 0,
        "maxzoom": 18,
        "bounds": [b.min().x.max(-180.0), b.min().y.max(-85.05), b.max().x.min(180.0), b.max().y.min(85.05)],
        "legend": {"lo": ramp.lo, "hi": ramp.hi, "colours": ["#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"]},
    });
    Ok((
        [(header::CONTENT_TYPE, "application/json")],
        serde_json::to_vec(&body).unwrap_or_default(),
    )
        .into_response())
}

/// `GET /v1/layers/{name}/tiles/{z}/{x}/{y}.png`: a raster layer's map tile (204
/// outside the raster).
pub async fn raster_tile(
    Head(head): Head,
    Path((name, z, x, y)): Path<(String, String, String, String)>,
    headers: axum::http::HeaderMap,
) -> Result<Response, ApiError> {
    let bad = || {
        ApiError::BadRequest(format!(
            "{}/{}/{}: a tile path is /v1/layers/{{name}}/tiles/{{z}}/{{x}}/{{y}}.png",
            shorten(&z),
            shorten(&x),
            shorten(&y)
        ))
    };
    let y = y.strip_suffix(".png").ok_or_else(bad)?;
    let (z, x, y): (u8, u32, u32) = (
        z.parse().map_err(|_| bad())?,
        x.parse().map_err(|_| bad())?,
        y.parse().map_err(|_| bad())?,
    );
    let (raster, ramp) = raster_of(&head, &name)?;
    let datasets = Arc::clone(&head.stats.datasets);
    let etag = format!("\"{name}-{}-{z}-{x}-{y}\"", datasets.revision);
    if crate::routes::params::matches_etag(&headers, &etag) {
        return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response());
    }
    let key = format!("{name}/{z}/{x}/{y}");
    let png = match datasets.raster_tiles.get(&key) {
        Some(p) => Some(p),
        None => {
            let made = tokio::task::spawn_blocking(move || {
                citygrid_raster::render_tile(raster.raster(), &ramp, z, x, y)
            })
            .await
            .map_err(|e| ApiError::Internal(format!("rendering a raster tile: {e}")))?
            .map_err(|e| ApiError::BadRequest(e.to_string()))?;
            made.map(|png| {
                let png = Arc::new(png);
                datasets.raster_tiles.insert(key, Arc::clone(&png));
                png
            })
        }
    };
    let cache = [
        (header::CACHE_CONTROL, "public, max-age=3600".to_string()),
        (header::ETAG, etag),
    ];
    Ok(match png {
        Some(png) => (cache, [(header::CONTENT_TYPE, "image/png")], png.to_vec()).into_response(),
        None => (StatusCode::NO_CONTENT, cache).into_response(),
    })
}

/// A raster layer and its ramp, or why there is none.
fn raster_of(
    head: &crate::snapshot::Snapshot,
    name: &str,
) -> Result<(Arc<citygrid_stats::RasterLayer>, citygrid_raster::Ramp), ApiError> {
    let datasets = &head.stats.datasets;
    match (
        datasets.layers.get(name).map(|l| &l.data),
        datasets.ramps.get(name),
    ) {
        (Some(Ok(LayerData::Raster(r))), Some(ramp)) => Ok((Arc::clone(r), *ramp)),
        (Some(Err(reason)), _) => Err(ApiError::Unavailable(format!(
            "layer {name:?} cannot be served: {reason}"
        ))),
        (Some(Ok(_)), _) => Err(ApiError::BadRequest(format!(
            "layer {name:?} is not a raster layer: it has no map tiles"
        ))),
        (None, _) => Err(ApiError::NotFound(format!(
            "no layer named {}",
            shorten(name)
        ))),
    }
}

/// `POST /v1/layers/{name}/features[?crs=..]` with a GeoJSON Feature or
/// FeatureCollection of points whose properties are the layer's fields.
pub async fn ingest(
    State(state): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    body: Bytes,
) -> Result<Response, ApiError> {
    caller.require(Role::Editor)?;
    let store = state.versions.store().cloned().ok_or_else(|| {
        ApiError::NotFound(
            "this server serves a partition file: layers live in a store (serve --store)".into(),
        )
    })?;
    let head = state.versions.head();
    let layer = head.stats.datasets.layers.get(&name).ok_or_else(|| {
        ApiError::NotFound(format!(
            "no layer named {}; create it with `citygrid layer import`",
            shorten(&name)
        ))
    })?;
    let LayerKind::Entity { schema, .. } = &layer.info.kind else {
        return Err(ApiError::BadRequest(format!(
            "layer {name:?} is a raster layer: it takes no points"
        )));
    };
    let body: Value = serde_json::from_slice(&body)
        .map_err(|e| ApiError::BadRequest(format!("the body is not JSON: {e}")))?;
    let declared = body
        .get("crs")
        .and_then(|c| c.get("properties"))
        .and_then(|p| p.get("name"))
        .and_then(Value::as_str);
    let (_, transform) = crs_param(query.get("crs").map(String::as_str).or(declared))?;
    let features: Vec<&Value> = match body.get("type").and_then(Value::as_str) {
        Some("FeatureCollection") => body
            .get("features")
            .and_then(Value::as_array)
            .ok_or_else(|| {
                ApiError::BadRequest("features: a FeatureCollection needs a features array".into())
            })?
            .iter()
            .collect(),
        Some("Feature") => vec![&body],
        _ => {
            return Err(ApiError::BadRequest(
                "the body is a GeoJSON Feature or FeatureCollection of Point features".into(),
            ));
        }
    };
    let max = state.config.max_batch_points;
    if features.len() > max {
        return Err(ApiError::TooLarge(format!(
            "features: {} is over max_batch_points = {max} per request; split the batch",
            features.len()
        )));
    }
    if features.is_empty() {
        return Err(ApiError::BadRequest("features: nothing to ingest".into()));
    }
    let mut entities = Vec::with_capacity(features.len());
    let mut problems = Vec::new();
    let city = &head.city;
    for (i, f) in features.iter().enumerate() {
        let entity = (|| -> Result<Entity, String> {
            let coordinates = f
                .get("geometry")
                .filter(|g| g.get("type").and_then(Value::as_str) == Some("Point"))
                .and_then(|g| g.get("coordinates"))
                .and_then(Value::as_array)
                .ok_or("geometry: expected a Point")?;
            let (x, y) = match coordinates.as_slice() {
                [x, y, ..] => (
                    x.as_f64()
                        .filter(|v| v.is_finite())
                        .ok_or("x is not a finite number")?,
                    y.as_f64()
                        .filter(|v| v.is_finite())
                        .ok_or("y is not a finite number")?,
                ),
                _ => return Err("coordinates: expected [x, y]".into()),
            };
            let (lon, lat) = transform.to_wgs84(x, y).map_err(|e| e.to_string())?;
            let empty = serde_json::Map::new();
            let properties = f
                .get("properties")
                .and_then(Value::as_object)
                .unwrap_or(&empty);
            let values = citygrid_io::values_from_json(schema, properties, CITY_UTC_OFFSET)?;
            Ok(Entity {
                id: 0,
                lon,
                lat,
                values,
            })
        })();
        match entity {
            Ok(e) => entities.push(e),
            Err(p) => problems.push(format!("features[{i}]: {p}")),
        }
    }
    if !problems.is_empty() {
        let more = if problems.len() > SHOWN_PROBLEMS {
            "; ..."
        } else {
            ""
        };
        return Err(ApiError::BadRequest(format!(
            "{} of {} features cannot be ingested, so none was: {}{more}",
            problems.len(),
            features.len(),
            problems
                .iter()
                .take(SHOWN_PROBLEMS)
                .cloned()
                .collect::<Vec<_>>()
                .join("; ")
        )));
    }
    let cells: Vec<Option<UnitCode>> = entities
        .iter()
        .map(|e| {
            city.index
                .lookup(e.lon, e.lat)
                .map(|id| city.partition.unit(id).code.clone())
        })
        .collect();
    if caller.district.is_some() {
        for (i, cell) in cells.iter().enumerate() {
            match cell {
                Some(code) => caller
                    .require_scope(&city.partition, code)
                    .map_err(|e| ApiError::Forbidden(format!("features[{i}]: {e}")))?,
                None => {
                    return Err(ApiError::Forbidden(format!(
                        "features[{i}]: the point is outside the city, and token {:?} may act in its district only",
                        caller.name
                    )));
                }
            }
        }
    }
    let layer_name = name.clone();
    let (_, ids) =
        tokio::task::spawn_blocking(move || store.append_entities(&layer_name, entities))
            .await
            .map_err(|e| ApiError::Internal(format!("an ingest task failed: {e}")))?
            .map_err(|e| match e {
                StoreError::DatasetRefused { .. } | StoreError::UnknownLayer { .. } => {
                    ApiError::BadRequest(e.to_string())
                }
                other => store_error(other),
            })?;
    let now = state.versions.refresh_datasets().await?;
    let staff = &now.stats.datasets.staff;
    let answers: Vec<Value> = ids
        .iter()
        .zip(&cells)
        .map(|(id, cell)| {
            let found = cell.as_ref().and_then(|c| Some((c, now.city.partition.id_of(c)?)));
            match found {
                Some((code, unit)) => json!({
                    "id": id,
                    "cell": serde_json::from_str::<Value>(now.city.answer(unit)).unwrap_or(Value::Null),
                    "staff": staff.cell_json(code),
                }),
                None => json!({"id": id, "cell": null, "staff": []}),
            }
        })
        .collect();
    let body = json!({
        "layer": name,
        "version": now.version(),
        "revision": now.stats.datasets.revision,
        "features": answers,
    });
    Ok((
        StatusCode::CREATED,
        [(header::CONTENT_TYPE, "application/json")],
        serde_json::to_vec(&body).unwrap_or_default(),
    )
        .into_response())
}
