//! `GET /v1/diff?from=N&to=M`: what changed between two versions, as a GeoJSON
//! FeatureCollection a GIS opens: each changed unit before (as of `from`) and after
//! (as of `to`), and, per pair of units of a level, the square metres that went
//! from one to the other (`crate::records::diff_json`, which `citygrid diff` prints
//! too).

use std::collections::HashMap;

use axum::Json;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::as_of::{VERSION_HEADER, version_number};
use crate::error::ApiError;
use crate::records::diff_json;
use crate::routes::params::crs_param;
use crate::state::AppState;

/// `GET /v1/diff`.
pub fn router() -> Router<AppState> {
    Router::new().route("/v1/diff", get(get_diff))
}

/// `GET /v1/diff?from=N&to=M[&crs=..]`: the FeatureCollection of
/// [`diff_json`]. Either version may be the older.
pub async fn get_diff(
    State(state): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let number = |name: &str| {
        query
            .get(name)
            .ok_or_else(|| ApiError::BadRequest(format!("missing query parameter {name}")))
            .and_then(|t| version_number(name, t))
    };
    let (from, to) = (number("from")?, number("to")?);
    let (_, transform) = crs_param(query.get("crs").map(String::as_str))?;
    let changes = state
        .versions
        .read(move |store| store.changes(from, to))
        .await?;
    let before = state.versions.city(from).await?;
    let after = state.versions.city(to).await?;
    let body = diff_json(
        (from, &before.partition),
        (to, &after.partition),
        &changes,
        &transform,
    );
    Ok(([(VERSION_HEADER, HeaderValue::from(to))], Json(body)).into_response())
}
