//! What a commit does to the head, decided the same way by every backend: which
//! upserts change a unit, which create one, which codes retire, and every refusal
//! that needs the stored head (a code reused, a parent that will not exist, orphans,
//! the last cell, a lineage that disagrees). The backend answers questions about its
//! head ([`Head`]) inside its write transaction, after it has checked the base, and
//! writes what the [`Plan`] says; the rules live here once.

use std::collections::BTreeSet;

use citygrid_model::{Level, Unit, UnitCode};
use jiff::Timestamp;
use rustc_hash::{FxHashMap, FxHashSet};

use crate::commit::{Commit, Refusal};
use crate::error::{Result, StoreError};
use crate::version::{VersionInfo, VersionKind};

/// At most this many children are named when a removal would orphan them.
const ORPHANS_NAMED: usize = 5;

/// A unit's current row, as far as deciding what an upsert does needs it.
pub(crate) struct Current {
    /// The row, for the backend to close.
    pub id: i64,
    /// Its level (which an upsert may not change).
    pub level: Level,
    /// Whether it holds exactly the upsert already (stored form equal).
    pub same: bool,
}

/// What a backend tells the planner about its head, inside the write transaction.
pub(crate) trait Head {
    /// The current row of the code of upsert number `index`, `unit`.
    fn current(&mut self, index: usize, unit: &Unit) -> Result<Option<Current>>;
    /// The level of a code alive at the head.
    fn alive_level(&mut self, code: &UnitCode) -> Result<Option<Level>>;
    /// `Some(retired_in)` for a code ever used (`retired_in` is `None` while it is
    /// alive); `None` for a code never seen.
    fn retired_in(&mut self, code: &UnitCode) -> Result<Option<Option<u64>>>;
    /// Whether `code` was alive in `version`.
    fn alive_at(&mut self, version: u64, code: &UnitCode) -> Result<bool>;
    /// The codes whose parent is `code` at the head, by code.
    fn alive_children(&mut self, code: &UnitCode) -> Result<Vec<UnitCode>>;
    /// Up to `limit` cells alive at the head.
    fn some_cells(&mut self, limit: usize) -> Result<Vec<UnitCode>>;
}

/// What a commit that passed every check writes.
pub(crate) struct Plan {
    /// Upserts (by index) that replace a unit, with the row they close.
    pub changed: Vec<(usize, i64)>,
    /// Upserts (by index) that create a unit (new codes, or codes a revert revives).
    pub created: Vec<usize>,
    /// Removals (by index) that retire a code, with its level.
    pub retired: Vec<(usize, Level)>,
}

impl Plan {
    /// The upserts written, changed ones first.
    pub fn written(&self) -> impl Iterator<Item = usize> + '_ {
        self.changed
            .iter()
            .map(|&(i, _)| i)
            .chain(self.created.iter().copied())
    }
}

