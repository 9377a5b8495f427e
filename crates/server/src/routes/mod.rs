//! Handlers, one module per resource. Each module's `router()` says which paths it
//! answers; [`router`] merges them, so a new family of routes is one module and
//! one line here.

mod batch; // the body of a batch lookup, read without a JSON tree; its answer streamed
pub mod cells; // GET /v1/cells, /v1/cells/{code}
pub mod convert; // GET /v1/convert
pub mod docs; // GET /openapi.json, /docs
pub mod health; // GET /healthz, /readyz, /metrics
pub mod lookup; // GET and POST /v1/lookup
mod params; // query parameters the handlers share: crs, limit, numbers
pub mod search; // GET /v1/search
pub mod tiles; // GET /v1/tiles/{z}/{x}/{y}.mvt, /v1/tiles.json, /v1/style.json
pub mod units; // GET /v1/units/{code}
pub mod viewer; // the web viewer at /, /v1/viewer-config.json, /v1/colours

use axum::Router;

use crate::state::AppState;

/// Every route of the API, without state or layers (see `crate::server::router`).
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(lookup::router())
        .merge(cells::router())
        .merge(units::router())
        .merge(tiles::router())
        .merge(search::router())
        .merge(convert::router())
        .merge(viewer::router())
        .merge(health::router())
        .merge(docs::router())
}
