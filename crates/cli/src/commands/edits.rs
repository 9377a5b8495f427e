//! What the commands that make versions share (`commit`, `revert`, `store init`):
//! the author, the spinner, and saying what an edit did or why it was refused.

use std::time::Duration;

use anyhow::Result;
use indicatif::ProgressBar;

use citygrid_check::Report;
use citygrid_edit::{Author, EditError, Outcome};
use citygrid_model::UnitCode;

use crate::commands::check::findings;

/// The author recorded with a version: `given`, else the login name.
pub fn author(given: Option<&str>) -> Author {
    Author {
        name: given.map_or_else(user, str::to_string),
        districts: None,
    }
}

/// The user's login name, as the default author.
pub fn user() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .ok()
        .filter(|u| !u.trim().is_empty())
        .unwrap_or_else(|| "citygrid".to_string())
}

/// A spinner for a step that takes a while (drawn only on a terminal).
pub fn spinner(message: String) -> ProgressBar {
    let spinner = ProgressBar::new_spinner();
    spinner.enable_steady_tick(Duration::from_millis(120));
    spinner.set_message(message);
    spinner
}

/// Why an edit was not made, for people: exit status 1.
pub struct Refused {
    /// What to print.
    pub text: String,
    /// The checker's problems, when the edit would break the partition.
    pub report: Option<Box<Report>>,
}

/// The refusal `e` is, or `e` itself when it is a failure (a store that cannot
/// be read or written: exit status 2). `store` is the store's location, for the
/// advice that goes with a conflict.
///
/// # Errors
/// `e`, when it is not a refusal.
pub fn refused(e: EditError, store: &str) -> Result<Refused> {
    let text = match &e {
        EditError::Invalid { report } => {
            return Ok(Refused {
                text: format!(
                    "refused: the edit would break the partition; nothing was committed\n{}",
                    findings(report)
                ),
                report: Some(report.clone()),
            });
        }
        EditError::Conflict {
            base,
            head,
            changed_since,
        } if !changed_since.is_empty() => format!(
            "refused: {} changed since version {base} (the head is {head}): {}\n\
             nothing was committed; export the head again (citygrid export cells NEW.gpkg --store {store}),\n\
             redo the edit there and commit that\n",
            plural(
                changed_since.len(),
                "unit this edit touches",
                "units this edit touches"
            ),
            codes(changed_since)
        ),
        EditError::Conflict { head, .. } => format!(
            "refused: other editors kept committing (the head is {head}); nothing was committed, try again\n"
        ),
        EditError::BadOp { message, .. } => format!("refused: {message}; nothing was committed\n"),
        EditError::Forbidden { message } => format!("refused: {message}\n"),
        EditError::Unchanged { .. } => format!("refused: {e}\n"),
        _ => return Err(e.into()),
    };
    Ok(Refused { text, report: None })
}

/// What an edit did: the version, and the codes it changed, created and retired.
pub fn done(outcome: &Outcome, store: &str, author: &str) -> String {
    let head = if outcome.dry_run {
        format!(
            "{store}: dry run: would be version {} (on version {}); nothing was committed\n",
            outcome.version, outcome.applied_on
        )
    } else {
        format!("{store}: version {} by {author}\n", outcome.version)
    };
    let mut text = head;
    for (what, list) in [
        ("changed", &outcome.changed),
        ("created", &outcome.created),
        ("retired", &outcome.retired),
    ] {
        if !list.is_empty() {
            text.push_str(&format!("  {what} {}: {}\n", list.len(), codes(list)));
        }
    }
    text
}

/// At most twelve codes, and how many more.
fn codes(list: &[UnitCode]) -> String {
    let shown: Vec<&str> = list.iter().take(12).map(UnitCode::as_str).collect();
    match list.len().saturating_sub(12) {
        0 => shown.join(", "),
        more => format!("{} and {more} more", shown.join(", ")),
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}
