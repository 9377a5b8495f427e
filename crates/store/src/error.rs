//! The crate's error enum: each variant names the store (its path or URL) and what
//! went wrong there.

use std::path::PathBuf;

use citygrid_model::ModelError;

use crate::commit::Refusal;
use crate::text::list;

/// Results of store operations.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// What can go wrong opening, reading or writing a store.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// There is no store at the path.
    #[error("{}: no citygrid store here (create one with `citygrid store init`)", path.display())]
    Missing {
        /// The path asked for.
        path: PathBuf,
    },
    /// `init` found a file at the path: a store is never overwritten.
    #[error("{}: a file or a store is here already, and a store is never overwritten", path.display())]
    Exists {
        /// The path asked for.
        path: PathBuf,
    },
    /// The file is not a citygrid store (or not a GeoPackage at all).
    #[error("{}: not a citygrid store: {reason}", path.display())]
    NotAStore {
        /// The file.
        path: PathBuf,
        /// What is missing or wrong.
        reason: String,
    },
    /// The store was written by a newer citygrid with a schema this one does not know.
    #[error(
        "{}: store schema version {found} is newer than this citygrid reads (up to {supported}): upgrade citygrid",
        path.display()
    )]
    NewerSchema {
        /// The file.
        path: PathBuf,
        /// The file's schema version.
        found: i64,
        /// The newest schema version this build reads.
        supported: i64,
    },
    /// The store's schema is older than this citygrid's: a database shared by several
    /// servers is migrated on purpose (`citygrid store migrate`), not on open.
    #[error(
        "{store}: store schema version {found} is older than this citygrid's ({supported}): \
         run `citygrid store migrate` on it first"
    )]
    OlderSchema {
        /// The store.
        store: String,
        /// Its schema version.
        found: i64,
        /// The schema version this build reads and writes.
        supported: i64,
    },
    /// A location this build cannot open (a PostGIS URL, an unknown scheme).
    #[error("{location}: {reason}")]
    Unsupported {
        /// The location, without credentials.
        location: String,
        /// Why, and what to use instead.
        reason: String,
    },
    /// A version that does not exist (0, or after the head).
    #[error("{store}: version {version} does not exist (the head is version {head})")]
    NotFound {
        /// The store.
        store: String,
        /// The version asked for.
        version: u64,
        /// The head when it was asked.
        head: u64,
    },
    /// A commit's base is not the head any more: someone else committed first.
    #[error(
        "{store}: version {base} is not the head any more (the head is version {head}): \
         apply the edit to version {head} and commit again"
    )]
    Conflict {
        /// The store.
        store: String,
        /// The commit's base.
        base: u64,
        /// The head it met.
        head: u64,
    },
    /// A commit that would break the store's structure; nothing was written.
    #[error("{store}: commit on version {base} refused: {}", list(problems, "; "))]
    Refused {
        /// The store.
        store: String,
        /// The commit's base.
        base: u64,
        /// Every problem found, not only the first.
        problems: Vec<Refusal>,
    },
    /// No token of that name exists.
    #[error("{store}: no token named {name:?}")]
    UnknownToken {
        /// The store.
        store: String,
        /// The name asked for.
        name: String,
    },
    /// A token cannot be created as asked.
    #[error("{store}: token {name:?} not created: {reason}")]
    TokenRefused {
        /// The store.
        store: String,
        /// The token's name.
        name: String,
        /// Why.
        reason: String,
    },
    /// No layer of that name is registered.
    #[error("{store}: no layer named {name:?} (registered: {known})")]
    UnknownLayer {
        /// The store.
        store: String,
        /// The name asked for.
        name: String,
        /// The names there are, for the message.
        known: String,
    },
    /// A layer, its entities or a staff change that cannot be stored as asked;
    /// nothing was written.
    #[error("{store}: {what} refused: {reason}")]
    DatasetRefused {
        /// The store.
        store: String,
        /// The layer or registry, e.g. `layer "events"`.
        what: String,
        /// Why.
        reason: String,
    },
    /// Another writer held the store's write lock longer than the busy timeout.
    #[error("{store}: busy: another process has held the write lock for over {seconds} s")]
    Busy {
        /// The store.
        store: String,
        /// How long this one waited.
        seconds: u64,
    },
    /// Every connection the store may open was in use for too long.
    #[error(
        "{store}: busy: all {connections} connections to the database were in use for {seconds} s"
    )]
    Saturated {
        /// The store.
        store: String,
        /// The connections open at most.
        connections: usize,
        /// How long this call waited.
        seconds: u64,
    },
    /// Stored data that cannot be read back (a damaged row, a foreign edit).
    #[error("{store}: {what} is damaged: {reason}")]
    Corrupt {
        /// The store.
        store: String,
        /// The row or value.
        what: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The rows of a version do not form a partition.
    #[error("{store}: version {version} is not a partition: {source}")]
    Partition {
        /// The store.
        store: String,
        /// The version.
        version: u64,
        /// What the model found.
        source: ModelError,
    },
    /// Changes applied to a partition of another version, or that do not make one.
    #[error("cannot apply the changes from version {from} to version {to}: {reason}")]
    Apply {
        /// The version the changes start from.
        from: u64,
        /// The version they lead to.
        to: u64,
        /// What went wrong.
        reason: String,
    },
    /// SQLite failed.
    #[error("{store}: {source}")]
    Sqlite {
        /// The store.
        store: String,
        /// SQLite's error.
        source: rusqlite::Error,
    },
    /// The database cannot be reached, or dropped the connection (a restart, a
    /// dropped network, a server shutting down): what was being written was not
    /// acknowledged; try again when it is back.
    #[error("{store}: the database cannot be reached: {source}")]
    Unreachable {
        /// The store (its URL without credentials).
        store: String,
        /// The client's error.
        source: postgres::Error,
    },
    /// PostgreSQL refused or failed a statement.
    #[error("{store}: {source}")]
    Postgres {
        /// The store (its URL without credentials).
        store: String,
        /// The client's error.
        source: postgres::Error,
    },
    /// The GeoPackage file or its layers could not be created.
    #[error("{store}: cannot create the GeoPackage: {source}")]
    Gpkg {
        /// The store.
        store: String,
        /// The geopackage crate's error.
        source: Box<geopackage::Error>,
    },
    /// A file operation failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The operating system had no random bytes for a token secret.
    #[error("{store}: no random bytes for a token secret: {reason}")]
    Random {
        /// The store.
        store: String,
        /// The system's error.
        reason: String,
    },
}
