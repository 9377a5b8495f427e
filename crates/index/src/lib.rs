//! Point -> cell for a whole city: which grid cell a longitude/latitude is in, with
//! exactly one answer for every point of the city, fast enough for tens of millions
//! of lookups a second on one core.
//!
//! # The half-open rule
//!
//! Cells share their boundaries, so a point on a shared edge or vertex lies on the
//! closed area of two or more cells. The index gives it to exactly one, by the rule
//! `citygrid check` uses (`citygrid_planar::winding`): the winding-number test with
//! exact orientation, where an edge counts for a point only when
//!
//! - its y range holds the point's y, lower end included and upper end excluded, and
//! - the point is strictly on the edge's inner side (strictly west of it), never on it.
//!
//! Equivalently: **a point belongs to the cell whose interior holds the point moved an
//! infinitesimal `ε` east and `ε²` north.** So a point on an edge between two cells
//! goes to the cell to its east, or, when the edge is horizontal, to the cell to its
//! north; a vertex shared by several cells goes to the cell just east of it (north
//! of east, when a boundary leaves the vertex due east). Every point of the city's
//! interior therefore has exactly one cell, and the index returns the very cell the
//! check's rule finds; the tests prove both on generated cities, for every vertex
//! and for exact points on every edge.
//!
//! **The city's own outline** (and the outline of any hole in it) is half open too:
//! a point on it is in the cell to its east, or north for a horizontal stretch, and
//! in no cell when the city lies to its west (or south). So the outline's west and
//! south sides belong to the city and its east and north sides do not, and a point
//! on the outline resolves to zero or one cell. [`CellIndex::lookup_near`] with any
//! `max_m >= 0` finds a cell for every point of the outline, at distance 0.
//!
//! The answers are exact for the stored doubles: orientation signs come from an
//! adaptive exact predicate, and no tolerance is involved. They assume what
//! `citygrid check` verifies: cells whose rings are valid and which tile the city with
//! no overlap (points where cells overlap may get no answer or one of them).
//!
//! # How it works
//!
//! Give each cell a label, `id + 1`. The label of the cell containing a point is the
//! sum, over every edge the point's eastward ray crosses (by the rule above), of that
//! edge's weight: the label of the cell on its west minus the one on its east, so
//! the two copies of a shared edge fold into one (module `edges`). A uniform grid of
//! tiles over the city (module `grid`) stores per tile either the single label of a
//! tile no boundary touches, or the few edges that touch the tile plus what the rest
//! of the ray east of the tile collects, which depends on the point's height only
//! (module `blocks`). Tiles are grouped in blocks, and a block inside one cell is a
//! single word, so the words a lookup reads first stay in cache.
//!
//! A lookup is then one or two table reads for most points and a handful of edge
//! tests for the others, whatever the size of the city. The edge tests read
//! 12-byte fixed-point copies of the edges that settle almost every test, the exact
//! edges only when a point is within millimetres of an edge (module `compact`), and
//! [`CellIndex::lookup_batch`] overlaps the memory reads of many points.
//!
//! Outside the city, [`CellIndex::lookup_near`] finds the nearest cell through an
//! R-tree over the city's outline (module `near`).
//!
//! A version made by an edit is answered by the index of an earlier version patched
//! with the few cells that changed ([`PatchedIndex`], module `patched`): the same
//! answers, without the whole build, until a new index is built at leisure.
//!
//! # Examples
//!
//! See [`CellIndex`].

mod blocks; // the stored grid: per tile one label, or near edges plus the far part of the ray
mod compact; // 12-byte fixed-point copies of edges, four at a time; exact edges decide the rest
mod edges; // cell rings -> labelled upward edges, shared segments merged
mod error; // the crate's error enum
mod grid; // the uniform grid of tiles in blocks, and its rounding margins
mod index; // CellIndex: build, lookup, batch lookup, nearest cell, memory
mod near; // nearest cell outside the city: an R-tree over the outline
mod patched; // an index answering for a later version: changed cells tested directly

pub use error::{IndexError, Result};
pub use index::{CellIndex, IndexOptions, IndexStats};
pub use near::NearCell;
pub use patched::PatchedIndex;
