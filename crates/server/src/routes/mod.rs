//! Handlers, one module per resource. Each module's `router()` says which paths it
//! answers; [`router`] merges them, so a new family of routes is one module and
//! one line here.

mod batch; // the body of a batch lookup, read without a JSON tree; its answer streamed
pub mod cells; // GET /v1/cells, /v1/cells/{code}
pub mod convert; // GET /v1/convert
pub mod diff; // GET /v1/diff
pub mod docs; // GET /openapi.json, /docs
pub mod edits; // POST /v1/edits, /v1/revert
pub mod health; // GET /healthz, /readyz, /metrics
pub mod history; // GET /v1/cells/{code}/history
pub mod layers; // POST /v1/layers/{name}/features: live ingest with dispatch
pub mod lookup; // GET and POST /v1/lookup
pub mod ogc; // OGC API - Features under /ogc
pub(crate) mod params; // query parameters the handlers share: crs, limit, numbers
pub mod search; // GET /v1/search
pub mod staff; // GET and POST /v1/staff: the people who serve the cells
pub mod stats; // GET /v1/stats, /v1/cells/{code}/stats, /v1/layers
pub mod threed; // 3D Tiles: a cell's subset tileset, content files, coverage
pub mod tiles; // GET /v1/tiles/.., /v1/v/{version}/tiles/.., TileJSON, /v1/style.json
pub mod units; // GET /v1/units/{code}
pub mod versions; // GET /v1/versions, /v1/versions/{n}
pub mod viewer; // the web viewer at /, /v1/viewer-config.json, /v1/colours
pub mod whoami; // GET /v1/whoami: a token's name, role and district

use axum::Router;

use crate::state::AppState;

/// Every route of the API, without state or layers (see `crate::server::router`).
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(lookup::router())
        .merge(cells::router())
        .merge(units::router())
        .merge(versions::router())
        .merge(history::router())
        .merge(diff::router())
        .merge(edits::router())
        .merge(tiles::router())
        .merge(search::router())
        .merge(stats::router())
        .merge(layers::router())
        .merge(staff::router())
        .merge(threed::router())
        .merge(convert::router())
        .merge(viewer::router())
        .merge(whoami::router())
        .merge(health::router())
        .merge(docs::router())
        .merge(ogc::router())
}
