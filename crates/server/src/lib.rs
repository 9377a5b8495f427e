//! The citygrid HTTP API: which cell is this point in (one point or a batch, in any
//! of the coordinate systems Chinese clients send), the cells and units themselves,
//! vector tiles with TileJSON and a style, and the health, readiness and metrics
//! endpoints operations expect.
//!
//! Everything is computed from one immutable [`City`] loaded at start; handlers are
//! synchronous lookups on it, so the async runtime only moves bytes. The work that
//! is not (batches, tile renders) is limited and queued, and every client meets
//! timeouts and size limits before it can hold memory or a connection for long:
//! see docs/server.md.

pub mod body; // request bodies: the minimum rate, reading one with honest statuses
pub mod cache; // a memory-bounded cache with CLOCK eviction
pub mod city; // the loaded partition, its index and pre-rendered answers
pub mod config; // settings from the command line and a TOML file
pub mod error; // one error type that answers in JSON
pub mod hosts; // the base of TileJSON and style URLs: public_url or an allowed Host
pub mod limits; // concurrency limits with a bounded queue and load shedding
pub mod listener; // accepting connections: the cap, hyper's timeouts, graceful shutdown
pub mod metrics; // Prometheus counters and latency histograms per route
pub mod routes; // the handlers, one module per resource
mod server; // the router, its layers, and serving until a signal
mod state; // what every handler sees
pub mod tile_service; // the tilers, the cache of encoded tiles, single-flight renders
pub mod viewer; // cell colours and choropleth classes for the web viewer

pub use city::City;
pub use config::Config;
pub use error::{ApiError, ServerError};
pub use server::{router, serve, serve_on};
pub use state::AppState;
pub use tile_service::TileService;
pub use viewer::Viewer;
