//! Cell shape: how wide a unit is (its largest inscribed circle) and how big.
//!
//! Width is the diameter of the maximum inscribed circle, found with the
//! pole-of-inaccessibility search (Garcia-Castellanos & Lombardo 2007, as in
//! Mapbox's polylabel) in a metric frame. Unlike Polsby-Popper or other
//! perimeter ratios, it does not punish a wiggly but fat cell, and it names a width in
//! metres a user can check with a ruler.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use geo_types::{Coord, MultiPolygon};

use citygrid_model::measure::{LocalFrame, frame_for};

use citygrid_planar::{contains, point_segment_distance};

/// The largest inscribed circle found: its centre (lon/lat) and diameter (metres).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Width {
    /// Centre of the circle.
    pub centre: Coord<f64>,
    /// Its diameter in metres.
    pub metres: f64,
}

struct Candidate {
    centre: Coord<f64>,
    half: f64,
    distance: f64,
    potential: f64,
}

impl PartialEq for Candidate {
    fn eq(&self, other: &Self) -> bool {
        self.potential == other.potential
    }
}
impl Eq for Candidate {}
impl PartialOrd for Candidate {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Candidate {
    fn cmp(&self, other: &Self) -> Ordering {
        self.potential.total_cmp(&other.potential)
    }
}

/// The width of a (multi)polygon: the widest inscribed circle over its parts.
///
/// Stops as soon as a circle at least `enough` metres wide is found, because a
/// checker only needs to know that a cell is not a sliver; pass `f64::INFINITY` for
/// the full answer (to within 1% or 1 cm).
#[must_use]
pub fn width(mp: &MultiPolygon<f64>, enough: f64) -> Option<Width> {
    width_in(mp, &frame_for(mp)?, enough)
}

/// [`width`] in a metric frame the caller already has.
#[must_use]
pub fn width_in(mp: &MultiPolygon<f64>, frame: &LocalFrame, enough: f64) -> Option<Width> {
    let frame = *frame;
    if let Some(w) = quick_width(mp, &frame, enough) {
        return Some(w);
    }
    let rings: Vec<Vec<Vec<Coord<f64>>>> =
        mp.0.iter()
            .map(|p| {
                std::iter::once(p.exterior())
                    .chain(p.interiors())
                    .map(|r| r.0.iter().map(|c| to_m(&frame, *c)).collect())
                    .collect()
            })
            .collect();
    let polys: Vec<MultiPolygon<f64>> = rings
        .iter()
        .map(|p| {
            let mut it = p.iter().map(|r| geo_types::LineString(r.clone()));
            let shell = it
                .next()
                .unwrap_or_else(|| geo_types::LineString(Vec::new()));
            MultiPolygon(vec![geo_types::Polygon::new(shell, it.collect())])
        })
        .collect();
    let mut best: Option<(Coord<f64>, f64)> = None;
    for (poly, rings) in polys.iter().zip(&rings) {
        let found = pole(poly, rings, enough / 2.0);
        if best.is_none_or(|(_, r)| found.1 > r) {
            best = Some(found);
        }
        if best.is_some_and(|(_, r)| 2.0 * r >= enough) {
            break;
        }
    }
    let (c, r) = best?;
    let (lon, lat) = frame.to_degrees(c.x, c.y);
    Some(Width {
        centre: Coord { x: lon, y: lat },
        metres: 2.0 * r,
    })
}

/// Most units are plainly wide enough: a circle of diameter `enough` fits at the
/// centroid of their largest part. Checked without copying any coordinates.
fn quick_width(mp: &MultiPolygon<f64>, frame: &LocalFrame, enough: f64) -> Option<Width> {
    let part = mp.0.iter().max_by_key(|p| p.exterior().0.len())?;
    let c = area_centroid(&part.exterior().0);
    if !contains(mp, c) {
        return None;
    }
    let (mx, my) = frame.metres_per_degree();
    let m = |q: Coord<f64>| Coord {
        x: (q.x - c.x) * mx,
        y: (q.y - c.y) * my,
    };
    let mut nearest2 = f64::INFINITY;
    for p in &mp.0 {
        for r in std::iter::once(p.exterior()).chain(p.interiors()) {
            for w in r.0.windows(2) {
                nearest2 = nearest2.min(origin_segment_distance2(m(w[0]), m(w[1])));
            }
        }
    }
    let nearest = nearest2.sqrt();
    (2.0 * nearest >= enough).then_some(Width {
        centre: c,
        metres: 2.0 * nearest,
    })
}

/// Squared distance from the origin to segment `a`-`b`.
fn origin_segment_distance2(a: Coord<f64>, b: Coord<f64>) -> f64 {
    let ab = b - a;
    let len2 = ab.x * ab.x + ab.y * ab.y;
    let t = if len2 > 0.0 {
        (-(a.x * ab.x + a.y * ab.y) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let (x, y) = (a.x + t * ab.x, a.y + t * ab.y);
    x * x + y * y
}

fn to_m(frame: &LocalFrame, c: Coord<f64>) -> Coord<f64> {
    let (x, y) = frame.to_metres(c.x, c.y);
    Coord { x, y }
}

/// Signed distance from `p` to the polygon boundary: positive inside.
fn signed_distance(poly: &MultiPolygon<f64>, rings: &[Vec<Coord<f64>>], p: Coord<f64>) -> f64 {
    let d = rings
        .iter()
        .flat_map(|r| r.windows(2))
        .map(|w| point_segment_distance(p, w[0], w[1]))
        .fold(f64::INFINITY, f64::min);
    if contains(poly, p) { d } else { -d }
}

/// The pole of inaccessibility of one polygon (metres), stopping early at `enough`.
fn pole(poly: &MultiPolygon<f64>, rings: &[Vec<Coord<f64>>], enough: f64) -> (Coord<f64>, f64) {
    let Some(bounds) = geo::BoundingRect::bounding_rect(&geo_types::LineString(rings[0].clone()))
    else {
        return (Coord::zero(), 0.0);
    };
    let (min, max) = (bounds.min(), bounds.max());
    let shell = &rings[0];
    let size = (max.x - min.x).min(max.y - min.y);
    if size.is_nan() || size <= 0.0 {
        return (min, 0.0);
    }
    let candidate = |centre: Coord<f64>, half: f64| {
        let distance = signed_distance(poly, rings, centre);
        Candidate {
            centre,
            half,
            distance,
            potential: distance + half * std::f64::consts::SQRT_2,
        }
    };
    let mut best = candidate(
        Coord {
            x: (min.x + max.x) / 2.0,
            y: (min.y + max.y) / 2.0,
        },
        0.0,
    );
    let centroid = area_centroid(shell);
    let c = candidate(centroid, 0.0);
    if c.distance > best.distance {
        best = c;
    }
    if best.distance >= enough {
        return (best.centre, best.distance);
    }
    let precision = (size * 1e-3).max(0.01);
    let mut queue = BinaryHeap::new();
    let half = size / 2.0;
    let mut y = min.y;
    while y < max.y {
        let mut x = min.x;
        while x < max.x {
            queue.push(candidate(
                Coord {
                    x: x + half,
                    y: y + half,
                },
                half,
            ));
            x += size;
        }
        y += size;
    }
    let mut budget = 20_000;
    while let Some(cell) = queue.pop() {
        if cell.distance > best.distance {
            best = Candidate { ..cell };
            if best.distance >= enough {
                break;
            }
        }
        if cell.potential - best.distance <= precision || budget == 0 {
            continue;
        }
        budget -= 1;
        let h = cell.half / 2.0;
        for (dx, dy) in [(-h, -h), (h, -h), (-h, h), (h, h)] {
            queue.push(candidate(
                Coord {
                    x: cell.centre.x + dx,
                    y: cell.centre.y + dy,
                },
                h,
            ));
        }
    }
    (best.centre, best.distance.max(0.0))
}

fn area_centroid(ring: &[Coord<f64>]) -> Coord<f64> {
    let o = ring[0];
    let (mut a, mut cx, mut cy) = (0.0, 0.0, 0.0);
    for w in ring.windows(2) {
        let (p, q) = (w[0] - o, w[1] - o);
        let f = p.x * q.y - q.x * p.y;
        a += f;
        cx += (p.x + q.x) * f;
        cy += (p.y + q.y) * f;
    }
    if a == 0.0 {
        return o;
    }
    Coord {
        x: o.x + cx / (3.0 * a),
        y: o.y + cy / (3.0 * a),
    }
}

#[cfg(test)]
mod tests {
    use geo_types::polygon;

    use super::*;

    #[test]
    fn a_rectangle_is_as_wide_as_its_short_side() {
        // 0.001° of latitude is ~110.8 m near Guiyang; 0.01° of longitude ~995 m.
        let r = MultiPolygon(vec![
            polygon![(x: 106.70, y: 26.60), (x: 106.71, y: 26.60), (x: 106.71, y: 26.601), (x: 106.70, y: 26.601)],
        ]);
        let w = width(&r, f64::INFINITY).unwrap();
        assert!((w.metres - 110.8).abs() < 1.5, "{}", w.metres);
    }

    #[test]
    fn an_l_shape_is_as_wide_as_its_arms() {
        // Arms 10 m wide and 100 m long (in degrees near the equator: 1e-4° ≈ 11 m).
        let l = MultiPolygon(vec![
            polygon![(x: 0., y: 0.), (x: 0.001, y: 0.), (x: 0.001, y: 0.0001), (x: 0.0001, y: 0.0001), (x: 0.0001, y: 0.001), (x: 0., y: 0.001)],
        ]);
        let w = width(&l, f64::INFINITY).unwrap();
        // A square corner of side ~11 m fits a circle of ~11 m diameter... a bit more at the elbow.
        assert!(w.metres > 10.5 && w.metres < 14.0, "{}", w.metres);
    }

    #[test]
    fn stops_once_wide_enough() {
        let r = MultiPolygon(vec![
            polygon![(x: 106.70, y: 26.60), (x: 106.71, y: 26.60), (x: 106.71, y: 26.61), (x: 106.70, y: 26.61)],
        ]);
        let w = width(&r, 5.0).unwrap();
        assert!(w.metres >= 5.0);
    }
}
