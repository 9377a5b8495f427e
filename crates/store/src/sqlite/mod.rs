//! The GeoPackage store: one SQLite file holding the head version as layers QGIS
//! opens, and every version in the `citygrid_` tables beside them.
//!
//! Durability and concurrency come from SQLite: write-ahead logging with
//! `synchronous=FULL` (a commit that returned is on disk and survives a crash or
//! power loss), writes in `BEGIN IMMEDIATE` transactions (one writer at a time
//! across every process that has the file open, others wait up to the busy timeout),
//! and readers on their own connections, each read in one snapshot that a writer
//! never blocks.

mod commit; // the write path: version 1, then each commit
mod entities; // entity and raster layers, their points
mod geometry; // GeoPackage binary geometry, bit-exact
mod layers; // the feature tables QGIS sees
mod read; // partitions, differences, histories, lineage
mod schema; // the citygrid_ tables, recognising a store
mod sql_error; // SQLite errors named by their store; how long writers wait
mod staff; // the staff registry, by revision
mod tokens; // token rows
mod units; // unit rows
mod versions; // version rows

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use citygrid_model::{CodeLayout, Entity, Partition, UnitCode};
use geopackage::GeoPackage;
use jiff::Timestamp;
use rusqlite::{Connection, OpenFlags, TransactionBehavior};

use crate::changes::UnitChanges;
use crate::commit::Commit;
use crate::dataset::{LayerFile, LayerInfo, NewLayer, StaffChange, StaffRoster};
use crate::error::{Result, StoreError};
use crate::history::{LineageEvent, UnitRecord};
use crate::store::Store;
use crate::time;
use crate::token::{Role, TokenInfo};
use crate::version::VersionInfo;

use sql_error::{At, BUSY_TIMEOUT};

/// Idle read connections kept for reuse; more are opened when many threads read.
const IDLE_READERS: usize = 8;

/// A store in one GeoPackage file. Cheap to share between threads: commits take
/// turns on one write connection, reads run in parallel on a pool of their own.
pub struct SqliteStore {
    path: PathBuf,
    shown: String,
    layout: CodeLayout,
    writer: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
    head: Mutex<HeadCache>,
}

/// The head as last read, and the `data_version` it was read at: SQLite changes that
/// number when another connection commits, so a poll with no commit costs one pragma.
struct HeadCache {
    conn: Connection,
    data_version: Option<i64>,
    head: u64,
}

