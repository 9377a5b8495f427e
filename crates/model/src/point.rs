//! A position with a weight: households or people at an address, a building or a
//! point of interest. One type from the reader (`citygrid-io`) to the build
//! (`citygrid-build`), which neither crate depends on the other for.

/// A point with a weight, in WGS84.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WeightedPoint {
    /// Longitude, degrees.
    pub lon: f64,
    /// Latitude, degrees.
    pub lat: f64,
    /// People, households or whatever the layer counts; finite and not negative
    /// as read. A build counts it in households.
    pub weight: f64,
}
