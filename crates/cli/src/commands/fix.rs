//! `citygrid fix`: repair a partition's boundaries and say what changed.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use indicatif::ProgressBar;
use serde_json::json;

use citygrid_check::{CheckOptions, Checker, Report, Violation};
use citygrid_crs::Crs;
use citygrid_io::{Pending, Precision, SourcePositions, units_geojson_with};
use citygrid_model::Unit;
use citygrid_repair::{Change, ChangeKind, RepairOptions, Repaired, repair};
use citygrid_reports::{check_json, repair_geojson, repair_json};

use crate::commands::check::findings;
use crate::commands::input::{InputArgs, read_violations};

/// Repair a partition: snap near-coincident boundaries, rebuild invalid rings, give
/// each overlap and each narrow gap to one unit, cut what lies outside the
/// boundary, and report every change.
///
/// Exit status: 0 when everything was repaired and the output passes `citygrid
/// check`, 1 when something is left for a person (a gap wider than
/// --max-gap-width, a unit that would vanish) or the output still breaks a rule,
/// 2 when the input cannot be read.
///
/// Overlaps go to the unit with the longest border with the rest of its own area;
/// gaps narrower than --max-gap-width (diameter of the largest circle that fits)
/// go to the neighbour with the longest shared border. Levels are repaired from the
/// top down, each unit within its parent. The output keeps every property and is
/// written with coordinates at full precision in the input's coordinate system.
///
/// Examples:
///
///   citygrid fix districts.geojson --out fixed.geojson --boundary city.geojson
///
///   citygrid fix cells.geojson --out fixed.geojson --max-gap-width 20 --report changes.geojson
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub struct FixArgs {
    /// The units to repair (GeoJSON FeatureCollection).
    pub input: PathBuf,
    /// Where to write the repaired units.
    #[arg(long)]
    pub out: PathBuf,
    /// The city outline the units must cover exactly (any GeoJSON with polygons).
    #[arg(long)]
    pub boundary: Option<PathBuf>,
    /// How to read the units.
    #[command(flatten)]
    pub input_fields: InputArgs,
    /// Vertices of different units closer than this (metres) become one; a vertex
    /// this close to another unit's edge is inserted into it. 0 turns it off.
    #[arg(long, default_value_t = 1.0)]
    pub snap: f64,
    /// Gaps narrower than this (metres, largest inscribed circle) are filled; wider
    /// ones are reported and left open.
    #[arg(long, default_value_t = 100.0)]
    pub max_gap_width: f64,
    /// Report format on standard output: text for people, json for scripts.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Also write every change and open problem as GeoJSON here (open in QGIS).
    #[arg(long)]
    pub report: Option<PathBuf>,
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A summary, changes grouped by kind and units, and what is left.
    Text,
    /// `{"repair": {...}, "check": {...}}`.
    Json,
}