impl SqliteStore {
    /// Opens the store in the file at `path`.
    ///
    /// # Errors
    /// [`StoreError::Missing`] when there is no file; [`StoreError::NotAStore`] for a
    /// file that is not a citygrid store; [`StoreError::NewerSchema`] for one written
    /// by a newer citygrid.
    pub fn open(path: &Path) -> Result<Self> {
        let shown = path.display().to_string();
        match std::fs::metadata(path) {
            Ok(m) if m.is_file() => {}
            Ok(_) => {
                return Err(StoreError::NotAStore {
                    path: path.to_path_buf(),
                    reason: "not a file".into(),
                });
            }
            Err(_) => {
                return Err(StoreError::Missing {
                    path: path.to_path_buf(),
                });
            }
        }
        let mut conn = connect(path).map_err(|e| StoreError::NotAStore {
            path: path.to_path_buf(),
            reason: format!("not an SQLite database ({e})"),
        })?;
        let (layout, schema_version) = schema::check(&conn, path)?;
        schema::migrate(&mut conn, schema_version).at(&shown)?;
        // Write-ahead logging is a property of the file; set again in case a tool
        // turned it off.
        let mode: String = conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .at(&shown)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Unsupported {
                location: shown,
                reason: format!(
                    "write-ahead logging is not available here (the journal stays {mode}): \
                     keep the store on a local disk"
                ),
            });
        }
        // The R-tree triggers of the layers call GeoPackage's ST_ functions, which
        // the geopackage crate registers on the connection that writes.
        let writer = GeoPackage::from_connection(conn)
            .map_err(|e| StoreError::NotAStore {
                path: path.to_path_buf(),
                reason: e.to_string(),
            })?
            .into_connection();
        Ok(SqliteStore {
            layout,
            writer: Mutex::new(writer),
            readers: Mutex::new(vec![connect(path).at(&shown)?]),
            head: Mutex::new(HeadCache {
                conn: connect(path).at(&shown)?,
                data_version: None,
                head: 0,
            }),
            path: path.to_path_buf(),
            shown,
        })
    }

    /// Creates a store at `path` holding `partition` as version 1, and opens it. The
    /// file is built beside `path` and linked into place whole, so a crash leaves
    /// either no store or a complete one, and an existing file is never replaced.
    ///
    /// # Errors
    /// [`StoreError::Exists`] when something is at `path`; [`StoreError::Refused`] for
    /// attributes or geometry that cannot be stored; [`StoreError::Io`] and
    /// [`StoreError::Sqlite`] naming the file.
    pub fn init(path: &Path, partition: &Partition, author: &str, message: &str) -> Result<Self> {
        if path.symlink_metadata().is_ok() {
            return Err(StoreError::Exists {
                path: path.to_path_buf(),
            });
        }
        let io = |source| StoreError::Io {
            path: path.to_path_buf(),
            source,
        };
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let name = path
            .file_name()
            .map_or_else(|| "store".into(), |n| n.to_string_lossy());
        static BUILDS: AtomicU64 = AtomicU64::new(0);
        let building = dir.join(format!(
            ".{name}.init-{}-{}",
            std::process::id(),
            BUILDS.fetch_add(1, Ordering::Relaxed)
        ));
        let built = build(
            &building,
            &path.display().to_string(),
            partition,
            author,
            message,
        );
        // A hard link puts the file in place only if nothing is there, atomically; where
        // the file system has no links, a rename after a last look does nearly as well.
        let linked = built.and_then(|()| match std::fs::hard_link(&building, path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists || path.exists() => {
                Err(StoreError::Exists {
                    path: path.to_path_buf(),
                })
            }
            Err(_) => std::fs::rename(&building, path).map_err(io),
        });
        // Whatever happened, the file being built goes (its journal went with its
        // connection); after a link the store lives on under `path`.
        let _ = std::fs::remove_file(&building);
        linked?;
        std::fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(io)?;
        Self::open(path)
    }

    /// Brings the store in the file at `path` up to this build's schema (as
    /// [`SqliteStore::open`] does); returns its schema version before and after.
    ///
    /// # Errors
    /// As [`SqliteStore::open`].
    pub fn migrate(path: &Path) -> Result<(i64, i64)> {
        let shown = path.display().to_string();
        let before = {
            let conn = match std::fs::metadata(path) {
                Ok(m) if m.is_file() => connect(path).at(&shown)?,
                _ => {
                    return Err(StoreError::Missing {
                        path: path.to_path_buf(),
                    });
                }
            };
            schema::check(&conn, path)?.1
        };
        Self::open(path)?;
        Ok((before, schema::SCHEMA_VERSION.max(before)))
    }

    /// The file.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` in a read transaction (one snapshot) on a pooled connection.
    fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let pooled = lock(&self.readers).pop();
        let mut conn = match pooled {
            Some(c) => c,
            None => connect(&self.path).at(&self.shown)?,
        };
        let out = conn.transaction().at(&self.shown).and_then(|tx| f(&tx));
        let mut idle = lock(&self.readers);
        if idle.len() < IDLE_READERS {
            idle.push(conn);
        }
        out
    }

    /// Runs `f` in a write transaction, committed when it returns `Ok`.
    fn write<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let mut conn = lock(&self.writer);
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .at(&self.shown)?;
        let out = f(&tx)?;
        tx.commit().at(&self.shown)?;
        Ok(out)
    }
}

impl Store for SqliteStore {
    fn describe(&self) -> String {
        self.shown.clone()
    }

    fn layout(&self) -> Result<CodeLayout> {
        Ok(self.layout.clone())
    }

    fn head(&self) -> Result<u64> {
        let mut cache = lock(&self.head);
        let data_version: i64 = cache
            .conn
            .query_row("PRAGMA data_version", [], |r| r.get(0))
            .at(&self.shown)?;
        if cache.data_version != Some(data_version) {
            cache.head = versions::head(&cache.conn).at(&self.shown)?;
            cache.data_version = Some(data_version);
        }
        Ok(cache.head)
    }

    fn version(&self, version: u64) -> Result<VersionInfo> {
        self.read(|tx| versions::one(tx, &self.shown, version))
    }

    fn versions(&self, before: Option<u64>, limit: usize) -> Result<Vec<VersionInfo>> {
        self.read(|tx| versions::page(tx, &self.shown, before, limit))
    }

    fn version_at(&self, time: Timestamp) -> Result<Option<u64>> {
        self.read(|tx| read::version_at(tx, &self.shown, time))
    }

    fn load(&self, version: u64) -> Result<Partition> {
        self.read(|tx| read::load(tx, &self.shown, &self.layout, version))
    }

    fn changes(&self, from: u64, to: u64) -> Result<UnitChanges> {
        self.read(|tx| read::changes(tx, &self.shown, from, to))
    }

