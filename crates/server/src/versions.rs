//! The versions a server answers from: the head's [`Snapshot`] behind one atomic
//! swap, older versions made from it on demand and kept in a small cache, and
//! [`Versions::refresh`], which brings the head up to the store's.
//!
//! The head is an `ArcSwap`: a request takes the snapshot with no lock (a
//! `RwLock` would make every request queue behind a swap) and keeps its `Arc`, so a
//! swap in the middle of a request changes nothing for it. Only `refresh` changes
//! the head's version, one call at a time; the background drawing of a new
//! version's map ([`Versions::draw_head`]) changes only its map, and the background
//! rebuild of a patched index ([`Versions::settle_index`]) only the index of the
//! version it was built for. Each swaps with `rcu`, so none undoes another.

use std::sync::Arc;
use std::time::Instant;

use arc_swap::ArcSwap;
use jiff::Timestamp;
use tokio::sync::{Mutex, Notify};

use citygrid_model::Partition;
use citygrid_store::Store;

use crate::background::Background;
use crate::city::{City, REBUILD_PATCHED};
use crate::city_stats::CityStats;
use crate::config::Config;
use crate::datasets::Datasets;
use crate::error::{ApiError, ServerError, store_error};
use crate::link::StoreLink;
use crate::recent::Recent;
use crate::snapshot::{MapData, Snapshot};
use crate::tile_service::{TileService, TileWork};
use crate::viewer::Viewer;

/// Older versions' cities kept ready (each holds its own index, 23 MB for Guiyang's;
/// units and answers are shared with the head where they did not change).
const OLD_CITIES: usize = 3;
/// Older versions' statistics kept ready (each holds a cell per point of every
/// entity layer: 4 bytes a point).
const OLD_STATS: usize = 3;
/// Older versions' tilers kept ready, for maps still showing them (tens of MB each
/// once their zooms are simplified).
const OLD_TILES: usize = 2;

/// The head and the versions before it.
pub struct Versions {
    store: Option<Arc<dyn Store>>,
    config: Config,
    head: ArcSwap<Snapshot>,
    cities: Recent<City>,
    stats: Recent<CityStats>,
    tiles: Recent<TileService>,
    work: Arc<TileWork>,
    refreshing: Mutex<()>,
    map_wanted: Notify,
    /// Where new maps are drawn and indexes rebuilt: CPU the requests leave.
    background: Background,
    /// Whether the store answers, for `/readyz` and `/metrics`.
    link: StoreLink,
}

impl Versions {
    /// What the settings name: a store (`config.store`) or a partition file
    /// (`config.partition`). Blocking: it loads and prepares the head.
    ///
    /// # Errors
    /// [`ServerError::Source`] for neither or both; what opening, reading and
    /// preparing them fails with.
    pub fn open(config: &Config) -> Result<Versions, ServerError> {
        match (&config.store, &config.partition) {
            (Some(location), None) => {
                let store: Arc<dyn Store> = Arc::from(citygrid_store::open(location)?);
                Versions::from_store(store, config)
            }
            (None, Some(path)) => {
                let city = City::load(path)?;
                Versions::new(None, city, config)
            }
            (Some(_), Some(_)) => Err(ServerError::Source(
                "both a store and a partition are set: serve one of them".into(),
            )),
            (None, None) => Err(ServerError::Source(
                "nothing to serve: set a store (--store STORE.gpkg) or a partition (--partition FILE)"
                    .into(),
            )),
        }
    }

    /// Serves a partition held in memory as the only version, with no store.
    ///
    /// # Errors
    /// As [`City::new`] and [`MapData::new`].
    pub fn from_partition(
        partition: Partition,
        source: String,
        config: &Config,
    ) -> Result<Versions, ServerError> {
        Versions::new(None, City::new(partition, source)?, config)
    }

    /// Serves a store's head; [`Versions::refresh`] (and the watcher,
    /// `crate::watch::follow`) follow it.
    ///
    /// # Errors
    /// What reading the store fails with; as [`City::new`] and [`MapData::new`].
    pub fn from_store(store: Arc<dyn Store>, config: &Config) -> Result<Versions, ServerError> {
        let head = store.head()?;
        let partition = store.load(head)?;
        let city = City::new(partition, store.describe())?;
        Versions::new(Some(store), city, config)
    }

