//! Vector tiles served from memory: the partition's tilers (WGS84 made at start,
//! GCJ-02 on first use) and a memory-bounded cache of encoded tiles, each kept raw
//! and gzipped with its ETag.
//!
//! A tile not in the cache is rendered once however many ask for it at once
//! (single flight: the first request starts the render, the others wait for it),
//! at most `render_concurrency` at a time with `render_queue` waiting; beyond, a
//! 503. The render runs to the end and fills the cache even if every client that
//! asked for it has gone.
//!
//! The cache key is (partition version, crs, z, x, y): a new version never serves
//! an old tile. Tiles an edit leaves unchanged keep their bytes and so their
//! ETag, and a client revalidating gets a 304; `citygrid_tiles::dirty_tiles`
//! names the ones to render again.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use rustc_hash::FxHashMap;
use tokio::sync::watch;

use citygrid_crs::Crs;
use citygrid_model::Partition;
use citygrid_tiles::ids::fnv1a;
use citygrid_tiles::mvt::gzip;
use citygrid_tiles::{TileId, TileOptions, Tiler};

use crate::cache::{Cache, CacheStats, Weigh};
use crate::config::{Config, seconds};
use crate::error::{ApiError, ServerError, shorten};
use crate::limits::{Gate, GateNames, GateStats};

/// The coordinate systems tiles are offered in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TileCrs {
    /// WGS84, for MapLibre and Cesium basemaps.
    Wgs84,
    /// GCJ-02, for AMap and Tencent basemaps.
    Gcj02,
}

impl TileCrs {
    /// From a `crs` query parameter (WGS84 when absent).
    ///
    /// # Errors
    /// [`ApiError::BadRequest`] for an unknown name or a system tiles are not
    /// offered in.
    pub fn from_param(value: Option<&str>) -> Result<TileCrs, ApiError> {
        let Some(text) = value else {
            return Ok(TileCrs::Wgs84);
        };
        match text.parse::<Crs>() {
            Ok(Crs::Wgs84 | Crs::Cgcs2000) => Ok(TileCrs::Wgs84),
            Ok(Crs::Gcj02) => Ok(TileCrs::Gcj02),
            Ok(other) => Err(ApiError::BadRequest(format!(
                "crs={} ({}): tiles are offered in wgs84 and gcj02",
                shorten(text),
                other.name()
            ))),
            Err(_) => Err(ApiError::BadRequest(format!(
                "crs={}: tiles are offered in wgs84 and gcj02",
                shorten(text)
            ))),
        }
    }

    /// The name used in URLs.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            TileCrs::Wgs84 => "wgs84",
            TileCrs::Gcj02 => "gcj02",
        }
    }
}

/// One encoded tile as served.
#[derive(Debug)]
pub struct CachedTile {
    /// MVT bytes (empty for a tile with nothing in it).
    pub raw: Vec<u8>,
    /// The same, gzipped.
    pub gzip: Vec<u8>,
    /// A weak ETag from the raw bytes: equal bytes, equal tag, in any version.
    pub etag: String,
}

impl Weigh for CachedTile {
    fn weight(&self) -> usize {
        self.raw.len() + self.gzip.len() + self.etag.len() + 96
    }
}

impl CachedTile {
    fn new(raw: Vec<u8>) -> CachedTile {
        let etag = format!("W/\"{:016x}\"", fnv1a(&raw));
        let gzip = if raw.is_empty() {
            Vec::new()
        } else {
            // Writing to memory cannot fail.
            gzip(&raw).unwrap_or_default()
        };
        CachedTile { raw, gzip, etag }
    }
}

type Key = (u64, TileCrs, TileId);

/// A render under way: its outcome once there is one.
type Rendering = watch::Receiver<Option<Result<Arc<CachedTile>, ApiError>>>;

/// The tilers and the cache.
pub struct TileService {
    partition: Partition,
    options: TileOptions,
    wgs84: Tiler,
    gcj02: OnceLock<Result<Tiler, String>>,
    cache: Cache<Key, CachedTile>,
    empty: Arc<CachedTile>,
    rendering: Mutex<FxHashMap<Key, Rendering>>,
    renders: AtomicU64,
    gate: Gate,
}

impl TileService {
    /// Prepares the WGS84 tiler (topology per level, edges projected).
    ///
    /// # Errors
    /// [`ServerError::Tiles`] when a level of the partition is not a clean
    /// coverage.
    pub fn new(partition: &Partition, config: &Config) -> Result<TileService, ServerError> {
        let options = TileOptions::default();
        let wgs84 = Tiler::new(partition.clone(), options.clone())?;
        Ok(TileService {
            partition: partition.clone(),
            options,
            wgs84,
            gcj02: OnceLock::new(),
            cache: Cache::new(config.tile_cache_bytes),
            empty: Arc::new(CachedTile::new(Vec::new())),
            rendering: Mutex::new(FxHashMap::default()),
            renders: AtomicU64::new(0),
            gate: Gate::new(
                GateNames {
                    what: "tile renders",
                    concurrency: "render_concurrency",
                    queue: "render_queue",
                },
                config.render_concurrency,
                config.render_queue,
                seconds(config.queue_timeout_s),
            ),
        })
    }

