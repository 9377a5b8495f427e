//! `citygrid build`: generate the townships, villages and grid cells of a city.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

use citygrid_build::{BuildInput, BuildOptions, Progress, TownshipName, build};
use citygrid_crs::Crs;
use citygrid_io::{Pending, encode_for, read_units, replace_file, units_geojson};
use citygrid_reports::check_geojson;

use crate::commands::input::{InputArgs, read_violations};
use citygrid_model::{Level, Unit};

/// Build a complete grid-cell partition of a city.
///
/// Divides every district (or township, or village, whichever is the lowest level
/// given) into compact cells of similar workload: about --households-per-cell
/// households each, or --cell-area-km2 of land where nobody lives. Missing levels
/// are generated inside their parents: townships (named from --township-names when
/// given), villages, then cells. Cells are unions of H3 hexagons cut exactly by the
/// given boundaries, so the result nests by construction; it is checked before it is
/// written, with the same rules as `citygrid check`.
///
/// The same inputs and options always give byte-identical output.
///
/// Examples:
///
///   # The bundled demo city (what `make data` runs):
///   citygrid build --city data/guiyang/city.geojson \
///       --units data/guiyang/districts.geojson \
///       --township-names data/guiyang/townships.csv \
///       --weights data/guiyang/population.tif --people-per-household 2.5 \
///       --cells 5906 -o data/guiyang/partition.geojson.gz
///
///   # By area only, 2 km² per cell:
///   citygrid build --city city.geojson --units districts.geojson \
///       --cell-area-km2 2 -o cells.geojson
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub struct BuildArgs {
    /// The city outline (a unit at level city, code like 520100).
    #[arg(long)]
    pub city: PathBuf,
    /// Given admin units: districts, and townships and villages if known (one or
    /// more files; each unit with code, name and parent properties).
    #[arg(long = "units", required = true, num_args = 1..)]
    pub units: Vec<PathBuf>,
    /// CSV of real township codes and names to give the generated townships:
    /// columns code, name, and the district code (areaCode or district).
    #[arg(long)]
    pub township_names: Option<PathBuf>,
    /// Weight layer: a GeoTIFF (people or households per pixel) or GeoJSON points.
    #[arg(long)]
    pub weights: Option<PathBuf>,
    /// For a layer of people: people per household (households = people / this).
    /// Leave out when the layer counts households.
    #[arg(long)]
    pub people_per_household: Option<f64>,
    /// For point weights: the property holding households (default: 1 per point).
    #[arg(long)]
    pub weight_field: Option<String>,
    /// Target households per cell (the common rule is 300 to 500).
    #[arg(long, default_value_t = 400.0)]
    pub households_per_cell: f64,
    /// Land per cell where nobody lives, km².
    #[arg(long, default_value_t = 25.0)]
    pub cell_area_km2: f64,
    /// Make exactly this many cells (workloads are scaled to match).
    #[arg(long)]
    pub cells: Option<usize>,
    /// Average cells per generated village.
    #[arg(long, default_value_t = 4.4)]
    pub cells_per_village: f64,
    /// Average cells per generated township (when no names are given).
    #[arg(long, default_value_t = 40.0)]
    pub cells_per_township: f64,
    /// A fixed H3 resolution (8-13) instead of one per unit.
    #[arg(long)]
    pub resolution: Option<u8>,
    /// Hexagons the densest cells should hold when the resolution is automatic.
    #[arg(long, default_value_t = 40.0)]
    pub hexes_per_cell: f64,
    /// How to read the inputs.
    #[command(flatten)]
    pub input: InputArgs,
    /// Coordinate system to write.
    #[arg(long, default_value = "wgs84")]
    pub output_crs: Crs,
    /// Output GeoJSON: every unit of every level (gzipped when it ends in .gz).
    #[arg(short, long)]
    pub output: PathBuf,
}

