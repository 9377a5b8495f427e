//! A uniform bucket grid for finding what lies near a segment or in a box.

/// Items (indices) filed by the buckets of a uniform grid they touch, stored
/// flat (compressed rows): one offsets array and one items array, so a lookup is
/// two loads and no hashing.
#[derive(Debug)]
pub(crate) struct Grid {
    min: [f64; 2],
    size: f64,
    dims: [i64; 2],
    start: Vec<u32>,
    items: Vec<u32>,
}

impl Grid {
    /// An empty grid over the box `min`..`max` with buckets about `size` wide
    /// (wider when that would make more than four buckets per item); file the
    /// items with [`Grid::fill`].
    pub(crate) fn new(min: [f64; 2], max: [f64; 2], size: f64, items: usize) -> Grid {
        let (w, h) = ((max[0] - min[0]).max(1.0), (max[1] - min[1]).max(1.0));
        let floor = (w * h / (4.0 * items.max(1) as f64)).sqrt();
        let size = size.max(floor).max(1e-9);
        let dims = [(w / size) as i64 + 1, (h / size) as i64 + 1];
        Grid {
            min,
            size,
            dims,
            start: vec![0; (dims[0] * dims[1]) as usize + 1],
            items: Vec::new(),
        }
    }

    /// Files `(bucket, item)` pairs (a counting sort: each bucket keeps its items
    /// in the order given). Callers find the pairs, the costly part, in parallel
    /// when there are many.
    pub(crate) fn fill(mut self, pairs: &[(u32, u32)]) -> Grid {
        for &(b, _) in pairs {
            self.start[b as usize + 1] += 1;
        }
        for i in 1..self.start.len() {
            self.start[i] += self.start[i - 1];
        }
        let mut next = self.start.clone();
        self.items = vec![0; pairs.len()];
        for &(b, item) in pairs {
            self.items[next[b as usize] as usize] = item;
            next[b as usize] += 1;
        }
        self
    }

    fn cell(&self, p: [f64; 2]) -> (i64, i64) {
        (
            ((p[0] - self.min[0]) / self.size).floor() as i64,
            ((p[1] - self.min[1]) / self.size).floor() as i64,
        )
    }

    fn index(&self, (x, y): (i64, i64)) -> Option<usize> {
        ((0..self.dims[0]).contains(&x) && (0..self.dims[1]).contains(&y))
            .then(|| (y * self.dims[0] + x) as usize)
    }

    /// The bucket holding a point (clamped to the grid).
    pub(crate) fn bucket_of(&self, p: [f64; 2]) -> usize {
        let (x, y) = self.cell(p);
        (y.clamp(0, self.dims[1] - 1) * self.dims[0] + x.clamp(0, self.dims[0] - 1)) as usize
    }

    /// Buckets a segment thickened by `margin` may touch (each once).
    pub(crate) fn buckets_of_segment(
        &self,
        a: [f64; 2],
        b: [f64; 2],
        margin: f64,
        out: &mut Vec<usize>,
    ) {
        out.clear();
        let (x0, y0) = self.cell([a[0].min(b[0]) - margin, a[1].min(b[1]) - margin]);
        let (x1, y1) = self.cell([a[0].max(b[0]) + margin, a[1].max(b[1]) + margin]);
        if (x1 - x0 + 1) * (y1 - y0 + 1) <= 16 {
            for y in y0..=y1 {
                for x in x0..=x1 {
                    out.extend(self.index((x, y)));
                }
            }
            return;
        }
        let len = (b[0] - a[0]).hypot(b[1] - a[1]);
        let steps = (2.0 * len / self.size).ceil().max(1.0) as usize;
        for i in 0..=steps {
            let t = i as f64 / steps as f64;
            let (cx, cy) = self.cell([a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])]);
            for y in cy - 1..=cy + 1 {
                for x in cx - 1..=cx + 1 {
                    out.extend(self.index((x, y)));
                }
            }
        }
        out.sort_unstable();
        out.dedup();
    }

    /// Items in one bucket.
    pub(crate) fn items(&self, bucket: usize) -> &[u32] {
        &self.items[self.start[bucket] as usize..self.start[bucket + 1] as usize]
    }

    /// Calls `f` with every item in the buckets a box touches.
    pub(crate) fn for_box(&self, min: [f64; 2], max: [f64; 2], mut f: impl FnMut(u32)) {
        let (x0, y0) = self.cell(min);
        let (x1, y1) = self.cell(max);
        for y in y0.max(0)..=y1.min(self.dims[1] - 1) {
            for x in x0.max(0)..=x1.min(self.dims[0] - 1) {
                for &i in self.items((y * self.dims[0] + x) as usize) {
                    f(i);
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
        let seg = ([0.0, 95.0], [95.0, 95.0]);
        let point = [50.0, 5.0];
        let g = Grid::new([0.0, 0.0], [100.0, 100.0], 10.0, 2);
        let mut buckets = Vec::new();
        g.buckets_of_segment(seg.0, seg.1, 0.0, &mut buckets);
        let mut pairs: Vec<(u32, u32)> = buckets.iter().map(|&b| (b as u32, 1)).collect();
        pairs.push((g.bucket_of(point) as u32, 2));
        let g = g.fill(&pairs);
        let mut near = Vec::new();
        g.for_box([40.0, 0.0], [60.0, 9.0], |i| near.push(i));
        assert_eq!(near, vec![2]);
        let mut buckets = Vec::new();
        g.buckets_of_segment([50.0, 90.0], [52.0, 92.0], 0.0, &mut buckets);
        assert!(buckets.iter().any(|&b| g.items(b).contains(&1)));
    }
}
