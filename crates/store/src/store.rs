//! The `Store` trait: the seam between the edit logic and where versions live.
//!
//! Synchronous on purpose: the server calls it from `spawn_blocking`, the command
//! line directly, and a PostGIS backend can wrap an async client in a runtime of its
//! own. Every method takes `&self` and is safe to call from many threads at once.

use citygrid_model::{CodeLayout, Entity, Partition, UnitCode};
use jiff::Timestamp;

use crate::changes::UnitChanges;
use crate::commit::Commit;
use crate::dataset::{LayerFile, LayerInfo, NewLayer, StaffChange, StaffRoster};
use crate::error::Result;
use crate::history::{LineageEvent, UnitRecord};
use crate::listen::Listener;
use crate::token::{Role, TokenInfo};
use crate::version::VersionInfo;

/// Every version of one city's partition, its edit log, code lineage and tokens.
///
/// Invariants every backend keeps: versions are numbered 1, 2, ... without gaps and
/// never change; a commit is all or nothing and, once it returns `Ok`, survives a
/// crash; a code retired once is never used for another unit.
pub trait Store: Send + Sync {
    /// Where the store is (a path or a URL without credentials), for messages and logs.
    fn describe(&self) -> String;

    /// The code rules of the city, fixed when the store was created.
    ///
    /// # Errors
    /// When the backend cannot be read.
    fn layout(&self) -> Result<CodeLayout>;

    /// The newest version. Cheap (microseconds when nothing changed): a server polls
    /// it several times a second to notice commits made by other processes.
    ///
    /// # Errors
    /// When the backend cannot be read.
    fn head(&self) -> Result<u64>;

    /// One version's record.
    ///
    /// # Errors
    /// [`crate::StoreError::NotFound`] naming the version and the head.
    fn version(&self, version: u64) -> Result<VersionInfo>;

    /// Up to `limit` versions older than `before` (all when `None`), newest first: a
    /// page of history; the next page starts before the last version returned.
    ///
    /// # Errors
    /// When the backend cannot be read.
    fn versions(&self, before: Option<u64>, limit: usize) -> Result<Vec<VersionInfo>>;

    /// The version in force at `time`: the last one created at or before it; `None`
    /// before version 1.
    ///
    /// # Errors
    /// When the backend cannot be read.
    fn version_at(&self, time: Timestamp) -> Result<Option<u64>>;

    /// The whole partition as of `version`; its [`Partition::version`] is `version`.
    ///
    /// # Errors
    /// [`crate::StoreError::NotFound`] for a version that does not exist.
    fn load(&self, version: u64) -> Result<Partition>;

    /// What turns version `from` into version `to`, either way round: to follow the
    /// head incrementally, or to show a diff.
    ///
    /// # Errors
    /// [`crate::StoreError::NotFound`] when either version does not exist.
    fn changes(&self, from: u64, to: u64) -> Result<UnitChanges>;

    /// Every state a code's unit has had, oldest first (empty for an unknown code).
    ///
    /// # Errors
    /// When the backend cannot be read.
    fn unit_history(&self, code: &UnitCode) -> Result<Vec<UnitRecord>>;

    /// The splits, merges and reparentings a code took part in, oldest first.
    ///
    /// # Errors
    /// When the backend cannot be read.
    fn lineage(&self, code: &UnitCode) -> Result<Vec<LineageEvent>>;

    /// Whether a code was ever part of any version (then no new unit may take it).
    ///
    /// # Errors
    /// When the backend cannot be read.
    fn code_ever_used(&self, code: &UnitCode) -> Result<bool>;

    /// Makes the next version, atomically and durably. Optimistic: the base must still
    /// be the head, checked inside the write transaction, so of two commits on the
    /// same base exactly one wins and the other can rebase and retry.
    ///
    /// # Errors
    /// [`crate::StoreError::Conflict`] when the base is not the head;
    /// [`crate::StoreError::Refused`] listing every structural problem (nothing is
    /// written); [`crate::StoreError::Busy`] when another writer holds the store too
    /// long.
    fn commit(&self, commit: Commit) -> Result<VersionInfo>;

