//! Reports of what citygrid found and did, for people, scripts and QGIS: check
//! reports (every broken rule) and repair reports (every change and every problem
//! left open), as JSON and as GeoJSON in the input's coordinate system.
//!
//! Kept apart from `citygrid-io` so that the formats crate stays below the check
//! and the repair engine, and whatever reads or writes partitions (the server)
//! links neither. Nothing here fails: a location the coordinate system asked for
//! cannot express is written in WGS84, so there is no error type.

pub mod check; // check reports: violations, their places and sizes
pub mod repair; // repair reports: changes made and problems left open
mod values; // codes and sizes as both reports write them

pub use check::{check_geojson, check_json};
pub use repair::{repair_geojson, repair_json};
