//! The PostGIS store: every version in tables with geometry columns and spatial
//! indexes in one PostgreSQL database, which several servers share.
//!
//! Durability and concurrency come from PostgreSQL: a commit is one transaction
//! (WAL, `synchronous_commit` as the database sets it); every writer first locks
//! the one row of `citygrid_head`, so writers take turns across every server and
//! command line, and the base check sees the last commit; reads run in
//! `REPEATABLE READ` transactions, each one snapshot that writers never block.
//! QGIS opens the views `citygrid_cells`, `citygrid_villages`, ... of the head.
//! A commit announces its version on the channel `citygrid` (`LISTEN citygrid`).

mod commit; // the write path: version 1, then each commit, announced by NOTIFY
mod entities; // entity and raster layers, their points
mod geometry; // EWKB in and out of geometry columns, bit-exact
mod listen; // LISTEN on a connection of its own: commits wake the servers
mod pool; // connections: reuse, reconnection, errors named by the store
mod read; // partitions, differences, histories, lineage
mod schema; // migrations: tables, indexes, the views QGIS opens
mod staff; // the staff registry, by revision
mod tokens; // token rows
mod units; // unit rows
mod versions; // version rows

use citygrid_model::{CodeLayout, Entity, Partition, UnitCode};
use jiff::Timestamp;

use crate::changes::UnitChanges;
use crate::commit::Commit;
use crate::dataset::{LayerFile, LayerInfo, NewLayer, StaffChange, StaffRoster};
use crate::error::{Result, StoreError};
use crate::history::{LineageEvent, UnitRecord};
use crate::listen::Listener;
use crate::store::Store;
use crate::time;
use crate::token::{Role, TokenInfo};
use crate::version::VersionInfo;

pub use commit::CHANNEL;
use pool::{Pool, Tx};

/// A store in a PostgreSQL database with PostGIS. Cheap to share between threads:
/// each call takes a pooled connection (or makes one), and a connection the
/// database dropped is replaced on the next call.
pub struct PostgisStore {
    shown: String,
    layout: CodeLayout,
    pool: Pool,
}

impl PostgisStore {
    /// Opens the store in the database at `url` (`postgres://user:password@host:port/db`,
    /// with libpq's query parameters). `shown` is the URL without credentials, for
    /// messages.
    ///
    /// # Errors
    /// [`StoreError::Unreachable`] when the database cannot be reached;
    /// [`StoreError::Missing`] when it holds no store; [`StoreError::NewerSchema`]
    /// or [`StoreError::OlderSchema`] when its schema is not this build's.
    pub fn open(url: &str, shown: &str) -> Result<Self> {
        let pool = Pool::new(url, shown)?;
        let layout = pool.read(|conn| {
            let mut tx = conn.read(shown)?;
            schema::check(&mut tx)
        })?;
        Ok(PostgisStore {
            shown: shown.to_string(),
            layout,
            pool,
        })
    }

    /// Creates the store in the database at `url` holding `partition` as version 1,
    /// in one transaction (a crash or a refusal leaves the database as it was), and
    /// opens it. Adds the PostGIS extension when the database lacks it and the role
    /// may.
    ///
    /// # Errors
    /// [`StoreError::Exists`] when the database holds a store (it is never
    /// overwritten); [`StoreError::Refused`] for attributes or geometry that cannot
    /// be stored; [`StoreError::Postgres`].
    pub fn init(
        url: &str,
        shown: &str,
        partition: &Partition,
        author: &str,
        message: &str,
    ) -> Result<Self> {
        let pool = Pool::new(url, shown)?;
        pool.write(|conn| {
            let mut tx = conn.begin(shown)?;
            schema::create(&mut tx, partition.layout())?;
            commit::initial(&mut tx, partition, (author, message), time::now())?;
            tx.commit()
        })?;
        drop(pool);
        Self::open(url, shown)
    }

    /// Applies the migrations the store at `url` lacks, in one transaction; returns
    /// its schema version before and after.
    ///
    /// # Errors
    /// [`StoreError::Missing`]; [`StoreError::NewerSchema`]; [`StoreError::Postgres`].
    pub fn migrate(url: &str, shown: &str) -> Result<(i64, i64)> {
        let pool = Pool::new(url, shown)?;
        pool.write(|conn| {
            let mut tx = conn.begin(shown)?;
            // One migrator at a time; the others then find nothing to do.
            tx.batch("LOCK TABLE citygrid_migrations IN EXCLUSIVE MODE")
                .map_err(|_| StoreError::Missing { path: shown.into() })?;
            let from = schema::version(&mut tx)?;
            if from > schema::SCHEMA_VERSION {
                return Err(StoreError::NewerSchema {
                    path: shown.into(),
                    found: from,
                    supported: schema::SCHEMA_VERSION,
                });
            }
            let to = schema::apply(&mut tx, from)?;
            tx.commit()?;
            Ok((from, to))
        })
    }

