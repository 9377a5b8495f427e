//! `citygrid staff`: the people who serve the cells, kept in the store by revision,
//! so a report found in a cell can be sent to them (`include=staff` on lookups).

use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, Subcommand};

use citygrid_io::read_staff;
use citygrid_model::UnitCode;
use citygrid_store::StaffChange;

use crate::commands::edits::user;

/// Import and list the staff registry of a store.
///
/// A person has an id, a name, a role (cell_head 网格长, cell_worker 网格员,
/// cell_police 网格警员, department_contact), a phone and the cells they serve; a
/// person may serve several cells and a cell has several people. Each import is a
/// new revision of the registry, recorded with its author and message; the
/// registry as of any revision can be read back.
///
/// The file is CSV with columns id, name, role, phone, cells (codes separated by
/// `;`). An import replaces the whole registry: people not in the file leave.
///
/// Examples:
///
///   citygrid staff import --store guiyang.gpkg staff.csv -m "2026 roster"
///
///   citygrid staff list --store guiyang.gpkg --cell 520102001001001
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub struct StaffArgs {
    #[command(subcommand)]
    pub what: StaffCommand,
}

/// What to do with the registry.
#[derive(Debug, Subcommand)]
pub enum StaffCommand {
    /// Replace the registry with a CSV file's people, as one new revision.
    Import {
        /// The store: a .gpkg file or a postgres:// URL.
        #[arg(long)]
        store: String,
        /// CSV: id, name, role, phone, cells.
        file: PathBuf,
        /// Why (recorded with the revision).
        #[arg(short, long, default_value = "staff imported")]
        message: String,
        /// Who (default: the login name).
        #[arg(long)]
        author: Option<String>,
    },
    /// List the registry, or the people of one cell.
    List {
        /// The store: a .gpkg file or a postgres:// URL.
        #[arg(long)]
        store: String,
        /// Only the people serving this cell.
        #[arg(long)]
        cell: Option<UnitCode>,
        /// As of this revision (default: the newest).
        #[arg(long)]
        revision: Option<u64>,
    },
}

/// Runs the chosen staff command.
pub fn run(args: &StaffArgs) -> Result<()> {
    match &args.what {
        StaffCommand::Import {
            store,
            file,
            message,
            author,
        } => {
            let people = read_staff(file)?;
            let count = people.len();
            let roster = citygrid_store::open(store)?.commit_staff(StaffChange {
                author: author.clone().unwrap_or_else(user),
                message: message.clone(),
                upsert: people,
                remove: Vec::new(),
                replace_all: true,
            })?;
            crate::commands::print(&format!(
                "staff revision {}: {count} people\n",
                roster.revision
            ))
        }
        StaffCommand::List {
            store,
            cell,
            revision,
        } => {
            let roster = citygrid_store::open(store)?.staff(*revision)?;
            let mut text = format!("staff revision {}\n", roster.revision);
            for m in roster
                .members
                .iter()
                .filter(|m| cell.as_ref().is_none_or(|c| m.cells.contains(c)))
            {
                let cells: Vec<&str> = m.cells.iter().map(UnitCode::as_str).collect();
                text.push_str(&format!(
                    "{:<10} {:<8} {:<19} {:<13} {}\n",
                    m.id,
                    m.name,
                    m.role.as_str(),
                    m.phone,
                    cells.join(";")
                ));
            }
            crate::commands::print(&text)
        }
    }
}
