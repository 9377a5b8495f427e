//! What a commit carries, and what makes a store refuse one.
//!
//! The store does not judge geometry (the edit engine runs the checker before it
//! commits); it refuses what would break its own structure: a code twice in one
//! commit, removing a code that is not there, a code used before coming back, a
//! parent that will not exist, a lineage that disagrees with the commit. Refusals
//! that need no stored state are found here, by [`Commit::refusals`], for every
//! backend; the rest by the backend inside its write transaction.

use std::collections::BTreeSet;
use std::fmt;

use citygrid_model::{AttrValue, Level, Unit, UnitCode};
use rustc_hash::FxHashSet;

use crate::text::{list, text_names};
use crate::version::VersionKind;

/// A new version, as the edit engine (or an import, or a revert) proposes it.
#[derive(Debug, Clone, PartialEq)]
pub struct Commit {
    /// The version the changes were made on; the commit fails with a conflict unless
    /// it is still the head.
    pub base: u64,
    /// Who commits (a token's name).
    pub author: String,
    /// Why.
    pub message: String,
    /// How the changes were made; not [`VersionKind::Init`].
    pub kind: VersionKind,
    /// Units to create or to replace (matched by code).
    pub upserts: Vec<Unit>,
    /// Codes to retire; retired codes are never used again.
    pub removed: Vec<UnitCode>,
    /// Which codes became which (splits, merges, reparentings).
    pub lineage: Vec<Lineage>,
    /// The accepted request, kept as the edit log.
    pub request: Option<serde_json::Value>,
    /// For a revert: the version restored. A revert may bring back codes that were
    /// alive in that version (the same units, not a reuse).
    pub reverted_to: Option<u64>,
}

impl Commit {
    /// An edit on `base` that changes nothing yet.
    #[must_use]
    pub fn new(base: u64, author: impl Into<String>, message: impl Into<String>) -> Self {
        Commit {
            base,
            author: author.into(),
            message: message.into(),
            kind: VersionKind::Edit,
            upserts: Vec::new(),
            removed: Vec::new(),
            lineage: Vec::new(),
            request: None,
            reverted_to: None,
        }
    }

    /// Sets the kind (edit by default).
    #[must_use]
    pub fn kind(mut self, kind: VersionKind) -> Self {
        self.kind = kind;
        self
    }

    /// Creates or replaces a unit.
    #[must_use]
    pub fn upsert(mut self, unit: Unit) -> Self {
        self.upserts.push(unit);
        self
    }

    /// Retires a code.
    #[must_use]
    pub fn remove(mut self, code: UnitCode) -> Self {
        self.removed.push(code);
        self
    }

    /// Records a split, merge or reparenting.
    #[must_use]
    pub fn lineage(mut self, lineage: Lineage) -> Self {
        self.lineage.push(lineage);
        self
    }

    /// Keeps the request that asked for this commit.
    #[must_use]
    pub fn request(mut self, request: serde_json::Value) -> Self {
        self.request = Some(request);
        self
    }

    /// Makes this a revert to `version`.
    #[must_use]
    pub fn revert_to(mut self, version: u64) -> Self {
        self.kind = VersionKind::Revert;
        self.reverted_to = Some(version);
        self
    }

