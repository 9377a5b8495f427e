//! The crate's error enum: each variant names the layer and what the query or data
//! got wrong, in words a caller can show.

/// Results of statistics.
pub type Result<T, E = StatsError> = std::result::Result<T, E>;

/// What can go wrong computing statistics.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StatsError {
    /// A query names a field the layer does not have, or one of the wrong type.
    #[error("layer {layer:?}: {message}")]
    Field {
        /// The layer.
        layer: String,
        /// What is wrong.
        message: String,
    },
    /// A time window on a layer without a time field.
    #[error("layer {layer:?} has no time field, so it takes no from/to window")]
    NoTime {
        /// The layer.
        layer: String,
    },
    /// The raster cannot be summed over the cells.
    #[error("layer {layer:?}: {source}")]
    Zonal {
        /// The layer.
        layer: String,
        /// What the zonal statistics said (boxed: it carries two pixel grids).
        source: Box<citygrid_zonal::ZonalError>,
    },
    /// A cell cannot be put into the raster's CRS.
    #[error("layer {layer:?}: cell {code} cannot be put in the raster's CRS: {message}")]
    Crs {
        /// The layer.
        layer: String,
        /// The cell.
        code: String,
        /// Why.
        message: String,
    },
    /// Writing CSV failed.
    #[error("cannot write CSV: {0}")]
    Csv(#[from] csv::Error),
}
