//! `GET /v1/convert?lon=..&lat=..&from=..&to=..`: one position from one coordinate
//! system to another, through WGS84 (the viewer shows a clicked point in WGS84 and
//! in the GCJ-02 of Chinese phone maps with it).

use std::collections::HashMap;

use axum::Json;
use axum::Router;
use axum::extract::Query;
use axum::routing;
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::routes::params::{crs_param, number};
use crate::state::AppState;

/// `GET /v1/convert`.
pub fn router() -> Router<AppState> {
    Router::new().route("/v1/convert", routing::get(get))
}

/// `{"from": {"lon", "lat", "crs"}, "to": {"lon", "lat", "crs"}}`; `from` and `to`
/// default to WGS84.
pub async fn get(Query(query): Query<HashMap<String, String>>) -> Result<Json<Value>, ApiError> {
    let (from, from_t) = crs_param(query.get("from").map(String::as_str))?;
    let (to, to_t) = crs_param(query.get("to").map(String::as_str))?;
    let (x, y) = (number(&query, "lon")?, number(&query, "lat")?);
    let (lon, lat) = from_t
        .to_wgs84(x, y)
        .map_err(|e| ApiError::BadRequest(format!("lon, lat in {from}: {e}")))?;
    let (tx, ty) = to_t
        .from_wgs84(lon, lat)
        .map_err(|e| ApiError::BadRequest(format!("lon, lat to {to}: {e}")))?;
    if !(tx.is_finite() && ty.is_finite()) {
        return Err(ApiError::BadRequest(format!(
            "{x} {y} ({from}) has no position in {to}"
        )));
    }
    Ok(Json(json!({
        "from": {"lon": x, "lat": y, "crs": from.to_string()},
        "to": {"lon": tx, "lat": ty, "crs": to.to_string()},
    })))
}
