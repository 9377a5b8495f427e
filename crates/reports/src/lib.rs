//! Reports of what citygrid found and did, for people, scripts and QGIS: check
//! reports (every broken rule) and repair reports (every change and every problem
//! left open), as JSON and as GeoJSON in the input's coordinate system, and check
//! reports as a GeoPackage.
//!
//! Kept apart from `citygrid-io` so that the formats crate stays below the check
//! and the repair engine, and whatever reads or writes partitions (the server)
//! links neither. Nothing here fails but the GeoPackage writer (a file): a location
//! the coordinate system asked for cannot express is written in WGS84 in the JSON
//! reports, so there is no error type of their own.

pub mod check; // check reports: violations, their places and sizes
#[cfg(feature = "repair")]
pub mod repair; // repair reports: changes made and problems left open
mod values; // codes and sizes as both reports write them

pub use check::{check_geojson, check_gpkg, check_json};
#[cfg(feature = "repair")]
pub use repair::{repair_geojson, repair_json};
