//! `citygrid tileset`: 3D Tiles tilesets (oblique photography) linked to the cells
//! they show, served per cell by `citygrid serve`.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use geo::BoundingRect;

use citygrid_store::{LayerFile, NewLayer, NewLayerKind};
use citygrid_synth::{DEMO_BOUNDS, DemoTileset, Placement, REALITY_MESH_PLACEMENT, place_tileset};
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
/// store keeps a copy of every file in the folder of tileset.json (up to 512 MB in
/// all), so every server of the store serves it and the folder may move;
/// --by-path registers a larger one (a city's whole photography) by its path
/// instead: then every server must see the folder at that path.
///
/// Examples:
///
///   citygrid tileset add --store guiyang.gpkg --name oblique /data/oblique/tileset.json
///
///   citygrid tileset add --store postgres://grid@db/grid --name oblique_2026 \
///       /mnt/nas/oblique-2026/tileset.json --by-path
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
        /// The store: a .gpkg file or a postgres:// URL.
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
        /// Register it by its path instead of keeping a copy of its folder in the
        /// store (for a folder over a few hundred MB: every server must then see
        /// it at that path).
        #[arg(long)]
        by_path: bool,
        /// Who registers it (default: the login name).
        #[arg(long)]
        author: Option<String>,
    },
    /// Write the demo's tilesets into a folder and register them: a GENERATED
    /// oblique-photography-like tileset over central Nanming (`oblique`), and the
    /// reality-mesh sample placed over Yunyan (`reality_mesh`) when the team's
    /// shared data is there.
    Demo(TilesetDemoArgs),
}

/// `citygrid tileset demo`.
#[derive(Debug, Args)]
pub struct TilesetDemoArgs {
    /// The store: a .gpkg file or a postgres:// URL.
    #[arg(long)]
    pub store: String,
    /// Where the tilesets are written (`generated/`, `reality-mesh/` inside).
    #[arg(long, default_value = "tiles")]
    pub dir: PathBuf,
    /// The reality-mesh sample (3D Tiles in local metres).
    #[arg(long, default_value = "../shared/data/3dtiles/reality-mesh-sample")]
    pub sample: PathBuf,
    /// Replace layers of the same names.
    #[arg(long)]
    pub replace: bool,
}

/// Writes and registers the demo's tilesets. They sit on the ellipsoid (height 0),
/// where a 3D view without terrain draws the ground and the cells' outlines.
pub fn demo(a: &TilesetDemoArgs) -> Result<()> {
    let store = citygrid_store::open(&a.store)?;
    let generated = a.dir.join("generated");
    let made = DemoTileset {
        height: 0.0,
        ..DemoTileset::default()
    }
    .write(DEMO_BOUNDS, &generated)?;
    eprintln!(
        "citygrid: GENERATED tileset in {}: {} tiles, {} kB",
        generated.display(),
        made.tiles,
        made.bytes / 1000
    );
    let mut wanted = vec![(
        "oblique",
        generated.join("tileset.json"),
        "GENERATED oblique photography (not real)",
    )];
    if a.sample.join("tileset.json").is_file() {
        let placed = a.dir.join("reality-mesh");
        place_tileset(
            &a.sample,
            &placed,
            &Placement {
                height: 0.0,
                ..REALITY_MESH_PLACEMENT
            },
        )?;
        wanted.push((
            "reality_mesh",
            placed.join("tileset.json"),
            "reality-mesh sample (Apache-2.0), placed over Yunyan",
        ));
    } else {
        eprintln!(
            "citygrid: {} is not here (the team's shared data): only the generated tileset is registered",
            a.sample.display()
        );
    }
    for (name, path, source) in wanted {
        let info = store.add_layer(NewLayer {
            name: name.into(),
            kind: NewLayerKind::Tileset {
                files: Some(folder_files(&path)?),
                path: path.clone(),
            },
            source: source.into(),
            author: "citygrid demo".into(),
            replace: a.replace,
        })?;
        crate::commands::print(&format!(
            "registered tileset {} ({})\n",
            info.name,
            path.display()
        ))?;
    }
    Ok(())
}

/// Runs the chosen tileset command.
pub fn run(args: &TilesetArgs) -> Result<()> {
    match &args.what {
        TilesetCommand::Add {
            store,
            name,
            path,
            replace,
            by_path,
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
                kind: NewLayerKind::Tileset {
                    path: path.clone(),
                    files: if *by_path {
                        None
                    } else {
                        Some(folder_files(path)?)
                    },
                },
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
        TilesetCommand::Demo(a) => demo(a),
    }
}

/// Every file in the folder of `tileset_json` and below it, by its `/`-separated
/// path in the folder: what a static host of the tileset would serve.
///
/// # Errors
/// When the folder cannot be read.
fn folder_files(tileset_json: &Path) -> Result<Vec<LayerFile>> {
    let root = tileset_json.parent().unwrap_or(Path::new("."));
    let mut files = Vec::new();
    let mut folders = vec![root.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in
            std::fs::read_dir(&folder).with_context(|| format!("reading {}", folder.display()))?
        {
            let path = entry?.path();
            if path.is_dir() {
                folders.push(path);
            } else if path.is_file() {
                let relative = path.strip_prefix(root).unwrap_or(&path);
                let parts: Vec<String> = relative
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                let bytes =
                    std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
                files.push(LayerFile {
                    path: parts.join("/"),
                    bytes,
                });
            }
        }
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}
