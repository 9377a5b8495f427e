//! `citygrid check`: is this a valid partition, and if not, where is it broken?

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Result;
use clap::{Args, ValueEnum};
use geo_types::MultiPolygon;

use citygrid_check::{CheckOptions, Checker, Report, Rule};
use citygrid_crs::Crs;
use citygrid_io::{Loaded, replace_file};
use citygrid_reports::{check_geojson, check_json};

use crate::commands::input::{InputArgs, read_violations};

/// Check a partition: full coverage, no gaps, no overlaps, matching shared edges,
/// correct nesting, unique well-formed codes, no slivers.
///
/// Exit status: 0 when the partition is valid, 1 when it breaks a rule, 2 when the
/// input cannot be read.
///
/// The input is a GeoJSON FeatureCollection of units (cells, and optionally the
/// villages, townships and districts above them), each with a code property. The
/// level of each unit comes from a `level` property or else from the code's
/// length (6 digits district, 9 township, 12 village, 15 cell).
///
/// Examples:
///
///   citygrid check cells.geojson --boundary city.geojson
///
///   citygrid check cells.geojson --crs epsg:4545 --code-field WGBM --parent-field CJBM
///
///   citygrid check cells.geojson --format geojson -o problems.geojson   (open in QGIS)
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub struct CheckArgs {
    /// The units to check (GeoJSON FeatureCollection).
    pub cells: PathBuf,
    /// The city outline the units must cover exactly (any GeoJSON with polygons).
    #[arg(long)]
    pub boundary: Option<PathBuf>,
    /// How to read the units.
    #[command(flatten)]
    pub input: InputArgs,
    /// Coordinate system of report locations. Default: the input's, so the report
    /// lines up with the cells in QGIS.
    #[arg(long)]
    pub output_crs: Option<Crs>,
    /// Report format: text for people, json for scripts, geojson for QGIS.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Write the report here instead of standard output.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// Neighbours' boundaries closer than this (metres) without touching are a
    /// narrow gap, even where it opens to the outside; 0 turns it off.
    #[arg(long, default_value_t = 1.0)]
    pub gap_width: f64,
    /// Units narrower than this (metres, largest inscribed circle) are slivers.
    #[arg(long, default_value_t = 2.0)]
    pub min_width: f64,
    /// Units smaller than this (square metres) are slivers.
    #[arg(long, default_value_t = 50.0)]
    pub min_area: f64,
    /// Units may follow the --boundary outline (and each level the outer boundary
    /// of the level above) to within this many metres with vertices of their own,
    /// as cells clipped to an outline by another tool do; farther off, a stretch is
    /// an unmatched edge against the boundary, or a gap.
    #[arg(long, default_value_t = 0.001)]
    pub boundary_tolerance: f64,
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A summary and one line per problem.
    Text,
    /// `{"valid", "cells", "errors": [...]}`.
    Json,
    /// A FeatureCollection of problems.
    Geojson,
}

/// Runs the check and prints the report.
pub fn run(args: &CheckArgs) -> Result<ExitCode> {
    let started = Instant::now();
    let (loaded, boundary) = args.input.read(&args.cells, args.boundary.as_deref())?;
    tracing::info!(units = loaded.units.len(), crs = %loaded.crs, elapsed_ms = started.elapsed().as_millis() as u64, "read");
    let options = CheckOptions::default()
        .gap_width(args.gap_width)
        .min_width(args.min_width)
        .min_area(args.min_area)
        .boundary_tolerance(args.boundary_tolerance);
    let crs = args.output_crs.unwrap_or(loaded.crs);
    let t = Instant::now();
    let report = check_loaded(loaded, boundary.as_ref(), options);
    tracing::info!(
        violations = report.violations.len(),
        elapsed_ms = t.elapsed().as_millis() as u64,
        "checked"
    );
    let text = match args.format {
        Format::Text => text_report(&report, args, crs),
        Format::Json => format!("{:#}\n", check_json(&report, crs)),
        Format::Geojson => check_geojson(&report, crs) + "\n",
    };
    match &args.output {
        Some(path) => replace_file(path, text.as_bytes())?,
        None => crate::commands::print(&text)?,
    }
    Ok(if report.is_valid() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Every rule on units as read, the rings the reader had to close or found too
/// short included, in report order: what `citygrid check` and `citygrid serve`
/// judge a partition by.
pub fn check_loaded(
    loaded: Loaded,
    boundary: Option<&MultiPolygon<f64>>,
    options: CheckOptions,
) -> Report {
    let read = read_violations(&loaded);
    let units: Vec<Arc<_>> = loaded.units.into_iter().map(Arc::new).collect();
    let mut report = Checker::new(options).check(&units, boundary);
    report.violations.extend(read);
    report.sort();
    report
}

fn text_report(report: &Report, args: &CheckArgs, crs: Crs) -> String {
    format!(
        "{}: {} units, {} cells (coordinates in {crs})\n{}",
        args.cells.display(),
        report.units,
        report.cells,
        findings(report)
    )
}

/// "valid: ..." or "INVALID: n problems (...)" and one line per violation.
pub fn findings(report: &Report) -> String {
    if report.is_valid() {
        return "valid: no gaps, no overlaps, every rule kept\n".to_string();
    }
    let counts: Vec<String> = Rule::ALL
        .iter()
        .filter(|r| report.count(**r) > 0)
        .map(|r| format!("{} {}", report.count(*r), r))
        .collect();
    let mut s = format!(
        "INVALID: {} problems ({})\n\n",
        report.violations.len(),
        counts.join(", ")
    );
    for v in &report.violations {
        let size = v.size.map(|z| z.to_string()).unwrap_or_default();
        s.push_str(&format!(
            "{:<17} {:>14}  {}\n",
            v.rule.name(),
            size,
            v.message
        ));
    }
    s
}