    /// Simplifies every zoom of every layer now (WGS84), from the top zoom down,
    /// so that the first map to open does not wait for it: a tile asked for
    /// meanwhile waits only for its own zoom. Blocking; run it off the async
    /// workers.
    pub fn warm(&self) {
        let (minzoom, maxzoom) = self.options.zoom_range();
        for z in (minzoom..=maxzoom).rev() {
            self.wgs84.prepare(z);
        }
    }

    /// The tiler for a coordinate system (GCJ-02 is prepared on first use).
    ///
    /// # Errors
    /// [`ApiError::Internal`] when the GCJ-02 tiler cannot be made.
    pub fn tiler(&self, crs: TileCrs) -> Result<&Tiler, ApiError> {
        match crs {
            TileCrs::Wgs84 => Ok(&self.wgs84),
            TileCrs::Gcj02 => self
                .gcj02
                .get_or_init(|| {
                    Tiler::new(self.partition.clone(), self.options.clone().crs(Crs::Gcj02))
                        .map_err(|e| e.to_string())
                })
                .as_ref()
                .map_err(|e| ApiError::Internal(format!("gcj02 tiles: {e}"))),
        }
    }

    /// Highest zoom with tiles.
    #[must_use]
    pub fn maxzoom(&self) -> u8 {
        self.options.zoom_range().1
    }

    /// Lowest zoom with tiles.
    #[must_use]
    pub fn minzoom(&self) -> u8 {
        self.options.zoom_range().0
    }

    /// A tile from the cache, or rendered (off the async workers) and cached;
    /// requests for a tile being rendered wait for that render. Tiles away from the
    /// city are answered at once, without rendering.
    ///
    /// # Errors
    /// [`ApiError::Overloaded`] when too many renders are waiting,
    /// [`ApiError::Internal`] when the GCJ-02 tiler cannot be made or rendering is
    /// interrupted.
    pub async fn get(
        self: &Arc<Self>,
        crs: TileCrs,
        t: TileId,
    ) -> Result<Arc<CachedTile>, ApiError> {
        if self.tiler(crs)?.is_outside(t) {
            return Ok(Arc::clone(&self.empty));
        }
        let key = (self.partition.version(), crs, t);
        if let Some(hit) = self.cache.get(&key) {
            return Ok(hit);
        }
        let mut outcome = {
            let mut rendering = self.rendering();
            if let Some(under_way) = rendering.get(&key) {
                under_way.clone()
            } else if let Some(hit) = self.cache.peek(&key) {
                // Rendered between the miss and the lock.
                return Ok(hit);
            } else {
                let (done, outcome) = watch::channel(None);
                rendering.insert(key, outcome.clone());
                let me = Arc::clone(self);
                tokio::spawn(async move {
                    let result = me.render(crs, t).await;
                    if let Ok(tile) = &result {
                        me.cache.insert(key, Arc::clone(tile));
                    }
                    // After the insert: whoever misses the entry finds the tile.
                    me.rendering().remove(&key);
                    let _ = done.send(Some(result));
                });
                outcome
            }
        };
        let done = outcome
            .wait_for(Option::is_some)
            .await
            .map_err(|e| ApiError::Internal(format!("rendering tile {t}: {e}")))?;
        match &*done {
            Some(result) => result.clone(),
            None => Err(ApiError::Internal(format!(
                "rendering tile {t}: no outcome"
            ))),
        }
    }

    /// Renders one tile when the render queue lets it.
    async fn render(
        self: &Arc<Self>,
        crs: TileCrs,
        t: TileId,
    ) -> Result<Arc<CachedTile>, ApiError> {
        let _turn = self.gate.enter().await?;
        let me = Arc::clone(self);
        let tile = tokio::task::spawn_blocking(move || -> Result<Arc<CachedTile>, ApiError> {
            Ok(Arc::new(CachedTile::new(me.tiler(crs)?.tile(t))))
        })
        .await
        .map_err(|e| ApiError::Internal(format!("rendering tile {t}: {e}")))??;
        self.renders.fetch_add(1, Ordering::Relaxed);
        Ok(tile)
    }

    fn rendering(&self) -> MutexGuard<'_, FxHashMap<Key, Rendering>> {
        // Every update is one insert or remove: a poisoned map is still whole.
        self.rendering
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Tiles rendered since start.
    #[must_use]
    pub fn renders(&self) -> u64 {
        self.renders.load(Ordering::Relaxed)
    }

    /// What the render queue is doing.
    #[must_use]
    pub fn render_stats(&self) -> GateStats {
        self.gate.stats()
    }

    /// What the cache holds.
    #[must_use]
    pub fn cache_stats(&self) -> CacheStats {
        self.cache.stats()
    }
}
