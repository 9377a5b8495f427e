//! A uniform bucket grid for finding what lies near a segment or in a box.

use rustc_hash::FxHashMap;

/// Buckets of size `size` that a segment from `a` to `b`, thickened by `margin`
/// on every side, may touch: every bucket of its box when that is small, else the
/// 3 × 3 neighbourhoods of points sampled every half bucket along it.
pub(crate) fn buckets_along(a: [f64; 2], b: [f64; 2], size: f64, margin: f64) -> Vec<(i64, i64)> {
    let cell = |v: f64| (v / size).floor() as i64;
    let (x0, x1) = (cell(a[0].min(b[0]) - margin), cell(a[0].max(b[0]) + margin));
    let (y0, y1) = (cell(a[1].min(b[1]) - margin), cell(a[1].max(b[1]) + margin));
    if (x1 - x0 + 1) * (y1 - y0 + 1) <= 9 {
        let mut out = Vec::with_capacity(9);
        for x in x0..=x1 {
            for y in y0..=y1 {
                out.push((x, y));
            }
        }
        return out;
    }
    debug_assert!(
        margin < size / 2.0,
        "the neighbourhoods must cover the margin"
    );
    let len = (b[0] - a[0]).hypot(b[1] - a[1]);
    let steps = (len / (size / 2.0)).ceil().max(1.0) as usize;
    let mut out = Vec::with_capacity(steps * 4 + 9);
    for i in 0..=steps {
        let t = i as f64 / steps as f64;
        let (cx, cy) = (
            cell(a[0] + t * (b[0] - a[0])),
            cell(a[1] + t * (b[1] - a[1])),
        );
        for x in cx - 1..=cx + 1 {
            for y in cy - 1..=cy + 1 {
                out.push((x, y));
            }
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// Items (indices) filed by the buckets they touch.
#[derive(Debug)]
pub(crate) struct Grid {
    size: f64,
    map: FxHashMap<(i64, i64), Vec<u32>>,
}

impl Grid {
    /// An empty grid of buckets `size` wide.
    pub(crate) fn new(size: f64) -> Grid {
        Grid {
            size,
            map: FxHashMap::default(),
        }
    }

    /// Files a point.
    pub(crate) fn add_point(&mut self, p: [f64; 2], item: u32) {
        let key = (
            (p[0] / self.size).floor() as i64,
            (p[1] / self.size).floor() as i64,
        );
        self.map.entry(key).or_default().push(item);
    }

    /// Files a segment under every bucket it may touch.
    pub(crate) fn add_segment(&mut self, a: [f64; 2], b: [f64; 2], item: u32) {
        for key in buckets_along(a, b, self.size, 0.0) {
            self.map.entry(key).or_default().push(item);
        }
    }

    /// Items filed near a segment (each at most once per bucket; may repeat).
    pub(crate) fn near_segment(&self, a: [f64; 2], b: [f64; 2], out: &mut Vec<u32>) {
        for key in buckets_along(a, b, self.size, 0.0) {
            if let Some(v) = self.map.get(&key) {
                out.extend_from_slice(v);
            }
        }
    }

    /// Items filed in the buckets a box touches.
    pub(crate) fn in_box(&self, min: [f64; 2], max: [f64; 2], out: &mut Vec<u32>) {
        let cell = |v: f64| (v / self.size).floor() as i64;
        let (x0, x1, y0, y1) = (cell(min[0]), cell(max[0]), cell(min[1]), cell(max[1]));
        if ((x1 - x0 + 1) * (y1 - y0 + 1)) as usize > self.map.len() {
            for (&(x, y), v) in &self.map {
                if (x0..=x1).contains(&x) && (y0..=y1).contains(&y) {
                    out.extend_from_slice(v);
                }
            }
            return;
        }
        for x in x0..=x1 {
            for y in y0..=y1 {
                if let Some(v) = self.map.get(&(x, y)) {
                    out.extend_from_slice(v);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_segment_touches_the_buckets_along_it_only() {
        let b = buckets_along([0.5, 0.5], [99.5, 0.5], 10.0, 1.0);
        assert!(b.contains(&(0, 0)) && b.contains(&(9, 0)) && b.contains(&(5, -1)));
        assert!(!b.iter().any(|&(_, y)| y.abs() > 1));
        let mut g = Grid::new(10.0);
        g.add_segment([0.0, 0.0], [95.0, 95.0], 1);
        g.add_point([50.0, 5.0], 2);
        let mut near = Vec::new();
        g.in_box([40.0, 0.0], [60.0, 9.0], &mut near);
        assert_eq!(near, vec![2]);
        near.clear();
        g.near_segment([50.0, 50.0], [52.0, 52.0], &mut near);
        assert!(near.contains(&1));
    }
}
