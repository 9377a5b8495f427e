//! What every handler sees: the loaded city, the settings, the counters, the
//! tiles and the viewer's answers. Its own module, so that route modules and the
//! router that merges them both depend on it and not on each other.

use std::sync::Arc;

use crate::city::City;
use crate::config::Config;
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
}
