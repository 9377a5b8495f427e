//! `POST /v1/edits` and `POST /v1/revert`: the only way the API changes anything.
//! An editor's token (scoped to its district, if it has one) edits; an admin's
//! reverts. The edit engine validates and commits on the store (off the async
//! workers); the new version is then served before the answer goes out, so the
//! caller's next read sees it.

use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{Value, json};

use citygrid_crs::Crs;
use citygrid_edit::{Author, EditError, EditOptions, EditRequest, Editor, Outcome};
use citygrid_store::Role;

use crate::auth::Caller;
use crate::edit_json;
use crate::error::{ApiError, store_error};
use crate::state::AppState;

/// `POST /v1/edits`, `POST /v1/revert`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/edits", post(edit))
        .route("/v1/revert", post(revert))
}

fn editor(state: &AppState) -> Result<Editor, ApiError> {
    let store = state.versions.store().cloned().ok_or_else(|| {
        ApiError::NotFound(
            "this server serves a partition file, which has one version and takes no edits; \
             serve a store (citygrid serve --store STORE.gpkg)"
                .to_string(),
        )
    })?;
    Ok(Editor::new(store, EditOptions::default()))
}

fn author(caller: &Caller) -> Author {
    Author {
        name: caller.name.clone(),
        districts: caller.district.clone().map(|d| vec![d]),
    }
}

async fn edit(
    State(state): State<AppState>,
    caller: Caller,
    body: Bytes,
) -> Result<Response, ApiError> {
    caller.require(Role::Editor)?;
    let (request, crs) = edit_json::parse(&body)?;
    let outcome = submit(&state, &caller, request, crs).await?;
    Ok(answer(&outcome))
}

/// Validates and commits `request` for `caller` (an editor, within its districts),
/// and serves the new version before returning: every way of editing through the
/// API (`/v1/edits`, OGC API - Features Part 4) comes through here. `crs` is the
/// one the request was written in, for the located problems of a refusal.
///
/// # Errors
/// 401/403 for the caller; the engine's refusals as 422, 409, 400 (see
/// [`api_error`]).
pub(crate) async fn submit(
    state: &AppState,
    caller: &Caller,
    request: EditRequest,
    crs: Crs,
) -> Result<Outcome, ApiError> {
    caller.require(Role::Editor)?;
    let editor = editor(state)?;
    let held = state.versions.head().city.partition.clone();
    let who = author(caller);
    let outcome = tokio::task::spawn_blocking(move || editor.submit(&held, &request, &who))
        .await
        .map_err(|e| ApiError::Internal(format!("an edit task failed: {e}")))?
        .map_err(|e| api_error(e, crs))?;
    if !outcome.dry_run {
        state.versions.refresh().await?;
    }
    Ok(outcome)
}

async fn revert(
    State(state): State<AppState>,
    caller: Caller,
    body: Bytes,
) -> Result<Response, ApiError> {
    caller.require(Role::Admin)?;
    let value: Value = serde_json::from_slice(&body)
        .map_err(|e| ApiError::BadRequest(format!("the body is not JSON: {e}")))?;
    let to = value
        .get("to")
        .and_then(Value::as_u64)
        .filter(|&n| n >= 1)
        .ok_or_else(|| {
            ApiError::BadRequest("to: must be the version number to restore, from 1".to_string())
        })?;
    let message = match value.get("message") {
        Some(Value::String(s)) if !s.trim().is_empty() => s.clone(),
        _ => {
            return Err(ApiError::BadRequest(
                "message: must be a non-empty text saying why".to_string(),
            ));
        }
    };
    if let Some(other) = value
        .as_object()
        .and_then(|o| o.keys().find(|k| *k != "to" && *k != "message"))
    {
        return Err(ApiError::BadRequest(format!(
            "{other}: unknown field; expected to, message"
        )));
    }
    let editor = editor(&state)?;
    let held = state.versions.head().city.partition.clone();
    let who = author(&caller);
    let outcome = tokio::task::spawn_blocking(move || editor.revert(&held, to, &message, &who))
        .await
        .map_err(|e| ApiError::Internal(format!("a revert task failed: {e}")))?
        .map_err(|e| api_error(e, Crs::Wgs84))?;
    state.versions.refresh().await?;
    Ok(answer(&outcome))
}

/// `{"version", "changed", "created", "retired"}` (and `dry_run`, `applied_on`).
pub(crate) fn answer(outcome: &Outcome) -> Response {
    let codes = |list: &[citygrid_model::UnitCode]| -> Vec<String> {
        list.iter().map(ToString::to_string).collect()
    };
    Json(json!({
        "version": outcome.version,
        "applied_on": outcome.applied_on,
        "dry_run": outcome.dry_run,
        "changed": codes(&outcome.changed),
        "created": codes(&outcome.created),
        "retired": codes(&outcome.retired),
    }))
    .into_response()
}

/// The engine's refusals as the API's answers: 422 with located problems, 409 with
/// what changed since, 403, 400; a store failure is ours.
fn api_error(e: EditError, crs: Crs) -> ApiError {
    match e {
        EditError::Invalid { report } => {
            let json = citygrid_reports::check_json(&report, crs);
            let problems = json
                .get("errors")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            ApiError::InvalidEdit {
                message: EditError::Invalid { report }.to_string(),
                problems,
            }
        }
        EditError::BadOp { .. } => ApiError::InvalidEdit {
            message: e.to_string(),
            problems: Vec::new(),
        },
        EditError::Conflict {
            head,
            ref changed_since,
            ..
        } => ApiError::Conflict {
            changed_since: changed_since.iter().map(ToString::to_string).collect(),
            message: e.to_string(),
            head,
        },
        EditError::UnknownBase { .. } => ApiError::BadRequest(format!("base_version: {e}")),
        EditError::Forbidden { .. } => ApiError::Forbidden(e.to_string()),
        EditError::Unchanged { .. } => ApiError::InvalidEdit {
            message: e.to_string(),
            problems: Vec::new(),
        },
        EditError::Store(e) => store_error(e),
        other => ApiError::Internal(other.to_string()),
    }
}
