//! A request's operations applied one after another to a working copy of the
//! partition: after each, the parents of what changed are rebuilt from their
//! children, so the next operation sees a whole, consistent partition.

use std::collections::BTreeSet;

use citygrid_model::{Level, Partition, Unit, UnitCode};
use citygrid_store::Lineage;

use crate::shape::{dissolve, same};

/// What one operation changes at its own level.
#[derive(Debug, Default)]
pub(crate) struct Step {
    /// Units to put in (new or replacing the unit with the same code).
    pub upserts: Vec<Unit>,
    /// Codes to take out.
    pub removed: Vec<UnitCode>,
    /// Which codes became which.
    pub lineage: Vec<Lineage>,
    /// Whether geometry changed (parents are rebuilt only then).
    pub geometry: bool,
    /// Whether parents' boundaries may move with it.
    pub parents_may_move: bool,
    /// Pairs of units between which area changed hands (from, to): where their
    /// parents differ, a parent's boundary moves.
    pub exchanges: Vec<(UnitCode, UnitCode)>,
}

/// The partition as the operations so far left it.
pub(crate) struct Working<'a> {
    /// The version the request applies to.
    pub before: &'a Partition,
    /// After the operations so far.
    pub now: Partition,
    /// Codes that must not be given to a new unit (ever used in the store).
    pub taken: &'a dyn Fn(&UnitCode) -> bool,
    /// Snapping tolerance, metres.
    pub snap_m: f64,
    /// Lineage of all operations so far.
    pub lineage: Vec<Lineage>,
    /// Every code an operation put in or took out, parents included.
    touched: BTreeSet<UnitCode>,
    /// What the operations changed on purpose: the units they put in or took out,
    /// and the parents whose boundary moved (a parent that only gained a vertex
    /// where its children now meet is not among them). Districts are checked
    /// against an editor's scope with these.
    pub deliberate: BTreeSet<UnitCode>,
}

impl<'a> Working<'a> {
    /// A working copy of `before`.
    pub fn new(before: &'a Partition, taken: &'a dyn Fn(&UnitCode) -> bool, snap_m: f64) -> Self {
        Working {
            before,
            now: before.clone(),
            taken,
            snap_m,
            lineage: Vec::new(),
            touched: BTreeSet::new(),
            deliberate: BTreeSet::new(),
        }
    }

    /// Applies one operation's step and rebuilds the parents it affects, level by
    /// level upwards.
    ///
    /// # Errors
    /// A message when a parent would move without leave, or lose all its children.
    pub fn apply(&mut self, step: Step) -> Result<(), String> {
        let version = self.now.version();
        let moved = self.moved_parents(&step);
        if let Some((x, y, a, b)) = moved.first().filter(|_| !step.parents_may_move) {
            let name = |c: &UnitCode| {
                self.now.get(c).map_or_else(
                    || c.to_string(),
                    |u| format!("{} {} {}", u.level, c, u.name),
                )
            };
            return Err(format!(
                "the edit moves the boundary between {} and {} (area passes from {a} to {b}); \
                 set \"move_parents\": true to move it too",
                name(x).trim_end(),
                name(y).trim_end()
            ));
        }
        let mut touched: Vec<UnitCode> = step.upserts.iter().map(|u| u.code.clone()).collect();
        touched.extend(step.removed.iter().cloned());
        self.touched.extend(touched.iter().cloned());
        self.deliberate.extend(touched.iter().cloned());
        for (x, y, _, _) in moved {
            self.deliberate.extend([x, y]);
        }
        let mut after = self
            .now
            .with_changes_as(step.upserts, &step.removed, version)
            .map_err(|e| e.to_string())?;
        if step.geometry {
            for level in [
                Level::Village,
                Level::Township,
                Level::District,
                Level::City,
            ] {
                let parents = self.parents_of(&after, &touched, level);
                let mut rebuilt = Vec::new();
                for parent in parents {
                    rebuilt.extend(rebuild(&after, &parent)?);
                }
                touched = rebuilt.iter().map(|u| u.code.clone()).collect();
                self.touched.extend(touched.iter().cloned());
                if step.exchanges.is_empty() && step.parents_may_move {
                    // Whole units put in (a file): every parent rebuilt may have moved.
                    self.deliberate.extend(touched.iter().cloned());
                }
                if rebuilt.is_empty() {
                    break;
                }
                after = after
                    .with_changes_as(rebuilt, &[], version)
                    .map_err(|e| e.to_string())?;
            }
        }
        self.lineage.extend(step.lineage);
        self.now = after;
        Ok(())
    }

