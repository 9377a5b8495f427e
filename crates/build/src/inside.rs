//! Fast point-in-unit tests: a unit's ring segments sorted into horizontal bands,
//! so a test looks only at the segments crossing its band.
//!
//! The rule is the checker's half-open winding rule (`citygrid_planar::winding`), so a
//! point on a boundary between two units is inside exactly one of them.

use citygrid_planar::{side, signed_area2};
use geo_types::{Coord, MultiPolygon};

/// Segments of a unit's rings, grouped by horizontal band.
#[derive(Debug, Clone)]
pub(crate) struct Bands {
    segs: Vec<[Coord<f64>; 2]>,
    y0: f64,
    height: f64,
    x_min: f64,
    x_max: f64,
    start: Vec<u32>,
    list: Vec<u32>,
}

impl Bands {
    /// Bands over all rings of `mp`.
    pub(crate) fn new(mp: &MultiPolygon<f64>) -> Self {
        // Shells counter-clockwise, holes clockwise, whatever the input's
        // orientation: the winding number is then 0 in holes.
        let mut segs = Vec::new();
        for p in &mp.0 {
            for (k, r) in std::iter::once(p.exterior())
                .chain(p.interiors())
                .enumerate()
            {
                let ccw = signed_area2(&r.0) > 0.0;
                let flip = ccw == (k > 0);
                segs.extend(
                    r.0.windows(2)
                        .map(|w| if flip { [w[1], w[0]] } else { [w[0], w[1]] }),
                );
            }
        }
        Bands::from_segments(segs)
    }

    /// Bands over closed rings given as coordinate lists.
    pub(crate) fn from_rings(rings: &[Vec<Coord<f64>>]) -> Self {
        let segs = rings
            .iter()
            .flat_map(|r| r.windows(2).map(|w| [w[0], w[1]]))
            .collect();
        Bands::from_segments(segs)
    }

    fn from_segments(segs: Vec<[Coord<f64>; 2]>) -> Self {
        let (mut y0, mut y1, mut x_min, mut x_max) = (
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
        );
        for s in &segs {
            for c in s {
                y0 = y0.min(c.y);
                y1 = y1.max(c.y);
                x_min = x_min.min(c.x);
                x_max = x_max.max(c.x);
            }
        }
        let n = (segs.len() / 4).clamp(1, 1 << 14);
        let height = ((y1 - y0) / n as f64).max(f64::MIN_POSITIVE);
        let band = |y: f64| (((y - y0) / height) as usize).min(n - 1);
        let mut count = vec![0u32; n + 1];
        for s in &segs {
            let (a, b) = (band(s[0].y.min(s[1].y)), band(s[0].y.max(s[1].y)));
            for c in &mut count[a..=b] {
                *c += 1;
            }
        }
        let mut start = vec![0u32; n + 1];
        for i in 0..n {
            start[i + 1] = start[i] + count[i];
        }
        let mut fill = start.clone();
        let mut list = vec![0u32; start[n] as usize];
        for (k, s) in segs.iter().enumerate() {
            let (a, b) = (band(s[0].y.min(s[1].y)), band(s[0].y.max(s[1].y)));
            for f in &mut fill[a..=b] {
                list[*f as usize] = k as u32;
                *f += 1;
            }
        }
        Bands {
            segs,
            y0,
            height,
            x_min,
            x_max,
            start,
            list,
        }
    }

    /// Whether `p` is inside under the half-open rule.
    pub(crate) fn contains(&self, p: Coord<f64>) -> bool {
        let n = self.start.len() - 1;
        if self.segs.is_empty() || p.x < self.x_min || p.x > self.x_max || p.y < self.y0 {
            return false;
        }
        let b = ((p.y - self.y0) / self.height) as usize;
        if b >= n && p.y > self.y0 + self.height * n as f64 {
            return false;
        }
        let b = b.min(n - 1);
        let mut wn = 0i32;
        for &k in &self.list[self.start[b] as usize..self.start[b + 1] as usize] {
            let [a, c] = self.segs[k as usize];
            if a.y <= p.y {
                if c.y > p.y && side(a, c, p) > 0 {
                    wn += 1;
                }
            } else if c.y <= p.y && side(a, c, p) < 0 {
                wn -= 1;
            }
        }
        wn != 0
    }
}

#[cfg(test)]
mod tests {
    use geo_types::polygon;

    use super::*;

    #[test]
    fn agrees_with_the_checkers_rule_on_a_grid_of_points() {
        let mp = MultiPolygon(vec![polygon![
            exterior: [(x: 0., y: 0.), (x: 4., y: 0.), (x: 4., y: 4.), (x: 2., y: 1.), (x: 0., y: 4.)],
            interiors: [[(x: 0.5, y: 0.5), (x: 1.0, y: 0.5), (x: 1.0, y: 1.0), (x: 0.5, y: 1.0)]],
        ]]);
        let bands = Bands::new(&mp);
        for i in 0..=40 {
            for j in 0..=40 {
                let p = Coord {
                    x: f64::from(i) * 0.1,
                    y: f64::from(j) * 0.1,
                };
                assert_eq!(
                    bands.contains(p),
                    citygrid_planar::contains(&mp, p),
                    "{p:?}"
                );
            }
        }
    }
}
