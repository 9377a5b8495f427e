//! `GET /healthz` (the process answers), `GET /readyz` (a partition is loaded and
//! indexed) and `GET /metrics` (Prometheus).

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use serde_json::{Value, json};

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

/// Readiness: what is being served.
pub async fn readyz(State(state): State<AppState>) -> Json<Value> {
    let city = &state.city;
    Json(json!({
        "status": "ready",
        "source": city.source,
        "version": city.partition.version(),
        "units": city.partition.units().len(),
        "cells": city.cell_count(),
        "index_bytes": city.index.memory_bytes(),
    }))
}

/// Metrics in the Prometheus text format.
pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state
            .metrics
            .render(state.city.cell_count(), state.tiles.cache_stats()),
    )
}
