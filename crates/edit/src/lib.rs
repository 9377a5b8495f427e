//! Safe boundary edits: operations on a partition version (`transfer`, `reshape`,
//! `split`, `merge`, `reparent`, `set`, and whole units from an edited file),
//! validated by the checker near what they change, and committed to a store as one
//! version or not at all.
//!
//! Geometric operations work on the shared boundaries: the cells around the edit
//! and the operation's lines are noded together by the kernel (`citygrid-planar`),
//! every face knows its owner from the boundary, an operation changes owners, and
//! each unit's new shape is traced from the faces it owns. Two neighbours therefore
//! always get the same new boundary, vertex for vertex, and a neighbour the edit did
//! not reach keeps its rings exactly. Parents (villages, townships, districts) are
//! rebuilt from their children, so a boundary that is also a village's moves for
//! both, or the edit is refused unless it asks for that. Nothing is accepted that the
//! checker would reject: see `docs/edits.md`.

mod apply; // a request's operations applied and validated
mod assign; // codes for units drawn elsewhere (features added in QGIS)
mod codes; // new codes, never reusing one
pub mod error; // the crate's error enum
mod local; // the noded neighbourhood and the owner of every face
mod neighbours; // who is next to whom
pub mod op; // the operations
mod ops; // one module per operation
mod service; // requests against a store: conflicts, rebasing, commit
mod shape; // comparing and dissolving geometries exactly
mod snap; // points drawn near the boundary moved onto it
mod working; // the working copy, with parents rebuilt after each operation

pub use apply::{EditOptions, Proposal, propose};
pub use assign::{NewCode, assign_codes};
pub use error::{EditError, Result};
pub use op::Op;
pub use service::{Author, EditRequest, Editor, Outcome};
pub use shape::same as same_rings;
