//! `citygrid commit`: a GeoPackage exported from a store and edited in QGIS,
//! committed as one new version or refused with every problem.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Result, bail};
use clap::Args;
use serde_json::json;

use citygrid_check::Report;
use citygrid_crs::Crs;
use citygrid_edit::{EditOptions, EditRequest, Editor, Op, assign_codes};
use citygrid_io::{Added, Edits, Pending, Source, edits, read_gpkg, replace_file};
use citygrid_model::{Partition, Unit, UnitCode};
use citygrid_reports::{check_geojson, check_gpkg};
use citygrid_store::Store;

use crate::commands::edits::{author, done, refused, spinner};

/// Commit an edited export: what was changed in QGIS becomes one new version.
///
/// FILE must be a GeoPackage written by `citygrid export cells FILE --store STORE`:
/// its table citygrid_source says which version it came from. Each feature is
/// compared with the unit it was exported from, by code, in the coordinate system
/// of the export, vertex for vertex (vertices nobody moved come back bit for bit,
/// so untouched features are no change); the changes are checked as every edit
/// is (no gap, no overlap, parents rebuilt from their cells) and committed as one
/// version, or refused and nothing is written.
///
/// What citygrid understands of QGIS (turn on topological editing, so that a
/// shared vertex moves in both features):
///
///   moved vertices and boundaries    the features' units change
///   Split Features                   the parts share a code: the largest keeps it,
///                                    each other part is a new cell of the same
///                                    village with the next free code (values QGIS
///                                    copied are not inherited)
///   a feature with an empty code     a new cell in the village its parent (or
///                                    village_code) column names, else where it lies
///   a deleted feature                its code is retired (Merge Features: the
///                                    merged feature keeps one code, the other goes)
///   an edited name or attribute      the unit's; computed columns (area_m2,
///                                    village_code...) are ignored
///
/// Villages, townships and districts are rebuilt from their cells, so edit cells;
/// edits made since the export by others are kept unless they touch the same
/// cells or their neighbours (then the commit is refused as a conflict: export
/// the head again and redo the edit there).
///
/// Exit status: 0 committed (or nothing to commit, or a dry run that would
/// commit), 1 refused (the problems are printed, and written to --problems), 2
/// when something cannot be read or written.
///
/// Examples:
///
///   citygrid export cells edited.gpkg --store guiyang.gpkg --crs epsg:4545
///   (edit edited.gpkg in QGIS, save)
///   citygrid commit edited.gpkg --store guiyang.gpkg --message "花果园: new estate" --author 王芳
///
///   citygrid commit edited.gpkg --store guiyang.gpkg --message "check first" --dry-run
///
///   citygrid commit edited.gpkg --store guiyang.gpkg --message "..." --problems problems.gpkg
///   (refused? open problems.gpkg in QGIS beside the cells)
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub struct CommitArgs {
    /// The edited GeoPackage (exported with `citygrid export cells --store`).
    pub file: PathBuf,
    /// The store it was exported from: a .gpkg file or a postgres:// URL.
    #[arg(long)]
    pub store: String,
    /// Why, as the history shows it.
    #[arg(short, long)]
    pub message: String,
    /// Who, as the history shows it. Default: $USER.
    #[arg(long)]
    pub author: Option<String>,
    /// Check the edit and say what it would change; commit nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// When the edit is refused, write the checker's problems here for QGIS:
    /// .gpkg (layers problems_areas, problems_lines, problems_points) or
    /// .geojson, in the export's coordinate system.
    #[arg(long)]
    pub problems: Option<PathBuf>,
}

