//! The crate's error enum: each variant names the file and what is wrong there.

use std::path::PathBuf;

/// Results of reading and indexing tilesets.
pub type Result<T, E = ThreedError> = std::result::Result<T, E>;

/// What can go wrong reading a tileset.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ThreedError {
    /// A file could not be read.
    #[error("{}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A tileset or subtree that cannot be used as a whole.
    #[error("{}: {message}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong, and where in it.
        message: String,
    },
}
