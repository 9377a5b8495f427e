//! `citygrid store init`: a versioned store made from a partition file;
//! `citygrid store migrate`: a store brought up to this build's schema.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};

use citygrid_check::{CheckOptions, Checker};
use citygrid_model::{CodeLayout, Level, Partition};

use crate::commands::check::findings;
use crate::commands::edits::{spinner, user};
use crate::commands::input::{InputArgs, read_violations};

/// Make versioned stores: every version of a partition in one GeoPackage file, or
/// in a PostgreSQL database with PostGIS that several servers share.
///
/// A store holds every version of the partition, the edit log, code lineage and
/// access tokens. QGIS opens it directly and shows the newest version as the
/// layers city, districts, townships, villages and cells (in PostGIS: the views
/// citygrid_city, citygrid_districts, ... citygrid_cells), and the history as the
/// table citygrid_versions. See docs/store.md.
///
/// Examples:
///
///   citygrid store init guiyang.gpkg                      (the bundled Guiyang)
///
///   citygrid store init grid.gpkg --from cells.geojson --author 王芳 --message "2026 survey"
///
///   citygrid store init postgres://grid:secret@db.internal/grid
///
///   citygrid store migrate postgres://grid:secret@db.internal/grid
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub struct StoreArgs {
    #[command(subcommand)]
    pub what: StoreCommand,
}

/// What to do with a store.
#[derive(Debug, Subcommand)]
pub enum StoreCommand {
    Init(InitArgs),
    Migrate(MigrateArgs),
}

/// Bring a store up to this citygrid's schema, in one transaction.
///
/// A GeoPackage file is also brought up to date whenever it is opened; a PostGIS
/// database, which several servers share, only by this command (servers of the
/// older citygrid should be stopped first: they refuse the newer schema). Running
/// it again changes nothing.
///
/// Exit status: 0 when the store is up to date, 2 when it cannot be (a newer
/// schema, no store there, the database unreachable).
///
/// Examples:
///
///   citygrid store migrate postgres://grid:secret@db.internal/grid
///
///   citygrid store migrate guiyang.gpkg
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub struct MigrateArgs {
    /// The store: a .gpkg file or a postgres:// URL.
    pub store: String,
}

/// Create a store whose version 1 is a partition file, after checking it.
///
/// Every version of a store is a valid partition, so the file is checked first
/// (as `citygrid check` with its default limits) and refused with its problems
/// when it breaks a rule. An existing file is never overwritten; the store appears
/// whole or not at all.
///
/// Exit status: 0 when the store was made, 1 when the partition breaks a rule (the
/// problems are printed), 2 when something cannot be read or written.
///
/// Examples:
///
///   citygrid store init guiyang.gpkg
///
///   citygrid store init grid.gpkg --from wg.geojson --code-field WGBM --parent-field CJBM --crs epsg:4545
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub struct InitArgs {
    /// The store to create: a .gpkg file (must not exist) or a
    /// postgres://user:password@host:port/database URL (a database without a store;
    /// PostGIS is added when the role may).
    pub store: PathBuf,
    /// The partition (GeoJSON of cells and the units above them; .gz is read too).
    #[arg(long, default_value = crate::commands::BUNDLED_PARTITION)]
    pub from: PathBuf,
    /// How to read the partition.
    #[command(flatten)]
    pub input: InputArgs,
    /// Who made version 1, as the history shows it. Default: $USER.
    #[arg(long)]
    pub author: Option<String>,
    /// Why, as the history shows it. Default: "imported from PARTITION".
    #[arg(long)]
    pub message: Option<String>,
}

/// Makes a store of the bundled Guiyang at `store`, exactly as `citygrid store init
/// STORE` does (the partition checked first): the demo store of `citygrid serve`.
pub fn init_bundled(store: &Path) -> Result<ExitCode> {
    /// The command line of `store init`, for its defaults.
    #[derive(Parser)]
    struct Line {
        #[command(flatten)]
        init: InitArgs,
    }
    let line = Line::try_parse_from([OsStr::new("citygrid store init"), store.as_os_str()])?;
    init(&line.init)
}

/// Runs the chosen store command.
pub fn run(args: &StoreArgs) -> Result<ExitCode> {
    match &args.what {
        StoreCommand::Init(a) => init(a),
        StoreCommand::Migrate(a) => migrate(a),
    }
}

fn migrate(args: &MigrateArgs) -> Result<ExitCode> {
    let shown = citygrid_store::shown(&args.store);
    let (from, to) = citygrid_store::migrate(&args.store)?;
    let said = if from == to {
        format!("{shown}: schema {to}, up to date\n")
    } else {
        format!("{shown}: schema {from} -> {to}\n")
    };
    crate::commands::print(&said)?;
    Ok(ExitCode::SUCCESS)
}

fn init(args: &InitArgs) -> Result<ExitCode> {
    let started = Instant::now();
    let spinner = spinner(format!("reading {}", args.from.display()));
    let (loaded, _) = args.input.read(&args.from, None)?;
    spinner.set_message(format!("checking {} units", loaded.units.len()));
    let read = read_violations(&loaded);
    let units: Vec<Arc<_>> = loaded.units.into_iter().map(Arc::new).collect();
    let mut report = Checker::new(CheckOptions::default()).check(&units, None);
    report.violations.extend(read);
    report.sort();
    let location = args.store.to_string_lossy();
    let shown = citygrid_store::shown(&location);
    if !report.is_valid() {
        spinner.finish_and_clear();
        crate::commands::print(&format!(
            "{shown}: not made: every version of a store is a valid partition, and {} is not\n{}",
            args.from.display(),
            findings(&report)
        ))?;
        return Ok(ExitCode::from(1));
    }
    let units: Vec<_> = units
        .into_iter()
        .map(|u| Arc::try_unwrap(u).unwrap_or_else(|shared| (*shared).clone()))
        .collect();
    let partition = Partition::new(units, CodeLayout::default())
        .with_context(|| format!("{} is not a partition", args.from.display()))?;
    spinner.set_message(format!("writing {shown}"));
    let author = args.author.clone().unwrap_or_else(user);
    let message = args
        .message
        .clone()
        .unwrap_or_else(|| format!("imported from {}", args.from.display()));
    let store = citygrid_store::init(&location, &partition, &author, &message)?;
    spinner.finish_and_clear();
    let counts: Vec<String> = Level::ALL
        .iter()
        .map(|l| (l, partition.level_ids(*l).count()))
        .filter(|(_, n)| *n > 0)
        .map(|(l, n)| format!("{n} {}", l.layer_name()))
        .collect();
    let seconds = started.elapsed().as_secs_f64();
    let said = match std::fs::metadata(&args.store) {
        Ok(file) => format!(
            "{shown}: version 1 by {author}: {} ({:.1} MB, {seconds:.1} s)\n\
             open it in QGIS for the layers city, districts, townships, villages and cells;\n\
             history: citygrid history --store {shown}\n",
            counts.join(", "),
            file.len() as f64 / 1e6,
        ),
        // A database: its URL, credentials left out (they are the caller's to add).
        Err(_) => format!(
            "{}: version 1 by {author}: {} ({seconds:.1} s)\n\
             QGIS opens the views citygrid_city, citygrid_districts, ... citygrid_cells;\n\
             history: citygrid history --store postgres://...\n",
            store.describe(),
            counts.join(", "),
        ),
    };
    crate::commands::print(&said)?;
    Ok(ExitCode::SUCCESS)
}