/// Repairs, writes, checks the result and prints the report.
pub fn run(args: &FixArgs) -> Result<ExitCode> {
    let started = Instant::now();
    // Both outputs are reserved first: a path that cannot be written fails before
    // the repair, and neither file is in place until both are written.
    let out = Pending::new(&args.out, true)?;
    let report = args
        .report
        .as_deref()
        .map(|path| Pending::new(path, true))
        .transpose()?;
    let spinner = ProgressBar::new_spinner();
    spinner.enable_steady_tick(Duration::from_millis(120));
    spinner.set_message(format!("reading {}", args.input.display()));
    let (loaded, boundary) = args
        .input_fields
        .read(&args.input, args.boundary.as_deref())?;
    tracing::info!(units = loaded.units.len(), crs = %loaded.crs, elapsed_ms = started.elapsed().as_millis() as u64, "read");
    spinner.set_message("repairing");
    let options = RepairOptions::default()
        .snap(args.snap)
        .max_gap_width(args.max_gap_width);
    let mut repaired = repair(&loaded.units, boundary.as_ref(), &options)
        .with_context(|| format!("cannot repair {}", args.input.display()))?;
    let read_fixes: Vec<Change> = read_violations(&loaded)
        .iter()
        .filter_map(|v| reader_fix(v, &loaded.units))
        .collect();
    repaired.changes.splice(0..0, read_fixes);
    spinner.set_message(format!("writing {}", args.out.display()));
    // Points read from the files go back exactly as they were: a transform out of
    // WGS84 and back is not exact to the last bit.
    let sources = if loaded.crs == Crs::Wgs84 {
        None
    } else {
        let mut paths = vec![args.input.as_path()];
        paths.extend(args.boundary.as_deref());
        Some(SourcePositions::read(&paths, loaded.crs)?)
    };
    let units_text = units_geojson_with(
        &repaired.units,
        loaded.crs,
        Precision::Full,
        sources.as_ref(),
    ) + "\n";
    out.write_all(units_text.as_bytes())?;
    if let Some(report) = &report {
        report.write_all((repair_geojson(&repaired, loaded.crs) + "\n").as_bytes())?;
    }
    out.commit()?;
    report.map(Pending::commit).transpose()?;
    spinner.set_message("checking the result");
    // Outside WGS84 the file holds transformed numbers: check what was written.
    let units: Vec<Arc<Unit>> = if loaded.crs == Crs::Wgs84 {
        repaired.units.iter().cloned().map(Arc::new).collect()
    } else {
        let (written, _) = args.input_fields.read(&args.out, None)?;
        written.units.into_iter().map(Arc::new).collect()
    };
    let report = Checker::new(CheckOptions::default()).check(&units, boundary.as_ref());
    spinner.finish_and_clear();
    tracing::info!(
        changes = repaired.changes.len(),
        unresolved = repaired.unresolved.len(),
        violations = report.violations.len(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "fixed"
    );
    let text = match args.format {
        Format::Text => text_report(args, loaded.units.len(), &repaired, &report, loaded.crs),
        Format::Json => format!(
            "{:#}\n",
            json!({
                "repair": repair_json(&repaired, loaded.crs),
                "check": check_json(&report, loaded.crs),
                "output": args.out.display().to_string(),
            })
        ),
    };
    crate::commands::print(&text)?;
    Ok(if repaired.is_complete() && report.is_valid() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// A ring the reader closed or found too short, as a change of the repair (the
/// repair rebuilds every ring from its points).
fn reader_fix(v: &Violation, units: &[Unit]) -> Option<Change> {
    let code = v.codes.first()?;
    let unit = units.iter().find(|u| &u.code == code)?;
    Some(Change {
        kind: ChangeKind::Ring,
        level: unit.level,
        to: Some(code.clone()),
        units: vec![code.clone()],
        location: v.location.clone(),
        area_m2: 0.0,
        message: format!("{}; rebuilt from its points", v.message),
    })
}

/// Changes of one kind between the same units, summed for the text report.
#[derive(Debug, Default)]
struct Group {
    pieces: usize,
    area_m2: f64,
    /// How many pieces each unit received.
    to: BTreeMap<String, usize>,
}

fn area_text(m2: f64) -> String {
    if m2 >= 1e6 {
        format!("{:.3} km²", m2 / 1e6)
    } else {
        format!("{m2:.2} m²")
    }
}

fn text_report(
    args: &FixArgs,
    read: usize,
    repaired: &Repaired,
    report: &Report,
    crs: Crs,
) -> String {
    let mut s = format!(
        "{}: {read} units (coordinates in {crs})\n",
        args.input.display()
    );
    if repaired.changes.is_empty() {
        s.push_str("nothing to repair\n");
    } else {
        let counts: Vec<String> = ChangeKind::ALL
            .iter()
            .map(|k| (k, repaired.changes.iter().filter(|c| c.kind == *k).count()))
            .filter(|(_, n)| *n > 0)
            .map(|(k, n)| format!("{n} {k}"))
            .collect();
        s.push_str(&format!(
            "repaired: {} changes ({}), {} changed hands\n\n",
            repaired.changes.len(),
            counts.join(", "),
            area_text(repaired.area_moved_m2())
        ));
        // Snaps and ring repairs, one per unit; pieces of area one by one when
        // few, else one line per kind and set of units.
        let per_unit = |c: &&Change| matches!(c.kind, ChangeKind::Snap | ChangeKind::Ring);
        let pieces: Vec<&Change> = repaired.changes.iter().filter(|c| !per_unit(c)).collect();
        let line = |c: &Change| {
            format!(
                "{:<9} {:>14}  {}\n",
                c.kind.name(),
                area_text(c.area_m2),
                c.message
            )
        };
        for c in repaired.changes.iter().filter(per_unit) {
            s.push_str(&line(c));
        }
        if pieces.len() <= 30 {
            for c in pieces {
                s.push_str(&line(c));
            }
        } else {
            let mut groups: BTreeMap<(ChangeKind, String), Group> = BTreeMap::new();
            for c in pieces {
                let units: Vec<&str> = c.units.iter().map(|u| u.as_str()).collect();
                let g = groups
                    .entry((c.kind, format!("{}s {}", c.level, units.join(", "))))
                    .or_default();
                g.pieces += 1;
                g.area_m2 += c.area_m2;
                if let Some(to) = &c.to {
                    *g.to.entry(to.to_string()).or_default() += 1;
                }
            }
            for ((kind, units), g) in groups {
                let (n, area) = (g.pieces, g.area_m2);
                let to: Vec<String> = g.to.iter().map(|(u, k)| format!("{u} x{k}")).collect();
                let outcome = match kind {
                    ChangeKind::Outside => "cut away".to_string(),
                    ChangeKind::Junction => "moved to boundary vertices".to_string(),
                    _ => format!("given to {}", to.join(", ")),
                };
                s.push_str(&format!(
                    "{:<9} {:>14}  {n} pieces, {units}: {outcome}\n",
                    kind.name(),
                    area_text(area),
                ));
            }
        }
    }
    if !repaired.unresolved.is_empty() {
        s.push_str(&format!(
            "\nLEFT OPEN: {} problems a person must decide\n\n",
            repaired.unresolved.len()
        ));
        for p in &repaired.unresolved {
            s.push_str(&format!(
                "{:<9} {:>14}  {}\n",
                p.kind.name(),
                p.area_m2.map(area_text).unwrap_or_default(),
                p.message
            ));
        }
    }
    s.push_str(&format!(
        "\n{}: {} units written; citygrid check: {}",
        args.out.display(),
        repaired.units.len(),
        findings(report)
    ));
    s
}