    fn new(
        store: Option<Arc<dyn Store>>,
        city: City,
        config: &Config,
    ) -> Result<Versions, ServerError> {
        let work = Arc::new(TileWork::new(config));
        let version = city.version();
        let map = MapData::new(&city, config, Arc::clone(&work))?;
        let stats = match &store {
            Some(store) => {
                let datasets = Datasets::load(store.as_ref(), &Datasets::default())?;
                CityStats::with_datasets(Arc::new(datasets), &city, None)
            }
            None => CityStats::empty(city.version()),
        };
        Ok(Versions {
            store,
            config: config.clone(),
            head: ArcSwap::from_pointee(Snapshot {
                city: Arc::new(city),
                map: Arc::new(map),
                stats: Arc::new(stats),
            }),
            cities: Recent::new(OLD_CITIES),
            stats: Recent::new(OLD_STATS),
            tiles: Recent::new(OLD_TILES),
            work,
            refreshing: Mutex::new(()),
            map_wanted: Notify::new(),
            background: Background::start(),
            link: StoreLink::new(version),
        })
    }

    /// The head as it is now. Take it once per request and answer from it.
    #[must_use]
    pub fn head(&self) -> Arc<Snapshot> {
        self.head.load_full()
    }

    /// What the server knows of its store.
    #[must_use]
    pub fn link(&self) -> &StoreLink {
        &self.link
    }

    /// The store served, if any (none for a partition file).
    #[must_use]
    pub fn store(&self) -> Option<&Arc<dyn Store>> {
        self.store.as_ref()
    }

    /// Where the versions come from, for messages.
    fn source(&self) -> String {
        self.head().city.source.clone()
    }

    /// Runs `read` on the store off the async workers.
    ///
    /// # Errors
    /// [`ApiError::NotFound`] when a partition file is served (no store); a missing
    /// version as [`ApiError::NotFound`]; anything else as [`ApiError::Internal`].
    pub async fn read<T, F>(&self, read: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&dyn Store) -> citygrid_store::Result<T> + Send + 'static,
    {
        let store = self.store.clone().ok_or_else(|| {
            ApiError::NotFound(format!(
                "this server serves {}, a file with one version; versions, history and diffs \
                 need a store (citygrid serve --store STORE.gpkg)",
                self.source()
            ))
        })?;
        blocking(move || read(store.as_ref()).map_err(store_error)).await
    }

    /// The city of `version`: the head's, or one made from it by the store's changes
    /// between the two (sharing every unit they leave alone) and kept for the next
    /// request.
    ///
    /// # Errors
    /// [`ApiError::NotFound`] naming the version when it does not exist.
    pub async fn city(&self, version: u64) -> Result<Arc<City>, ApiError> {
        let head = self.head();
        if version == head.version() {
            return Ok(Arc::clone(&head.city));
        }
        let Some(store) = self.store.clone() else {
            return Err(ApiError::NotFound(format!(
                "version {version} does not exist: this server serves {}, version {} only",
                head.city.source,
                head.version()
            )));
        };
        self.cities
            .get_or_make(version, || {
                blocking(move || {
                    let newest = store.head().map_err(store_error)?;
                    if version == 0 || version > newest {
                        return Err(ApiError::NotFound(format!(
                            "version {version} does not exist (the head is version {newest})"
                        )));
                    }
                    let partition = store
                        .changes(head.version(), version)
                        .and_then(|changes| changes.apply(&head.city.partition))
                        .map_err(store_error)?;
                    let city = head.city.next(partition).map_err(internal)?;
                    Ok(Arc::new(city))
                })
            })
            .await
    }

    /// The version in force at `time`: the last one made at or before it.
    ///
    /// # Errors
    /// [`ApiError::NotFound`] for a time before version 1, and when a partition
    /// file is served (it has no times).
    pub async fn version_at(&self, time: Timestamp) -> Result<u64, ApiError> {
        let found = self
            .read(move |store| {
                Ok(match store.version_at(time)? {
                    Some(v) => Ok(v),
                    None => Err(store.version(1)?.created_at),
                })
            })
            .await?;
        found.map_err(|first| {
            ApiError::NotFound(format!(
                "at={time}: nothing was in force yet; version 1 was made at {first}"
            ))
        })
    }

    /// The tiles of `version`: the head's map, a recent one, or made now (a tiler,
    /// a few hundred milliseconds; zooms are simplified on their first tiles).
    ///
    /// # Errors
    /// [`ApiError::NotFound`] naming the version when it does not exist.
    pub async fn tiles(&self, version: u64) -> Result<Arc<TileService>, ApiError> {
        let map = Arc::clone(&self.head().map);
        if version == map.version() {
            return Ok(Arc::clone(&map.tiles));
        }
        let city = self.city(version).await?;
        let work = Arc::clone(&self.work);
        self.tiles
            .get_or_make(version, || blocking(move || tiler(&city, work)))
            .await
    }

