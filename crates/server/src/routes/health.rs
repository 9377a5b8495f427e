//! `GET /healthz` (the process answers), `GET /readyz` (a partition is loaded and
//! indexed, and how the server stands with its store) and `GET /metrics` (Prometheus).

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};

use crate::as_of::Head;
use crate::link::Standing;
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

/// Readiness: what is being served (`tiles_version` is the version of the tiles,
/// which follow a new version a moment after lookups do) and, with a store, how
/// the server stands with it (`store`):
/// - `ready` (200): serving the store's newest version;
/// - `read_only` (200): the store cannot be reached; the version in memory is
///   served (lookups, tiles, statistics) and edits answer 503 until it is back,
///   so a load balancer keeps the server in service;
/// - `catching_up` (503): the store announced a version not served for over a
///   second (a server reconnecting after an outage, a big catch-up);
/// - `not_ready` (503) with the reason when the partition failed the start-up
///   check and is served only because `--allow-invalid` said so.
pub async fn readyz(State(state): State<AppState>, Head(head): Head) -> Response {
    let city = &head.city;
    let mut body = json!({
        "status": "ready",
        "source": city.source,
        "version": city.version(),
        "tiles_version": head.map.version(),
        "units": city.partition.units().len(),
        "cells": city.cell_count(),
        "index_bytes": city.index.memory_bytes(),
    });
    let mut status = StatusCode::OK;
    if state.versions.store().is_some() {
        let link = state.versions.link();
        body["store"] = link.json(city.version());
        match link.standing(city.version()) {
            Standing::Ready => {}
            Standing::ReadOnly => body["status"] = json!("read_only"),
            Standing::CatchingUp => {
                body["status"] = json!("catching_up");
                status = StatusCode::SERVICE_UNAVAILABLE;
            }
        }
    }
    if let Some(problem) = &state.problem {
        body["status"] = json!("not_ready");
        body["reason"] = json!(problem.as_ref());
        status = StatusCode::SERVICE_UNAVAILABLE;
    }
    (status, Json(body)).into_response()
}

/// Metrics in the Prometheus text format.
pub async fn metrics(State(state): State<AppState>, Head(head): Head) -> impl IntoResponse {
    let tiles = &head.map.tiles;
    let gauges = Gauges {
        cells: head.city.cell_count(),
        tiles: tiles.cache_stats(),
        renders: tiles.renders(),
        gates: vec![
            ("batch", state.batches.stats()),
            ("render", tiles.render_stats()),
        ],
    };
    let mut text = state.metrics.render(&gauges);
    if state.versions.store().is_some() {
        state.versions.link().render(head.version(), &mut text);
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text)
}
