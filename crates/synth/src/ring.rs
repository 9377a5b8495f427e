//! Small planar helpers on rings: a metric frame, bounding boxes, and a simplicity
//! test (on the kernel's exact predicates), used to place damage and to make sure it
//! is exactly the damage asked for.

use geo_types::{Coord, Rect};

use citygrid_planar::{Meeting, meet, side};

/// Metres per degree of latitude (WGS84 mean).
const M_PER_DEG_LAT: f64 = 110_574.0;
/// Metres per degree of longitude at the equator.
const M_PER_DEG_LON: f64 = 111_320.0;

/// A local equirectangular frame: metres east and north of an origin. Over the few
/// hundred metres a defect spans its scale error is far below the tolerances used.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Frame {
    origin: Coord<f64>,
    m_per_deg: Coord<f64>,
}

impl Frame {
    /// A frame at `origin` (lon/lat).
    pub fn at(origin: Coord<f64>) -> Self {
        Frame {
            origin,
            m_per_deg: Coord {
                x: M_PER_DEG_LON * origin.y.to_radians().cos(),
                y: M_PER_DEG_LAT,
            },
        }
    }

    /// Metres east and north of the origin.
    pub fn to_m(self, c: Coord<f64>) -> Coord<f64> {
        Coord {
            x: (c.x - self.origin.x) * self.m_per_deg.x,
            y: (c.y - self.origin.y) * self.m_per_deg.y,
        }
    }

    /// Back to lon/lat.
    pub fn to_deg(self, m: Coord<f64>) -> Coord<f64> {
        Coord {
            x: self.origin.x + m.x / self.m_per_deg.x,
            y: self.origin.y + m.y / self.m_per_deg.y,
        }
    }

    /// A displacement of `m` metres, in degrees.
    pub fn offset_deg(self, m: Coord<f64>) -> Coord<f64> {
        Coord {
            x: m.x / self.m_per_deg.x,
            y: m.y / self.m_per_deg.y,
        }
    }
}

/// Length of a vector.
pub(crate) fn norm(v: Coord<f64>) -> f64 {
    v.x.hypot(v.y)
}

/// The bounding box of some points (a point's box for one point).
///
/// # Panics
/// When `points` is empty.
pub(crate) fn bbox(points: impl IntoIterator<Item = Coord<f64>>) -> Rect<f64> {
    let mut it = points.into_iter();
    let first = it.next().expect("a bounding box needs a point");
    let (mut lo, mut hi) = (first, first);
    for p in it {
        lo = Coord {
            x: lo.x.min(p.x),
            y: lo.y.min(p.y),
        };
        hi = Coord {
            x: hi.x.max(p.x),
            y: hi.y.max(p.y),
        };
    }
    Rect::new(lo, hi)
}

/// Whether two boxes share any point.
pub(crate) fn boxes_touch(a: &Rect<f64>, b: &Rect<f64>) -> bool {
    a.min().x <= b.max().x
        && b.min().x <= a.max().x
        && a.min().y <= b.max().y
        && b.min().y <= a.max().y
}

/// Whether an open ring (last point not repeated) is simple: no repeated points, no
/// two segments touching except consecutive ones at their common vertex, and no
/// spike folding a segment back over the previous one.
pub(crate) fn is_simple(ring: &[Coord<f64>]) -> bool {
    let n = ring.len();
    if n < 3 {
        return false;
    }
    let seg = |i: usize| (ring[i % n], ring[(i + 1) % n]);
    let boxes: Vec<Rect<f64>> = (0..n).map(|i| bbox([seg(i).0, seg(i).1])).collect();
    for i in 0..n {
        let (a, b) = seg(i);
        if a == b {
            return false;
        }
        // The next segment turns at b: folding back along a b is a spike.
        let c = seg(i + 1).1;
        if side(a, b, c) == 0 && (c.x - b.x) * (a.x - b.x) + (c.y - b.y) * (a.y - b.y) > 0.0 {
            return false;
        }
        for j in i + 2..n {
            if i == 0 && j == n - 1 {
                continue; // consecutive through the closing vertex
            }
            if boxes_touch(&boxes[i], &boxes[j]) {
                let (c, d) = seg(j);
                if meet(a, b, c, d) != Meeting::Apart {
                    return false;
                }
            }
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(x: f64, y: f64) -> Coord<f64> {
        Coord { x, y }
    }

    #[test]
    fn squares_are_simple_and_bow_ties_are_not() {
        let square = [c(0., 0.), c(1., 0.), c(1., 1.), c(0., 1.)];
        assert!(is_simple(&square));
        let bow_tie = [c(0., 0.), c(1., 1.), c(1., 0.), c(0., 1.)];
        assert!(!is_simple(&bow_tie));
        let spike = [c(0., 0.), c(2., 0.), c(1., 0.), c(1., 1.)];
        assert!(!is_simple(&spike));
        let repeated = [c(0., 0.), c(1., 0.), c(1., 0.), c(0., 1.)];
        assert!(!is_simple(&repeated));
    }

    #[test]
    fn frame_round_trips() {
        let f = Frame::at(c(106.7, 26.6));
        let p = c(106.71, 26.59);
        let back = f.to_deg(f.to_m(p));
        assert!((back.x - p.x).abs() < 1e-12 && (back.y - p.y).abs() < 1e-12);
        // 0.01° of latitude is about 1.1 km.
        assert!((f.to_m(c(106.7, 26.61)).y - 1105.74).abs() < 1e-6);
    }
}
