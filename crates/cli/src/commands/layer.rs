//! `citygrid layer`: entity and raster layers of a store, counted per cell by the
//! server (`GET /v1/stats`).

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};

use citygrid_crs::Crs;
use citygrid_index::CellIndex;
use citygrid_io::{EntityOptions, read_entities};
use citygrid_model::{FieldType, Level};
use citygrid_raster::Raster;
use citygrid_store::{LayerInfo, LayerKind, NewLayer, NewLayerKind, StaffChange, Store};
use citygrid_synth::{DemoCell, DemoLayers};

use crate::commands::edits::{spinner, user};

/// Import, list and remove the layers a store's cells are counted by.
///
/// An entity layer is a set of points with typed fields: people, houses, legal
/// persons, facilities, events (hotline and WeChat reports with the times they were
/// received and handled). Each point is counted in exactly one cell, the one a
/// lookup gives it (a point on a boundary is counted once). A raster layer is a
/// GeoTIFF (population, land use) summed per cell with exact coverage fractions of
/// partial pixels. The store keeps a copy of the GeoTIFF, so every server of the
/// store (several on one PostGIS database) reads the same raster and the file may
/// move; --by-path registers a file too large to copy by its path instead (it must
/// then be at that path on every server).
///
/// A server on the store serves a new or changed layer within a second.
///
/// Examples:
///
///   citygrid layer import --store guiyang.gpkg --name houses houses.csv --weight persons
///
///   citygrid layer import --store guiyang.gpkg --name events events.csv \
///       --category category --time received --time handled
///
///   citygrid layer import --store guiyang.gpkg --name reports reports.csv \
///       --x-field x --y-field y --crs gcj02 --field phone:text --skip-bad
///
///   citygrid layer import --store guiyang.gpkg --name population population.tif
///
///   citygrid layer import --store postgres://grid@db/grid --name landuse \
///       /mnt/gis/landuse-2m.tif --by-path
///
///   citygrid layer demo --store guiyang.gpkg
///
///   citygrid layer list --store guiyang.gpkg
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub struct LayerArgs {
    #[command(subcommand)]
    pub what: LayerCommand,
}

/// What to do with layers.
#[derive(Debug, Subcommand)]
pub enum LayerCommand {
    /// Import a CSV, GeoJSON or GeoTIFF file as a named layer.
    Import(Box<ImportArgs>),
    /// List the layers of a store.
    List {
        /// The store: a .gpkg file or a postgres:// URL.
        #[arg(long)]
        store: String,
    },
    /// Generate the demo city's GENERATED layers (houses, people, legal persons,
    /// facilities, a year of events, staff; not real data) from a store's head and
    /// the population raster, and import them with the raster itself.
    Demo(DemoArgs),
    /// Remove a layer and its points.
    Remove {
        /// The store: a .gpkg file or a postgres:// URL.
        #[arg(long)]
        store: String,
        /// The layer.
        #[arg(long)]
        name: String,
    },
}

/// `citygrid layer demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// The store: a .gpkg file or a postgres:// URL.
    #[arg(long)]
    pub store: String,
    /// The population raster the points follow (and a layer of its own).
    #[arg(long, default_value = crate::commands::BUNDLED_POPULATION)]
    pub population: PathBuf,
    /// Where the CSV files are written.
    #[arg(long, default_value = "target/citygrid/layers")]
    pub dir: PathBuf,
    /// The generator's seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Replace layers of the same names.
    #[arg(long)]
    pub replace: bool,
}