    fn unit_history(&self, code: &UnitCode) -> Result<Vec<UnitRecord>> {
        self.read(|tx| read::unit_history(tx, &self.shown, code))
    }

    fn lineage(&self, code: &UnitCode) -> Result<Vec<LineageEvent>> {
        self.read(|tx| read::lineage(tx, &self.shown, code))
    }

    fn code_ever_used(&self, code: &UnitCode) -> Result<bool> {
        self.read(|tx| read::code_ever_used(tx, &self.shown, code))
    }

    fn commit(&self, c: Commit) -> Result<VersionInfo> {
        let mut problems = c.refusals();
        // Encoded before the write lock is taken: other writers need not wait for it.
        let mut encoded = Vec::with_capacity(c.upserts.len());
        for unit in &c.upserts {
            match units::encode(unit) {
                Ok(e) => encoded.push(e),
                Err(p) if !problems.contains(&p) => problems.push(p),
                Err(_) => {}
            }
        }
        if !problems.is_empty() {
            return Err(crate::plan::refused(&self.shown, c.base, problems));
        }
        self.write(|tx| commit::commit(tx, &self.shown, c, &encoded))
    }

    fn create_token(
        &self,
        name: &str,
        role: Role,
        district: Option<UnitCode>,
    ) -> Result<(TokenInfo, String)> {
        self.write(|tx| tokens::create(tx, &self.shown, name, role, district))
    }

    fn verify_token(&self, secret: &str) -> Result<Option<TokenInfo>> {
        self.read(|tx| tokens::verify(tx, &self.shown, secret))
    }

    fn revoke_token(&self, name: &str) -> Result<TokenInfo> {
        self.write(|tx| tokens::revoke(tx, &self.shown, name))
    }

    fn tokens(&self) -> Result<Vec<TokenInfo>> {
        self.read(|tx| tokens::all(tx, &self.shown))
    }

    fn datasets_revision(&self) -> Result<u64> {
        self.read(|tx| entities::revision(tx).at(&self.shown))
    }

    fn layers(&self) -> Result<Vec<LayerInfo>> {
        self.read(|tx| entities::layers(tx, &self.shown))
    }

    fn add_layer(&self, layer: NewLayer) -> Result<LayerInfo> {
        let encoded = crate::entity_values::encode_new(&self.shown, &layer)?;
        self.write(|tx| entities::add(tx, &self.shown, layer, &encoded))
    }

    fn append_entities(&self, layer: &str, entities: Vec<Entity>) -> Result<(LayerInfo, Vec<u64>)> {
        self.write(|tx| entities::append(tx, &self.shown, layer, &entities))
    }

    fn entities(&self, layer: &str, after: u64) -> Result<Vec<Entity>> {
        self.read(|tx| entities::after(tx, &self.shown, layer, after))
    }

    fn layer_files(&self, name: &str) -> Result<Vec<LayerFile>> {
        self.read(|tx| entities::files(tx, &self.shown, name))
    }

    fn remove_layer(&self, name: &str) -> Result<LayerInfo> {
        self.write(|tx| entities::remove(tx, &self.shown, name))
    }

    fn staff(&self, revision: Option<u64>) -> Result<StaffRoster> {
        self.read(|tx| staff::roster(tx, &self.shown, revision))
    }

    fn commit_staff(&self, change: StaffChange) -> Result<StaffRoster> {
        self.write(|tx| staff::commit(tx, &self.shown, change))
    }
}

/// Builds a new store in the file `building` (named `shown` in errors).
fn build(
    building: &Path,
    shown: &str,
    partition: &Partition,
    author: &str,
    message: &str,
) -> Result<()> {
    let gpkg_error = |e: geopackage::Error| StoreError::Gpkg {
        store: shown.to_string(),
        source: Box::new(e),
    };
    let gpkg = geopackage::OpenOptions::new()
        .create(building)
        .map_err(gpkg_error)?;
    layers::create(&gpkg).map_err(gpkg_error)?;
    let mut conn = gpkg.into_connection();
    conn.pragma_update(None, "synchronous", "FULL").at(shown)?;
    let tx = conn.transaction().at(shown)?;
    let now = time::now();
    schema::create(&tx, partition.layout(), &time::format(now)).at(shown)?;
    commit::initial(&tx, shown, partition, (author, message), now)?;
    tx.commit().at(shown)?;
    // Persistent in the file: every connection from now on uses the WAL.
    conn.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))
        .at(shown)?;
    conn.close().map_err(|(_, e)| e).at(shown)
}

/// A connection to the file that may write, waits for other writers, and syncs each
/// commit to disk before it returns.
fn connect(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    Ok(conn)
}

/// A lock whose holder panicked is still good: transactions roll back on drop.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
