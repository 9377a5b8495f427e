//! `GET /v1/cells/{code}` (one unit as a GeoJSON Feature) and `GET /v1/cells`
//! (units in a box, paged), of the head or of `version=N` / `at=TIME`; the version
//! is a foreign member of the answer (RFC 7946 section 6.1).

use std::collections::HashMap;

use axum::Json;
use axum::Router;
use axum::extract::{Path, Query};
use axum::routing::get;
use geo_types::{Geometry, Rect};
use serde_json::{Value, json};

use citygrid_crs::Transform;
use citygrid_io::geometry::to_geojson;
use citygrid_model::{Level, UnitCode, UnitId};

use crate::as_of::AsOf;
use crate::city::{City, attributes_json};
use crate::error::{ApiError, shorten};
use crate::routes::params::{code_param, crs_param, limit_param, whole_number};
use crate::state::AppState;

/// `GET /v1/cells` and `/v1/cells/{code}`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/cells", get(list))
        .route("/v1/cells/{code}", get(one))
}

/// Most features in one page.
const MAX_LIMIT: usize = 1_000;

fn feature(city: &City, id: UnitId, transform: &Transform) -> Value {
    let u = city.partition.unit(id);
    json!({
        "type": "Feature",
        "id": u.code.numeric().map_or_else(|| json!(u.code.as_str()), |n| json!(n)),
        "geometry": to_geojson(&Geometry::MultiPolygon(u.geometry.clone()), transform),
        "properties": {
            "code": u.code.as_str(),
            "name": u.name,
            "level": u.level.as_str(),
            "parent": u.parent.as_ref().map(UnitCode::as_str),
            "attributes": attributes_json(&u.attributes),
        },
    })
}

/// `GET /v1/cells/{code}[?crs=..][&version=N|&at=TIME]`: any unit by code, as a
/// Feature.
pub async fn one(
    AsOf(city): AsOf,
    Path(code): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    let (_, transform) = crs_param(query.get("crs").map(String::as_str))?;
    let code = code_param(&code)?;
    let id = city.partition.id_of(&code).ok_or_else(|| {
        ApiError::NotFound(format!(
            "no unit with code {code} in version {}",
            city.version()
        ))
    })?;
    let mut f = feature(&city, id, &transform);
    f["version"] = json!(city.version());
    Ok(Json(f))
}

/// `GET /v1/cells?bbox=minlon,minlat,maxlon,maxlat[&level=cell][&limit=100][&offset=0][&crs=..][&version=N|&at=TIME]`.
pub async fn list(
    AsOf(city): AsOf,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    let (_, transform) = crs_param(query.get("crs").map(String::as_str))?;
    let level = match query.get("level") {
        None => Level::Cell,
        Some(l) => l
            .parse::<Level>()
            .map_err(|e| ApiError::BadRequest(e.to_string()))?,
    };
    let bbox = match query.get("bbox") {
        None => Rect::new((-180.0, -90.0), (180.0, 90.0)),
        Some(text) => parse_bbox(text, &transform)?,
    };
    let limit = limit_param(&query, 100, MAX_LIMIT)?;
    let offset = whole_number(&query, "offset", 0, 0..=usize::MAX)?;
    let matched: Vec<UnitId> = city.in_box(level, bbox).collect();
    let page: Vec<Value> = matched
        .iter()
        .skip(offset)
        .take(limit)
        .map(|&id| feature(&city, id, &transform))
        .collect();
    let returned = page.len();
    let next = (offset + returned < matched.len()).then(|| offset + returned);
    Ok(Json(json!({
        "type": "FeatureCollection",
        "numberMatched": matched.len(),
        "numberReturned": returned,
        "next_offset": next,
        "version": city.version(),
        "features": page,
    })))
}

/// `minx,miny,maxx,maxy` in the request's CRS, as a WGS84 box.
fn parse_bbox(text: &str, transform: &Transform) -> Result<Rect<f64>, ApiError> {
    let bad = || {
        ApiError::BadRequest(format!(
            "bbox={} must be four numbers minlon,minlat,maxlon,maxlat",
            shorten(text)
        ))
    };
    let v: Vec<f64> = text
        .split(',')
        .map(|s| s.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| bad())?;
    if v.len() != 4 || v.iter().any(|x| !x.is_finite()) {
        return Err(bad());
    }
    if v[0] > v[2] || v[1] > v[3] {
        return Err(ApiError::BadRequest(format!(
            "bbox={}: min must not exceed max",
            shorten(text)
        )));
    }
    let a = transform
        .to_wgs84(v[0], v[1])
        .map_err(|e| ApiError::BadRequest(format!("bbox: {e}")))?;
    let b = transform
        .to_wgs84(v[2], v[3])
        .map_err(|e| ApiError::BadRequest(format!("bbox: {e}")))?;
    Ok(Rect::new(a, b))
}
