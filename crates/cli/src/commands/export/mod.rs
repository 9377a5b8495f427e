//! `citygrid export`: the partition in other forms.

pub mod tiles; // citygrid export tiles

use anyhow::Result;
use clap::{Args, Subcommand};

/// Write the partition out for other tools.
#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(subcommand)]
    pub command: ExportCommand,
}

/// What to export.
#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    Tiles(tiles::TilesArgs),
}

/// Runs the chosen export.
pub fn run(args: &ExportArgs) -> Result<()> {
    match &args.command {
        ExportCommand::Tiles(a) => tiles::run(a),
    }
}
