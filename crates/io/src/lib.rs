//! Reading and writing citygrid data: units, boundaries and weighted points from
//! GeoJSON in any supported coordinate system, units and check reports back out for
//! QGIS and scripts.

pub mod error; // the crate's error enum
pub mod geometry; // GeoJSON geometry <-> geo-types through a CRS
pub mod points; // weighted points (households, people) from GeoJSON
pub mod read; // units and boundaries from GeoJSON
pub mod write; // units and reports to GeoJSON and JSON

pub use error::{IoError, Result};
pub use points::{PointOptions, WeightedPoint, parse_weighted_points, read_weighted_points};
pub use read::{Loaded, ReadOptions, parse_units, read_boundary, read_units};
pub use write::{attr, report_geojson, report_json, units_geojson};