    /// Serves the store's head now, if it moved: the changes since the version
    /// served are applied to it (every unchanged unit shared, their answers reused,
    /// the index patched) and the new snapshot swapped in. Its map follows in the
    /// background. Returns the head snapshot.
    ///
    /// The watcher calls this a few times a second; an edit route calls it right
    /// after its own commit, so that the caller's next read is of its version.
    ///
    /// # Errors
    /// What reading the store fails with, as [`ApiError::Internal`].
    pub async fn refresh(&self) -> Result<Arc<Snapshot>, ApiError> {
        let Some(store) = self.store.clone() else {
            return Ok(self.head());
        };
        let _turn = self.refreshing.lock().await;
        let started = Instant::now();
        let current = self.head();
        let (base, base_stats) = (Arc::clone(&current.city), Arc::clone(&current.stats));
        let next = blocking(move || {
            let head = store.head().map_err(store_error)?;
            if head == base.version() {
                return Ok(None);
            }
            let made_at = store.version(head).map_err(store_error)?.created_at;
            let changes = store.changes(base.version(), head).map_err(store_error)?;
            let read = started.elapsed();
            let partition = changes.apply(&base.partition).map_err(store_error)?;
            let applied = started.elapsed();
            let city = base.next(partition).map_err(internal)?;
            let made = started.elapsed();
            let stats = base_stats.next(&base, &city);
            let phases = [
                read,
                applied - read,
                made - applied,
                started.elapsed() - made,
            ]
            .map(ms);
            Ok(Some((city, stats, made_at, phases)))
        })
        .await
        .inspect_err(|e| self.link.failed_with(e))?;
        let Some((city, stats, made_at, [read_ms, apply_ms, city_ms, stats_ms])) = next else {
            self.link.answered(current.version());
            return Ok(current);
        };
        let (city, stats) = (Arc::new(city), Arc::new(stats));
        self.head.rcu(|now| Snapshot {
            city: Arc::clone(&city),
            map: Arc::clone(&now.map),
            stats: Arc::clone(&stats),
        });
        self.cities
            .put(current.version(), Arc::clone(&current.city));
        self.stats
            .put(current.version(), Arc::clone(&current.stats));
        self.map_wanted.notify_one();
        self.link.answered(city.version());
        tracing::info!(
            version = city.version(),
            from = current.version(),
            read_ms,
            apply_ms,
            city_ms,
            stats_ms,
            swap_ms = ms(started.elapsed()),
            since_commit_ms = ms(Timestamp::now().duration_since(made_at).unsigned_abs()),
            "serving a new version"
        );
        Ok(self.head())
    }

    /// Serves the store's layers and staff now, if they changed (an import from the
    /// command line, a live ingest, a staff edit): reloads what changed, brings the
    /// head's statistics up to them and swaps them in. Taken in turn with
    /// [`Versions::refresh`], so statistics are always of the city beside them.
    ///
    /// # Errors
    /// What reading the store fails with, as [`ApiError::Internal`].
    pub async fn refresh_datasets(&self) -> Result<Arc<Snapshot>, ApiError> {
        let Some(store) = self.store.clone() else {
            return Ok(self.head());
        };
        let _turn = self.refreshing.lock().await;
        let started = Instant::now();
        let current = self.head();
        let (city, before) = (Arc::clone(&current.city), Arc::clone(&current.stats));
        let next = blocking(move || {
            let revision = store.datasets_revision().map_err(store_error)?;
            if revision == before.datasets.revision {
                return Ok(None);
            }
            let datasets = Datasets::load(store.as_ref(), &before.datasets).map_err(store_error)?;
            Ok(Some(CityStats::with_datasets(
                Arc::new(datasets),
                &city,
                Some(&before),
            )))
        })
        .await
        .inspect_err(|e| self.link.failed_with(e))?;
        let Some(stats) = next else {
            return Ok(current);
        };
        let stats = Arc::new(stats);
        self.head.rcu(|now| Snapshot {
            city: Arc::clone(&now.city),
            map: Arc::clone(&now.map),
            stats: Arc::clone(&stats),
        });
        self.stats.clear();
        tracing::info!(
            version = stats.version(),
            revision = stats.datasets.revision,
            layers = stats.datasets.layers.len(),
            staff = stats.datasets.staff.roster.members.len(),
            load_ms = ms(started.elapsed()),
            "serving new layers or staff"
        );
        Ok(self.head())
    }

    /// The statistics of `version` with `city` (that version's, from
    /// [`Versions::city`]): the head's, or made from them for the version's cells
    /// and kept for the next request.
    ///
    /// # Errors
    /// As [`Versions::city`].
    pub async fn stats(&self, city: Arc<City>) -> Result<Arc<CityStats>, ApiError> {
        let head = self.head();
        if city.version() == head.version() {
            return Ok(Arc::clone(&head.stats));
        }
        let revision = head.stats.datasets.revision;
        let make = |head: Arc<Snapshot>, city: Arc<City>| {
            blocking(move || Ok(Arc::new(head.stats.next(&head.city, &city))))
        };
        let kept = self
            .stats
            .get_or_make(city.version(), || {
                make(Arc::clone(&head), Arc::clone(&city))
            })
            .await?;
        // made before the layers changed, by a request racing the reload
        if kept.datasets.revision == revision {
            Ok(kept)
        } else {
            make(head, city).await
        }
    }

