//! `GET /v1/search?q=..`: units by code or name, for a search box.
//!
//! A query of digits matches codes that start with it; any query matches names
//! that contain it (case-insensitive). Best first: an exact code or name, then a
//! code or name that starts with the query, then one that contains it; within
//! each, the higher level first (district, township, village, cell), then by code.
//! A scan of every unit: well under a millisecond for a city of Guiyang's size.

use std::collections::HashMap;

use axum::Json;
use axum::Router;
use axum::extract::Query;
use axum::routing;
use serde_json::{Value, json};

use citygrid_model::{Level, Partition, UnitId};

use crate::as_of::AsOf;
use crate::city::City;
use crate::error::{ApiError, shorten};
use crate::routes::params::limit_param;
use crate::state::AppState;

/// `GET /v1/search`.
pub fn router() -> Router<AppState> {
    Router::new().route("/v1/search", routing::get(get))
}

/// Results when `limit` is not given.
const DEFAULT_LIMIT: usize = 10;
/// Most results in one answer.
const MAX_LIMIT: usize = 50;
/// Longest query, in characters.
const MAX_QUERY: usize = 100;

/// How well a unit matches: lower is better.
fn rank(partition: &Partition, id: UnitId, digits: Option<&str>, needle: &str) -> Option<u8> {
    let u = partition.unit(id);
    let code = u.code.as_str();
    let name = u.name.to_lowercase();
    let by_code = digits.and_then(|d| {
        if code == d {
            Some(0)
        } else if code.starts_with(d) {
            Some(1)
        } else {
            None
        }
    });
    let by_name = if name == needle {
        Some(0)
    } else if name.starts_with(needle) {
        Some(1)
    } else if name.contains(needle) {
        Some(2)
    } else {
        None
    };
    match (by_code, by_name) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Units matching `query`, best first, at most `limit`.
#[must_use]
pub fn search(city: &City, query: &str, limit: usize) -> Vec<UnitId> {
    let needle = query.trim().to_lowercase();
    let digits = needle
        .bytes()
        .all(|b| b.is_ascii_digit())
        .then_some(needle.as_str());
    let p = &city.partition;
    let mut found: Vec<(u8, Level, &str, UnitId)> = p
        .units()
        .iter()
        .enumerate()
        .filter(|(_, u)| u.level != Level::City)
        .filter_map(|(id, u)| {
            let id = id as UnitId;
            rank(p, id, digits, &needle).map(|r| (r, u.level, u.code.as_str(), id))
        })
        .collect();
    found.sort_unstable();
    found.truncate(limit);
    found.into_iter().map(|(_, _, _, id)| id).collect()
}

/// `GET /v1/search?q=..[&limit=10][&version=N|&at=TIME]`: `{"query", "results":
/// [{"code", "name", "level", "bbox", "ancestors"}], "version"}`, the box as
/// `[west, south, east, north]` in WGS84 for zooming to the unit.
pub async fn get(
    AsOf(city): AsOf,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    let q = query
        .get("q")
        .map(|q| q.trim())
        .filter(|q| !q.is_empty())
        .ok_or_else(|| {
            ApiError::BadRequest("missing query parameter q: a code or part of a name".into())
        })?;
    if q.chars().count() > MAX_QUERY {
        return Err(ApiError::BadRequest(format!(
            "q={} is longer than {MAX_QUERY} characters",
            shorten(q)
        )));
    }
    let limit = limit_param(&query, DEFAULT_LIMIT, MAX_LIMIT)?;
    let p = &city.partition;
    let results: Vec<Value> = search(&city, q, limit)
        .into_iter()
        .map(|id| {
            let u = p.unit(id);
            let bbox = city
                .bbox(id)
                .map(|b| json!([b.min().x, b.min().y, b.max().x, b.max().y]));
            let ancestors: Vec<Value> = p
                .ancestors(id)
                .map(|a| {
                    let a = p.unit(a);
                    json!({"level": a.level.as_str(), "code": a.code.as_str(), "name": a.name})
                })
                .collect();
            json!({
                "code": u.code.as_str(),
                "name": u.name,
                "level": u.level.as_str(),
                "bbox": bbox,
                "ancestors": ancestors,
            })
        })
        .collect();
    Ok(Json(
        json!({"query": q, "results": results, "version": city.version()}),
    ))
}
