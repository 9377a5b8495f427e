//! One module per operation, each turning an [`Op`] into a [`Step`] on the working
//! partition; the helpers they share.

mod merge; // two cells of a village become one
mod relabel; // what the operations share: units by code, owners to new shapes
mod reparent; // a cell moves to a neighbouring village
mod replace; // whole units from an edited file
mod reshape; // a new line replaces a stretch of boundary between two cells
mod set; // attributes and names
mod split; // a cell cut in two
mod transfer; // an area moves from a cell to its neighbour

use crate::op::Op;
use crate::working::{Step, Working};

/// What `op` changes on the working partition.
///
/// # Errors
/// A message naming the units and places when the operation cannot be done.
pub(crate) fn step(w: &Working<'_>, op: &Op) -> Result<Step, String> {
    match op {
        Op::Transfer {
            from,
            to,
            area,
            move_parents,
        } => transfer::step(w, from, to, area, *move_parents),
        Op::Reshape { line, move_parents } => reshape::step(w, &line.0, *move_parents),
        Op::Split { cell, line } => split::step(w, cell, &line.0),
        Op::Merge { cells } => merge::step(w, cells),
        Op::Reparent { cell, village } => reparent::step(w, cell, village),
        Op::Set { cell, attributes } => set::step(w, cell, attributes),
        Op::Replace { units, removed } => replace::step(w, units, removed),
    }
}