/// `citygrid layer import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The store: a .gpkg file or a postgres:// URL.
    #[arg(long)]
    pub store: String,
    /// The layer's name: letters, digits and _, starting with a letter.
    #[arg(long)]
    pub name: String,
    /// CSV (coordinate columns), GeoJSON (Point features) or GeoTIFF (.tif).
    pub file: PathBuf,
    /// CSV column of x (longitude, or easting in a projected CRS).
    #[arg(long, default_value = "lon")]
    pub x_field: String,
    /// CSV column of y (latitude, or northing).
    #[arg(long, default_value = "lat")]
    pub y_field: String,
    /// The file's CRS: wgs84, cgcs2000, gcj02, bd09, webmercator, EPSG:4547...
    /// (default: a GeoJSON crs member, else WGS84; a GeoTIFF's own).
    #[arg(long)]
    pub crs: Option<Crs>,
    /// Declare a field's type, NAME:TYPE with TYPE integer, real, text or time
    /// (repeatable); undeclared fields get the narrowest type holding all values.
    #[arg(long = "field", value_name = "NAME:TYPE")]
    pub fields: Vec<String>,
    /// The text field that splits counts into groups (an event's category).
    #[arg(long)]
    pub category: Option<String>,
    /// The numeric field each point counts for (persons per house).
    #[arg(long)]
    pub weight: Option<String>,
    /// A time field (repeatable): the first is when a point happened (from/to
    /// windows select by it), later ones are counted with their rate (handled).
    #[arg(long = "time", value_name = "FIELD")]
    pub times: Vec<String>,
    /// UTC offset of times written without one.
    #[arg(long, default_value = "+08:00")]
    pub utc_offset: String,
    /// Import the good rows and list the bad ones, instead of refusing the file.
    #[arg(long)]
    pub skip_bad: bool,
    /// Replace a layer of the same name.
    #[arg(long)]
    pub replace: bool,
    /// The band of a GeoTIFF, from 1.
    #[arg(long, default_value_t = 1)]
    pub band: u16,
    /// Register a GeoTIFF by its path instead of keeping a copy in the store (for
    /// a file over a few hundred MB: every server must then see it at that path).
    #[arg(long)]
    pub by_path: bool,
    /// Who imports it (default: the login name).
    #[arg(long)]
    pub author: Option<String>,
}

/// Runs the chosen layer command.
pub fn run(args: &LayerArgs) -> Result<()> {
    match &args.what {
        LayerCommand::Import(a) => import(a),
        LayerCommand::Demo(a) => demo(a),
        LayerCommand::List { store } => {
            let layers = citygrid_store::open(store)?.layers()?;
            let mut text = String::new();
            for l in &layers {
                text.push_str(&format!("{}\n", describe(l)));
            }
            if layers.is_empty() {
                text.push_str("(no layers: import one with `citygrid layer import`)\n");
            }
            crate::commands::print(&text)
        }
        LayerCommand::Remove { store, name } => {
            let layer = citygrid_store::open(store)?.remove_layer(name)?;
            crate::commands::print(&format!("removed {}\n", describe(&layer)))
        }
    }
}

fn import(a: &ImportArgs) -> Result<()> {
    let store = citygrid_store::open(&a.store)?;
    let is_raster = a
        .file
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("tif") || e.eq_ignore_ascii_case("tiff"));
    let source = a.file.display().to_string();
    let kind = if is_raster {
        let raster = Raster::read_band(&a.file, a.band, a.crs)
            .with_context(|| format!("{}: cannot be a raster layer", a.file.display()))?;
        eprintln!(
            "citygrid: {} x {} pixels in {}, total {}",
            raster.width(),
            raster.height(),
            raster.crs().name(),
            raster.total()
        );
        let bytes = if a.by_path {
            None
        } else {
            Some(std::fs::read(&a.file).with_context(|| format!("reading {}", a.file.display()))?)
        };
        NewLayerKind::Raster {
            path: a.file.clone(),
            band: a.band,
            bytes,
        }
    } else {
        let started = Instant::now();
        let bar = spinner(format!("reading {source}"));
        let file = read_entities(&a.file, &options(a)?)?;
        bar.finish_and_clear();
        for bad in &file.bad {
            eprintln!("citygrid: skipped {}: {}", bad.place, bad.reason);
        }
        let fields: Vec<String> = file
            .schema
            .fields
            .iter()
            .map(|f| format!("{}:{}", f.name, f.kind))
            .collect();
        eprintln!(
            "citygrid: read {} points ({} bad rows skipped) in {:.1} s; fields {}",
            file.entities.len(),
            file.bad.len(),
            started.elapsed().as_secs_f64(),
            fields.join(", ")
        );
        let outside = outside(store.as_ref(), &file.entities)?;
        if outside > 0 {
            eprintln!(
                "citygrid: {outside} of the points are outside every cell of the head version (counted in no cell): check --crs and the coordinate columns if that is unexpected"
            );
        }
        NewLayerKind::Entity {
            schema: file.schema,
            entities: file.entities,
        }
    };
    let bar = spinner(format!("writing layer {:?} to {}", a.name, a.store));
    let info = store.add_layer(NewLayer {
        name: a.name.clone(),
        kind,
        source: Path::new(&source)
            .file_name()
            .map_or(source.clone(), |n| n.to_string_lossy().into_owned()),
        author: a.author.clone().unwrap_or_else(user),
        replace: a.replace,
    })?;
    bar.finish_and_clear();
    crate::commands::print(&format!("imported {}\n", describe(&info)))
}

