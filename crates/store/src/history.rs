//! A unit's history: every row it had, with the versions it held in, and the
//! splits, merges and reparentings its code took part in.

use citygrid_model::{Unit, UnitCode};

use crate::commit::LineageKind;

/// One stored state of a unit and the versions it held in.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitRecord {
    /// The unit as it was.
    pub unit: Unit,
    /// The first version it is part of.
    pub valid_from: u64,
    /// The first version it is no longer part of (`None` while it is current).
    pub valid_to: Option<u64>,
}

impl UnitRecord {
    /// Whether this state is the one in force at `version`.
    #[must_use]
    pub fn holds_at(&self, version: u64) -> bool {
        self.valid_from <= version && self.valid_to.is_none_or(|to| version < to)
    }
}

/// One split, merge or reparenting, as recorded by the version that made it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineageEvent {
    /// The version that made it.
    pub version: u64,
    /// What happened.
    pub kind: LineageKind,
    /// The codes before, sorted.
    pub from: Vec<UnitCode>,
    /// The codes after, sorted.
    pub to: Vec<UnitCode>,
}