    /// Waits until the head's map may be behind its city.
    pub(crate) async fn map_wanted(&self) {
        self.map_wanted.notified().await;
    }

    /// Builds the head's index whole when its patch has grown to
    /// [`REBUILD_PATCHED`] cells (see [`City::next`]), and swaps the city with it in,
    /// unless a newer version was served meanwhile. Returns whether it did.
    ///
    /// # Errors
    /// When the index cannot be built; the patched one stays.
    pub async fn settle_index(&self) -> Result<bool, ApiError> {
        let head = self.head();
        if head.city.index.patched_cells() < REBUILD_PATCHED {
            return Ok(false);
        }
        let started = Instant::now();
        let city = Arc::clone(&head.city);
        let whole = Arc::new(
            self.background
                .run(move || city.with_whole_index().map_err(internal))
                .await?,
        );
        let mut swapped = false;
        self.head.rcu(|now| {
            swapped = Arc::ptr_eq(&now.city, &head.city);
            Snapshot {
                city: if swapped {
                    Arc::clone(&whole)
                } else {
                    Arc::clone(&now.city)
                },
                map: Arc::clone(&now.map),
                stats: Arc::clone(&now.stats),
            }
        });
        tracing::info!(
            version = head.version(),
            patched_cells = head.city.index.patched_cells(),
            swapped,
            build_ms = ms(started.elapsed()),
            "index rebuilt whole"
        );
        Ok(swapped)
    }

    /// Draws the head's city if its map is of an older version: a tiler, every zoom
    /// simplified, the tiles it shares with the map before taken over, the viewer's
    /// colours, all on the background thread (`crate::background`: only the CPU
    /// the requests leave); then swaps the map in. Returns whether it drew one.
    ///
    /// # Errors
    /// When the new version cannot be tiled or coloured; the map before stays.
    pub async fn draw_head(&self) -> Result<bool, ApiError> {
        let head = self.head();
        if head.map.version() == head.version() {
            return Ok(false);
        }
        let started = Instant::now();
        let previous = Arc::clone(&head.map);
        // Made once, with any request that asked for this version's tiles first.
        let (city, work) = (Arc::clone(&head.city), Arc::clone(&self.work));
        let tiles = self
            .tiles
            .get_or_make(head.version(), || {
                self.background.run(move || tiler(&city, work))
            })
            .await?;
        let city = Arc::clone(&head.city);
        let config = self.config.clone();
        let tiler_ms = ms(started.elapsed());
        let (map, dirty, [dirty_ms, viewer_ms]) = self
            .background
            .run(move || {
                let t = Instant::now();
                let dirty = tiles.inherit_from(&previous.tiles);
                let dirty_ms = t.elapsed();
                let viewer = Viewer::new(&city, &config).map_err(internal)?;
                let map = MapData {
                    tiles,
                    viewer: Arc::new(viewer),
                };
                Ok((
                    Arc::new(map),
                    dirty,
                    [dirty_ms, t.elapsed() - dirty_ms].map(ms),
                ))
            })
            .await?;
        self.head.rcu(|now| Snapshot {
            city: Arc::clone(&now.city),
            map: if now.map.version() < map.version() {
                Arc::clone(&map)
            } else {
                Arc::clone(&now.map)
            },
            stats: Arc::clone(&now.stats),
        });
        // Maps opened before keep asking for the old version's tiles.
        self.tiles
            .put(head.map.version(), Arc::clone(&head.map.tiles));
        tracing::info!(
            version = map.version(),
            from = head.map.version(),
            dirty_tiles = dirty,
            tiler_ms,
            dirty_ms,
            viewer_ms,
            draw_ms = ms(started.elapsed()),
            "tiles of a new version served"
        );
        Ok(true)
    }
}

/// A tiler of `city`'s partition sharing the server's tile work.
fn tiler(city: &City, work: Arc<TileWork>) -> Result<Arc<TileService>, ApiError> {
    let tiles = TileService::with_work(&city.partition, work).map_err(internal)?;
    Ok(Arc::new(tiles))
}

/// Runs blocking work (the store, tilers, indexes) off the async workers.
async fn blocking<T, F>(work: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, ApiError> + Send + 'static,
{
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| ApiError::Internal(format!("a blocking task failed: {e}")))?
}

/// Milliseconds, to a tenth, for the log.
fn ms(d: std::time::Duration) -> f64 {
    (d.as_secs_f64() * 1e4).round() / 10.0
}

fn internal(e: impl std::fmt::Display) -> ApiError {
    ApiError::Internal(e.to_string())
}
