//! The error type of this crate.
//!
//! Messages are lowercase and say what went wrong and where, so that a server can pass them
//! to the caller unchanged: the coordinate, the CRS it was read in, and what was expected.

use std::fmt;

use crate::Crs;

/// Everything that can go wrong when parsing a CRS name or transforming a coordinate.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum CrsError {
    /// The text does not name a CRS this crate supports.
    #[error(
        "unknown crs {input:?}: expected wgs84 (epsg:4326, crs84), cgcs2000 (epsg:4490), \
         webmercator (epsg:3857, epsg:900913), gcj02, bd09, or a cgcs2000 3-degree \
         gauss-kruger zone epsg:4513..=4554 (epsg:4545 or epsg:4524 for guiyang)"
    )]
    UnknownCrs {
        /// The text as given (cut to its first 100 characters).
        input: String,
    },

    /// A coordinate is NaN or infinite.
    #[error("coordinate ({}, {}) is not finite: x and y must be numbers", Num(*.x), Num(*.y))]
    NonFinite {
        /// The first coordinate as given.
        x: f64,
        /// The second coordinate as given.
        y: f64,
    },

    /// A coordinate is finite but outside what `crs` can represent or where it is defined.
    #[error(
        "coordinate ({}, {}) is out of range for {crs}: expected {expected}",
        Num(*.x),
        Num(*.y)
    )]
    OutOfRange {
        /// The CRS the coordinate was checked against.
        crs: Crs,
        /// The first coordinate as given (lon or easting).
        x: f64,
        /// The second coordinate as given (lat or northing).
        y: f64,
        /// What the CRS accepts, and a hint at the likely mistake.
        expected: &'static str,
    },

    /// The projection library failed to set up or to compute a projection.
    #[error("cannot transform with {crs}: {message}")]
    Projection {
        /// The CRS being set up or transformed.
        crs: Crs,
        /// What failed.
        message: String,
    },
}

/// The result type of this crate.
pub type Result<T> = std::result::Result<T, CrsError>;

/// Prints a coordinate readably: plain decimals for everyday values, scientific notation for
/// huge or tiny ones (so that `1e300` does not print as 301 digits).
struct Num(f64);

impl fmt::Display for Num {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v = self.0;
        let magnitude = v.abs();
        if !v.is_finite() || v == 0.0 || (1e-6..1e15).contains(&magnitude) {
            write!(f, "{v}")
        } else {
            write!(f, "{v:e}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_of_range_message_says_what_and_where() {
        let e = CrsError::OutOfRange {
            crs: Crs::Wgs84,
            x: 512_345.2,
            y: 2_945_678.1,
            expected: "lon -180..180, lat -90..90; is the data projected? pass the right crs",
        };
        assert_eq!(
            e.to_string(),
            "coordinate (512345.2, 2945678.1) is out of range for wgs84: expected lon -180..180, \
             lat -90..90; is the data projected? pass the right crs"
        );
    }

    #[test]
    fn huge_and_odd_numbers_print_compactly() {
        let e = CrsError::NonFinite {
            x: f64::NAN,
            y: f64::NEG_INFINITY,
        };
        assert_eq!(
            e.to_string(),
            "coordinate (NaN, -inf) is not finite: x and y must be numbers"
        );
        assert_eq!(Num(1e300).to_string(), "1e300");
        assert_eq!(Num(-0.0).to_string(), "-0");
        assert_eq!(Num(1.5e-9).to_string(), "1.5e-9");
    }
}
