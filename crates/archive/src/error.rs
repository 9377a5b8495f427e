//! The crate's error enum.

use std::path::PathBuf;

/// What can go wrong writing an archive.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ArchiveError {
    /// The file could not be created or written.
    #[error("{path}: {source}")]
    Io {
        /// The archive.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The PMTiles writer refused.
    #[error("{path}: pmtiles: {message}")]
    PmTiles {
        /// The archive.
        path: PathBuf,
        /// What the writer said.
        message: String,
    },
    /// SQLite refused.
    #[error("{path}: sqlite: {source}")]
    Sqlite {
        /// The archive.
        path: PathBuf,
        /// What SQLite said.
        source: rusqlite::Error,
    },
    /// The archive cannot be put in place: its folder is missing, it names a
    /// folder, or the finished file could not be flushed or renamed over it.
    #[error(transparent)]
    Output(#[from] citygrid_io::IoError),
    /// An unknown archive format name.
    #[error("unknown archive format {0:?}: expected pmtiles or mbtiles")]
    Format(String),
}

/// Results of this crate.
pub type Result<T> = std::result::Result<T, ArchiveError>;
