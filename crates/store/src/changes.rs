//! The net difference between two versions: what a reader holding one needs to
//! hold the other, in either direction.

use citygrid_model::{Partition, Unit, UnitCode};

use crate::error::{Result, StoreError};

/// The units to put in and the codes to take out to turn version `from` into
/// version `to` (which may be older: then it is the way back).
#[derive(Debug, Clone, PartialEq)]
pub struct UnitChanges {
    /// The version the changes start from.
    pub from: u64,
    /// The version they lead to.
    pub to: u64,
    /// Units as they are at `to` that differ from (or are absent at) `from`, sorted
    /// by code.
    pub upserts: Vec<Unit>,
    /// Codes present at `from` and absent at `to`, sorted.
    pub removed: Vec<UnitCode>,
}

impl UnitChanges {
    /// Whether the two versions hold the same units.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.upserts.is_empty() && self.removed.is_empty()
    }

    /// Applies the changes to `base` (the partition of version `from`), sharing every
    /// unchanged unit: how a server follows the head without reloading the city.
    ///
    /// # Errors
    /// [`StoreError::Apply`] when `base` is not version `from`, or the result is not a
    /// partition (which a store that keeps its invariants never gives).
    pub fn apply(self, base: &Partition) -> Result<Partition> {
        let (from, to) = (self.from, self.to);
        let error = |reason: String| StoreError::Apply { from, to, reason };
        if base.version() != from {
            return Err(error(format!(
                "the partition is version {}",
                base.version()
            )));
        }
        base.with_changes_as(self.upserts, &self.removed, to)
            .map_err(|e| error(e.to_string()))
    }
}
