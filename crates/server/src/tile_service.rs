//! Vector tiles served from memory: the partition's tilers (WGS84 made at start,
//! GCJ-02 on first use) and a memory-bounded cache of encoded tiles, each kept raw
//! and gzipped with its ETag.
//!
//! The cache key is (partition version, crs, z, x, y), and one cache serves every
//! version: a new version never serves an old tile. A version made from the one
//! before it [`TileService::inherit`]s that one's tiles outside
//! `citygrid_tiles::dirty_tiles`: they keep their bytes and their ETag (which names
//! the version the bytes were made for), so a client revalidating gets a 304.

use std::collections::BTreeSet;
use std::sync::{Arc, OnceLock};

use citygrid_crs::Crs;
use citygrid_model::Partition;
use citygrid_tiles::ids::fnv1a;
use citygrid_tiles::mvt::gzip;
use citygrid_tiles::{TileId, TileOptions, Tiler, dirty_tiles};

use crate::cache::{Cache, CacheStats, Weigh};
use crate::config::Config;
use crate::error::{ApiError, ServerError};

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
                "crs={text:?} ({}): tiles are offered in wgs84 and gcj02",
                other.name()
            ))),
            Err(e) => Err(ApiError::BadRequest(format!("crs: {e}"))),
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

/// The tilers of one partition version, and the cache.
pub struct TileService {
    partition: Partition,
    options: TileOptions,
    wgs84: Tiler,
    gcj02: OnceLock<Result<Tiler, String>>,
    cache: Arc<TileCache>,
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
        TileService::with_cache(partition, Arc::new(Cache::new(config.tile_cache_bytes)))
    }

    /// As [`TileService::new`], keeping its tiles in a cache shared with the
    /// services of other versions.
    ///
    /// # Errors
    /// As [`TileService::new`].
    pub fn with_cache(
        partition: &Partition,
        cache: Arc<TileCache>,
    ) -> Result<TileService, ServerError> {
        let options = TileOptions::default();
        let wgs84 = Tiler::new(partition.clone(), options.clone())?;
        Ok(TileService {
            partition: partition.clone(),
            options,
            wgs84,
            gcj02: OnceLock::new(),
            cache,
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
        self.cache.get(&(inherited.from, crs, t))
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

    /// A tile from the cache, or rendered (off the async workers) and cached.
    /// Tiles away from the city are answered at once, without rendering.
    ///
    /// # Errors
    /// [`ApiError::Internal`] when the GCJ-02 tiler cannot be made or rendering
    /// is interrupted.
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
        if let Some(old) = self.inherited(crs, t) {
            self.cache.insert(key, Arc::clone(&old));
            return Ok(old);
        }
        let me = Arc::clone(self);
        let tile = tokio::task::spawn_blocking(move || -> Result<Arc<CachedTile>, ApiError> {
            Ok(Arc::new(CachedTile::new(
                me.tiler(crs)?.tile(t),
                me.version(),
            )))
        })
        .await
        .map_err(|e| ApiError::Internal(format!("rendering tile {t}: {e}")))??;
        self.cache.insert(key, Arc::clone(&tile));
        Ok(tile)
    }

    /// What the cache holds.
    #[must_use]
    pub fn cache_stats(&self) -> CacheStats {
        self.cache.stats()
    }
}
