//! `citygrid revert`: a new version equal to an older one.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Result;
use clap::Args;

use citygrid_edit::{EditOptions, Editor};

use crate::commands::edits::{author, done, refused, spinner};

/// Undo: make a new version equal to an older one.
///
/// Nothing is deleted: the versions after N stay in the history, and the new
/// version (kind revert) says which one it restores. Codes retired since N come
/// back (the same units, not a reuse); codes made since N are retired. The result
/// is checked like every edit.
///
/// Exit status: 0 when the version was made (or N is the head already), 1 when
/// refused (the problems are printed), 2 when the store cannot be read or written.
///
/// Examples:
///
///   citygrid revert --store guiyang.gpkg --to 12 --message "undo the 花果园 edit"
///
///   citygrid history --store guiyang.gpkg        (to find N)
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub struct RevertArgs {
    /// The store: a .gpkg file or a postgres:// URL.
    #[arg(long)]
    pub store: String,
    /// The version to bring back.
    #[arg(long)]
    pub to: u64,
    /// Why, as the history shows it.
    #[arg(short, long)]
    pub message: String,
    /// Who, as the history shows it. Default: $USER.
    #[arg(long)]
    pub author: Option<String>,
}

/// Reverts and says what changed.
pub fn run(args: &RevertArgs) -> Result<ExitCode> {
    let started = Instant::now();
    let store = citygrid_store::open(&args.store)?;
    let head = store.head()?;
    if args.to == head {
        crate::commands::print(&format!(
            "{}: version {head} is the head; nothing to revert\n",
            store.describe()
        ))?;
        return Ok(ExitCode::SUCCESS);
    }
    let spinner = spinner(format!("loading version {head}"));
    let current = store.load(head)?;
    spinner.set_message(format!("checking version {} as the new head", args.to));
    let author = author(args.author.as_deref());
    let editor = Editor::new(Arc::from(store), EditOptions::default());
    let result = editor.revert(&current, args.to, &args.message, &author);
    spinner.finish_and_clear();
    tracing::info!(
        to = args.to,
        head,
        accepted = result.is_ok(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "revert"
    );
    let describe = editor.store().describe();
    match result {
        Ok(outcome) => {
            let mut text = done(&outcome, &describe, &author.name);
            text.push_str(&format!("  equal to version {} again\n", args.to));
            crate::commands::print(&text)?;
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            let refusal = refused(e, &args.store)?;
            crate::commands::print(&format!("{describe}: {}", refusal.text))?;
            Ok(ExitCode::from(1))
        }
    }
}
