//! `citygrid history`: the versions of a store, or one unit's past.

use anyhow::{Result, bail};
use clap::{Args, ValueEnum};
use serde_json::{Value, json};

use citygrid_io::attr;
use citygrid_model::{AttrValue, UnitCode};
use citygrid_server::records::{lineage_json, state_json, version_json};
use citygrid_store::Store;

/// Show the versions of a store, newest first, or everything one unit went through.
///
/// Each version: its number, time (UTC), author, kind (init, edit, revert,
/// import), message, and how many codes it changed, created and retired. With
/// --cell CODE (any unit's code): every state the unit had with the versions it
/// held in, then the splits, merges and reparentings its code took part in.
///
/// Examples:
///
///   citygrid history --store guiyang.gpkg
///
///   citygrid history --store guiyang.gpkg --limit 50 --before 120
///
///   citygrid history --store guiyang.gpkg --cell 520102001001003
///
///   citygrid history --store guiyang.gpkg --format json | jq '.versions[0]'
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub struct HistoryArgs {
    /// The store: a .gpkg file or a postgres:// URL.
    #[arg(long)]
    pub store: String,
    /// One unit's history instead of the versions.
    #[arg(long, alias = "unit")]
    pub cell: Option<UnitCode>,
    /// How many versions to show.
    #[arg(long, default_value_t = 20)]
    pub limit: usize,
    /// Show versions older than this one (the next page).
    #[arg(long)]
    pub before: Option<u64>,
    /// text for people, json for scripts.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// One line per version or state.
    Text,
    /// `{"head", "versions": [...]}`, or `{"code", "states": [...], "lineage": [...]}`.
    Json,
}

/// Prints the history.
pub fn run(args: &HistoryArgs) -> Result<()> {
    let store = citygrid_store::open(&args.store)?;
    let text = match &args.cell {
        Some(code) => unit(store.as_ref(), code, args.format)?,
        None => versions(store.as_ref(), args)?,
    };
    crate::commands::print(&text)
}

fn versions(store: &dyn Store, args: &HistoryArgs) -> Result<String> {
    let head = store.head()?;
    let page = store.versions(args.before, args.limit)?;
    if args.format == Format::Json {
        let versions: Vec<Value> = page.iter().map(version_json).collect();
        return Ok(format!(
            "{:#}\n",
            json!({"head": head, "versions": versions})
        ));
    }
    let mut text = format!(
        "{}: head is version {head}\n{:>7}  {:<24}  {:<16} {:<7} {:>7} {:>7} {:>7}  message\n",
        store.describe(),
        "version",
        "time (UTC)",
        "author",
        "kind",
        "changed",
        "created",
        "retired"
    );
    for v in &page {
        let reverted = v
            .reverted_to
            .map(|r| format!(" (to version {r})"))
            .unwrap_or_default();
        text.push_str(&format!(
            "{:>7}  {:<24}  {:<16} {:<7} {:>7} {:>7} {:>7}  {}{reverted}\n",
            v.version,
            v.created_at.to_string(),
            v.author,
            v.kind.as_str(),
            v.changed.len(),
            v.created.len(),
            v.retired.len(),
            v.message
        ));
    }
    if let Some(last) = page.last().filter(|l| l.version > 1) {
        text.push_str(&format!("(older: --before {})\n", last.version));
    }
    Ok(text)
}

fn unit(store: &dyn Store, code: &UnitCode, format: Format) -> Result<String> {
    let states = store.unit_history(code)?;
    let lineage = store.lineage(code)?;
    if states.is_empty() && lineage.is_empty() {
        bail!("{}: no unit ever had the code {code}", store.describe());
    }
    if format == Format::Json {
        let states: Vec<Value> = states.iter().map(state_json).collect();
        let lineage: Vec<Value> = lineage.iter().map(lineage_json).collect();
        return Ok(format!(
            "{:#}\n",
            json!({"code": code.as_str(), "states": states, "lineage": lineage})
        ));
    }
    let mut text = format!("{code} in {}: {} states\n", store.describe(), states.len());
    for s in &states {
        let until = s
            .valid_to
            .map_or("now".to_string(), |t| (t - 1).to_string());
        let attributes: Vec<String> = s
            .unit
            .attributes
            .iter()
            .map(|(k, v)| format!("{k}={}", attr_text(v)))
            .collect();
        text.push_str(&format!(
            "  versions {}..{until}: {} {:?} parent {} {}\n",
            s.valid_from,
            s.unit.level,
            s.unit.name,
            s.unit
                .parent
                .as_ref()
                .map_or("-".to_string(), ToString::to_string),
            attributes.join(" ")
        ));
    }
    for l in &lineage {
        text.push_str(&format!(
            "  version {}: {} {} -> {}\n",
            l.version,
            l.kind,
            join(&l.from),
            join(&l.to)
        ));
    }
    Ok(text)
}

fn join(codes: &[UnitCode]) -> String {
    codes
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

fn attr_text(v: &AttrValue) -> String {
    match v {
        AttrValue::Text(t) => format!("{t:?}"),
        other => attr(other).to_string(),
    }
}