    /// Runs `f` in a read transaction.
    fn read<T>(&self, mut f: impl FnMut(&mut Tx<'_>) -> Result<T>) -> Result<T> {
        self.pool.read(|conn| {
            let mut tx = conn.read(&self.shown)?;
            let out = f(&mut tx)?;
            tx.commit()?;
            Ok(out)
        })
    }

    /// Runs `f` in a write transaction that holds the head row's lock, with the head
    /// it read; commits when `f` returns `Ok`, rolls back otherwise.
    fn write<T>(&self, f: impl FnOnce(&mut Tx<'_>, u64) -> Result<T>) -> Result<T> {
        self.pool.write(|conn| {
            let (mut tx, head) = conn.write(&self.shown)?;
            let out = f(&mut tx, head)?;
            tx.commit()?;
            Ok(out)
        })
    }
}

impl Store for PostgisStore {
    fn describe(&self) -> String {
        self.shown.clone()
    }

    fn layout(&self) -> Result<CodeLayout> {
        Ok(self.layout.clone())
    }

    fn head(&self) -> Result<u64> {
        self.pool.read(|conn| conn.head(&self.shown))
    }

    fn listen(&self) -> Result<Option<Box<dyn Listener>>> {
        let listener = listen::PostgisListener::new(&self.pool, &self.shown)?;
        Ok(Some(Box::new(listener)))
    }

    fn version(&self, version: u64) -> Result<VersionInfo> {
        self.read(|tx| versions::one(tx, version))
    }

    fn versions(&self, before: Option<u64>, limit: usize) -> Result<Vec<VersionInfo>> {
        self.read(|tx| versions::page(tx, before, limit))
    }

    fn version_at(&self, time: Timestamp) -> Result<Option<u64>> {
        self.read(|tx| read::version_at(tx, time))
    }

    fn load(&self, version: u64) -> Result<Partition> {
        self.read(|tx| read::load(tx, &self.layout, version))
    }

    fn changes(&self, from: u64, to: u64) -> Result<UnitChanges> {
        self.read(|tx| read::changes(tx, from, to))
    }

    fn unit_history(&self, code: &UnitCode) -> Result<Vec<UnitRecord>> {
        self.read(|tx| read::unit_history(tx, code))
    }

    fn lineage(&self, code: &UnitCode) -> Result<Vec<LineageEvent>> {
        self.read(|tx| read::lineage(tx, code))
    }

    fn code_ever_used(&self, code: &UnitCode) -> Result<bool> {
        self.read(|tx| read::code_ever_used(tx, code))
    }

    fn commit(&self, c: Commit) -> Result<VersionInfo> {
        let mut problems = c.refusals();
        // Encoded before the lock is taken: other writers need not wait for it.
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
        self.write(|tx, head| commit::commit(tx, head, c, &encoded))
    }

    fn create_token(
        &self,
        name: &str,
        role: Role,
        district: Option<UnitCode>,
    ) -> Result<(TokenInfo, String)> {
        self.write(|tx, _| tokens::create(tx, name, role, district))
    }

    fn verify_token(&self, secret: &str) -> Result<Option<TokenInfo>> {
        self.read(|tx| tokens::verify(tx, secret))
    }

    fn revoke_token(&self, name: &str) -> Result<TokenInfo> {
        self.write(|tx, _| tokens::revoke(tx, name))
    }

    fn tokens(&self) -> Result<Vec<TokenInfo>> {
        self.read(tokens::all)
    }

    fn datasets_revision(&self) -> Result<u64> {
        self.read(entities::revision)
    }

    fn layers(&self) -> Result<Vec<LayerInfo>> {
        self.read(entities::layers)
    }

    fn add_layer(&self, layer: NewLayer) -> Result<LayerInfo> {
        let encoded = crate::entity_values::encode_new(&self.shown, &layer)?;
        self.write(|tx, _| entities::add(tx, layer, &encoded))
    }

    fn append_entities(&self, layer: &str, entities: Vec<Entity>) -> Result<(LayerInfo, Vec<u64>)> {
        self.write(|tx, _| entities::append(tx, layer, &entities))
    }

    fn entities(&self, layer: &str, after: u64) -> Result<Vec<Entity>> {
        self.read(|tx| entities::after(tx, layer, after))
    }

    fn layer_files(&self, name: &str) -> Result<Vec<LayerFile>> {
        self.read(|tx| entities::files(tx, name))
    }

    fn remove_layer(&self, name: &str) -> Result<LayerInfo> {
        self.write(|tx, _| entities::remove(tx, name))
    }

    fn staff(&self, revision: Option<u64>) -> Result<StaffRoster> {
        self.read(|tx| staff::roster(tx, revision))
    }

    fn commit_staff(&self, change: StaffChange) -> Result<StaffRoster> {
        self.write(|tx, _| staff::commit(tx, change))
    }
}
