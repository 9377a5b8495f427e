//! `citygrid diff`: what changed between two versions of a store.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};
use serde_json::Value;

use citygrid_crs::{Crs, Transform};
use citygrid_io::replace_file;
use citygrid_server::records::diff_json;

/// Show what changed between two versions of a store: the units changed, created
/// and retired, and how much land went from which unit to which.
///
/// Either version may be the older. The text report lists, per level, each unit
/// with its change and area before and after, then the square metres that moved
/// from one unit to another (what a statistics system re-counts). --format json
/// prints the same GeoJSON FeatureCollection as the server's GET /v1/diff: every
/// changed unit as a "before" and an "after" feature, and the "moved" list.
/// --output writes that collection to a file QGIS opens (style it by "side").
///
/// Examples:
///
///   citygrid diff --store guiyang.gpkg --from 1 --to 2
///
///   citygrid diff --store guiyang.gpkg --from 12 --to 15 --format json | jq '.moved'
///
///   citygrid diff --store guiyang.gpkg --from 1 --to 2 --crs epsg:4545 --output v1-v2.geojson
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub struct DiffArgs {
    /// The store: a .gpkg file or a postgres:// URL.
    #[arg(long)]
    pub store: String,
    /// The version to compare from.
    #[arg(long)]
    pub from: u64,
    /// The version to compare to. Default: the head.
    #[arg(long)]
    pub to: Option<u64>,
    /// Coordinate system of the geometries in json and --output: wgs84, cgcs2000,
    /// web-mercator, gcj02, bd09, epsg:4491..4554.
    #[arg(long, default_value = "wgs84")]
    pub crs: Crs,
    /// text for people, json for scripts.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Also write the FeatureCollection to this .geojson file.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// One line per changed unit, then one per moved area.
    Text,
    /// The FeatureCollection of GET /v1/diff.
    Json,
}

/// Loads both versions, compares, prints.
pub fn run(args: &DiffArgs) -> Result<()> {
    let store = citygrid_store::open(&args.store)?;
    let head = store.head()?;
    let to = args.to.unwrap_or(head);
    for v in [args.from, to] {
        if v == 0 || v > head {
            bail!(
                "{}: there is no version {v} (versions are 1..={head})",
                store.describe()
            );
        }
    }
    let transform = Transform::new(args.crs).context("--crs")?;
    let changes = store.changes(args.from, to)?;
    let before = store.load(args.from)?;
    let after = store.load(to)?;
    let diff = diff_json((args.from, &before), (to, &after), &changes, &transform);
    if let Some(path) = &args.output {
        replace_file(path, format!("{diff}\n").as_bytes())?;
    }
    let text = match args.format {
        Format::Json => format!("{diff:#}\n"),
        Format::Text => report(&store.describe(), &diff),
    };
    crate::commands::print(&text)
}

/// One changed unit in the text report: its area before and after (`None` where
/// it did not exist).
struct Row<'a> {
    level: &'a str,
    code: &'a str,
    change: &'a str,
    name: &'a str,
    before: Option<f64>,
    after: Option<f64>,
}

/// The text report of a [`diff_json`] value.
fn report(store: &str, diff: &Value) -> String {
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
    let features = diff["features"].as_array().map_or(&[][..], Vec::as_slice);
    let moved = diff["moved"].as_array().map_or(&[][..], Vec::as_slice);
    let mut out = format!(
        "{store}: version {} to version {}\n",
        diff["from"], diff["to"]
    );
    let mut rows: Vec<Row> = Vec::new();
    for f in features {
        let p = &f["properties"];
        let code = p["code"].as_str().unwrap_or_default();
        let at = rows.iter().position(|r| r.code == code).unwrap_or_else(|| {
            rows.push(Row {
                level: p["level"].as_str().unwrap_or_default(),
                code,
                change: p["change"].as_str().unwrap_or_default(),
                name: p["name"].as_str().unwrap_or_default(),
                before: None,
                after: None,
            });
            rows.len() - 1
        });
        if p["side"] == "before" {
            rows[at].before = p["area_m2"].as_f64();
        } else {
            rows[at].after = p["area_m2"].as_f64();
        }
    }
    if rows.is_empty() {
        out.push_str("  no unit changed\n");
    }
    let m2 = |a: Option<f64>| a.map_or("-".to_string(), |a| format!("{a:.1}"));
    for r in &rows {
        out.push_str(&format!(
            "  {:<9} {:<16} {:<8} {}  m² {} -> {}\n",
            r.level,
            r.code,
            r.change,
            r.name,
            m2(r.before),
            m2(r.after)
        ));
    }
    if !moved.is_empty() {
        out.push_str("land that moved:\n");
    }
    for m in moved {
        out.push_str(&format!(
            "  {:<9} {} -> {}: {:.2} m²\n",
            text(&m["level"]),
            text(&m["from"]),
            text(&m["to"]),
            m["m2"].as_f64().unwrap_or_default()
        ));
    }
    out
}
