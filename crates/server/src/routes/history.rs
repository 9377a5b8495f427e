//! `GET /v1/cells/{code}/history`: every state a unit has had (any level), with the
//! versions and times it held between, and the splits, merges and reparentings its
//! code took part in.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::routing::get;
use geo_types::Geometry;
use serde_json::{Value, json};

use citygrid_io::geometry::to_geojson;

use crate::error::ApiError;
use crate::records::{lineage_json, state_json};
use crate::routes::params::{code_param, crs_param};
use crate::state::AppState;

/// `GET /v1/cells/{code}/history`.
pub fn router() -> Router<AppState> {
    Router::new().route("/v1/cells/{code}/history", get(get_history))
}

/// `GET /v1/cells/{code}/history[?crs=..]`: `{"code", "states": [{"valid_from",
/// "valid_to", "valid_from_time", "valid_to_time", "level", "name", "parent",
/// "attributes", "geometry"}], "lineage": [{"version", "time", "kind", "from",
/// "to"}]}`, oldest first. `valid_to` is the first version the state is no longer
/// part of (null while current); geometry in the requested crs.
pub async fn get_history(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    let (_, transform) = crs_param(query.get("crs").map(String::as_str))?;
    let code = code_param(&code)?;
    let asked = code.clone();
    let (states, lineage, times) = state
        .versions
        .read(move |store| {
            let states = store.unit_history(&asked)?;
            let lineage = store.lineage(&asked)?;
            let named: BTreeSet<u64> = states
                .iter()
                .flat_map(|s| std::iter::once(s.valid_from).chain(s.valid_to))
                .chain(lineage.iter().map(|l| l.version))
                .collect();
            let times = named
                .into_iter()
                .map(|v| Ok((v, store.version(v)?.created_at.to_string())))
                .collect::<citygrid_store::Result<BTreeMap<u64, String>>>()?;
            Ok((states, lineage, times))
        })
        .await?;
    if states.is_empty() && lineage.is_empty() {
        return Err(ApiError::NotFound(format!(
            "no unit ever had the code {code}"
        )));
    }
    let time = |v: Option<u64>| v.and_then(|v| times.get(&v));
    let states: Vec<Value> = states
        .iter()
        .map(|s| {
            let mut j = state_json(s);
            j["valid_from_time"] = json!(time(Some(s.valid_from)));
            j["valid_to_time"] = json!(time(s.valid_to));
            j["geometry"] = json!(to_geojson(
                &Geometry::MultiPolygon(s.unit.geometry.clone()),
                &transform
            ));
            j
        })
        .collect();
    let lineage: Vec<Value> = lineage
        .iter()
        .map(|l| {
            let mut j = lineage_json(l);
            j["time"] = json!(time(Some(l.version)));
            j
        })
        .collect();
    Ok(Json(
        json!({"code": code.as_str(), "states": states, "lineage": lineage}),
    ))
}
