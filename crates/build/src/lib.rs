//! Building a city's grid-cell partition: townships, villages and cells generated
//! inside the given admin units, each cell a compact region of similar workload,
//! nested exactly in its parents by construction.
//!
//! Cells are unions of H3 hexagons cut by the given boundaries: H3 gives a uniform
//! grid whose shared vertices are bit-identical between neighbours, so inner
//! boundaries need no snapping, and the given boundaries are kept vertex for vertex
//! (with the crossing points added on both sides). See `build` for the steps.
//!
//! # Examples
//! ```
//! use citygrid_build::{BuildInput, BuildOptions, Weights, build};
//! use citygrid_model::{Level, Unit};
//! use geo_types::{MultiPolygon, polygon};
//!
//! let square = MultiPolygon(vec![polygon![
//!     (x: 106.70, y: 26.58), (x: 106.72, y: 26.58), (x: 106.72, y: 26.60), (x: 106.70, y: 26.60)
//! ]]);
//! let city = Unit::new("520100".parse()?, Level::City, square.clone());
//! let district = Unit::new("520102".parse()?, Level::District, square)
//!     .with_parent("520100".parse()?);
//! let input = BuildInput { units: vec![city, district], townships: vec![], weights: Weights::None };
//! // By area alone: 4.4 km² at 1 km² per cell.
//! let options = BuildOptions::default().cell_area_km2(1.0);
//! let built = build(&input, &options, &())?;
//! assert_eq!(built.summary.units[4].1, 4);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod assemble; // labelled hexagons -> exact polygons, shared boundary crossings
mod build; // the steps of a build
mod contiguity; // one piece per cell: stray parts go to a neighbour
pub mod error; // the crate's error enum
mod faces; // half-edge arrangement, face labels, dissolving
mod hexes; // the H3 hexagons of one unit
mod inside; // point-in-unit by horizontal bands
pub mod options; // targets and switches
mod plan; // whole numbers of parts in proportion to workloads
mod simplify; // straight inner boundaries, each shared boundary once
mod split; // recursive bisection of hexagons into parts
pub mod summary; // counts, balance, compactness, time
pub mod weights; // raster or point weights spread onto hexagons

pub use build::{BuildInput, Built, Progress, TownshipName, build};
pub use error::{BuildError, Result};
pub use options::BuildOptions;
pub use summary::{Spread, Summary};
pub use weights::{PixelGrid, WeightedPoint, Weights};
