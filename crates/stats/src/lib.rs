//! Statistics per cell and per unit above it, for every layer, at any version.
//!
//! Entity layers ([`EntityLayer`]) are points with typed fields: each point belongs
//! to the cell the lookup gives it (the index's half-open rule, so a point on a
//! boundary is counted once, where a lookup sends it), held per version in an
//! [`Assignment`] that an edit moves on by looking up again only the points the
//! edit can have moved. Raster layers ([`RasterLayer`]) are GeoTIFFs summed per
//! cell with exact coverage fractions (`citygrid-zonal`), the coverages of a
//! version kept in [`RasterCells`] and recomputed for changed cells only.
//!
//! A [`StatsQuery`] asks for one level (cells, villages, ...), optionally under a
//! code prefix, in a time window and grouped by a field; the answer is a
//! [`StatsTable`] of rows in code order, written as JSON or CSV. A parent's row is
//! made from its cells' by construction (counts and sums add, extremes and moments
//! combine), so the city's row is the layer's total inside the city.

mod assign; // which cell each point is in, per version, moved on after an edit
mod entity; // an entity layer held as columns
mod entity_rows; // counting and summing points per unit for a query
mod error; // the crate's error enum
mod levels; // which row of a level each cell adds to
mod query; // level, prefix, window, grouping
mod raster_layer; // raster layers: coverages per version, cell statistics, roll-up
mod table; // rows in JSON and CSV

pub use assign::Assignment;
pub use entity::EntityLayer;
pub use entity_rows::entity_rows;
pub use error::{Result, StatsError};
pub use query::StatsQuery;
pub use raster_layer::{RasterCells, RasterLayer};
pub use table::{EntityRow, RasterRow, Rows, StatsTable};