    /// The parents whose boundaries a step moves: for each pair of units that
    /// exchange area, every pair of their ancestors that differ (nearest first),
    /// with the pair itself: `(parent of a, parent of b, a, b)`.
    fn moved_parents(&self, step: &Step) -> Vec<(UnitCode, UnitCode, UnitCode, UnitCode)> {
        // A unit's parents, nearest first (a new unit's from the step).
        let chain = |code: &UnitCode| -> Vec<UnitCode> {
            let mut next = match step.upserts.iter().find(|u| &u.code == code) {
                Some(u) => u.parent.clone(),
                None => self.now.get(code).and_then(|u| u.parent.clone()),
            };
            let mut out = Vec::new();
            while let Some(p) = next {
                next = self.now.get(&p).and_then(|u| u.parent.clone());
                out.push(p);
            }
            out
        };
        let mut out = Vec::new();
        for (a, b) in &step.exchanges {
            let (pa, pb) = (chain(a), chain(b));
            for (x, y) in pa.iter().zip(&pb).filter(|(x, y)| x != y) {
                out.push((x.clone(), y.clone(), a.clone(), b.clone()));
            }
        }
        out
    }

    /// The parents at `level` of the `touched` units (before and after the step).
    fn parents_of(&self, after: &Partition, touched: &[UnitCode], level: Level) -> Vec<UnitCode> {
        let mut out: BTreeSet<UnitCode> = BTreeSet::new();
        for code in touched {
            for p in [&self.now, after] {
                if let Some(u) = p.get(code)
                    && let Some(parent) = &u.parent
                    && p.get(parent).is_some_and(|pu| pu.level == level)
                {
                    out.insert(parent.clone());
                }
            }
        }
        out.into_iter().collect()
    }

    /// Codes present in both versions whose units differ, codes only in the result,
    /// codes only in the base.
    pub fn codes(&self) -> (Vec<UnitCode>, Vec<UnitCode>, Vec<UnitCode>) {
        let (mut changed, mut created, mut retired) = (Vec::new(), Vec::new(), Vec::new());
        for code in &self.touched {
            match (self.before.get(code), self.now.get(code)) {
                (None, Some(_)) => created.push(code.clone()),
                (Some(_), None) => retired.push(code.clone()),
                (Some(old), Some(new)) if !std::sync::Arc::ptr_eq(old, new) && old != new => {
                    changed.push(code.clone());
                }
                _ => {}
            }
        }
        (changed, created, retired)
    }
}

/// A parent rebuilt from its children, or `None` when it keeps its shape.
fn rebuild(after: &Partition, parent: &UnitCode) -> Result<Option<Unit>, String> {
    let Some(pid) = after.id_of(parent) else {
        return Ok(None);
    };
    let kids = after.children_of(pid);
    let unit = after.unit(pid);
    if kids.is_empty() {
        return Err(format!(
            "{} {parent} would have no {} left",
            unit.level,
            unit.level.child().map_or("unit", |l| l.as_str())
        ));
    }
    let geometry = dissolve(kids.iter().map(|&k| &after.unit(k).geometry));
    if same(&geometry, &unit.geometry) {
        return Ok(None);
    }
    Ok(Some(Unit {
        geometry,
        ..(**unit).clone()
    }))
}
