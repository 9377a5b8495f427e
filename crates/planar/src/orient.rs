//! Exact orientation: which side of a directed line a point lies on, decided for the
//! stored numbers, not for a rounded determinant.
//!
//! A point exactly on a shared edge must land in the same cell every time, in the
//! checker, the index and an edit's validation, so the sign of the orientation
//! determinant has to be the mathematically right one. For doubles, Shewchuk's
//! filter (Adaptive Precision Floating-Point Arithmetic and Fast Robust Geometric
//! Predicates, 1997, `orient2d` stage A) settles almost every call with one rounded
//! determinant and an error bound; the few it cannot settle go to the adaptive exact
//! evaluation of the `robust` crate. Integer tile coordinates (under 2^62) are exact
//! in 128-bit arithmetic.

use geo_types::Coord;

/// Integer tile coordinates: x right, y up (tiles flip y only when encoding).
pub type IntPoint = [i64; 2];

/// Half of `f64::EPSILON`: the unit round-off of Shewchuk's paper.
const EPS: f64 = f64::EPSILON / 2.0;
/// The error bound of the rounded determinant, relative to its terms' magnitude.
const CCW_ERRBOUND_A: f64 = (3.0 + 16.0 * EPS) * EPS;

/// Which side of the directed line `a`->`b` the point `p` is on: 1 left, -1 right,
/// 0 exactly on the line.
///
/// # Examples
/// ```
/// use citygrid_planar::side;
/// use geo_types::Coord;
/// let (a, b) = (Coord { x: 0.0, y: 0.0 }, Coord { x: 1.0, y: 1.0 });
/// assert_eq!(side(a, b, Coord { x: 0.0, y: 1.0 }), 1);
/// assert_eq!(side(a, b, Coord { x: 0.5, y: 0.5 }), 0);
/// ```
#[inline]
#[must_use]
pub fn side(a: Coord<f64>, b: Coord<f64>, p: Coord<f64>) -> i32 {
    let left = (a.x - p.x) * (b.y - p.y);
    let right = (a.y - p.y) * (b.x - p.x);
    let det = left - right;
    let bound = CCW_ERRBOUND_A * (left.abs() + right.abs());
    if det > bound {
        1
    } else if -det > bound {
        -1
    } else {
        exact_side(a, b, p)
    }
}

/// The exact fallback, out of line: it runs only for points on or within a few ulps
/// of the line.
#[cold]
#[inline(never)]
fn exact_side(a: Coord<f64>, b: Coord<f64>, p: Coord<f64>) -> i32 {
    let c = |q: Coord<f64>| robust::Coord { x: q.x, y: q.y };
    let det = robust::orient2d(c(a), c(b), c(p));
    if det > 0.0 {
        1
    } else if det < 0.0 {
        -1
    } else {
        0
    }
}

/// [`side`] for integer points, exactly.
#[inline]
#[must_use]
pub fn side_i64(a: IntPoint, b: IntPoint, p: IntPoint) -> i32 {
    let (abx, aby) = (i128::from(b[0] - a[0]), i128::from(b[1] - a[1]));
    let (apx, apy) = (i128::from(p[0] - a[0]), i128::from(p[1] - a[1]));
    (abx * apy - aby * apx).signum() as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn robust_side(a: Coord<f64>, b: Coord<f64>, p: Coord<f64>) -> i32 {
        exact_side(a, b, p)
    }

    #[test]
    fn agrees_with_the_exact_predicate_near_and_on_the_line() {
        // A line with no exact decimal slope, and points on either side of it and on
        // it at distances of a few ulps, where the rounded determinant is unreliable.
        let (a, b) = (Coord { x: 106.1, y: 26.3 }, Coord { x: 106.7, y: 26.9 });
        let mut x = 106.4f64;
        for _ in 0..200 {
            let p = Coord { x, y: 26.6 };
            assert_eq!(side(a, b, p), robust_side(a, b, p), "{x}");
            x = f64::from_bits(x.to_bits() - 1);
        }
        let o = Coord { x: 0.0, y: 0.0 };
        let d = Coord { x: 1.0, y: 1.0 };
        assert_eq!(side(o, d, Coord { x: 0.5, y: 0.5 }), 0);
        assert_eq!(side(o, d, Coord { x: 0.0, y: 0.5 }), 1);
        assert_eq!(side(o, d, Coord { x: 0.5, y: 0.0 }), -1);
    }

    #[test]
    fn integer_sides_are_exact_far_from_the_origin() {
        let big = 1i64 << 61;
        assert_eq!(side_i64([0, 0], [big, big - 1], [big - 1, big - 2]), -1);
        assert_eq!(side_i64([0, 0], [big, big], [3, 3]), 0);
        assert_eq!(side_i64([0, 0], [4, 0], [2, -1]), -1);
    }
}
