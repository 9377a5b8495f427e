//! Coordinate reference systems citygrid reads and writes, and conversion to and from the
//! WGS84 lon/lat degrees that all internal geometry uses.
//!
//! Supported: WGS84 (EPSG:4326, CRS84), CGCS2000 (EPSG:4490, taken as WGS84; see
//! [`Crs::Cgcs2000`]), Web Mercator (EPSG:3857), the CGCS2000 3-degree Gauss-Kruger zones
//! (EPSG:4513..=4554; Guiyang is EPSG:4545, or EPSG:4524 with the zone prefix), and the
//! offset systems of Chinese web maps, GCJ-02 and BD-09.
//!
//! Parse a [`Crs`] from user text, prepare a [`Transform`] once, then convert per point.
//! Projected coordinates are always (easting, northing) and geographic ones (lon, lat),
//! whatever axis order EPSG registers. Gauss-Kruger zones are projected with the pure-Rust
//! `proj4rs` (which works in radians; this crate takes and returns degrees); Web Mercator and
//! the GCJ-02/BD-09 offsets are closed-form.
//!
//! For lengths and tolerances in metres near a point, use [`LocalFrame`].

/// [`Crs`]: the supported coordinate systems, their parsing and naming.
mod crs;
/// ECEF (EPSG:4978) <-> WGS84 geodetic, and east-north-up frames.
pub mod ecef;
/// The error type and `Result` alias.
mod error;
/// CGCS2000 3-degree Gauss-Kruger zones: the zone table and the projection.
mod gauss_kruger;
/// [`LocalFrame`]: a local tangent-plane frame in metres.
pub mod local;
/// GCJ-02 and BD-09: forward offsets and their iterative inverses.
mod offset;
/// [`Transform`]: CRS <-> WGS84 with range checks.
mod transform;

pub use crs::Crs;
pub use error::{CrsError, Result};
pub use local::LocalFrame;
pub use transform::Transform;
