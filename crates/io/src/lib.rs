//! Reading and writing citygrid data: units, boundaries and weighted points from
//! GeoJSON in any supported coordinate system; units and exports back out for QGIS
//! and scripts, and the features, `crs` member and geometry the report writers
//! (`citygrid-reports`) build on; an export edited in QGIS read back as the units it
//! changes.

pub mod atomic; // files that appear whole or not at all
pub mod crs_member; // the `crs` member that declares a GeoJSON file's coordinate system
mod csv_file; // CSV as spreadsheets save it: UTF-8 checked, BOM skipped, header read
pub mod edited; // an edited export against the version it came from: changed, added, deleted units
pub mod entities; // entity layers: typed points from CSV or GeoJSON
pub mod error; // the crate's error enum
pub mod feature; // GeoJSON features and collections, attribute values as they came
pub mod geometry; // GeoJSON geometry <-> geo-types through a CRS
pub mod gpkg; // tables (and other typed rows) as GeoPackage layers
pub mod gpkg_read; // GeoPackage feature tables read back, as QGIS left them
pub mod points; // weighted points (households, people) from GeoJSON
pub mod read; // units and boundaries from GeoJSON
pub mod source; // where an export came from: the citygrid_source table
pub mod staff; // the staff registry from CSV
pub mod table; // units as typed tables, one per level, for exports
pub mod vertices; // exported vertices mapped back to their original WGS84 coordinates
pub mod write; // units and tables to GeoJSON

pub use atomic::{Pending, replace_file};
pub use crs_member::{crs_member, declared_crs, set_crs_member};
pub use edited::{Added, Edits, edits};
pub use entities::{
    BadRow, EntityFile, EntityOptions, parse_time, read_entities, values_from_json,
};
pub use error::{IoError, Result};
pub use feature::{attr, collection, feature};
pub use geometry::{Precision, output_transform};
pub use gpkg::{GeometryKind, GpkgWriter, LayerRow, write_gpkg};
pub use gpkg_read::{FeatureLayer, FileFeature, GpkgLayers, read_gpkg};
pub use points::{PointOptions, parse_weighted_points, read_weighted_points};
pub use read::{
    Loaded, ReadOptions, SourcePositions, UnitDefect, encode_for, parse_units, read_boundary,
    read_units,
};
pub use source::{SOURCE_TABLE, Source};
pub use staff::read_staff;
pub use table::{Column, Field, FieldType, Row, Table, tables};
pub use vertices::ExportedVertices;
pub use write::{table_geojson, units_geojson, units_geojson_with};
