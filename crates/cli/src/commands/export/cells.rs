//! `citygrid export cells`: the partition as GeoJSON or GeoPackage for GIS staff,
//! from a partition file or a version of a store.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Instant;

use anyhow::{Result, bail};
use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};

use citygrid_crs::Crs;
use citygrid_io::{Pending, Source, Table, read_units, table_geojson, tables, write_gpkg};
use citygrid_model::{CodeLayout, Level, Unit};

use crate::commands::export::store_version::StoreVersion;
use crate::commands::fields::FieldArgs;

/// Write the cells and the units above them as GeoPackage or GeoJSON for QGIS.
///
/// Reads the bundled demo city (data/guiyang/partition.geojson.gz, from the current
/// folder; the partition `citygrid serve` serves by default) or --partition FILE,
/// any GeoJSON partition `citygrid check` reads, with the same --code-field,
/// --parent-field, --name-field and --level-field; or a version of a store
/// (--store STORE, the head unless --version N).
///
/// From a store, a GeoPackage also records where it came from, in its table
/// citygrid_source (store, version, export time, coordinate system; QGIS lists it
/// beside the layers): edit the file in QGIS, then `citygrid commit FILE --store
/// STORE` compares it with that version and commits what changed as a new one.
///
/// One feature per unit, with the columns: code, name, level, parent; the codes
/// above it (district_code, township_code, village_code; from the parent links,
/// else from the code's digits); area_m2 (geodesic, square metres); then every
/// attribute of the file (households, staff, ...) as a typed column: integer,
/// real, boolean or text. An attribute with values of mixed types is text.
///
/// GeoPackage: one layer per level in one file (city, districts, townships,
/// villages, cells: those the partition has), each with a spatial index. Every
/// level by default; --level to write one.
///
/// GeoJSON: one FeatureCollection per level. One level (cells by default) goes to
/// OUT itself; with --level all each level goes beside it with the layer name
/// before the extension: out-districts.geojson, ..., out-cells.geojson.
///
/// Files appear whole or not at all (written beside OUT, then renamed), and an
/// existing file is kept unless --force.
///
/// Examples:
///
///   citygrid export cells guiyang.gpkg                       (the demo city, every level)
///
///   citygrid export cells cells.geojson --partition city.geojson
///
///   citygrid export cells villages.geojson --partition city.geojson --level village
///
///   citygrid export cells grid.gpkg --partition wg.geojson --code-field WGBM
///       --parent-field CJBM --input-crs epsg:4545 --crs cgcs2000 --force
///
///   citygrid export cells edited.gpkg --store guiyang.gpkg --crs epsg:4545
///       (the head of a store, to edit in QGIS and `citygrid commit`)
///
///   citygrid export cells march.gpkg --store guiyang.gpkg --version 12
#[derive(Debug, Args)]
// --version is the store's version here, not citygrid's.
#[command(verbatim_doc_comment, disable_version_flag = true)]
pub struct CellsArgs {
    /// The file to write (.gpkg or .geojson, or say which with --format).
    pub out: PathBuf,
    /// Output format. Default: from OUT's extension.
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// The partition to export (GeoJSON of cells and the units above them).
    /// Default: the bundled demo city, data/guiyang/partition.geojson.
    #[arg(long)]
    pub partition: Option<PathBuf>,
    /// Export a version of this store (a .gpkg made by `citygrid store init`)
    /// instead of a partition file.
    #[arg(long, conflicts_with_all = ["partition", "input_crs"])]
    pub store: Option<String>,
    /// The version of --store to export. Default: the head (the newest).
    #[arg(long, requires = "store")]
    pub version: Option<u64>,
    #[command(flatten)]
    pub fields: FieldArgs,
    /// Coordinate system of the partition file. Default: its crs member, else
    /// wgs84.
    #[arg(long)]
    pub input_crs: Option<Crs>,
    /// Coordinate system to write: wgs84 (EPSG:4326), cgcs2000 (EPSG:4490),
    /// epsg:3857, epsg:4534..4554 and epsg:4513..4533 (CGCS2000 Gauss-Kruger), and
    /// for GeoJSON only gcj02 and bd09 (they have no EPSG code for a GeoPackage).
    #[arg(long, default_value = "wgs84")]
    pub crs: Crs,
    /// Level to write: cell, village, township, district, city, or all.
    /// Default: all for GeoPackage, cell for GeoJSON.
    #[arg(long)]
    pub level: Option<Levels>,
    /// Replace existing output files.
    #[arg(long)]
    pub force: bool,
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// RFC 7946 GeoJSON, one FeatureCollection per level.
    Geojson,
    /// OGC GeoPackage, one layer per level.
    Gpkg,
}