/// The demo layers: file, category, weight, time fields.
const DEMO: [(&str, &str, Option<&str>, &[&str]); 5] = [
    ("houses", "kind", Some("persons"), &[]),
    ("people", "age_group", Some("weight"), &[]),
    ("legal_persons", "kind", None, &["registered"]),
    ("facilities", "kind", None, &[]),
    ("events", "category", None, &["received", "handled"]),
];

/// Generates the demo layers for the store's head and imports them, the
/// population raster and the staff.
pub fn demo(a: &DemoArgs) -> Result<()> {
    let store = citygrid_store::open(&a.store)?;
    let started = Instant::now();
    let bar = spinner("generating the demo layers (GENERATED data, not real)".into());
    let partition = store.load(store.head()?)?;
    let population = Raster::read(&a.population)?;
    let cells: Vec<DemoCell> = partition
        .level_ids(Level::Cell)
        .filter_map(|id| {
            let u = partition.unit(id);
            let village = partition.parent_of(id)?;
            let township = partition.parent_of(village)?;
            Some(DemoCell {
                code: u.code.as_str(),
                village: partition.unit(village).code.as_str(),
                township: partition.unit(township).code.as_str(),
                shape: &u.geometry,
            })
        })
        .collect();
    let files = DemoLayers { seed: a.seed }.write(&cells, &population, &a.dir)?;
    bar.finish_and_clear();
    eprintln!(
        "citygrid: generated {} files in {} ({:.1} s)",
        files.len(),
        a.dir.display(),
        started.elapsed().as_secs_f64()
    );
    let author = "citygrid demo".to_string();
    for file in &files {
        if file.name == "staff" {
            let people = citygrid_io::read_staff(&file.path)?;
            let roster = store.commit_staff(StaffChange {
                author: author.clone(),
                message: "GENERATED demo staff (not real people)".into(),
                upsert: people,
                remove: Vec::new(),
                replace_all: true,
            })?;
            crate::commands::print(&format!(
                "staff revision {}: {} people (GENERATED)\n",
                roster.revision,
                roster.members.len()
            ))?;
            continue;
        }
        let Some((_, category, weight, times)) = DEMO.iter().find(|d| d.0 == file.name) else {
            bail!(
                "the demo made a file {} this command does not know",
                file.name
            );
        };
        let options = EntityOptions {
            category: Some((*category).to_string()),
            weight: weight.map(str::to_string),
            times: times.iter().map(|t| (*t).to_string()).collect(),
            ..EntityOptions::default()
        };
        let read = read_entities(&file.path, &options)?;
        let info = store.add_layer(NewLayer {
            name: file.name.clone(),
            kind: NewLayerKind::Entity {
                schema: read.schema,
                entities: read.entities,
            },
            source: format!("{}.csv (GENERATED)", file.name),
            author: author.clone(),
            replace: a.replace,
        })?;
        crate::commands::print(&format!("imported {}\n", describe(&info)))?;
    }
    let info = store.add_layer(NewLayer {
        name: "population".into(),
        kind: NewLayerKind::Raster {
            path: a.population.clone(),
            band: 1,
            bytes: Some(
                std::fs::read(&a.population)
                    .with_context(|| format!("reading {}", a.population.display()))?,
            ),
        },
        source: "population.tif (GENERATED)".into(),
        author,
        replace: a.replace,
    })?;
    crate::commands::print(&format!("imported {}\n", describe(&info)))
}

