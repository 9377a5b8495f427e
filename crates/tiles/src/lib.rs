//! Vector tiles (MVT 2.1) of a city partition that stay gap-free at every zoom.
//!
//! Each level of the partition (districts, townships, villages, cells) becomes a
//! polygon layer, plus a `labels` layer with one point inside each cell. Shared
//! boundaries are simplified once per zoom as edges of the level's topology, so
//! neighbouring units never open gaps or overlap in any tile; rounding to the tile
//! grid goes through snap rounding so it cannot make edges cross; clipping cuts at
//! grid vertices; what collapses is repaired into valid polygons. See
//! `docs/tiles.md` for layers, fields, ids, zoom ranges and the rules.
//!
//! Pure and synchronous: no files, no network, no async. The server caches and
//! serves these tiles; the archive crate writes them to PMTiles and MBTiles.

mod assemble; // one tile of one layer: faces from shared edges, clipped and repaired
mod clean; // valid polygons from a face's directed segments
pub mod dirty; // which tiles an edit touches, at every zoom
pub mod error; // the crate's error enum
mod grid; // the kernel's bucket grids, sized for tile work
pub mod ids; // stable numeric feature ids from unit codes
pub mod layers; // layers, their zoom ranges, tiling options
pub mod mvt; // the MVT 2.1 protobuf encoder
mod poly_layer; // one level's topology in world coordinates, and its edges per zoom
pub mod pyramid; // many tiles at once: rendering in parallel, sizes per zoom
pub mod simplify; // one zoom's edges: snapped, simplified, never crossing
mod snap; // snap rounding onto an integer grid
pub mod tile; // tile addresses and the Web Mercator grid
pub mod tiler; // a partition prepared for tiling, and tiles on demand

pub use dirty::dirty_tiles;
pub use error::{Result, TileError};
pub use ids::feature_id;
pub use layers::{Layer, TileOptions};
pub use pyramid::{ZoomSize, largest_tiles, render, render_tiles, render_tiles_with};
pub use tile::{EXTENT, MAX_ZOOM, TileId};
pub use tiler::{Feature, FieldType, LayerContent, TILE_BUDGET, Tiler};
