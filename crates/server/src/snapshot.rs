//! One version as the server answers it: the city (partition, index, rendered
//! answers) and the map (tiles and the viewer's colours). A request takes the head
//! snapshot once and answers from it to the end, so no answer mixes two versions.

use std::sync::Arc;

use crate::city::City;
use crate::city_stats::CityStats;
use crate::config::Config;
use crate::error::ServerError;
use crate::tile_service::{TileService, TileWork};
use crate::viewer::Viewer;

/// The head as served.
///
/// The map is of [`MapData::version`], which is the city's version except in the
/// moments after a commit: lookups, cells and units answer from the new version at
/// once, while its tiles are prepared in the background (a tiler, every zoom
/// simplified, the tiles it shares with the version before). Until then the map
/// stays whole at the version before, and its tile URLs say so.
pub struct Snapshot {
    /// The partition, its index and rendered answers.
    pub city: Arc<City>,
    /// Tiles and viewer data, of the same version or the one before.
    pub map: Arc<MapData>,
    /// The layers' statistics, of the city's version.
    pub stats: Arc<CityStats>,
}

impl Snapshot {
    /// The version of the city: what lookups, cells and units answer from.
    #[must_use]
    pub fn version(&self) -> u64 {
        self.city.version()
    }
}

/// What a map of one version needs: its tiles and the viewer's colour classes and
/// choropleth breaks (which name tile feature ids, so they follow the tiles).
pub struct MapData {
    /// Tilers and the (shared) tile cache.
    pub tiles: Arc<TileService>,
    /// Cell colours and choropleth classes.
    pub viewer: Arc<Viewer>,
}

impl MapData {
    /// Prepares the WGS84 tiler and the viewer's data of `city`; tiles go to `cache`.
    /// Blocking (a few hundred milliseconds for a city): run it off the async
    /// workers.
    ///
    /// # Errors
    /// [`ServerError::Tiles`] or [`ServerError::Colours`] when a level is not a
    /// clean coverage.
    pub fn new(city: &City, config: &Config, work: Arc<TileWork>) -> Result<MapData, ServerError> {
        Ok(MapData {
            tiles: Arc::new(TileService::with_work(&city.partition, work)?),
            viewer: Arc::new(Viewer::new(city, config)?),
        })
    }

    /// The partition version drawn.
    #[must_use]
    pub fn version(&self) -> u64 {
        self.tiles.version()
    }
}
