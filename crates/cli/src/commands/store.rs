//! `citygrid store init`: a versioned store made from a partition file.

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

/// Make versioned stores: every version of a partition in one GeoPackage file.
///
/// A store holds every version of the partition, the edit log, code lineage and
/// access tokens. QGIS opens it directly and shows the newest version as the
/// layers city, districts, townships, villages and cells, and the history as the
/// table citygrid_versions. See docs/store.md.
///
/// Examples:
///
///   citygrid store init guiyang.gpkg                      (the bundled Guiyang)
///
///   citygrid store init grid.gpkg --from cells.geojson --author 王芳 --message "2026 survey"
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
    /// The store to create (a .gpkg file; must not exist).
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
    }
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
    if !report.is_valid() {
        spinner.finish_and_clear();
        crate::commands::print(&format!(
            "{}: not made: every version of a store is a valid partition, and {} is not\n{}",
            args.store.display(),
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
    spinner.set_message(format!("writing {}", args.store.display()));
    let author = args.author.clone().unwrap_or_else(user);
    let message = args
        .message
        .clone()
        .unwrap_or_else(|| format!("imported from {}", args.from.display()));
    let location = args.store.to_string_lossy();
    let store = citygrid_store::init(&location, &partition, &author, &message)?;
    spinner.finish_and_clear();
    let counts: Vec<String> = Level::ALL
        .iter()
        .map(|l| (l, partition.level_ids(*l).count()))
        .filter(|(_, n)| *n > 0)
        .map(|(l, n)| format!("{n} {}", l.layer_name()))
        .collect();
    let size = std::fs::metadata(&args.store).map_or(0, |m| m.len());
    crate::commands::print(&format!(
        "{}: version 1 by {author}: {} ({:.1} MB, {:.1} s)\n\
         open it in QGIS for the layers city, districts, townships, villages and cells;\n\
         history: citygrid history --store {}\n",
        store.describe(),
        counts.join(", "),
        size as f64 / 1e6,
        started.elapsed().as_secs_f64(),
        args.store.display()
    ))?;
    Ok(ExitCode::SUCCESS)
}