/// Reads, compares, checks and commits.
pub fn run(args: &CommitArgs) -> Result<ExitCode> {
    let started = Instant::now();
    if let Some(problems) = &args.problems {
        check_problems_path(problems, &args.file)?;
    }
    let spinner = spinner(format!("reading {}", args.file.display()));
    let file = read_gpkg(&args.file)?;
    tracing::info!(
        layers = file.layers.len(),
        features = file.layers.iter().map(|l| l.features.len()).sum::<usize>(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "read {}",
        args.file.display()
    );
    let Some(source) = file.source.clone() else {
        bail!(
            "{} was not exported from a store (it has no citygrid_source table): export the version \
             to edit with `citygrid export cells FILE.gpkg --store {}`, edit that file, then commit it",
            args.file.display(),
            args.store
        );
    };
    let store = citygrid_store::open(&args.store)?;
    same_store(store.as_ref(), &source, args)?;
    spinner.set_message(format!("loading version {}", source.version));
    let t = Instant::now();
    let base = store.load(source.version)?;
    tracing::info!(
        version = source.version,
        elapsed_ms = t.elapsed().as_millis() as u64,
        "loaded {}",
        store.describe()
    );
    spinner.set_message(format!("comparing with version {}", source.version));
    let t = Instant::now();
    let edits = edits(&file, &base, source.crs)?;
    let head = store.head()?;
    tracing::info!(
        base = source.version,
        head,
        changed = edits.changed.len(),
        added = edits.added.len(),
        removed = edits.removed.len(),
        elapsed_ms = t.elapsed().as_millis() as u64,
        "compared"
    );
    if edits.is_empty() {
        spinner.finish_and_clear();
        crate::commands::print(&format!(
            "{}: nothing changed since version {} (the head is {head}); nothing to commit\n",
            args.file.display(),
            source.version
        ))?;
        return Ok(ExitCode::SUCCESS);
    }
    let Put { units, named } = units(&edits, &base, store.as_ref())?;
    let request = EditRequest {
        base_version: source.version,
        message: args.message.clone(),
        ops: vec![Op::Replace {
            units,
            removed: edits.removed.clone(),
        }],
        dry_run: args.dry_run,
        log: Some(log(args, &source, &edits, &named)),
    };
    spinner.set_message("checking and committing".to_string());
    let author = author(args.author.as_deref());
    let t = Instant::now();
    let editor = Editor::new(Arc::from(store), EditOptions::default());
    let result = editor.submit(&base, &request, &author);
    spinner.finish_and_clear();
    tracing::info!(
        elapsed_ms = t.elapsed().as_millis() as u64,
        accepted = result.is_ok(),
        "checked and committed"
    );
    let outcome = match result {
        Ok(outcome) => outcome,
        Err(e) => {
            let refusal = refused(e, &args.store)?;
            let mut text = format!("{}: {}", args.file.display(), refusal.text);
            if let (Some(report), Some(path)) = (&refusal.report, &args.problems) {
                write_problems(report, source.crs, path)?;
                text.push_str(&format!(
                    "\nthe problems are in {} (open it in QGIS beside the cells)\n",
                    path.display()
                ));
            }
            crate::commands::print(&text)?;
            return Ok(ExitCode::from(1));
        }
    };
    let mut text = done(&outcome, &editor.store().describe(), &author.name);
    for (added, code) in &named {
        let from = added
            .split_from
            .as_ref()
            .map(|c| format!(", split from {c}"))
            .unwrap_or_default();
        text.push_str(&format!(
            "  new {} {code}: {} feature {}{from}\n",
            added.level, added.layer, added.fid
        ));
    }
    if !outcome.dry_run {
        text.push_str(&format!(
            "{} is now out of date: export version {} to go on editing\n",
            args.file.display(),
            outcome.version
        ));
    }
    crate::commands::print(&text)?;
    Ok(ExitCode::SUCCESS)
}

/// Refuses a file exported from another store than `--store` (a version number
/// means nothing in another store's history).
fn same_store(store: &dyn Store, source: &Source, args: &CommitArgs) -> Result<()> {
    let created = store.version(1)?.created_at.to_string();
    if created != source.store_created {
        bail!(
            "{} was exported from another store: {} (made {}), not {} (made {created})",
            args.file.display(),
            source.store,
            source.store_created,
            store.describe()
        );
    }
    Ok(())
}

/// The units a commit puts in, and each new unit's feature beside the code it got.
struct Put<'e> {
    units: Vec<Unit>,
    named: Vec<(&'e Added, UnitCode)>,
}

/// The units to put in: the changed ones, and the new ones with their codes.
fn units<'e>(edits: &'e Edits, base: &Partition, store: &dyn Store) -> Result<Put<'e>> {
    let typed: Vec<&UnitCode> = edits.added.iter().filter_map(|a| a.code.as_ref()).collect();
    let needing: Vec<&Added> = edits.added.iter().filter(|a| a.code.is_none()).collect();
    let parents: Vec<UnitCode> = needing.iter().map(|a| a.parent.clone()).collect();
    // A code the store cannot vouch for is not given out.
    let taken = |c: &UnitCode| typed.contains(&c) || store.code_ever_used(c).unwrap_or(true);
    let given = assign_codes(base, &parents, &taken).map_err(|e| anyhow::anyhow!(e))?;
    let mut units = edits.changed.clone();
    let mut named = Vec::new();
    for a in &edits.added {
        if let Some(code) = &a.code {
            units.push(new_unit(a, code.clone(), String::new()));
            named.push((a, code.clone()));
        }
    }
    for (a, new) in needing.into_iter().zip(given) {
        units.push(new_unit(a, new.code.clone(), new.name));
        named.push((a, new.code));
    }
    Ok(Put { units, named })
}

