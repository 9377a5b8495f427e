//! `GET /v1/versions` (the store's head and its versions, newest first, paged) and
//! `GET /v1/versions/{n}` (one version: time, author, message, kind, the codes it
//! changed, created and retired, and the request that made it).

use std::collections::HashMap;

use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};

use crate::as_of::{VERSION_HEADER, version_number};
use crate::error::ApiError;
use crate::records::{version_brief, version_json};
use crate::routes::params::limit_param;
use crate::state::AppState;

/// `GET /v1/versions` and `/v1/versions/{n}`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/versions", get(list))
        .route("/v1/versions/{n}", get(one))
}

/// Versions in a page when `limit` is not given.
const DEFAULT_LIMIT: usize = 20;
/// Most versions in a page.
const MAX_LIMIT: usize = 1_000;

/// `GET /v1/versions[?before=N][&limit=20][&brief=true]`: `{"head", "versions": [..],
/// "next_before"}`, the versions older than `before` (all when absent), newest first;
/// the next page is `before=next_before` (null on the last page). `brief=true` leaves
/// out the codes each touched and its request (their `counts` stay). With `at=TIME`:
/// the version in force then, alone (`in_force`).
pub async fn list(
    State(state): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let limit = limit_param(&query, DEFAULT_LIMIT, MAX_LIMIT)?;
    let brief = match query.get("brief").map(String::as_str) {
        None | Some("false") => false,
        Some("true") => true,
        Some(other) => {
            return Err(ApiError::BadRequest(format!(
                "brief={}: true or false",
                crate::error::shorten(other)
            )));
        }
    };
    let render = move |v: &citygrid_store::VersionInfo| {
        if brief {
            version_brief(v)
        } else {
            version_json(v)
        }
    };
    if let crate::as_of::Asked::At(t) = crate::as_of::Asked::from_query(&query)? {
        let n = state.versions.version_at(t).await?;
        let (info, head) = state
            .versions
            .read(move |store| Ok((store.version(n)?, store.head()?)))
            .await?;
        return Ok((
            [(VERSION_HEADER, HeaderValue::from(n))],
            Json(json!({"head": head, "at": t.to_string(), "in_force": n, "versions": [render(&info)], "next_before": (n > 1).then_some(n)})),
        )
            .into_response());
    }
    let before = query
        .get("before")
        .map(|t| version_number("before", t))
        .transpose()?;
    // The page first, then the head: a commit in between makes the head newer
    // than the page, never older.
    let (page, head) = state
        .versions
        .read(move |store| Ok((store.versions(before, limit)?, store.head()?)))
        .await?;
    let next = page
        .last()
        .filter(|last| page.len() == limit && last.version > 1)
        .map(|last| last.version);
    let versions: Vec<Value> = page.iter().map(render).collect();
    Ok((
        [(VERSION_HEADER, HeaderValue::from(head))],
        Json(json!({"head": head, "versions": versions, "next_before": next})),
    )
        .into_response())
}

/// `GET /v1/versions/{n}`: one version.
pub async fn one(
    State(state): State<AppState>,
    Path(n): Path<String>,
) -> Result<Response, ApiError> {
    let n = version_number("version", &n)?;
    let info = state.versions.read(move |store| store.version(n)).await?;
    Ok((
        [(VERSION_HEADER, HeaderValue::from(n))],
        Json(version_json(&info)),
    )
        .into_response())
}
