//! Exact predicates on pairs of segments: do they cross, touch, or run along each
//! other, and where.
//!
//! Orientation tests are exact ([`crate::orient`]), so the answer to "does this
//! vertex lie exactly on that segment" is the mathematically right one for the
//! stored doubles; only the position of a proper crossing is rounded.

use geo_types::Coord;

use crate::orient::side;
use crate::point::in_box;

/// How two closed segments meet.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Meeting {
    /// They have no point in common.
    Apart,
    /// They share exactly one end point, and nothing else.
    SharedEnd,
    /// They cross at one point interior to both.
    Cross(Coord<f64>),
    /// An end point of one lies in the interior of the other.
    Touch(Coord<f64>),
    /// They are collinear and share a stretch of positive length, from one point to
    /// the other.
    Along(Coord<f64>, Coord<f64>),
}

/// Classifies how segments `a`-`b` and `c`-`d` meet.
#[must_use]
pub fn meet(a: Coord<f64>, b: Coord<f64>, c: Coord<f64>, d: Coord<f64>) -> Meeting {
    if a.x.max(b.x) < c.x.min(d.x)
        || c.x.max(d.x) < a.x.min(b.x)
        || a.y.max(b.y) < c.y.min(d.y)
        || c.y.max(d.y) < a.y.min(b.y)
    {
        return Meeting::Apart;
    }
    let o1 = side(a, b, c);
    let o2 = side(a, b, d);
    if o1 == 0 && o2 == 0 {
        return collinear(a, b, c, d);
    }
    let o3 = side(c, d, a);
    let o4 = side(c, d, b);
    if o1 == o2 || o3 == o4 {
        return Meeting::Apart;
    }
    // The segments meet at one point; find out whether it is an end point.
    let point = if o1 == 0 {
        Some(c)
    } else if o2 == 0 {
        Some(d)
    } else if o3 == 0 {
        Some(a)
    } else if o4 == 0 {
        Some(b)
    } else {
        None
    };
    match point {
        None => Meeting::Cross(crossing_point(a, b, c, d)),
        Some(p) => {
            let end_of_ab = p == a || p == b;
            let end_of_cd = p == c || p == d;
            if end_of_ab && end_of_cd {
                Meeting::SharedEnd
            } else {
                Meeting::Touch(p)
            }
        }
    }
}

fn collinear(a: Coord<f64>, b: Coord<f64>, c: Coord<f64>, d: Coord<f64>) -> Meeting {
    // Order all four points along the common line and intersect the two intervals.
    let horizontal = (b.x - a.x).abs() >= (b.y - a.y).abs();
    let key = |p: Coord<f64>| if horizontal { (p.x, p.y) } else { (p.y, p.x) };
    let (mut s0, mut s1) = (a, b);
    if key(s1) < key(s0) {
        std::mem::swap(&mut s0, &mut s1);
    }
    let (mut t0, mut t1) = (c, d);
    if key(t1) < key(t0) {
        std::mem::swap(&mut t0, &mut t1);
    }
    let lo = if key(s0) >= key(t0) { s0 } else { t0 };
    let hi = if key(s1) <= key(t1) { s1 } else { t1 };
    if key(lo) > key(hi) || !in_box(a, b, lo) || !in_box(c, d, hi) {
        Meeting::Apart
    } else if lo == hi {
        if (lo == a || lo == b) && (lo == c || lo == d) {
            Meeting::SharedEnd
        } else {
            Meeting::Touch(lo)
        }
    } else {
        Meeting::Along(lo, hi)
    }
}

/// The crossing point of two segments known to cross properly, computed relative to
/// `a` to keep the digits that matter; clamped into both bounding boxes so rounding
/// cannot move it off the segments' extent.
fn crossing_point(a: Coord<f64>, b: Coord<f64>, c: Coord<f64>, d: Coord<f64>) -> Coord<f64> {
    let r = b - a;
    let s = d - c;
    let denom = r.x * s.y - r.y * s.x;
    let t = ((c.x - a.x) * s.y - (c.y - a.y) * s.x) / denom;
    let t = t.clamp(0.0, 1.0);
    let p = Coord {
        x: a.x + t * r.x,
        y: a.y + t * r.y,
    };
    Coord {
        x: p.x.clamp(
            a.x.min(b.x).max(c.x.min(d.x)),
            a.x.max(b.x).min(c.x.max(d.x)),
        ),
        y: p.y.clamp(
            a.y.min(b.y).max(c.y.min(d.y)),
            a.y.max(b.y).min(c.y.max(d.y)),
        ),
    }
}

