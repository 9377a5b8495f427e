//! What can go wrong with an edit, each naming the operation and the units.

use citygrid_check::Report;
use citygrid_model::UnitCode;
use citygrid_store::StoreError;

/// Why an edit was not made. Nothing was written in any case.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EditError {
    /// An operation cannot be carried out as given (an unknown code, a line that
    /// misses the boundary, cells that are not neighbours, ...).
    #[error("op {index} ({op}): {message}")]
    BadOp {
        /// Position of the operation in the request, from 0.
        index: usize,
        /// Its name.
        op: &'static str,
        /// What is wrong, naming units and places.
        message: String,
    },
    /// The result would break the partition: the checker's located problems.
    #[error("the edit would break the partition: {}", summary(.report))]
    Invalid {
        /// Everything the checker found near the edit.
        report: Box<Report>,
    },
    /// Cells the edit touches (or their neighbours) changed after its base version.
    #[error("conflict: {} changed since version {base} (head {head})", codes(.changed_since))]
    Conflict {
        /// The version the edit was made on.
        base: u64,
        /// The newest version.
        head: u64,
        /// Units the edit touches that changed since `base`.
        changed_since: Vec<UnitCode>,
    },
    /// The base version is not one the store has.
    #[error("base_version {base} does not exist (the head is {head})")]
    UnknownBase {
        /// As given.
        base: u64,
        /// The newest version.
        head: u64,
    },
    /// The author may not change these units (a district-scoped editor).
    #[error("not allowed: {message}")]
    Forbidden {
        /// Which units lie outside the author's districts.
        message: String,
    },
    /// The edit asks for what the head already is: no version is made.
    #[error("the edit changes nothing: version {head} already is as it asks (no version made)")]
    Unchanged {
        /// The version it was applied on.
        head: u64,
    },
    /// The store failed or refused.
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn summary(report: &Report) -> String {
    match report.violations.first() {
        None => "no problem named".to_string(),
        Some(v) if report.violations.len() == 1 => v.message.clone(),
        Some(v) => format!("{} (and {} more)", v.message, report.violations.len() - 1),
    }
}

fn codes(list: &[UnitCode]) -> String {
    let text: Vec<&str> = list.iter().take(8).map(UnitCode::as_str).collect();
    let more = list.len().saturating_sub(8);
    if more > 0 {
        format!("{} and {more} more", text.join(", "))
    } else {
        text.join(", ")
    }
}

/// `Result` with [`EditError`].
pub type Result<T> = std::result::Result<T, EditError>;
