//! `GET /healthz` (the process answers), `GET /readyz` (a partition is loaded and
//! indexed) and `GET /metrics` (Prometheus).

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use serde_json::{Value, json};

use crate::as_of::Head;
use crate::state::AppState;

/// `GET /healthz`, `/readyz` and `/metrics`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
}

/// Liveness.
pub async fn healthz() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

/// Readiness: what is being served (`tiles_version` is the version of the tiles,
/// which follow a new version a moment after lookups do).
pub async fn readyz(Head(head): Head) -> Json<Value> {
    let city = &head.city;
    Json(json!({
        "status": "ready",
        "source": city.source,
        "version": city.version(),
        "tiles_version": head.map.version(),
        "units": city.partition.units().len(),
        "cells": city.cell_count(),
        "index_bytes": city.index.memory_bytes(),
    }))
}

/// Metrics in the Prometheus text format.
pub async fn metrics(State(state): State<AppState>, Head(head): Head) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state
            .metrics
            .render(head.city.cell_count(), head.map.tiles.cache_stats()),
    )
}