/// Which levels to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Levels {
    /// Just this one.
    One(Level),
    /// Every level the partition has.
    All,
}

impl FromStr for Levels {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        if s.eq_ignore_ascii_case("all") {
            return Ok(Levels::All);
        }
        s.parse().map(Levels::One).map_err(|_| {
            format!("unknown level {s:?}; expected cell, village, township, district, city or all")
        })
    }
}

/// The units to export, what they were read from, and where a store's version
/// came from.
struct Input {
    units: Vec<Unit>,
    layout: CodeLayout,
    from: String,
    source: Option<Source>,
}

/// Exports the partition.
pub fn run(args: &CellsArgs) -> Result<()> {
    let started = Instant::now();
    let format = format_of(args)?;
    let input = match &args.store {
        Some(store) => from_store(store, args)?,
        None => from_file(args)?,
    };
    let present: Vec<Level> = Level::ALL
        .into_iter()
        .filter(|l| input.units.iter().any(|u| u.level == *l))
        .collect();
    let wanted = args.level.unwrap_or(match format {
        Format::Gpkg => Levels::All,
        Format::Geojson => Levels::One(Level::Cell),
    });
    let levels = match wanted {
        Levels::All => present.clone(),
        Levels::One(l) if present.contains(&l) => vec![l],
        Levels::One(l) => bail!(
            "{} has no {l} units (its levels: {}); choose one of those with --level",
            input.from,
            join(&present)
        ),
    };
    let t = Instant::now();
    let tables = tables(&input.units, &levels, &input.layout);
    let total: usize = tables.iter().map(|t| t.rows.len()).sum();
    tracing::info!(
        rows = total,
        elapsed_ms = t.elapsed().as_millis() as u64,
        "tables (codes above, areas, typed attributes)"
    );
    let t = Instant::now();
    let bar = progress(total as u64);
    let written = match format {
        Format::Gpkg => {
            let pending = Pending::new(&args.out, args.force)?;
            write_gpkg(&pending, &tables, args.crs, input.source.as_ref(), || {
                bar.inc(1);
            })?;
            pending.commit()?;
            vec![(args.out.clone(), describe(&tables))]
        }
        Format::Geojson => {
            if input.source.is_some() {
                tracing::warn!(
                    "GeoJSON cannot record the store and version it came from; `citygrid commit` takes a GeoPackage export"
                );
            }
            let outputs: Vec<(Pending, &Table)> = tables
                .iter()
                .map(|t| {
                    let path = match wanted {
                        Levels::All => beside(&args.out, t.name()),
                        Levels::One(_) => args.out.clone(),
                    };
                    Ok((Pending::new(&path, args.force)?, t))
                })
                .collect::<Result<_>>()?;
            for (pending, table) in &outputs {
                pending.write_all(table_geojson(table, args.crs)?.as_bytes())?;
                bar.inc(table.rows.len() as u64);
            }
            let mut written = Vec::new();
            for (pending, table) in outputs {
                written.push((pending.destination().to_path_buf(), describe([table])));
                pending.commit()?;
            }
            written
        }
    };
    bar.finish_and_clear();
    tracing::info!(elapsed_ms = t.elapsed().as_millis() as u64, "written");
    let seconds = started.elapsed().as_secs_f64();
    let mut text = String::new();
    for (path, what) in written {
        let size = std::fs::metadata(&path).map_or(0, |m| m.len());
        text.push_str(&format!(
            "{}: {what} in {} ({}, {seconds:.1} s)\n",
            path.display(),
            args.crs,
            Bytes(size)
        ));
    }
    if let Some(source) = &input.source {
        text.push_str(&format!(
            "version {} of {}; after editing: citygrid commit {} --store {} --message \"...\"\n",
            source.version,
            source.store,
            args.out.display(),
            source.store
        ));
    }
    crate::commands::print(&text)?;
    Ok(())
}

