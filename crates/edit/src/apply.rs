//! A request's operations on a partition version, validated: what the edit
//! proposes, or why not.

use citygrid_check::{CheckOptions, Checker};
use citygrid_model::{Partition, UnitCode};
use citygrid_store::Lineage;

use crate::error::{EditError, Result};
use crate::op::Op;
use crate::ops;
use crate::working::Working;

/// Settings of the engine.
#[derive(Debug, Clone)]
pub struct EditOptions {
    /// Points of a line or area within this many metres of an existing vertex or
    /// boundary are moved onto it.
    pub snap_m: f64,
    /// The rules every result must keep (the same as `citygrid check`'s).
    pub check: CheckOptions,
}

impl Default for EditOptions {
    /// Snapping within 0.5 m (a pixel at zoom 18, well under any cell's width);
    /// the checker's default rules.
    fn default() -> Self {
        EditOptions {
            snap_m: 0.5,
            check: CheckOptions::default(),
        }
    }
}

/// What an accepted edit changes: the partition after it, and the codes.
#[derive(Debug, Clone)]
pub struct Proposal {
    /// The partition after every operation (same version number as the base).
    pub after: Partition,
    /// Codes in both versions whose units differ (cells and parents).
    pub changed: Vec<UnitCode>,
    /// Codes made by the edit.
    pub created: Vec<UnitCode>,
    /// Codes the edit retired.
    pub retired: Vec<UnitCode>,
    /// Which codes became which.
    pub lineage: Vec<Lineage>,
    /// What the edit changed on purpose: units the operations named or made or
    /// retired, and parents whose boundary moved (not parents that only gained a
    /// vertex where their children now meet). An editor's districts must hold these.
    pub deliberate: Vec<UnitCode>,
}

/// Applies `ops` in order to `before` and checks the result near what changed.
/// `taken` says whether a code was ever used (new codes skip those).
///
/// # Errors
/// [`EditError::BadOp`] naming the first operation that cannot be done;
/// [`EditError::Invalid`] with every problem the checker finds.
pub fn propose(
    before: &Partition,
    ops: &[Op],
    taken: &dyn Fn(&UnitCode) -> bool,
    options: &EditOptions,
) -> Result<Proposal> {
    let mut w = Working::new(before, taken, options.snap_m);
    for (index, op) in ops.iter().enumerate() {
        let bad = |message: String| EditError::BadOp {
            index,
            op: op.name(),
            message,
        };
        let step = ops::step(&w, op).map_err(bad)?;
        w.apply(step).map_err(bad)?;
    }
    let (changed, created, retired) = w.codes();
    let mut touched: Vec<UnitCode> = changed
        .iter()
        .chain(&created)
        .chain(&retired)
        .cloned()
        .collect();
    touched.sort();
    let report = Checker::new(options.check.clone()).check_changed(before, &w.now, &touched);
    if !report.is_valid() {
        return Err(EditError::Invalid {
            report: Box::new(report),
        });
    }
    // Lineage only between codes that exist in one of the two versions (a code
    // made and merged away in the same request never existed).
    let known = |c: &UnitCode| before.get(c).is_some() || w.now.get(c).is_some();
    let lineage = w
        .lineage
        .into_iter()
        .filter(|l| l.from.iter().chain(&l.to).all(known))
        .collect();
    let deliberate = w.deliberate.iter().cloned().collect();
    Ok(Proposal {
        after: w.now,
        changed,
        created,
        retired,
        lineage,
        deliberate,
    })
}
