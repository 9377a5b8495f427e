//! `citygrid export`: the partition written out for other tools, one subcommand
//! (and module) per kind of output. This module only dispatches.

pub mod cells; // citygrid export cells: GeoJSON or GeoPackage for GIS staff
mod store_version; // --store STORE --version N: the version both exports read
pub mod tiles; // citygrid export tiles: the vector-tile pyramid as PMTiles or MBTiles

use anyhow::Result;
use clap::{Args, Subcommand};

/// Write the partition out for other tools: cells and admin units for QGIS, vector
/// tiles for static hosting, a CDN or martin.
///
/// Examples:
///
///   citygrid export cells cells.gpkg
///
///   citygrid export tiles --format pmtiles --maxzoom 16 guiyang.pmtiles
///
///   citygrid export tiles --store postgres://... --version 12 v12.pmtiles
///
///   citygrid export cells --help
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub struct ExportArgs {
    #[command(subcommand)]
    pub what: Export,
}

/// What to export.
#[derive(Debug, Subcommand)]
pub enum Export {
    Cells(cells::CellsArgs),
    Tiles(tiles::TilesArgs),
}

/// Runs the chosen export.
pub fn run(args: &ExportArgs) -> Result<()> {
    match &args.what {
        Export::Cells(a) => cells::run(a),
        Export::Tiles(a) => tiles::run(a),
    }
}
