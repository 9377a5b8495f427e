//! Edits against a store: the request is applied on the head (an edit made on an
//! older version is applied on the head when nothing it touches changed since, and
//! refused with a conflict otherwise), validated, scoped to the author's districts
//! and committed as one version. Two editors never both win: the store commits only
//! on the head it was given, and a lost race is retried on the new head, where the
//! conflict check runs again.

use std::sync::Arc;

use citygrid_check::Checker;
use citygrid_model::{Level, Partition, Unit, UnitCode};
use citygrid_store::{Commit, Refusal, Store, StoreError, VersionInfo};

use crate::apply::{EditOptions, Proposal, propose};
use crate::error::{EditError, Result};
use crate::neighbours::neighbours;
use crate::op::Op;

/// An edit as a client asks for it.
#[derive(Debug, Clone)]
pub struct EditRequest {
    /// The version the client saw.
    pub base_version: u64,
    /// Why (kept with the version).
    pub message: String,
    /// The operations, applied in order.
    pub ops: Vec<Op>,
    /// Only say what would change; commit nothing.
    pub dry_run: bool,
    /// The request as received, kept as the edit log.
    pub log: Option<serde_json::Value>,
}

/// Who edits, and where they may.
#[derive(Debug, Clone)]
pub struct Author {
    /// Recorded with every version they commit (a token's name).
    pub name: String,
    /// The districts they may change; `None` for the whole city.
    pub districts: Option<Vec<UnitCode>>,
}

/// What an edit did (or, for a dry run, would do).
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The new version (for a dry run, the number it would get).
    pub version: u64,
    /// The head it was applied on.
    pub applied_on: u64,
    /// Whether nothing was committed.
    pub dry_run: bool,
    /// Codes whose units changed.
    pub changed: Vec<UnitCode>,
    /// Codes made.
    pub created: Vec<UnitCode>,
    /// Codes retired.
    pub retired: Vec<UnitCode>,
    /// The partition after the edit, numbered `version`.
    pub partition: Partition,
    /// The stored record (absent for a dry run).
    pub info: Option<VersionInfo>,
}

/// How many times a commit that lost a race to another editor is tried again.
const RETRIES: usize = 8;

/// Edits one store.
pub struct Editor {
    store: Arc<dyn Store>,
    options: EditOptions,
}

impl Editor {
    /// An editor of `store`.
    #[must_use]
    pub fn new(store: Arc<dyn Store>, options: EditOptions) -> Self {
        Editor { store, options }
    }

    /// The store edited.
    #[must_use]
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// Applies, validates and commits `request`. `current` is any recent version
    /// the caller holds (a server's snapshot): the head is reached from it by the
    /// store's changes, not by loading the city.
    ///
    /// # Errors
    /// [`EditError::UnknownBase`], [`EditError::Conflict`], [`EditError::BadOp`],
    /// [`EditError::Invalid`], [`EditError::Forbidden`], or the store's error.
    pub fn submit(
        &self,
        current: &Partition,
        request: &EditRequest,
        author: &Author,
    ) -> Result<Outcome> {
        let mut held = current.clone();
        for _ in 0..RETRIES {
            let head = self.store.head()?;
            if request.base_version == 0 || request.base_version > head {
                return Err(EditError::UnknownBase {
                    base: request.base_version,
                    head,
                });
            }
            held = self.at(&held, head)?;
            if request.base_version < head {
                self.conflicts(&held, request)?;
            }
            let taken = |c: &UnitCode| self.store.code_ever_used(c).unwrap_or(true);
            let proposal = propose(&held, &request.ops, &taken, &self.options)?;
            in_scope(&held, &proposal, author)?;
            if request.dry_run {
                return Ok(outcome(proposal, head, head + 1, None));
            }
            let mut commit = Commit::new(head, &author.name, &request.message);
            commit.upserts = upserts(&proposal);
            commit.removed = proposal.retired.clone();
            commit.lineage = proposal.lineage.clone();
            commit.request = request.log.clone();
            if let Some(done) = self.commit(commit, proposal, head)? {
                return Ok(done);
            }
        }
        let head = self.store.head()?;
        Err(EditError::Conflict {
            base: request.base_version,
            head,
            changed_since: Vec::new(),
        })
    }

