//! What every handler sees: the loaded city, the settings, the counters, the
//! tiles, the viewer's answers and the batch queue. Its own module, so that route
//! modules and the router that merges them both depend on it and not on each
//! other.

use std::sync::Arc;

use crate::city::City;
use crate::config::{Config, seconds};
use crate::limits::{Gate, GateNames};
use crate::metrics::Metrics;
use crate::tile_service::TileService;
use crate::viewer::Viewer;

/// What every handler sees: the city, the settings, the counters.
#[derive(Clone)]
pub struct AppState {
    /// The partition served.
    pub city: Arc<City>,
    /// Settings.
    pub config: Arc<Config>,
    /// Counters for `/metrics`.
    pub metrics: Arc<Metrics>,
    /// Tilers and the tile cache.
    pub tiles: Arc<TileService>,
    /// Cell colours and choropleth classes for the web viewer.
    pub viewer: Arc<Viewer>,
    /// Batch lookups running and waiting (`batch_concurrency`, `batch_queue`).
    pub batches: Arc<Gate>,
}

impl AppState {
    /// The state of a server on `city` with these settings: new counters and an
    /// empty batch queue.
    #[must_use]
    pub fn new(
        city: Arc<City>,
        config: Config,
        tiles: Arc<TileService>,
        viewer: Arc<Viewer>,
    ) -> AppState {
        let batches = Gate::new(
            GateNames {
                what: "batch lookups",
                concurrency: "batch_concurrency",
                queue: "batch_queue",
            },
            config.batch_concurrency,
            config.batch_queue,
            seconds(config.queue_timeout_s),
        );
        AppState {
            city,
            config: Arc::new(config),
            metrics: Arc::new(Metrics::default()),
            tiles,
            viewer,
            batches: Arc::new(batches),
        }
    }
}
