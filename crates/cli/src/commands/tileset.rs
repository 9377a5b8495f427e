//! `citygrid tileset`: 3D Tiles tilesets (oblique photography) linked to the cells
//! they show, served per cell by `citygrid serve`.

use std::path::PathBuf;

use anyhow::{Result, bail};
use clap::{Args, Subcommand};
use geo::BoundingRect;

use citygrid_store::{NewLayer, NewLayerKind};
use citygrid_threed::Tileset;

use crate::commands::edits::user;

/// Register 3D Tiles tilesets with a store.
///
/// A tileset (3D Tiles 1.0 or 1.1: b3dm, i3dm, pnts, cmpt or glb content, external
/// tilesets, implicit quadtrees and octrees) is read whole; every tile's footprint on
/// the ground is worked out from its bounding volume and the chain of transforms
/// above it, and a server on the store links each cell to the tiles over it:
/// GET /v1/cells/{code}/3dtiles/{name}/tileset.json is that cell's tileset, and
/// /v1/3dtiles/{name}/coverage how much of each unit the photography covers. The
/// store keeps the path of tileset.json: keep the folder where it is.
///
/// Examples:
///
///   citygrid tileset add --store guiyang.gpkg --name oblique /data/oblique/tileset.json
///
///   citygrid layer list --store guiyang.gpkg
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub struct TilesetArgs {
    #[command(subcommand)]
    pub what: TilesetCommand,
}

/// What to do with tilesets.
#[derive(Debug, Subcommand)]
pub enum TilesetCommand {
    /// Read a tileset, say what is in it, and register it by name.
    Add {
        /// The store (a .gpkg file).
        #[arg(long)]
        store: String,
        /// The tileset's name: letters, digits and _, starting with a letter.
        #[arg(long)]
        name: String,
        /// Its tileset.json.
        path: PathBuf,
        /// Replace a layer of the same name.
        #[arg(long)]
        replace: bool,
        /// Who registers it (default: the login name).
        #[arg(long)]
        author: Option<String>,
    },
}

/// Runs the chosen tileset command.
pub fn run(args: &TilesetArgs) -> Result<()> {
    match &args.what {
        TilesetCommand::Add {
            store,
            name,
            path,
            replace,
            author,
        } => {
            let tileset = Tileset::load(path)?;
            let placed = tileset
                .tiles
                .iter()
                .filter(|t| t.footprint.is_some())
                .count();
            for p in tileset.problems.iter().take(10) {
                eprintln!("citygrid: {}: {}", p.tile, p.message);
            }
            if tileset.problems.len() > 10 {
                eprintln!(
                    "citygrid: ... and {} more problems",
                    tileset.problems.len() - 10
                );
            }
            if placed == 0 {
                bail!(
                    "{}: no tile of it lies on the ground, so no cell can be linked to it; \
                     is it georeferenced (a root transform to ECEF, or regions)?",
                    path.display()
                );
            }
            let extent = tileset
                .root()
                .footprint
                .as_ref()
                .and_then(BoundingRect::bounding_rect);
            eprintln!(
                "citygrid: {} tiles ({placed} on the ground), {} contents, {} problems{}",
                tileset.tiles.len(),
                tileset.content_paths().count(),
                tileset.problems.len(),
                extent.map_or(String::new(), |r| format!(
                    "; over {:.6},{:.6} to {:.6},{:.6}",
                    r.min().x,
                    r.min().y,
                    r.max().x,
                    r.max().y
                ))
            );
            let info = citygrid_store::open(store)?.add_layer(NewLayer {
                name: name.clone(),
                kind: NewLayerKind::Tileset { path: path.clone() },
                source: path.display().to_string(),
                author: author.clone().unwrap_or_else(user),
                replace: *replace,
            })?;
            crate::commands::print(&format!(
                "registered tileset {} ({})\n",
                info.name,
                path.display()
            ))
        }
    }
}
