//! The citygrid model: a city partition held as units with codes, a hierarchy and
//! geometry, and the shared-edge topology of its cells.
//!
//! This crate is pure and synchronous: no files, no network, no async. Readers,
//! checkers, indexes, tile makers and servers build on it.

pub mod code; // unit codes and the layout rules tying them to levels and parents
pub mod colouring; // colours that tell neighbouring faces apart
pub mod error; // the crate's error enum
pub mod layer; // entity layers: typed points counted per cell
pub mod level; // city > district > township > village > cell
pub mod measure; // areas and lengths in metres
pub mod partition; // one immutable version of a partition, indexed by code
pub mod point; // a position with a weight (households, people)
pub mod rings; // flattened, oriented rings and exact matching of shared segments
pub mod sequence; // west-to-east, north-to-south numbering of siblings
pub mod staff; // the people who serve cells, by role
pub mod topology; // nodes, edges and faces of a clean coverage
pub mod unit; // one cell or admin unit

pub use code::{CodeLayout, CodeProblem, LevelDigits, UnitCode};
pub use error::{ModelError, Result};
pub use layer::{Entity, Field, FieldType, FieldValue, LayerSchema};
pub use level::Level;
pub use partition::{Partition, UnitId};
pub use point::WeightedPoint;
pub use rings::{FaceId, OUTSIDE, RingSet, SegId, match_segments};
pub use staff::{StaffMember, StaffRole};
pub use topology::{Edge, EdgeId, EdgeUse, FaceRing, NodeId, Topology};
pub use unit::{AttrValue, Attributes, Unit};
