//! Repairs the imperfect admin boundaries GIS staff receive: independently
//! simplified sources overlap, leave gaps and slivers between them, and carry
//! invalid rings. [`repair`] snaps near-coincident boundaries, reads every ring by
//! the even-odd rule, gives each overlap to one of its units and each narrow gap to
//! a neighbour (the one with the longest shared border), cuts away what lies
//! outside the boundary or a unit's parent, and rebuilds every unit from one set of
//! edges, so shared boundaries match vertex for vertex and the result passes
//! `citygrid check`. Every change is reported with its units, place and area; wide
//! gaps and units that would vanish are reported, not decided.
//!
//! # Examples
//! ```
//! use geo_types::{MultiPolygon, polygon};
//! use citygrid_model::{Level, Unit};
//! use citygrid_repair::{ChangeKind, RepairOptions, repair};
//!
//! // Two districts; the second reaches 0.001° into the first.
//! let square = |x0: f64, x1: f64| MultiPolygon(vec![polygon![
//!     (x: x0, y: 26.60), (x: x1, y: 26.60), (x: x1, y: 26.61), (x: x0, y: 26.61),
//! ]]);
//! let units = vec![
//!     Unit::new("520102".parse().unwrap(), Level::District, square(106.70, 106.71)),
//!     Unit::new("520103".parse().unwrap(), Level::District, square(106.709, 106.72)),
//! ];
//! let fixed = repair(&units, None, &RepairOptions::default()).unwrap();
//! assert_eq!(fixed.changes.len(), 1);
//! assert_eq!(fixed.changes[0].kind, ChangeKind::Overlap);
//! assert!(fixed.is_complete());
//! ```

mod assign; // who gets each face of the overlay, level by level
pub mod change; // what a repair did, and what it left for people
pub mod error; // the crate's error enum
pub mod options; // tolerances
mod output; // units rebuilt from one set of edges; meeting points on the boundary
mod overlay; // every ring noded together, faces and who covers them
mod repair; // the repair, step by step
mod rings; // the rings of the units and the boundary, cleaned
mod snap; // near-coincident vertices and edges made one

pub use change::{Change, ChangeKind, Problem, ProblemKind, Repaired};
pub use error::{RepairError, Result};
pub use options::RepairOptions;
pub use repair::repair;
