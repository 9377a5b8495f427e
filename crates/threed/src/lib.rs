//! 3D Tiles linked to grid cells: which tiles of an oblique-photography tileset show a
//! cell, how much of the cell they cover, and a tileset of only those tiles for a
//! client to open the cell in 3D.
//!
//! [`Tileset::load`] reads a tileset (3D Tiles 1.0 and 1.1: `content` and `contents`,
//! external tilesets, implicit quadtrees and octrees with their subtree files) into one
//! tree of [`Tile`]s, each with its bounding volume in the frame its chain of
//! `transform`s makes and its **footprint**: where the volume lies on the ground, a
//! WGS84 polygon (`region` as given; `box` and `sphere` through ECEF). Tiles whose
//! volume says nothing usable about the ground are listed in [`Tileset::problems`].
//! [`CellTiles`] indexes footprints against a partition's cells (the tiles that reach
//! each cell, the share of the cell the finest content covers), and moves to another
//! version recomputing only changed cells; [`subset`] writes the tileset of one cell.

mod content; // content paths kept inside the tileset's folder; tile ids
mod error; // the crate's error enum
mod implicit; // implicit tiling: subdivided volumes, subtree files, availability
mod index; // tiles per cell and coverage, per partition version
mod matrix; // 4x4 column-major transforms
mod subset; // one cell's subset tileset, with its metadata and clipping polygon
mod tileset; // reading a tileset into one tree of tiles
mod volume; // bounding volumes and their footprints on the ground

pub use content::{Content, TileId};
pub use error::{Result, ThreedError};
pub use index::{CellCoverage, CellTiles};
pub use matrix::Mat4;
pub use subset::{CellInfo, subset};
pub use tileset::{Refine, Tile, TileProblem, Tileset};
pub use volume::Volume;
