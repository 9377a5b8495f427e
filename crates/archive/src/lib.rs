//! Tile pyramids written to archives: PMTiles v3 (one file for static hosting or
//! a CDN, through the maintained `pmtiles` crate) and MBTiles 1.3 (SQLite, through
//! `rusqlite`), both readable by martin.
//!
//! Kept apart from `citygrid-tiles`, which is pure: this crate writes files and
//! links SQLite. Tiles are rendered by the tiler on all cores and written in
//! order by one writer.

pub mod error; // the crate's error enum
pub mod export; // a whole pyramid from a tiler into an archive, with progress
mod gzip; // the PMTiles codec for tiles gzipped on the rendering cores
pub mod mbtiles; // MBTiles 1.3 through rusqlite
pub mod metadata; // TileJSON-style metadata both formats store
pub mod pmtiles; // PMTiles v3 through the pmtiles crate

pub use error::{ArchiveError, Result};
pub use export::{ExportStats, Format, export};
pub use metadata::{Metadata, Origin};
