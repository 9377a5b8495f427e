//! Deterministic synthetic cities, deliberate damage and generated weight layers, for
//! tests, benchmarks and the demo city.
//!
//! [`SynthCity`] makes a city partitioned into districts > townships > villages >
//! grid cells that is a clean coverage by construction; [`damage`] then breaks one
//! rule in one place and says where, so a checker can be tested against it.
//! [`SynthPopulation`] makes a GENERATED people-per-pixel raster over real district
//! polygons (the demo city's weight layer: not real data), and [`DemoLayers`] GENERATED
//! entity layers and a staff registry over it (houses, residents, legal persons,
//! facilities, events, staff: CSV files for the demo, not real data).
//! [`DemoTileset`] writes a GENERATED oblique-photography-like 3D Tiles tileset of
//! building blocks over a few cells (b3dm and glb content, not real data), and
//! [`place_tileset`] puts a tileset made in local metres (the reality-mesh sample) on the
//! globe over Guiyang.
//!
//! # Examples
//! ```
//! use citygrid_synth::{DamageKind, SynthCity, damage};
//!
//! let mut units = SynthCity::new(7).cells(80).vertices_per_cell(16).generate();
//! let d = damage(&mut units, DamageKind::NarrowGap, 1).unwrap();
//! assert!(d.size_m >= 0.5 && d.size_m < 2.0);
//! ```

mod b3dm; // the b3dm wrapper: header, feature table, glb
mod buildings; // generated street blocks and buildings in a local frame, whole metres
mod city; // the SynthCity builder: lattice + hierarchy + codes -> units
mod clock; // local times in UTC+08:00 from day counts, written as RFC 3339
mod csv; // the demo layers' CSV writer: quoting, 6-decimal points from integers
mod damage; // one deliberate defect applied to a clean partition, and where it is
mod demo; // what the demo generators take and give, and their errors
mod edits; // where edits can be drawn: shared boundary segments, squares over them
mod gltf; // a minimal glTF 2.0 binary writer for meshes of coloured cuboids
mod hierarchy; // guillotine cuts into districts, townships, villages; cell merges
mod lattice; // the jittered centre-dense lattice, wiggly edges and block rings
mod layers; // generated demo entity layers and staff registry, written as CSV
mod matrix; // 4 x 4 column-major transforms: products, translations, the y-up turn
mod names; // generated Chinese names: people, facility places, numerals
mod noise; // seeded value noise from integer hashing, the same on every machine
mod place; // a local tileset put on the globe: new root transform, content copied
mod places; // where points go: pixels by population, points inside the city
mod population; // a generated people-per-pixel raster over district polygons
mod ring; // planar helpers: metric frame, bounding boxes, simple-ring test
mod rng; // SplitMix64, the crate's own deterministic generator
mod scanline; // which pixel centres a polygon holds, row by row
mod staff; // who serves which cells: heads, workers, police, department contacts
#[cfg(test)]
mod testing; // an independent clean-coverage check with geo, for the tests
mod tileset; // the generated demo 3D Tiles tileset: quadtree, content, tileset.json

pub use city::{CITY_CODE, CityStats, MAX_CELLS, MAX_MERGES, SynthCity};
pub use damage::{Damage, DamageError, DamageKind, damage};
pub use demo::{DemoCell, DemoFile, DemoLayersError};
pub use edits::{SharedSegment, shared_segments, square, village_neighbours};
pub use layers::DemoLayers;
pub use place::{LocalUp, Placement, REALITY_MESH_PLACEMENT, place_tileset};
pub use population::{
    Centre, DEFAULT_PIXEL_DEG, DistrictPopulation, DistrictProfile, GUIYANG, Population,
    PopulationError, SynthPopulation,
};
pub use rng::{SplitMix64, mix64};
pub use tileset::{
    DEMO_BOUNDS, DemoTileset, DemoTilesetError, GROUND_HEIGHT, MAX_LEVELS, MAX_SIDE_M, ROOT_ERROR,
    TilesetReport,
};
