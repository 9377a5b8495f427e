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
//! The cache key is (partition version, crs, z, x, y), and one cache serves every
//! version: a new version never serves an old tile. A version made from the one
//! before it [`TileService::inherit`]s that one's tiles outside
//! `citygrid_tiles::dirty_tiles`: they keep their bytes and their ETag (which names
//! the version the bytes were made for), so a client revalidating gets a 304.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use rustc_hash::FxHashMap;
use tokio::sync::watch;

use citygrid_crs::Crs;
use citygrid_model::Partition;
use citygrid_tiles::ids::fnv1a;
use citygrid_tiles::mvt::gzip;
use citygrid_tiles::{TileId, TileOptions, Tiler, dirty_tiles};

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
    /// A weak ETag from the version the bytes were made for and the bytes
    /// themselves: a later version that inherits the tile keeps it.
    pub etag: String,
}

impl Weigh for CachedTile {
    fn weight(&self) -> usize {
        self.raw.len() + self.gzip.len() + self.etag.len() + 96
    }
}

impl CachedTile {
    fn new(raw: Vec<u8>, version: u64) -> CachedTile {
        let etag = format!("W/\"{version}-{:016x}\"", fnv1a(&raw));
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

/// Encoded tiles of every version served, by (version, crs, tile).
pub type TileCache = Cache<Key, CachedTile>;

/// The WGS84 tiles a version shares with an earlier one: all but the dirty ones.
struct Inherited {
    from: u64,
    dirty: BTreeSet<TileId>,
}

/// A render under way: its outcome once there is one.
type Rendering = watch::Receiver<Option<Result<Arc<CachedTile>, ApiError>>>;

/// What the tile services of every version share: one cache, the renders under
/// way, the render queue and how many renders it let through. Shared so that
/// `render_concurrency` bounds the server, not each version, and the counts in
/// `/metrics` do not restart with each new version.
pub struct TileWork {
    cache: TileCache,
    rendering: Mutex<FxHashMap<Key, Rendering>>,
    renders: AtomicU64,
    gate: Gate,
}

impl TileWork {
    /// An empty cache of `tile_cache_bytes` and a render queue as `config` says.
    #[must_use]
    pub fn new(config: &Config) -> TileWork {
        TileWork {
            cache: Cache::new(config.tile_cache_bytes),
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
        }
    }

    fn rendering(&self) -> MutexGuard<'_, FxHashMap<Key, Rendering>> {
        // Every update is one insert or remove: a poisoned map is still whole.
        self.rendering
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The tilers of one partition version, and the work shared with other versions.
pub struct TileService {
    partition: Partition,
    options: TileOptions,
    wgs84: Tiler,
    gcj02: OnceLock<Result<Tiler, String>>,
    work: Arc<TileWork>,
    empty: Arc<CachedTile>,
    inherited: OnceLock<Inherited>,
}

impl TileService {
    /// Prepares the WGS84 tiler (topology per level, edges projected).
    ///
    /// # Errors
    /// [`ServerError::Tiles`] when a level of the partition is not a clean
    /// coverage.
    pub fn new(partition: &Partition, config: &Config) -> Result<TileService, ServerError> {
        TileService::with_work(partition, Arc::new(TileWork::new(config)))
    }

    /// As [`TileService::new`], sharing its cache and render queue with the
    /// services of other versions.
    ///
    /// # Errors
    /// As [`TileService::new`].
    pub fn with_work(
        partition: &Partition,
        work: Arc<TileWork>,
    ) -> Result<TileService, ServerError> {
        let options = TileOptions::default();
        let wgs84 = Tiler::new(partition.clone(), options.clone())?;
        Ok(TileService {
            partition: partition.clone(),
            options,
            wgs84,
            gcj02: OnceLock::new(),
            work,
            empty: Arc::new(CachedTile::new(Vec::new(), partition.version())),
            inherited: OnceLock::new(),
        })
    }

    /// The partition version these tiles show.
    #[must_use]
    pub fn version(&self) -> u64 {
        self.partition.version()
    }

    /// Takes over the WGS84 tiles of `previous` (the version this one was made
    /// from) that the change between them leaves alone: they are served from the
    /// cache as this version's rather than rendered again. The dirty tiles are
    /// found over every zoom served, which simplifies every zoom of both versions
    /// first: blocking, run it off the async workers. Returns how many tiles are
    /// dirty. Set once; later calls change nothing.
    pub fn inherit_from(&self, previous: &TileService) -> usize {
        let (minzoom, maxzoom) = self.options.zoom_range();
        // The partitions share every unit the change left alone, which is how
        // `dirty_tiles` finds the changed ones without being told.
        let dirty = dirty_tiles(&previous.wgs84, &self.wgs84, &[], minzoom, maxzoom);
        let count = dirty.len();
        let _ = self.inherited.set(Inherited {
            from: previous.version(),
            dirty,
        });
        count
    }

    /// The tile an earlier version had cached, if this version inherits it.
    fn inherited(&self, crs: TileCrs, t: TileId) -> Option<Arc<CachedTile>> {
        let inherited = self.inherited.get()?;
        if crs != TileCrs::Wgs84 || inherited.dirty.contains(&t) {
            return None;
        }
        self.work.cache.get(&(inherited.from, crs, t))
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

    /// A tile from the cache (its own, or the earlier version's it inherits), or
    /// rendered (off the async workers) and cached; requests for a tile being
    /// rendered wait for that render. Tiles away from the city are answered at
    /// once, without rendering.
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
        if let Some(hit) = self.work.cache.get(&key) {
            return Ok(hit);
        }
        if let Some(old) = self.inherited(crs, t) {
            self.work.cache.insert(key, Arc::clone(&old));
            return Ok(old);
        }
        let mut outcome = {
            let mut rendering = self.work.rendering();
            if let Some(under_way) = rendering.get(&key) {
                under_way.clone()
            } else if let Some(hit) = self.work.cache.peek(&key) {
                // Rendered between the miss and the lock.
                return Ok(hit);
            } else {
                let (done, outcome) = watch::channel(None);
                rendering.insert(key, outcome.clone());
                let me = Arc::clone(self);
                tokio::spawn(async move {
                    let result = me.render(crs, t).await;
                    if let Ok(tile) = &result {
                        me.work.cache.insert(key, Arc::clone(tile));
                    }
                    // After the insert: whoever misses the entry finds the tile.
                    me.work.rendering().remove(&key);
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
        let _turn = self.work.gate.enter().await?;
        let me = Arc::clone(self);
        let tile = tokio::task::spawn_blocking(move || -> Result<Arc<CachedTile>, ApiError> {
            Ok(Arc::new(CachedTile::new(
                me.tiler(crs)?.tile(t),
                me.version(),
            )))
        })
        .await
        .map_err(|e| ApiError::Internal(format!("rendering tile {t}: {e}")))??;
        self.work.renders.fetch_add(1, Ordering::Relaxed);
        Ok(tile)
    }

    /// Tiles rendered since start.
    #[must_use]
    pub fn renders(&self) -> u64 {
        self.work.renders.load(Ordering::Relaxed)
    }

    /// What the render queue is doing.
    #[must_use]
    pub fn render_stats(&self) -> GateStats {
        self.work.gate.stats()
    }

    /// What the cache holds.
    #[must_use]
    pub fn cache_stats(&self) -> CacheStats {
        self.work.cache.stats()
    }
}
