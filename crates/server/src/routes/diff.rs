//! `GET /v1/diff?from=N&to=M`: what changed between two versions, as a GeoJSON
//! FeatureCollection a GIS opens: each changed unit before (as of `from`) and after
//! (as of `to`), and, per pair of units of a level, the square metres that went
//! from one to the other (`crate::moved`).

use std::collections::HashMap;

use axum::Json;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use geo_types::Geometry;
use serde_json::{Value, json};

use citygrid_crs::Transform;
use citygrid_io::geometry::to_geojson;
use citygrid_model::measure::area_m2;
use citygrid_model::{Unit, UnitCode};

use crate::as_of::{VERSION_HEADER, version_number};
use crate::city::attributes_json;
use crate::error::ApiError;
use crate::moved::moved_areas;
use crate::routes::params::crs_param;
use crate::state::AppState;

/// `GET /v1/diff`.
pub fn router() -> Router<AppState> {
    Router::new().route("/v1/diff", get(get_diff))
}

/// `GET /v1/diff?from=N&to=M[&crs=..]`: `{"type": "FeatureCollection", "from",
/// "to", "features", "moved"}`. Each changed unit is one or two features, `side`
/// `before` and `after` (only `after` for a unit `to` created, only `before` for
/// one it retired), with `code`, `level`, `name`, `parent`, `attributes`, `area_m2`
/// and `change` (`changed`, `created`, `retired`). `moved` lists `{"level",
/// "from", "to", "m2"}`: land that belonged to unit `from` in version `from` and
/// to unit `to` in version `to`. Either version may be the older.
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
    let mut codes: Vec<UnitCode> = changes
        .upserts
        .iter()
        .map(|u| u.code.clone())
        .chain(changes.removed.iter().cloned())
        .collect();
    codes.sort();
    let mut features = Vec::new();
    for code in &codes {
        let (was, now) = (before.partition.get(code), after.partition.get(code));
        let change = match (was, now) {
            (Some(_), Some(_)) => "changed",
            (None, _) => "created",
            (_, None) => "retired",
        };
        for (side, unit) in [("before", was), ("after", now)] {
            if let Some(unit) = unit {
                features.push(feature(unit, side, change, &transform));
            }
        }
    }
    let moved: Vec<Value> = moved_areas(&before.partition, &after.partition, &codes)
        .into_iter()
        .map(|m| {
            json!({
                "level": m.level.as_str(),
                "from": m.from.as_str(),
                "to": m.to.as_str(),
                "m2": (m.m2 * 100.0).round() / 100.0,
            })
        })
        .collect();
    Ok((
        [(VERSION_HEADER, HeaderValue::from(to))],
        Json(json!({
            "type": "FeatureCollection",
            "from": from,
            "to": to,
            "features": features,
            "moved": moved,
        })),
    )
        .into_response())
}

fn feature(unit: &Unit, side: &str, change: &str, transform: &Transform) -> Value {
    json!({
        "type": "Feature",
        "geometry": to_geojson(&Geometry::MultiPolygon(unit.geometry.clone()), transform),
        "properties": {
            "side": side,
            "change": change,
            "code": unit.code.as_str(),
            "level": unit.level.as_str(),
            "name": unit.name,
            "parent": unit.parent.as_ref().map(UnitCode::as_str),
            "attributes": attributes_json(&unit.attributes),
            "area_m2": (area_m2(&unit.geometry) * 10.0).round() / 10.0,
        },
    })
}