    /// Creates a token and returns it with its secret, which is shown this once: the
    /// store keeps only its hash. A district scope must be a district of the head.
    ///
    /// # Errors
    /// [`crate::StoreError::TokenRefused`] for a name in use (names are never reused:
    /// commits record them) or a bad district.
    fn create_token(
        &self,
        name: &str,
        role: Role,
        district: Option<UnitCode>,
    ) -> Result<(TokenInfo, String)>;

    /// The token a secret belongs to; `None` when unknown or revoked.
    ///
    /// # Errors
    /// When the backend cannot be read.
    fn verify_token(&self, secret: &str) -> Result<Option<TokenInfo>>;

    /// Revokes a token for good (again: no change).
    ///
    /// # Errors
    /// [`crate::StoreError::UnknownToken`] when there is none of that name.
    fn revoke_token(&self, name: &str) -> Result<TokenInfo>;

    /// Every token, revoked ones included, by name.
    ///
    /// # Errors
    /// When the backend cannot be read.
    fn tokens(&self) -> Result<Vec<TokenInfo>>;

    /// A number that moves with every change to layers or the staff registry.
    /// Cheap: a server polls it beside [`Store::head`] to serve imports made by
    /// other processes.
    ///
    /// # Errors
    /// When the backend cannot be read.
    fn datasets_revision(&self) -> Result<u64>;

    /// Every registered layer, by name.
    ///
    /// # Errors
    /// When the backend cannot be read.
    fn layers(&self) -> Result<Vec<LayerInfo>>;

    /// Registers a layer (an entity layer with all its points, in one transaction).
    ///
    /// # Errors
    /// [`crate::StoreError::DatasetRefused`] for a bad name, a name in use without
    /// `replace`, values that do not fit the schema, non-finite coordinates or a
    /// raster path that is not a file.
    fn add_layer(&self, layer: NewLayer) -> Result<LayerInfo>;

    /// Adds points to an entity layer; returns the layer and the ids they got.
    ///
    /// # Errors
    /// [`crate::StoreError::UnknownLayer`]; [`crate::StoreError::DatasetRefused`] for
    /// a raster layer or values that do not fit the schema (nothing is added).
    fn append_entities(&self, layer: &str, entities: Vec<Entity>) -> Result<(LayerInfo, Vec<u64>)>;

    /// The points of an entity layer with ids after `after` (0: all), by id: a
    /// server that holds the first `after` reads only what was appended since.
    ///
    /// # Errors
    /// [`crate::StoreError::UnknownLayer`]; an empty list for a raster layer.
    fn entities(&self, layer: &str, after: u64) -> Result<Vec<Entity>>;

    /// The files the store keeps of a layer (a raster layer's GeoTIFF, a tileset's
    /// folder), byte for byte as imported, by path.
    ///
    /// # Errors
    /// [`crate::StoreError::UnknownLayer`]; [`crate::StoreError::DatasetRefused`]
    /// for a layer whose files the store does not keep.
    fn layer_files(&self, name: &str) -> Result<Vec<LayerFile>>;

    /// Removes a layer and its points.
    ///
    /// # Errors
    /// [`crate::StoreError::UnknownLayer`].
    fn remove_layer(&self, name: &str) -> Result<LayerInfo>;

    /// The staff registry at `revision` (the newest when `None`).
    ///
    /// # Errors
    /// [`crate::StoreError::DatasetRefused`] for a revision that does not exist.
    fn staff(&self, revision: Option<u64>) -> Result<StaffRoster>;

    /// Changes the staff registry as one new revision, which it returns.
    ///
    /// # Errors
    /// [`crate::StoreError::DatasetRefused`] for an unknown id to remove, a person
    /// twice, an empty name or a code that is not a cell of the head (nothing is
    /// written).
    fn commit_staff(&self, change: StaffChange) -> Result<StaffRoster>;

    /// A subscription to the notices of commits by any process, on a connection
    /// of its own; `None` for a backend that cannot push them (poll
    /// [`Store::head`] and [`Store::datasets_revision`] instead).
    ///
    /// # Errors
    /// [`crate::StoreError::Unreachable`] when the store cannot be reached now.
    fn listen(&self) -> Result<Option<Box<dyn Listener>>> {
        Ok(None)
    }
}