/// The partition file (or the bundled demo city).
fn from_file(args: &CellsArgs) -> Result<Input> {
    let started = Instant::now();
    let source = match &args.partition {
        Some(p) => p.clone(),
        None => {
            let p = PathBuf::from(crate::commands::BUNDLED_PARTITION);
            if !p.exists() {
                bail!(
                    "no partition given, and the bundled demo city {} does not exist here: \
                     run from the repository root once it has been built (`citygrid build`, see \
                     data/guiyang/SOURCE.md), or pass --partition FILE",
                    p.display()
                );
            }
            p
        }
    };
    let loaded = read_units(&source, &args.fields.read_options(args.input_crs))?;
    if !loaded.defects.is_empty() {
        tracing::warn!(
            rings = loaded.defects.len(),
            "{}: rings that were not closed or too short were closed as read; `citygrid check` names them",
            source.display()
        );
    }
    tracing::info!(units = loaded.units.len(), crs = %loaded.crs, elapsed_ms = started.elapsed().as_millis() as u64, "read {}", source.display());
    Ok(Input {
        units: loaded.units,
        layout: CodeLayout::default(),
        from: source.display().to_string(),
        source: None,
    })
}

/// A version of a store, and the record of where it came from.
fn from_store(location: &str, args: &CellsArgs) -> Result<Input> {
    let loaded = StoreVersion::load(location, args.version)?;
    let source = Source {
        // The store as `describe()` names it: a postgres:// URL without its
        // password, which must not travel in a file handed to GIS staff.
        store: loaded.store.describe(),
        store_created: loaded.store.version(1)?.created_at.to_string(),
        version: loaded.info.version,
        exported_at: jiff::Timestamp::now()
            .strftime("%Y-%m-%dT%H:%M:%S%.3fZ")
            .to_string(),
        crs: args.crs,
    };
    let partition = &loaded.partition;
    Ok(Input {
        units: partition.units().iter().map(|u| Unit::clone(u)).collect(),
        layout: partition.layout().clone(),
        from: loaded.name(),
        source: Some(source),
    })
}

fn format_of(args: &CellsArgs) -> Result<Format> {
    if let Some(f) = args.format {
        return Ok(f);
    }
    let ext = args
        .out
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    Ok(match ext.as_deref() {
        Some("gpkg") => Format::Gpkg,
        Some("geojson" | "json") => Format::Geojson,
        _ => bail!(
            "cannot tell the format of {}: name it .gpkg or .geojson, or pass --format gpkg or --format geojson",
            args.out.display()
        ),
    })
}

/// `out-cells.geojson` beside `out.geojson`.
fn beside(out: &Path, layer: &str) -> PathBuf {
    let stem = out
        .file_stem()
        .map_or_else(String::new, |s| s.to_string_lossy().into_owned());
    let ext = out
        .extension()
        .map_or_else(String::new, |e| format!(".{}", e.to_string_lossy()));
    out.with_file_name(format!("{stem}-{layer}{ext}"))
}

fn join(levels: &[Level]) -> String {
    levels
        .iter()
        .copied()
        .map(Level::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}

/// "districts 10, cells 5900".
fn describe<'t, 'u: 't>(tables: impl IntoIterator<Item = &'t Table<'u>>) -> String {
    tables
        .into_iter()
        .map(|t| format!("{} {}", t.name(), t.rows.len()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A bar on a terminal for exports big enough to wait for; hidden otherwise
/// (indicatif draws nothing when stderr is not a terminal).
fn progress(total: u64) -> ProgressBar {
    if total < 1000 {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total);
    if let Ok(style) = ProgressStyle::with_template("writing {bar:40} {pos}/{len} units ({eta})") {
        bar.set_style(style);
    }
    bar
}

/// A file size for people.
struct Bytes(u64);

impl fmt::Display for Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = self.0 as f64;
        if b >= 1e6 {
            write!(f, "{:.1} MB", b / 1e6)
        } else if b >= 1e3 {
            write!(f, "{:.1} kB", b / 1e3)
        } else {
            write!(f, "{} bytes", self.0)
        }
    }
}
