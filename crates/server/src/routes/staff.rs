//! `GET /v1/staff` (the registry, or one cell's people, as of a revision) and
//! `POST /v1/staff` (an editor's change: one new revision). An editor limited to a
//! district changes only people whose cells are all in it.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use citygrid_model::{Level, StaffMember, StaffRole, UnitCode};
use citygrid_store::{Role, StaffChange, StoreError};

use crate::as_of::Head;
use crate::auth::Caller;
use crate::datasets::member_json;
use crate::error::{ApiError, store_error};
use crate::routes::params::code_param;
use crate::state::AppState;

/// `GET` and `POST /v1/staff`.
pub fn router() -> Router<AppState> {
    Router::new().route("/v1/staff", get(list).post(change))
}

/// `GET /v1/staff[?cell=CODE][&revision=N]`.
pub async fn list(
    State(state): State<AppState>,
    Head(head): Head,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    let cell = query.get("cell").map(|c| code_param(c)).transpose()?;
    let roster = match query.get("revision") {
        None => head.stats.datasets.staff.roster.clone(),
        Some(r) => {
            let revision = r.trim().parse::<u64>().map_err(|_| {
                ApiError::BadRequest(format!("revision={r:?} must be a whole number"))
            })?;
            state
                .versions
                .read(move |store| Ok(store.staff(Some(revision))))
                .await?
                .map_err(|e| match e {
                    StoreError::DatasetRefused { .. } => ApiError::NotFound(e.to_string()),
                    other => store_error(other),
                })?
        }
    };
    let people: Vec<Value> = roster
        .members
        .iter()
        .filter(|m| cell.as_ref().is_none_or(|c| m.cells.contains(c)))
        .map(|m| member_json(m, true))
        .collect();
    Ok(Json(
        json!({"revision": roster.revision, "count": people.len(), "staff": people}),
    ))
}

/// `POST /v1/staff` with `{"message", "upsert": [{"id", "name", "role", "phone",
/// "cells"}], "remove": ["id"]}`.
pub async fn change(
    State(state): State<AppState>,
    caller: Caller,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    caller.require(Role::Editor)?;
    let value: Value = serde_json::from_slice(&body)
        .map_err(|e| ApiError::BadRequest(format!("the body is not JSON: {e}")))?;
    if let Some(other) = value.as_object().and_then(|o| {
        o.keys()
            .find(|k| !["message", "upsert", "remove"].contains(&k.as_str()))
    }) {
        return Err(ApiError::BadRequest(format!(
            "{other}: unknown field; expected message, upsert, remove"
        )));
    }
    let message = match value.get("message") {
        Some(Value::String(s)) if !s.trim().is_empty() => s.clone(),
        _ => {
            return Err(ApiError::BadRequest(
                "message: must be a non-empty text saying why".into(),
            ));
        }
    };
    let upsert = value
        .get("upsert")
        .map(|u| {
            u.as_array()
                .ok_or_else(|| ApiError::BadRequest("upsert: must be an array of people".into()))?
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    member(p).map_err(|e| ApiError::BadRequest(format!("upsert[{i}]: {e}")))
                })
                .collect::<Result<Vec<_>, _>>()
        })
        .transpose()?
        .unwrap_or_default();
    let remove: Vec<String> = match value.get("remove") {
        None => Vec::new(),
        Some(r) => r
            .as_array()
            .and_then(|a| a.iter().map(|v| v.as_str().map(str::to_string)).collect())
            .ok_or_else(|| ApiError::BadRequest("remove: must be an array of ids".into()))?,
    };
    let head = state.versions.head();
    let partition = &head.city.partition;
    for (i, m) in upsert.iter().enumerate() {
        if let Some(c) = m
            .cells
            .iter()
            .find(|c| partition.get(c).is_none_or(|u| u.level != Level::Cell))
        {
            return Err(ApiError::BadRequest(format!(
                "upsert[{i}]: {c} is not a cell of version {}",
                head.version()
            )));
        }
    }
    if caller.district.is_some() {
        let current = &head.stats.datasets.staff.roster.members;
        let touched = upsert.iter().flat_map(|m| m.cells.iter()).chain(
            current
                .iter()
                .filter(|m| remove.contains(&m.id) || upsert.iter().any(|u| u.id == m.id))
                .flat_map(|m| m.cells.iter()),
        );
        for code in touched {
            caller.require_scope(&head.city.partition, code)?;
        }
    }
    let change = StaffChange {
        author: caller.name.clone(),
        message,
        upsert,
        remove,
        replace_all: false,
    };
    let roster = state
        .versions
        .read(move |store| Ok(store.commit_staff(change)))
        .await?
        .map_err(|e| match e {
            StoreError::DatasetRefused { .. } => ApiError::BadRequest(e.to_string()),
            other => store_error(other),
        })?;
    state.versions.refresh_datasets().await?;
    Ok(Json(
        json!({"revision": roster.revision, "people": roster.members.len()}),
    ))
}

fn member(p: &Value) -> Result<StaffMember, String> {
    let text = |k: &str| -> Result<String, String> {
        p.get(k)
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| format!("{k}: must be text"))
    };
    let role = text("role")?;
    Ok(StaffMember {
        id: text("id")?,
        name: text("name")?,
        role: StaffRole::parse(&role).ok_or_else(|| {
            format!(
                "role {role:?} is not one of {}",
                StaffRole::ALL.map(StaffRole::as_str).join(", ")
            )
        })?,
        phone: p
            .get("phone")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        cells: p
            .get("cells")
            .and_then(Value::as_array)
            .ok_or("cells: must be an array of cell codes")?
            .iter()
            .map(|c| {
                c.as_str()
                    .ok_or("cells: codes are text".to_string())?
                    .parse::<UnitCode>()
                    .map_err(|e| e.to_string())
            })
            .collect::<Result<_, _>>()?,
    })
}
