//! The citygrid HTTP API: which cell is this point in (one point or a batch, in any
//! of the coordinate systems Chinese clients send), the cells and units themselves,
//! vector tiles with TileJSON and a style, every older version of all of them,
//! edits, and the health, readiness and metrics endpoints operations expect.
//!
//! A server answers from one immutable [`Snapshot`] of its head at a time, swapped
//! whole when the store it serves has a new version ([`Versions`]); a request takes
//! it once, so no answer mixes two versions. Handlers are synchronous lookups on it,
//! so the async runtime only moves bytes. The work that is not (batches, tile
//! renders, edits) is limited and queued, and every client meets timeouts and size
//! limits before it can hold memory or a connection for long: see docs/server.md.

pub mod as_of; // the version an answer is of: extractors and the X-Citygrid-Version header
pub mod auth; // bearer tokens verified through the store, roles and districts
mod background; // work that may wait, on a thread of the lowest priority
pub mod body; // request bodies: the minimum rate, reading one with honest statuses
pub mod cache; // a memory-bounded cache with CLOCK eviction
pub mod city; // the loaded partition, its index and pre-rendered answers
pub mod city_stats; // per version: each point's cell, each cell's raster statistics
pub mod config; // settings from the command line and a TOML file
pub mod datasets; // layers and staff loaded from the store, reloaded when they change
pub mod edit_json; // POST /v1/edits bodies to edit requests
pub mod error; // one error type that answers in JSON
pub mod guard; // the Caller extractor and the token check of reads
pub mod hosts; // the base of TileJSON and style URLs: public_url or an allowed Host
mod layer_files; // tilesets the store keeps, written once to a local folder
pub mod limits; // concurrency limits with a bounded queue and load shedding
pub mod link; // the link to the store: reachable or not, listening, how far behind
pub mod listener; // accepting connections: the cap, hyper's timeouts, graceful shutdown
pub mod metrics; // Prometheus counters and latency histograms per route
pub mod moved; // the area that moved between units from one version to another
mod recent; // a few versions' values, each made once on demand
pub mod records; // versions, unit states and lineage as JSON
pub mod routes; // the handlers, one module per resource
mod server; // the router, its layers, and serving until a signal
pub mod snapshot; // one version as served: city and map
mod starting; // answers while the first version loads (or the store is not up yet)
mod state; // what every handler sees
pub mod tile_service; // the tilers, the cache of encoded tiles, single-flight renders
pub mod versions; // the head behind one swap, older versions on demand, refresh
pub mod viewer; // cell colours and choropleth classes for the web viewer
pub mod watch; // following the store: polling its head, drawing new maps

pub use auth::Caller;
pub use city::City;
pub use config::Config;
pub use error::{ApiError, ServerError};
pub use server::{router, serve, serve_on};
pub use snapshot::{MapData, Snapshot};
pub use state::AppState;
pub use tile_service::TileService;
pub use versions::Versions;
pub use viewer::Viewer;
