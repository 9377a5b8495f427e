//! Partition checks: is a set of cells and admin units a complete, gap-free,
//! non-overlapping, correctly nested partition with unique, well-formed codes? Every
//! violation names its rule, the units involved, a location and a size.
//!
//! How: every unit's rings are oriented with the unit on the left and shared
//! segments are paired by exact end points. What does not pair up, together with
//! the city boundary or the level above, is noded and polygonized; the faces whose
//! coverage count is off are exactly the overlaps, gaps and overhangs (see
//! [`arrangement`]). Per-unit rules (validity, slivers, parts, codes) run beside it.

pub mod arrangement; // noding and polygonizing the segments that do not cancel
mod checker; // the checker: all rules, full and incremental
mod codes; // duplicate and malformed codes
mod coverage; // coverage of a level and nesting in parents
pub mod options; // thresholds and switches
pub mod report; // rules, violations, reports
pub mod shape; // width (largest inscribed circle) of a unit
pub mod validity; // geometry of one unit on its own

pub use checker::Checker;
pub use options::CheckOptions;
pub use report::{Report, Rule, Size, Violation};
