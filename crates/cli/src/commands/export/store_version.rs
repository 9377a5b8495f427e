//! A version of a store, read the one way both exports read it (`--store STORE
//! [--version N]`), so that cells and tiles of "version N" are of the same
//! partition and name their store the same way.

use std::time::Instant;

use anyhow::Result;

use citygrid_model::Partition;
use citygrid_store::{Store, VersionInfo};

/// One version of a store, loaded.
pub struct StoreVersion {
    /// The store, still open (the cells export asks it for its first version).
    pub store: Box<dyn Store>,
    /// The version's record: its number and when it was committed.
    pub info: VersionInfo,
    /// Its partition.
    pub partition: Partition,
}

impl StoreVersion {
    /// Opens the store at `location` (a .gpkg path or a postgres:// URL) and loads
    /// `version`, the head when `None`.
    ///
    /// # Errors
    /// When the store cannot be opened or read, or has no such version (the
    /// store's error names the head).
    pub fn load(location: &str, version: Option<u64>) -> Result<StoreVersion> {
        let started = Instant::now();
        let store = citygrid_store::open(location)?;
        let version = match version {
            Some(v) => v,
            None => store.head()?,
        };
        let info = store.version(version)?;
        let partition = store.load(version)?;
        tracing::info!(
            units = partition.units().len(),
            version,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "loaded {}",
            store.describe()
        );
        Ok(StoreVersion {
            store,
            info,
            partition,
        })
    }

    /// "version 12 of postgres://db/grid": the store as `describe()` shows it,
    /// never with a password.
    pub fn name(&self) -> String {
        format!("version {} of {}", self.info.version, self.store.describe())
    }
}
