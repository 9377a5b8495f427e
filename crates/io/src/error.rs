//! Errors of reading and writing files.

use std::path::PathBuf;

/// What can go wrong reading or writing a partition or a report.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IoError {
    /// The file could not be opened or read.
    #[error("{path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file could not be written.
    #[error("{path}: cannot write: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The text is not JSON, or not GeoJSON.
    #[error("{source_name}: not valid GeoJSON at line {line}, column {column}: {message}")]
    Json {
        /// File name or other label of the input.
        source_name: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What the parser said.
        message: String,
    },
    /// Valid GeoJSON, but not the kind of content expected.
    #[error("{source_name}: {message}")]
    Content {
        /// File name or other label.
        source_name: String,
        /// What is wrong.
        message: String,
    },
    /// One feature cannot be used.
    #[error("{source_name}: feature {index}{code}: {message}")]
    Feature {
        /// File name or other label.
        source_name: String,
        /// 0-based position of the feature in the collection.
        index: usize,
        /// " (code X)" when the code is known, else empty.
        code: String,
        /// What is wrong.
        message: String,
    },
    /// The output exists and replacing it was not asked for.
    #[error("{path} already exists; pass --force to replace it")]
    Exists {
        /// The file.
        path: PathBuf,
    },
    /// A GeoPackage could not be written.
    #[error("{path}: cannot write the GeoPackage: {source}")]
    Gpkg {
        /// The file being written.
        path: PathBuf,
        /// What the GeoPackage library said (boxed: it is large, and rare).
        source: Box<geopackage::Error>,
    },
    /// A GeoPackage could not be opened or read.
    #[error("{path}: cannot read the GeoPackage: {source}")]
    GpkgRead {
        /// The file.
        path: PathBuf,
        /// What the GeoPackage library said.
        source: Box<geopackage::Error>,
    },
    /// A layer of a GeoPackage, or one of its features, cannot be used.
    #[error("{path}: layer {layer}{}: {message}", fid.map(|f| format!(", feature {f}")).unwrap_or_default())]
    Layer {
        /// The file.
        path: PathBuf,
        /// The layer (table) name.
        layer: String,
        /// The feature id (QGIS's `fid`), when one feature is at fault.
        fid: Option<i64>,
        /// What is wrong.
        message: String,
    },
    /// A unit cannot be written in the coordinate system asked for.
    #[error("unit {code}: cannot be written in {crs}: {message}")]
    Unexpressible {
        /// The unit's code.
        code: String,
        /// The coordinate system asked for.
        crs: String,
        /// Why.
        message: String,
    },
    /// A coordinate system problem: unknown name, or coordinates out of its range.
    #[error("{source_name}: {message}")]
    Crs {
        /// File name or other label.
        source_name: String,
        /// What is wrong.
        message: String,
    },
}

/// Result alias for the io crate.
pub type Result<T> = std::result::Result<T, IoError>;
