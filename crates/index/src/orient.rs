//! Exact orientation: which side of a directed line a point is on, decided for the
//! stored doubles, not for a rounded determinant.
//!
//! A point exactly on a shared edge must land in the same cell every time, here and
//! in `citygrid check`, so the sign of the orientation determinant has to be the
//! mathematically right one. Shewchuk's filter (Adaptive Precision Floating-Point
//! Arithmetic and Fast Robust Geometric Predicates, 1997, `orient2d` stage A)
//! settles almost every call with one rounded determinant and an error bound; the few
//! it cannot settle go to the adaptive exact evaluation of the `robust` crate through
//! `geo`'s robust kernel, the same predicate the check crate uses.

use geo::kernels::{Kernel, Orientation, RobustKernel};
use geo_types::Coord;

/// Half of `f64::EPSILON`: the unit round-off of Shewchuk's paper.
const EPS: f64 = f64::EPSILON / 2.0;
/// The error bound of the rounded determinant, relative to its terms' magnitude.
const CCW_ERRBOUND_A: f64 = (3.0 + 16.0 * EPS) * EPS;

/// Whether `(px, py)` lies strictly to the left of the directed line `a`->`b`.
#[inline]
pub(crate) fn strictly_left(ax: f64, ay: f64, bx: f64, by: f64, px: f64, py: f64) -> bool {
    let left = (ax - px) * (by - py);
    let right = (ay - py) * (bx - px);
    let det = left - right;
    let bound = CCW_ERRBOUND_A * (left.abs() + right.abs());
    if det > bound {
        return true;
    }
    if -det > bound {
        return false;
    }
    exact_left(ax, ay, bx, by, px, py)
}

/// The exact fallback, out of line: it runs for points on or within a few ulps of the
/// line only.
#[cold]
#[inline(never)]
fn exact_left(ax: f64, ay: f64, bx: f64, by: f64, px: f64, py: f64) -> bool {
    let o = <RobustKernel as Kernel<f64>>::orient2d(
        Coord { x: ax, y: ay },
        Coord { x: bx, y: by },
        Coord { x: px, y: py },
    );
    o == Orientation::CounterClockwise
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agrees_with_the_exact_predicate_near_and_on_the_line() {
        // A line with no exact decimal slope, and points on either side of it and on
        // it at distances of a few ulps, where the rounded determinant is unreliable.
        let (ax, ay, bx, by) = (106.1, 26.3, 106.7, 26.9);
        let mut x = 106.4f64;
        let y = 26.6f64;
        for _ in 0..200 {
            let exact = <RobustKernel as Kernel<f64>>::orient2d(
                Coord { x: ax, y: ay },
                Coord { x: bx, y: by },
                Coord { x, y },
            ) == Orientation::CounterClockwise;
            assert_eq!(strictly_left(ax, ay, bx, by, x, y), exact, "{x}");
            x = f64::from_bits(x.to_bits() - 1);
        }
        assert!(!strictly_left(0.0, 0.0, 1.0, 1.0, 0.5, 0.5), "on the line");
        assert!(strictly_left(0.0, 0.0, 1.0, 1.0, 0.0, 0.5));
        assert!(!strictly_left(0.0, 0.0, 1.0, 1.0, 0.5, 0.0));
    }
}
