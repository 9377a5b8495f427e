//! The points the kernel works on, and a bit-exact key for hashing them.
//!
//! Two kinds of point reach the kernel: lon/lat (or metre) doubles, decided by
//! robust predicates, and the integer world coordinates of vector tiles, decided in
//! 128-bit integers. Algorithms that only need "which side" and coordinate order
//! (tracing, point in ring, hole assignment) are written once over [`Point`].

use geo_types::Coord;

pub use crate::orient::IntPoint;
use crate::orient::{side, side_i64};

/// A point with exact orientation.
pub trait Point: Copy + PartialEq {
    /// One coordinate.
    type Scalar: Copy + PartialOrd;
    /// Its x (east).
    fn x(self) -> Self::Scalar;
    /// Its y (north).
    fn y(self) -> Self::Scalar;
    /// Which side of the directed line `a`->`b` the point `p` is on, exactly:
    /// 1 left, -1 right, 0 on the line.
    fn side(a: Self, b: Self, p: Self) -> i32;
}

impl Point for Coord<f64> {
    type Scalar = f64;
    #[inline]
    fn x(self) -> f64 {
        self.x
    }
    #[inline]
    fn y(self) -> f64 {
        self.y
    }
    #[inline]
    fn side(a: Self, b: Self, p: Self) -> i32 {
        side(a, b, p)
    }
}

impl Point for IntPoint {
    type Scalar = i64;
    #[inline]
    fn x(self) -> i64 {
        self[0]
    }
    #[inline]
    fn y(self) -> i64 {
        self[1]
    }
    #[inline]
    fn side(a: Self, b: Self, p: Self) -> i32 {
        side_i64(a, b, p)
    }
}

/// Whether `p` lies on the closed segment `a`-`b`, exactly.
#[inline]
pub fn on_segment<P: Point>(p: P, a: P, b: P) -> bool {
    P::side(a, b, p) == 0 && in_box(a, b, p)
}

/// Whether `p` lies in the bounding box of `a`-`b` (for a point known to be on the
/// segment's line, whether it is on the segment).
#[inline]
pub fn in_box<P: Point>(a: P, b: P, p: P) -> bool {
    let (lo_x, hi_x) = min_max(a.x(), b.x());
    let (lo_y, hi_y) = min_max(a.y(), b.y());
    p.x() >= lo_x && p.x() <= hi_x && p.y() >= lo_y && p.y() <= hi_y
}

fn min_max<S: PartialOrd>(a: S, b: S) -> (S, S) {
    if b < a { (b, a) } else { (a, b) }
}

/// A bit-exact key for a coordinate, for hashing (`-0.0` and `0.0` are the same
/// point).
#[must_use]
pub fn coord_key(c: Coord<f64>) -> [u64; 2] {
    [(c.x + 0.0).to_bits(), (c.y + 0.0).to_bits()]
}

/// The bounding box of some points, `None` when there are none.
///
/// # Examples
/// ```
/// use citygrid_planar::bounds;
/// use geo_types::Coord;
/// let pts = [Coord { x: 3.0, y: -1.0 }, Coord { x: 1.0, y: 2.0 }];
/// assert_eq!(bounds(pts), Some((Coord { x: 1.0, y: -1.0 }, Coord { x: 3.0, y: 2.0 })));
/// ```
pub fn bounds(points: impl IntoIterator<Item = Coord<f64>>) -> Option<(Coord<f64>, Coord<f64>)> {
    points.into_iter().fold(None, |acc, p| {
        Some(match acc {
            None => (p, p),
            Some((lo, hi)) => (
                Coord {
                    x: lo.x.min(p.x),
                    y: lo.y.min(p.y),
                },
                Coord {
                    x: hi.x.max(p.x),
                    y: hi.y.max(p.y),
                },
            ),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_point_is_on_a_segment_only_between_its_ends() {
        let c = |x, y| Coord { x, y };
        assert!(on_segment(c(1.0, 1.0), c(0.0, 0.0), c(2.0, 2.0)));
        assert!(!on_segment(c(3.0, 3.0), c(0.0, 0.0), c(2.0, 2.0)));
        assert!(on_segment([1, 1], [0, 0], [2, 2]));
        assert!(!on_segment([1, 2], [0, 0], [2, 2]));
        assert_eq!(coord_key(c(-0.0, 1.0)), coord_key(c(0.0, 1.0)));
    }
}