    /// Makes a new version equal to version `to`, validated like any edit.
    ///
    /// # Errors
    /// As [`Editor::submit`]; [`EditError::UnknownBase`] for a version the store
    /// does not have.
    pub fn revert(
        &self,
        current: &Partition,
        to: u64,
        message: &str,
        author: &Author,
    ) -> Result<Outcome> {
        for _ in 0..RETRIES {
            let head = self.store.head()?;
            if to == 0 || to > head {
                return Err(EditError::UnknownBase { base: to, head });
            }
            let held = self.at(current, head)?;
            let back = self.store.changes(head, to)?;
            let mut touched: Vec<UnitCode> = back.upserts.iter().map(|u| u.code.clone()).collect();
            touched.extend(back.removed.iter().cloned());
            let upserts = back.upserts.clone();
            let removed = back.removed.clone();
            let target = back
                .apply(&held)?
                .with_changes_as(Vec::new(), &[], head)
                .map_err(|e| EditError::BadOp {
                    index: 0,
                    op: "revert",
                    message: e.to_string(),
                })?;
            touched.sort();
            let report =
                Checker::new(self.options.check.clone()).check_changed(&held, &target, &touched);
            if !report.is_valid() {
                return Err(EditError::Invalid {
                    report: Box::new(report),
                });
            }
            let proposal = Proposal {
                changed: upserts
                    .iter()
                    .filter(|u| held.get(&u.code).is_some())
                    .map(|u| u.code.clone())
                    .collect(),
                created: upserts
                    .iter()
                    .filter(|u| held.get(&u.code).is_none())
                    .map(|u| u.code.clone())
                    .collect(),
                retired: removed.clone(),
                lineage: Vec::new(),
                deliberate: touched.clone(),
                after: target,
            };
            in_scope(&held, &proposal, author)?;
            let mut commit = Commit::new(head, &author.name, message).revert_to(to);
            commit.upserts = upserts;
            commit.removed = removed;
            if let Some(done) = self.commit(commit, proposal, head)? {
                return Ok(done);
            }
        }
        let head = self.store.head()?;
        Err(EditError::Conflict {
            base: head,
            head,
            changed_since: Vec::new(),
        })
    }

    /// Commits `commit` (made on `head`) and says what `proposal` did; `None` when
    /// another editor committed first, so the caller looks again from the new head;
    /// [`EditError::Unchanged`] when it changes nothing (the store refuses it).
    fn commit(&self, commit: Commit, proposal: Proposal, head: u64) -> Result<Option<Outcome>> {
        match self.store.commit(commit) {
            Ok(info) => {
                let v = info.version;
                Ok(Some(outcome(proposal, head, v, Some(info))))
            }
            Err(StoreError::Conflict { .. }) => Ok(None),
            Err(StoreError::Refused { ref problems, .. })
                if problems.iter().all(|p| matches!(p, Refusal::Empty)) =>
            {
                Err(EditError::Unchanged { head })
            }
            Err(e) => Err(e.into()),
        }
    }

    /// `held` brought to version `head` through the store's changes.
    fn at(&self, held: &Partition, head: u64) -> Result<Partition> {
        if held.version() == head {
            return Ok(held.clone());
        }
        Ok(self.store.changes(held.version(), head)?.apply(held)?)
    }

    /// Refuses an edit on an older version when a unit it touches, or a neighbour
    /// of one, changed since.
    fn conflicts(&self, head: &Partition, request: &EditRequest) -> Result<()> {
        let since = self.store.changes(request.base_version, head.version())?;
        let mut moved: Vec<UnitCode> = since.upserts.iter().map(|u| u.code.clone()).collect();
        moved.extend(since.removed);
        let touched = touched(head, &request.ops);
        let mut hit: Vec<UnitCode> = moved.into_iter().filter(|c| touched.contains(c)).collect();
        hit.sort();
        hit.dedup();
        if hit.is_empty() {
            Ok(())
        } else {
            Err(EditError::Conflict {
                base: request.base_version,
                head: head.version(),
                changed_since: hit,
            })
        }
    }
}

