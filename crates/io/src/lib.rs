//! Reading and writing citygrid data: units and boundaries from GeoJSON in any
//! supported coordinate system, units and check and repair reports back out for
//! QGIS and scripts.

pub mod error; // the crate's error enum
pub mod geometry; // GeoJSON geometry <-> geo-types through a CRS
pub mod read; // units and boundaries from GeoJSON
pub mod repair; // repair reports: changes and unresolved problems
pub mod write; // units and reports to GeoJSON and JSON

pub use error::{IoError, Result};
pub use geometry::Precision;
pub use read::{Loaded, ReadOptions, SourcePositions, parse_units, read_boundary, read_units};
pub use repair::{repair_geojson, repair_json};
pub use write::{attr, report_geojson, report_json, units_geojson, units_geojson_with};