/// Decides what `commit` does to the head `head` describes.
///
/// # Errors
/// [`StoreError::Refused`] with every structural problem; the backend's errors.
pub(crate) fn plan(head: &mut impl Head, store: &str, commit: &Commit) -> Result<Plan> {
    let mut problems = Vec::new();
    let upserted: FxHashMap<&UnitCode, &Unit> =
        commit.upserts.iter().map(|u| (&u.code, u)).collect();
    let removed: FxHashSet<&UnitCode> = commit.removed.iter().collect();

    // What each upsert does: change a unit, create one, or nothing.
    let (mut changed, mut created) = (Vec::new(), Vec::new());
    for (i, unit) in commit.upserts.iter().enumerate() {
        match head.current(i, unit)? {
            Some(c) if c.level != unit.level => problems.push(Refusal::LevelChanged {
                code: unit.code.clone(),
                was: c.level,
                now: unit.level,
            }),
            Some(c) if c.same => {}
            Some(c) => changed.push((i, c.id)),
            None => match head.retired_in(&unit.code)? {
                Some(retired_in) if !revives(head, commit, &unit.code)? => {
                    problems.push(Refusal::CodeReused {
                        code: unit.code.clone(),
                        retired_in,
                    });
                }
                _ => created.push(i),
            },
        }
    }
    let mut retired = Vec::new();
    for (i, code) in commit.removed.iter().enumerate() {
        match head.alive_level(code)? {
            Some(level) => retired.push((i, level)),
            None => problems.push(Refusal::NotAlive { code: code.clone() }),
        }
    }

    // Parents that will exist, children that will not be left behind, cells left.
    for unit in &commit.upserts {
        let Some(parent) = &unit.parent else { continue };
        let level = match upserted.get(parent) {
            Some(p) => Some(p.level),
            None if removed.contains(parent) => None,
            None => head.alive_level(parent)?,
        };
        match level {
            None => problems.push(Refusal::MissingParent {
                code: unit.code.clone(),
                parent: parent.clone(),
            }),
            Some(l) if l >= unit.level => problems.push(Refusal::ParentLevel {
                code: unit.code.clone(),
                level: unit.level,
                parent: parent.clone(),
                parent_level: l,
            }),
            Some(_) => {}
        }
    }
    for &(i, _) in &retired {
        let code = &commit.removed[i];
        let children: Vec<UnitCode> = head
            .alive_children(code)?
            .into_iter()
            .filter(|c| !removed.contains(c) && !upserted.contains_key(c))
            .take(ORPHANS_NAMED)
            .collect();
        if !children.is_empty() {
            problems.push(Refusal::Orphans {
                parent: code.clone(),
                children,
            });
        }
    }
    let cells_removed = retired.iter().filter(|(_, l)| *l == Level::Cell).count();
    let cells_created = created
        .iter()
        .any(|&i| commit.upserts[i].level == Level::Cell);
    if cells_removed > 0 && !cells_created {
        // Whether a cell stays alive: among any `cells_removed + 1` alive, one is kept.
        let survives = head
            .some_cells(cells_removed + 1)?
            .iter()
            .any(|c| !removed.contains(c));
        if !survives {
            problems.push(Refusal::NoCells);
        }
    }

    // Lineage against the base: codes living on are there, new codes are new.
    let created_codes: FxHashSet<&UnitCode> =
        created.iter().map(|&i| &commit.upserts[i].code).collect();
    for l in &commit.lineage {
        for code in l.kept() {
            if head.alive_level(code)?.is_none() {
                problems.push(l.refusal(&format!("{code} is not in the base version")));
            }
        }
        for code in l.created() {
            if upserted.contains_key(code) && !created_codes.contains(code) {
                problems.push(l.refusal(&format!("{code} is created but exists already")));
            }
        }
    }
    if problems.is_empty() && changed.is_empty() && created.is_empty() && retired.is_empty() {
        problems.push(Refusal::Empty);
    }
    if !problems.is_empty() {
        return Err(refused(store, commit.base, problems));
    }
    Ok(Plan {
        changed,
        created,
        retired,
    })
}

/// The record of the version a plan makes.
pub(crate) fn info(commit: Commit, plan: &Plan, version: u64, now: Timestamp) -> VersionInfo {
    let sorted = |codes: Vec<&UnitCode>| -> Vec<UnitCode> {
        codes
            .into_iter()
            .cloned()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect()
    };
    let changed = sorted(
        plan.changed
            .iter()
            .map(|&(i, _)| &commit.upserts[i].code)
            .collect(),
    );
    let created = sorted(
        plan.created
            .iter()
            .map(|&i| &commit.upserts[i].code)
            .collect(),
    );
    let retired = sorted(
        plan.retired
            .iter()
            .map(|&(i, _)| &commit.removed[i])
            .collect(),
    );
    VersionInfo {
        version,
        created_at: now,
        changed,
        created,
        retired,
        author: commit.author,
        message: commit.message,
        kind: commit.kind,
        base: Some(commit.base),
        request: commit.request,
        reverted_to: commit.reverted_to,
    }
}

/// The record of version 1, made of `units`.
pub(crate) fn initial_info<'a>(
    units: impl Iterator<Item = &'a Unit>,
    (author, message): (&str, &str),
    now: Timestamp,
) -> VersionInfo {
    VersionInfo {
        version: 1,
        created_at: now,
        author: author.to_string(),
        message: message.to_string(),
        kind: VersionKind::Init,
        base: None,
        changed: Vec::new(),
        created: units
            .map(|u| u.code.clone())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect(),
        retired: Vec::new(),
        request: None,
        reverted_to: None,
    }
}

/// A conflict unless `base` is the head.
///
/// # Errors
/// [`StoreError::Conflict`] naming both.
pub(crate) fn check_base(store: &str, base: u64, head: u64) -> Result<()> {
    if base == head {
        return Ok(());
    }
    Err(StoreError::Conflict {
        store: store.to_string(),
        base,
        head,
    })
}

/// A refusal naming every problem.
pub(crate) fn refused(store: &str, base: u64, problems: Vec<Refusal>) -> StoreError {
    StoreError::Refused {
        store: store.to_string(),
        base,
        problems,
    }
}

/// Whether a revert brings `code` back: it was alive in the version restored.
fn revives(head: &mut impl Head, commit: &Commit, code: &UnitCode) -> Result<bool> {
    let (VersionKind::Revert, Some(to)) = (commit.kind, commit.reverted_to) else {
        return Ok(false);
    };
    head.alive_at(to, code)
}