fn new_unit(a: &Added, code: UnitCode, name: String) -> Unit {
    Unit {
        code,
        name: a.name.clone().unwrap_or(name),
        level: a.level,
        parent: Some(a.parent.clone()),
        geometry: a.geometry.clone(),
        attributes: a.attributes.clone(),
    }
}

/// The edit log kept with the version: where the edit came from and what it did
/// to which feature (the units themselves are in the version).
fn log(
    args: &CommitArgs,
    source: &Source,
    edits: &Edits,
    named: &[(&Added, UnitCode)],
) -> serde_json::Value {
    let changed: Vec<&str> = edits.changed.iter().map(|u| u.code.as_str()).collect();
    let removed: Vec<&str> = edits.removed.iter().map(UnitCode::as_str).collect();
    let added: Vec<serde_json::Value> = named
        .iter()
        .map(|(a, code)| {
            json!({
                "code": code.as_str(),
                "layer": a.layer,
                "fid": a.fid,
                "split_from": a.split_from.as_ref().map(UnitCode::as_str),
            })
        })
        .collect();
    json!({
        "op": "commit",
        "file": args.file.display().to_string(),
        "base_version": source.version,
        "crs": source.crs.to_string(),
        "exported_at": source.exported_at,
        "changed": changed,
        "added": added,
        "removed": removed,
    })
}

/// Refuses a problems file that would replace the edited file or whose format
/// cannot be told, before anything is done.
fn check_problems_path(path: &Path, edited: &Path) -> Result<()> {
    let same = match (path.canonicalize(), edited.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => path == edited,
    };
    if same {
        bail!(
            "--problems {} is the edited file; name another file",
            path.display()
        );
    }
    is_gpkg(path).map(|_| ())
}

/// Whether the problems file is a GeoPackage (else GeoJSON), by its extension.
fn is_gpkg(path: &Path) -> Result<bool> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("gpkg") => Ok(true),
        Some("geojson" | "json") => Ok(false),
        _ => bail!("--problems {}: name it .gpkg or .geojson", path.display()),
    }
}

/// Writes the checker's problems for QGIS, replacing an older problems file.
fn write_problems(report: &Report, crs: Crs, path: &Path) -> Result<()> {
    if is_gpkg(path)? {
        let out = Pending::new(path, true)?;
        check_gpkg(report, crs, &out)?;
        out.commit()?;
    } else {
        replace_file(path, (check_geojson(report, crs) + "\n").as_bytes())?;
    }
    Ok(())
}