/// Runs the build.
pub fn run(args: &BuildArgs) -> Result<ExitCode> {
    // Reserved first, so that a path that cannot be written fails before the build.
    let out = Pending::new(&args.output, true)?;
    let read = args.input.read_options();
    let mut units: Vec<Unit> = Vec::new();
    for path in std::iter::once(&args.city).chain(&args.units) {
        let loaded = read_units(path, &read)?;
        if let Some(v) = read_violations(&loaded).first() {
            bail!("{}: {}", path.display(), v.message);
        }
        units.extend(loaded.units);
    }
    if !units.iter().any(|u| u.level == Level::City) {
        bail!(
            "{}: no unit at level city (give the outline a code like 520100 or a level property)",
            args.city.display()
        );
    }
    let townships = match &args.township_names {
        Some(p) => read_township_names(p)?,
        None => Vec::new(),
    };
    let mut layer = crate::commands::weights::Layer::read(
        args.weights.as_deref(),
        args.weight_field.as_deref(),
        args.input.crs,
    )?;
    let per_value = match args.people_per_household {
        Some(p) if p.is_finite() && p > 0.0 => 1.0 / p,
        Some(p) => bail!("--people-per-household must be a positive number, got {p}"),
        None => 1.0,
    };
    let input = BuildInput {
        units,
        townships,
        weights: layer.weights(per_value),
    };
    let options = BuildOptions::default()
        .households_per_cell(args.households_per_cell)
        .cell_area_km2(args.cell_area_km2)
        .cells(args.cells)
        .cells_per_village(args.cells_per_village)
        .cells_per_township(args.cells_per_township)
        .resolution(args.resolution)
        .hexes_per_cell(args.hexes_per_cell);
    let bar = Bar::new();
    let built = build(&input, &options, &bar)?;
    bar.0.finish_and_clear();
    if !built.report.is_valid() {
        // A bug in the build: keep the evidence next to the output.
        let failed = args.output.with_extension("failed.geojson");
        let report = args.output.with_extension("failed-report.geojson");
        replace_file(
            &failed,
            units_geojson(&built.units, args.output_crs).as_bytes(),
        )?;
        replace_file(
            &report,
            check_geojson(&built.report, args.output_crs).as_bytes(),
        )?;
        bail!(
            "the built partition failed its own check ({} errors, first: {}); nothing written to {}. The partition and the report are in {} and {}: please report this with the input",
            built.report.violations.len(),
            built.report.violations[0].message,
            args.output.display(),
            failed.display(),
            report.display()
        );
    }
    let text = units_geojson(&built.units, args.output_crs);
    out.write_all(&encode_for(&args.output, text.as_bytes())?)?;
    out.commit()?;
    eprintln!("{}", built.summary);
    eprintln!("wrote {}", args.output.display());
    Ok(ExitCode::SUCCESS)
}

/// Reads `code,name,areaCode` (or `district`) rows.
fn read_township_names(path: &Path) -> Result<Vec<TownshipName>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut lines = text.lines().enumerate();
    let header: Vec<&str> = lines
        .next()
        .map(|(_, h)| {
            h.trim_start_matches('\u{feff}')
                .split(',')
                .map(str::trim)
                .collect()
        })
        .unwrap_or_default();
    let col = |names: &[&str]| header.iter().position(|h| names.contains(h));
    let (Some(code), Some(name), Some(district)) = (
        col(&["code"]),
        col(&["name"]),
        col(&["areaCode", "district", "parent"]),
    ) else {
        bail!(
            "{}: the header must name the columns code, name and areaCode (or district); found {header:?}",
            path.display()
        );
    };
    let mut out = Vec::new();
    for (i, line) in lines {
        if line.trim().is_empty() {
            continue;
        }
        if line.contains('"') {
            bail!(
                "{} line {}: quoted fields are not supported",
                path.display(),
                i + 1
            );
        }
        let f: Vec<&str> = line.split(',').map(str::trim).collect();
        let get = |k: usize| {
            f.get(k).copied().with_context(|| {
                format!(
                    "{} line {}: missing column {}",
                    path.display(),
                    i + 1,
                    header[k]
                )
            })
        };
        out.push(TownshipName {
            code: get(code)?
                .parse()
                .with_context(|| format!("{} line {}: bad township code", path.display(), i + 1))?,
            name: get(name)?.to_string(),
            district: get(district)?
                .parse()
                .with_context(|| format!("{} line {}: bad district code", path.display(), i + 1))?,
        });
    }
    Ok(out)
}

/// A progress bar on standard error, one stage after another.
struct Bar(ProgressBar);

impl Bar {
    fn new() -> Self {
        let bar = ProgressBar::new(0);
        bar.set_style(
            ProgressStyle::with_template("{spinner} {msg:32} [{bar:30}] {pos}/{len} {elapsed}")
                .expect("a valid template")
                .progress_chars("=> "),
        );
        bar.enable_steady_tick(Duration::from_millis(200));
        Bar(bar)
    }
}

impl Progress for Bar {
    fn stage(&self, name: &'static str, total: u64) {
        self.0.set_message(name);
        self.0.set_length(total);
        self.0.set_position(0);
    }

    fn tick(&self) {
        self.0.inc(1);
    }
}
