//! The versioned partition store: every version of a city's partition, the edit
//! log, code lineage and access tokens, behind one [`Store`] trait.
//!
//! A version is immutable and numbered from 1; a commit makes the next one from the
//! head or fails with a conflict, so two editors never both win. The default backend
//! is one GeoPackage file (SQLite in WAL mode, [`SqliteStore`]) that QGIS and GDAL
//! open directly and see the head version in as layers. The PostGIS backend
//! ([`PostgisStore`], a `postgres://` URL) keeps the same in one database that
//! several servers share. Callers open a store by its location ([`open`], [`init`],
//! [`migrate`]) and never name a backend. See `docs/store.md`.
//!
//! # Examples
//!
//! ```
//! use citygrid_model::{AttrValue, CodeLayout, Partition};
//! use citygrid_store::Commit;
//!
//! let dir = tempfile::tempdir().unwrap();
//! let path = dir.path().join("city.gpkg");
//! let units = citygrid_synth::SynthCity::new(1).cells(20).generate();
//! let partition = Partition::new(units, CodeLayout::default()).unwrap();
//! let store = citygrid_store::init(path.to_str().unwrap(), &partition, "alice", "imported").unwrap();
//!
//! let cell = store.load(1).unwrap().units().last().unwrap().as_ref().clone();
//! let edit = Commit::new(1, "alice", "more households")
//!     .upsert(cell.with_attribute("households", AttrValue::Number(120.0)));
//! let v2 = store.commit(edit).unwrap();
//! assert_eq!((v2.version, v2.changed.len()), (2, 1));
//! assert_eq!(store.load(2).unwrap().version(), 2);
//! ```

mod attributes; // unit attributes as JSON text, numbers exact
mod changes; // what changed between two versions, and applying it
mod commit; // what a commit carries, and what makes the store refuse one
mod dataset; // entity and raster layers, the staff registry
mod entity_values; // entity values and layer schemas as JSON, as every backend keeps them
mod error; // the crate's error enum
mod history; // a unit's rows over time and its code lineage
mod listen; // notices of commits by other processes, where a backend pushes them
mod location; // opening and creating a store by path or URL
mod plan; // what a commit does to the head: the refusal rules every backend applies
mod postgis; // the PostGIS backend
mod sqlite; // the GeoPackage backend
mod store; // the Store trait
#[cfg(test)]
mod testing; // geometry the backends' tests must keep bit for bit
mod text; // enum names and lists as text
mod time; // times to the millisecond, and as fixed-width RFC 3339 text
mod token; // roles, token secrets and their hashes
mod version; // versions: number, time, author, kind, codes touched

pub use changes::UnitChanges;
pub use commit::{Commit, Lineage, LineageKind, Refusal};
pub use dataset::{
    LayerFile, LayerInfo, LayerKind, NewLayer, NewLayerKind, StaffChange, StaffRoster,
    layer_name_problem,
};
pub use error::{Result, StoreError};
pub use history::{LineageEvent, UnitRecord};
pub use listen::{Listener, Notice};
pub use location::{init, migrate, open, shown};
pub use postgis::{CHANNEL, PostgisStore};
pub use sqlite::SqliteStore;
pub use store::Store;
pub use token::{Role, TokenInfo};
pub use version::{VersionInfo, VersionKind};