/// The smallest distance between two segments, in the units of the coordinates.
#[must_use]
pub fn distance(a: Coord<f64>, b: Coord<f64>, c: Coord<f64>, d: Coord<f64>) -> f64 {
    if !matches!(meet(a, b, c, d), Meeting::Apart) {
        return 0.0;
    }
    let (p, q) = closest_pair(a, b, c, d);
    (p.x - q.x).hypot(p.y - q.y)
}

/// Distance from `p` to segment `a`-`b`.
#[must_use]
pub fn point_segment_distance(p: Coord<f64>, a: Coord<f64>, b: Coord<f64>) -> f64 {
    let q = closest_on_segment(p, a, b);
    (p.x - q.x).hypot(p.y - q.y)
}

/// The point of segment `a`-`b` closest to `p`.
#[must_use]
pub fn closest_on_segment(p: Coord<f64>, a: Coord<f64>, b: Coord<f64>) -> Coord<f64> {
    let ab = b - a;
    let len2 = ab.x * ab.x + ab.y * ab.y;
    let t = if len2 > 0.0 {
        (((p.x - a.x) * ab.x + (p.y - a.y) * ab.y) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    Coord {
        x: a.x + t * ab.x,
        y: a.y + t * ab.y,
    }
}

/// The point halfway between the closest points of two segments that do not
/// meet (for two that meet, a point where they do is as good).
#[must_use]
pub fn midway(a: Coord<f64>, b: Coord<f64>, c: Coord<f64>, d: Coord<f64>) -> Coord<f64> {
    let (p, q) = closest_pair(a, b, c, d);
    Coord {
        x: (p.x + q.x) / 2.0,
        y: (p.y + q.y) / 2.0,
    }
}

/// For two segments that do not cross, their closest points: one is an end of
/// a segment, the other its closest point on the other segment.
fn closest_pair(
    a: Coord<f64>,
    b: Coord<f64>,
    c: Coord<f64>,
    d: Coord<f64>,
) -> (Coord<f64>, Coord<f64>) {
    let len = |(p, q): &(Coord<f64>, Coord<f64>)| (p.x - q.x).hypot(p.y - q.y);
    [
        (b, closest_on_segment(b, c, d)),
        (c, closest_on_segment(c, a, b)),
        (d, closest_on_segment(d, a, b)),
    ]
    .into_iter()
    .fold((a, closest_on_segment(a, c, d)), |best, pair| {
        if len(&pair) < len(&best) { pair } else { best }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(x: f64, y: f64) -> Coord<f64> {
        Coord { x, y }
    }

    #[test]
    fn classifies_every_way_two_segments_meet() {
        let (a, b) = (c(0., 0.), c(2., 0.));
        assert_eq!(meet(a, b, c(0., 1.), c(2., 1.)), Meeting::Apart);
        assert_eq!(meet(a, b, c(1., -1.), c(1., 1.)), Meeting::Cross(c(1., 0.)));
        assert_eq!(meet(a, b, c(1., 0.), c(1., 1.)), Meeting::Touch(c(1., 0.)));
        assert_eq!(meet(a, b, c(2., 0.), c(3., 1.)), Meeting::SharedEnd);
        assert_eq!(
            meet(a, b, c(1., 0.), c(3., 0.)),
            Meeting::Along(c(1., 0.), c(2., 0.))
        );
        assert_eq!(meet(a, b, c(2., 0.), c(3., 0.)), Meeting::SharedEnd);
        assert_eq!(meet(a, b, c(3., 0.), c(4., 0.)), Meeting::Apart);
        assert_eq!(
            meet(a, b, c(2., 0.), c(0., 0.)),
            Meeting::Along(c(0., 0.), c(2., 0.))
        );
        // vertical collinear overlap
        assert_eq!(
            meet(c(0., 0.), c(0., 2.), c(0., 3.), c(0., 1.)),
            Meeting::Along(c(0., 1.), c(0., 2.))
        );
    }

    #[test]
    fn measures_distances() {
        assert_eq!(distance(c(0., 0.), c(2., 0.), c(0., 1.), c(2., 1.5)), 1.0);
        assert_eq!(distance(c(0., 0.), c(2., 0.), c(1., -1.), c(1., 1.)), 0.0);
        assert_eq!(point_segment_distance(c(3., 4.), c(0., 0.), c(0., 0.)), 5.0);
    }
}