fn options(a: &ImportArgs) -> Result<EntityOptions> {
    let types = a
        .fields
        .iter()
        .map(|f| {
            let (name, kind) = f
                .split_once(':')
                .with_context(|| format!("--field {f:?}: write NAME:TYPE, e.g. persons:integer"))?;
            let kind = FieldType::parse(kind.trim()).with_context(|| {
                format!("--field {f:?}: the type is integer, real, text or time")
            })?;
            Ok((name.trim().to_string(), kind))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(EntityOptions {
        x_field: a.x_field.clone(),
        y_field: a.y_field.clone(),
        crs: a.crs,
        types,
        category: a.category.clone(),
        weight: a.weight.clone(),
        times: a.times.clone(),
        utc_offset: utc_offset(&a.utc_offset)?,
        skip_bad: a.skip_bad,
    })
}

/// `+08:00` as seconds east of UTC.
fn utc_offset(text: &str) -> Result<i32> {
    let bad = || anyhow::anyhow!("--utc-offset {text:?}: write it as +08:00 or -05:30");
    let (sign, rest) = match text.as_bytes().first() {
        Some(b'+') => (1, &text[1..]),
        Some(b'-') => (-1, &text[1..]),
        _ => return Err(bad()),
    };
    let (h, m) = rest.split_once(':').ok_or_else(bad)?;
    let (h, m): (i32, i32) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if h > 14 || m > 59 {
        bail!(bad());
    }
    Ok(sign * (h * 3600 + m * 60))
}

/// How many points no cell of the head holds, by the server's own index.
fn outside(store: &dyn Store, entities: &[citygrid_model::Entity]) -> Result<usize> {
    let partition = store.load(store.head()?)?;
    let index = CellIndex::new(&partition)?;
    Ok(entities
        .iter()
        .filter(|e| index.lookup(e.lon, e.lat).is_none())
        .count())
}

/// One line about a layer.
fn describe(l: &LayerInfo) -> String {
    match &l.kind {
        LayerKind::Entity { schema, count } => format!(
            "{:<20} entity  {count:>9} points  fields {}{}{}{}  (from {}, by {}, {})",
            l.name,
            schema
                .fields
                .iter()
                .map(|f| format!("{}:{}", f.name, f.kind))
                .collect::<Vec<_>>()
                .join(", "),
            schema
                .category
                .as_ref()
                .map(|c| format!("; category {c}"))
                .unwrap_or_default(),
            schema
                .weight
                .as_ref()
                .map(|w| format!("; weight {w}"))
                .unwrap_or_default(),
            if schema.times.is_empty() {
                String::new()
            } else {
                format!("; times {}", schema.times.join(", "))
            },
            l.source,
            l.author,
            l.created_at
        ),
        LayerKind::Tileset { path, stored } => format!(
            "{:<20} tileset 3D Tiles {} {}  (by {}, {})",
            l.name,
            path.display(),
            kept(*stored),
            l.author,
            l.created_at
        ),
        LayerKind::Raster { path, band, stored } => format!(
            "{:<20} raster  band {band} of {} {}  (by {}, {})",
            l.name,
            path.display(),
            kept(*stored),
            l.author,
            l.created_at
        ),
    }
}

/// Where a layer's files are read from, for `layer list`.
fn kept(stored: Option<u64>) -> String {
    match stored {
        Some(bytes) => format!("(kept in the store, {bytes} bytes)"),
        None => "(by path)".into(),
    }
}
