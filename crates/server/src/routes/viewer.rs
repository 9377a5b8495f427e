//! The web viewer: its files at `/` (built from `web-viewer/` into the directory
//! the settings name), `GET /v1/viewer-config.json` (basemap and choropleth
//! classes) and `GET /v1/colours` (a colour class per unit, neighbours differing).

use axum::Router;
use axum::body::Bytes;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::as_of::HeadMap;
use crate::state::AppState;

/// `GET /v1/colours` and `/v1/viewer-config.json` (the files at `/` are the fallback of `crate::server::router`).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/colours", get(colours))
        .route("/v1/viewer-config.json", get(config))
}

fn fresh_json(body: Bytes) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/json"),
            // They change with every version.
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

/// `GET /v1/viewer-config.json`: `{"title", "source", "version", "cells", "history"
/// (whether versions are kept: a store is served), "basemap": null |
/// {"tiles": [url], "attribution"}, "choropleths": [{"attribute", "level", "min",
/// "max", "breaks"}]}`.
pub async fn config(HeadMap(map): HeadMap) -> Response {
    fresh_json(map.viewer.config.clone())
}

/// `GET /v1/colours`: for each level (`district`, `township`, `village`, `cell`),
/// `{"count", "classes": [[feature id, ..], ..]}`, the feature ids of its units in
/// each colour class.
pub async fn colours(HeadMap(map): HeadMap) -> Response {
    fresh_json(map.viewer.colours.clone())
}