    /// The problems that need no stored state to find: the kind, duplicate codes,
    /// numbers JSON cannot hold, and lineage that disagrees with the commit's own
    /// upserts and removals. Empty when there are none.
    #[must_use]
    pub fn refusals(&self) -> Vec<Refusal> {
        let mut problems = Vec::new();
        match (self.kind, self.reverted_to) {
            (VersionKind::Init, _) => problems.push(Refusal::Kind {
                reason: "version 1 is made by init, not by a commit".into(),
            }),
            (VersionKind::Revert, None) => problems.push(Refusal::Kind {
                reason: "a revert names the version it restores".into(),
            }),
            (VersionKind::Edit | VersionKind::Import, Some(to)) => problems.push(Refusal::Kind {
                reason: format!(
                    "only a revert restores a version (this {} names {to})",
                    self.kind
                ),
            }),
            (VersionKind::Revert, Some(to)) if to == 0 || to > self.base => {
                problems.push(Refusal::Kind {
                    reason: format!(
                        "version {to} is not a version before the base {}",
                        self.base
                    ),
                });
            }
            _ => {}
        }
        let mut seen = FxHashSet::default();
        let mut twice = BTreeSet::new();
        for code in self.upserts.iter().map(|u| &u.code).chain(&self.removed) {
            if !seen.insert(code) {
                twice.insert(code.clone());
            }
        }
        problems.extend(
            twice
                .into_iter()
                .map(|code| Refusal::DuplicateCode { code }),
        );
        for unit in &self.upserts {
            for (key, value) in &unit.attributes {
                if matches!(value, AttrValue::Number(x) if !x.is_finite()) {
                    problems.push(Refusal::NonFinite {
                        code: unit.code.clone(),
                        key: key.clone(),
                    });
                }
            }
        }
        let upserted: FxHashSet<&UnitCode> = self.upserts.iter().map(|u| &u.code).collect();
        let removed: FxHashSet<&UnitCode> = self.removed.iter().collect();
        for l in &self.lineage {
            if l.from.is_empty() || l.to.is_empty() {
                problems.push(l.refusal("it has no codes before or no codes after"));
            }
            for code in l.retired() {
                if !removed.contains(code) {
                    problems.push(l.refusal(&format!("{code} is retired but not removed")));
                }
            }
            for code in l.created() {
                if !upserted.contains(code) {
                    problems.push(l.refusal(&format!("{code} is created but not upserted")));
                }
            }
        }
        problems
    }
}

/// What kind of change a lineage records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LineageKind {
    /// One unit cut in two (or more).
    Split,
    /// Units made one.
    Merge,
    /// A unit moved to another parent, which changes its code.
    Reparent,
}

impl LineageKind {
    /// Every kind.
    pub const ALL: [LineageKind; 3] = [
        LineageKind::Split,
        LineageKind::Merge,
        LineageKind::Reparent,
    ];

    /// The lowercase name, as stored.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            LineageKind::Split => "split",
            LineageKind::Merge => "merge",
            LineageKind::Reparent => "reparent",
        }
    }
}

text_names!(LineageKind, "lineage kind");

/// Which codes became which in one split, merge or reparenting.
///
/// A code in both lists lives on (the larger half of a split keeps its code); one
/// only in `from` is retired by the commit, one only in `to` created by it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lineage {
    /// What happened.
    pub kind: LineageKind,
    /// The codes before.
    pub from: Vec<UnitCode>,
    /// The codes after.
    pub to: Vec<UnitCode>,
}

impl Lineage {
    /// Codes this lineage retires: before, not after.
    pub fn retired(&self) -> impl Iterator<Item = &UnitCode> {
        self.from.iter().filter(|c| !self.to.contains(c))
    }

    /// Codes this lineage creates: after, not before.
    pub fn created(&self) -> impl Iterator<Item = &UnitCode> {
        self.to.iter().filter(|c| !self.from.contains(c))
    }

    /// Codes that live on through it.
    pub fn kept(&self) -> impl Iterator<Item = &UnitCode> {
        self.from.iter().filter(|c| self.to.contains(c))
    }

    pub(crate) fn refusal(&self, reason: &str) -> Refusal {
        Refusal::Lineage {
            kind: self.kind,
            from: self.from.clone(),
            reason: reason.to_string(),
        }
    }
}

