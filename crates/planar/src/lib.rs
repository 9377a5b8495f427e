//! The geometry kernel: every exact predicate, noding, face and polygon algorithm
//! and bucket grid citygrid uses, in one place.
//!
//! Checking, repairing, building, tiling, indexing and editing all come down to the
//! same few questions (which side of this line, where do these segments meet, which
//! faces do these edges make, which shell holds this hole), and two answers to one
//! question in two crates would let a partition pass one and fail the other. Each is
//! answered once here, exactly for the stored numbers: robust predicates for doubles,
//! 128-bit arithmetic for integer tile coordinates. Where a caller keeps a faster
//! private form (the index's inner loop), a test holds it equal to this one.
//!
//! Pure and synchronous: no I/O, no model types, only `geo-types` coordinates.

pub mod faces; // the faces of a noded planar graph, on half-edges
pub mod grid; // uniform bucket grids: near a point, a box, a segment
pub mod node; // splitting segments where they cross, touch or overlap
pub mod orient; // which side of a line: exact for doubles and integers
pub mod parts; // connected parts by union-find
pub mod point; // the points the kernel works on, keys, bounds
pub mod polygons; // shells and holes from rings and region boundaries
pub mod ring; // area, orientation and point-in-ring (half-open) of one ring
pub mod segment; // how two segments meet, and where; distances
pub mod trace; // rings from the directed boundary of a region

pub use faces::{Faces, UNBOUNDED};
pub use grid::{Buckets, Grid};
pub use node::{Noded, NotPlanar, Source, node};
pub use orient::{side, side_i64};
pub use parts::Parts;
pub use point::{IntPoint, Point, bounds, coord_key, in_box, on_segment};
pub use polygons::{Doubled, assemble, assign_holes, holds, polygons};
pub use ring::{Location, contains, counter_clockwise, locate, signed_area2, twice_area, winding};
pub use segment::{Meeting, closest_on_segment, distance, meet, midway, point_segment_distance};
pub use trace::{Keep, angular, rings, split_at_repeats};
