//! `GET /healthz` (the process answers), `GET /readyz` (a partition is loaded and
//! indexed, and passed the start-up check) and `GET /metrics` (Prometheus).

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};

use crate::metrics::Gauges;
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

/// Readiness: what is being served; 503 with the reason when the partition
/// failed the start-up check and is served only because `--allow-invalid` said so.
pub async fn readyz(State(state): State<AppState>) -> Response {
    let city = &state.city;
    let mut body = json!({
        "status": "ready",
        "source": city.source,
        "version": city.partition.version(),
        "units": city.partition.units().len(),
        "cells": city.cell_count(),
        "index_bytes": city.index.memory_bytes(),
    });
    match &city.problem {
        None => Json(body).into_response(),
        Some(problem) => {
            body["status"] = json!("not_ready");
            body["reason"] = json!(problem);
            (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response()
        }
    }
}

/// Metrics in the Prometheus text format.
pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    let gauges = Gauges {
        cells: state.city.cell_count(),
        tiles: state.tiles.cache_stats(),
        renders: state.tiles.renders(),
        gates: vec![
            ("batch", state.batches.stats()),
            ("render", state.tiles.render_stats()),
        ],
    };
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(&gauges),
    )
}