/// Why a store refuses a commit. Every problem is reported, not only the first.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Refusal {
    /// The commit changes no unit (every upsert equals the unit it replaces).
    Empty,
    /// The kind and the revert target do not fit together.
    Kind {
        /// What is wrong.
        reason: String,
    },
    /// A code appears more than once among the upserts and removals.
    DuplicateCode {
        /// The code.
        code: UnitCode,
    },
    /// A removed code is not in the base version.
    NotAlive {
        /// The code.
        code: UnitCode,
    },
    /// A created code was used before; retired codes are never used again.
    CodeReused {
        /// The code.
        code: UnitCode,
        /// The version that retired it.
        retired_in: Option<u64>,
    },
    /// An upsert would change a unit's level.
    LevelChanged {
        /// The code.
        code: UnitCode,
        /// Its level in the base version.
        was: Level,
        /// The level the upsert gives it.
        now: Level,
    },
    /// A unit's parent will not exist after the commit.
    MissingParent {
        /// The unit.
        code: UnitCode,
        /// Its parent's code.
        parent: UnitCode,
    },
    /// A unit's parent is not at a higher level.
    ParentLevel {
        /// The unit.
        code: UnitCode,
        /// Its level.
        level: Level,
        /// The parent.
        parent: UnitCode,
        /// The parent's level.
        parent_level: Level,
    },
    /// A removed unit still has children after the commit.
    Orphans {
        /// The removed unit.
        parent: UnitCode,
        /// Its children that stay (a few).
        children: Vec<UnitCode>,
    },
    /// No cell would be left.
    NoCells,
    /// An attribute number JSON cannot hold (NaN or infinite).
    NonFinite {
        /// The unit.
        code: UnitCode,
        /// The attribute.
        key: String,
    },
    /// A geometry that cannot be stored.
    Geometry {
        /// The unit.
        code: UnitCode,
        /// Why.
        reason: String,
    },
    /// A lineage that disagrees with the commit or the base version.
    Lineage {
        /// Its kind.
        kind: LineageKind,
        /// Its codes before.
        from: Vec<UnitCode>,
        /// What is wrong.
        reason: String,
    },
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::Empty => f.write_str("it changes nothing"),
            Refusal::Kind { reason } => f.write_str(reason),
            Refusal::DuplicateCode { code } => {
                write!(
                    f,
                    "{code} appears more than once among the upserts and removals"
                )
            }
            Refusal::NotAlive { code } => {
                write!(f, "{code} is removed but is not in the base version")
            }
            Refusal::CodeReused { code, retired_in } => match retired_in {
                Some(v) => write!(
                    f,
                    "{code} was retired in version {v}, and a retired code is never used again"
                ),
                None => write!(f, "{code} is created but is in use already"),
            },
            Refusal::LevelChanged { code, was, now } => {
                write!(f, "{code} is a {was} and cannot become a {now}")
            }
            Refusal::MissingParent { code, parent } => {
                write!(f, "{code}'s parent {parent} will not exist")
            }
            Refusal::ParentLevel {
                code,
                level,
                parent,
                parent_level,
            } => {
                write!(
                    f,
                    "{code} is a {level}, and its parent {parent} is a {parent_level}, not a level above"
                )
            }
            Refusal::Orphans { parent, children } => write!(
                f,
                "{parent} is removed but its children stay ({})",
                list(children, ", ")
            ),
            Refusal::NoCells => f.write_str("no cell would be left"),
            Refusal::NonFinite { code, key } => {
                write!(f, "{code}: attribute {key:?} is not a finite number")
            }
            Refusal::Geometry { code, reason } => {
                write!(f, "{code}: geometry cannot be stored: {reason}")
            }
            Refusal::Lineage { kind, from, reason } => {
                write!(f, "{kind} of {}: {reason}", list(from, ", "))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use geo_types::MultiPolygon;

    use super::*;

    fn code(s: &str) -> UnitCode {
        s.parse().unwrap()
    }

    fn cell(c: &str) -> Unit {
        Unit::new(code(c), Level::Cell, MultiPolygon(vec![]))
    }

    #[test]
    fn a_sound_commit_has_no_refusals() {
        let commit = Commit::new(3, "alice", "split")
            .upsert(cell("520102001001001"))
            .upsert(cell("520102001001009"))
            .lineage(Lineage {
                kind: LineageKind::Split,
                from: vec![code("520102001001001")],
                to: vec![code("520102001001001"), code("520102001001009")],
            });
        assert_eq!(commit.refusals(), vec![]);
    }

    #[test]
    fn every_stateless_problem_is_reported() {
        let commit = Commit::new(3, "alice", "bad")
            .upsert(cell("520102001001001").with_attribute("x", AttrValue::Number(f64::INFINITY)))
            .remove(code("520102001001001"))
            .revert_to(4)
            .lineage(Lineage {
                kind: LineageKind::Merge,
                from: vec![code("520102001001002"), code("520102001001003")],
                to: vec![code("520102001001002")],
            });
        let problems: Vec<String> = commit.refusals().iter().map(ToString::to_string).collect();
        assert_eq!(
            problems,
            [
                "version 4 is not a version before the base 3",
                "520102001001001 appears more than once among the upserts and removals",
                "520102001001001: attribute \"x\" is not a finite number",
                "merge of 520102001001002, 520102001001003: 520102001001003 is retired but not removed",
            ]
        );
    }
}