/// The codes a request names, with the neighbours of the units among them.
fn touched(p: &Partition, ops: &[Op]) -> Vec<UnitCode> {
    let mut named: Vec<UnitCode> = Vec::new();
    for op in ops {
        match op {
            Op::Transfer { from, to, .. } => named.extend([from.clone(), to.clone()]),
            Op::Split { cell, .. } | Op::Set { cell, .. } => named.push(cell.clone()),
            Op::Merge { cells } => named.extend(cells.iter().cloned()),
            Op::Reparent { cell, village } => named.extend([cell.clone(), village.clone()]),
            Op::Replace { units, removed } => {
                named.extend(units.iter().map(|u| u.code.clone()));
                named.extend(removed.iter().cloned());
            }
            Op::Reshape { line, .. } => {
                // The cells around the line's ends.
                for c in &line.0 {
                    named.extend(
                        p.level_ids(Level::Cell)
                            .filter(|&id| citygrid_planar::contains(&p.unit(id).geometry, *c))
                            .map(|id| p.unit(id).code.clone()),
                    );
                }
            }
        }
    }
    let mut all = named.clone();
    for code in &named {
        if let Some(id) = p.id_of(code) {
            all.extend(
                neighbours(p, id)
                    .into_iter()
                    .map(|n| p.unit(n).code.clone()),
            );
        }
    }
    all.sort();
    all.dedup();
    all
}

/// The units a proposal puts in: changed and created, as they are after it.
fn upserts(proposal: &Proposal) -> Vec<Unit> {
    proposal
        .changed
        .iter()
        .chain(&proposal.created)
        .filter_map(|c| proposal.after.get(c))
        .map(|u| (**u).clone())
        .collect()
}

/// Refuses a proposal that changes a unit outside the author's districts.
fn in_scope(before: &Partition, proposal: &Proposal, author: &Author) -> Result<()> {
    let Some(districts) = &author.districts else {
        return Ok(());
    };
    let district_of = |p: &Partition, code: &UnitCode| -> Option<UnitCode> {
        let id = p.id_of(code)?;
        if p.unit(id).level == Level::District {
            return Some(code.clone());
        }
        p.ancestors(id)
            .map(|a| p.unit(a))
            .find(|u| u.level == Level::District)
            .map(|u| u.code.clone())
    };
    let outside: Vec<&UnitCode> = proposal
        .deliberate
        .iter()
        .filter(|c| {
            // A unit with no district above it (the city) is outside every scope.
            let found: Vec<UnitCode> = [before, &proposal.after]
                .iter()
                .filter_map(|p| district_of(p, c))
                .collect();
            found.is_empty() || found.iter().any(|d| !districts.contains(d))
        })
        .collect();
    if outside.is_empty() {
        return Ok(());
    }
    let list: Vec<&str> = outside.iter().take(5).map(|c| c.as_str()).collect();
    let scope: Vec<&str> = districts.iter().map(UnitCode::as_str).collect();
    Err(EditError::Forbidden {
        message: format!(
            "{} {} outside the districts {} may change ({})",
            list.join(", "),
            if outside.len() == 1 { "lies" } else { "lie" },
            author.name,
            scope.join(", ")
        ),
    })
}

fn outcome(
    proposal: Proposal,
    applied_on: u64,
    version: u64,
    info: Option<VersionInfo>,
) -> Outcome {
    let partition = proposal
        .after
        .with_changes_as(Vec::new(), &[], version)
        .unwrap_or_else(|_| proposal.after.clone());
    Outcome {
        version,
        applied_on,
        dry_run: info.is_none(),
        changed: proposal.changed,
        created: proposal.created,
        retired: proposal.retired,
        partition,
        info,
    }
}
