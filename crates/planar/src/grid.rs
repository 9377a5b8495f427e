//! Uniform bucket grids: what lies near a point, a box or a segment, found without
//! a tree.
//!
//! A [`Grid`] is only the arithmetic (which bucket holds a point, which buckets a box
//! or a segment covers); what is filed is up to the caller: [`Buckets`] holds items
//! filed once, in compressed rows (two loads per lookup, no hashing), and noding keeps
//! growable lists because it files new pieces as it splits. How big a bucket should be
//! depends on what is filed (twice the mean edge length for noding, the snapping
//! distance for snapping, a pixel multiple for tiles), so callers choose the size.

use geo_types::Coord;

/// Square buckets of side `size` from `origin`, `nx` x `ny` of them; bucket
/// `(col, row)` covers `[origin + col * size, origin + (col + 1) * size)` in x, and the
/// same in y. Points outside are clamped to the border buckets by the `clamped`
/// lookups.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Grid {
    origin: Coord<f64>,
    size: f64,
    nx: usize,
    ny: usize,
}

impl Grid {
    /// A grid of `nx` x `ny` buckets (at least one each way).
    #[must_use]
    pub fn new(origin: Coord<f64>, size: f64, nx: usize, ny: usize) -> Grid {
        Grid {
            origin,
            size,
            nx: nx.max(1),
            ny: ny.max(1),
        }
    }

    /// The grid of buckets of side `size` from `lo` that reaches `hi`.
    #[must_use]
    pub fn over(lo: Coord<f64>, hi: Coord<f64>, size: f64) -> Grid {
        let n = |w: f64| (w / size).floor() as usize + 1;
        Grid::new(lo, size, n(hi.x - lo.x), n(hi.y - lo.y))
    }

    /// Number of buckets.
    #[must_use]
    pub fn len(&self) -> usize {
        self.nx * self.ny
    }

    /// Whether the grid has no bucket (never: a grid has at least one).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Buckets along x and y.
    #[must_use]
    pub fn dims(&self) -> (usize, usize) {
        (self.nx, self.ny)
    }

    /// The side of a bucket.
    #[must_use]
    pub fn size(&self) -> f64 {
        self.size
    }

    /// Column and row of the bucket holding `p`, not clamped (may lie outside).
    #[inline]
    #[must_use]
    pub fn cell(&self, p: Coord<f64>) -> (i64, i64) {
        (
            ((p.x - self.origin.x) / self.size).floor() as i64,
            ((p.y - self.origin.y) / self.size).floor() as i64,
        )
    }

    /// Column and row of the bucket holding `p`, clamped to the grid.
    #[inline]
    #[must_use]
    pub fn clamped(&self, p: Coord<f64>) -> (usize, usize) {
        let i = ((p.x - self.origin.x) / self.size).floor().max(0.0) as usize;
        let j = ((p.y - self.origin.y) / self.size).floor().max(0.0) as usize;
        (i.min(self.nx - 1), j.min(self.ny - 1))
    }

    /// The bucket at a column and row.
    #[inline]
    #[must_use]
    pub fn index(&self, col: usize, row: usize) -> usize {
        row * self.nx + col
    }

    /// The bucket holding `p`, clamped to the grid.
    #[inline]
    #[must_use]
    pub fn bucket(&self, p: Coord<f64>) -> usize {
        let (i, j) = self.clamped(p);
        self.index(i, j)
    }

    /// The bucket at a column and row when they lie in the grid.
    #[inline]
    #[must_use]
    pub fn checked(&self, col: i64, row: i64) -> Option<usize> {
        let (c, r) = (usize::try_from(col).ok()?, usize::try_from(row).ok()?);
        (c < self.nx && r < self.ny).then(|| self.index(c, r))
    }

    /// Columns `x0..=x1` and rows `y0..=y1` of the buckets a box covers, cut to the
    /// grid; `None` when the box misses the grid.
    #[inline]
    #[must_use]
    pub fn span(&self, lo: Coord<f64>, hi: Coord<f64>) -> Option<(usize, usize, usize, usize)> {
        let (x0, y0) = self.cell(lo);
        let (x1, y1) = self.cell(hi);
        let last = |n: usize| n as i64 - 1;
        if x1 < 0 || y1 < 0 || x0 > last(self.nx) || y0 > last(self.ny) || x0 > x1 || y0 > y1 {
            return None;
        }
        let cut = |v: i64, n: usize| v.clamp(0, last(n)) as usize;
        Some((
            cut(x0, self.nx),
            cut(y0, self.ny),
            cut(x1, self.nx),
            cut(y1, self.ny),
        ))
    }

    /// The buckets a segment thickened by `margin` may touch, each once, into
    /// `out`: the box's buckets when there are few, else a walk along the segment in
    /// half-bucket steps with each step's neighbours. Buckets outside the grid are
    /// left out.
    pub fn buckets_along(&self, a: Coord<f64>, b: Coord<f64>, margin: f64, out: &mut Vec<usize>) {
        out.clear();
        let (x0, y0) = self.cell(Coord {
            x: a.x.min(b.x) - margin,
            y: a.y.min(b.y) - margin,
        });
        let (x1, y1) = self.cell(Coord {
            x: a.x.max(b.x) + margin,
            y: a.y.max(b.y) + margin,
        });
        if (x1 - x0 + 1) * (y1 - y0 + 1) <= 16 {
            for y in y0..=y1 {
                for x in x0..=x1 {
                    out.extend(self.checked(x, y));
                }
            }
            return;
        }
        let len = (b.x - a.x).hypot(b.y - a.y);
        let steps = (2.0 * len / self.size).ceil().max(1.0) as usize;
        for i in 0..=steps {
            let t = i as f64 / steps as f64;
            let (cx, cy) = self.cell(Coord {
                x: a.x + t * (b.x - a.x),
                y: a.y + t * (b.y - a.y),
            });
            for y in cy - 1..=cy + 1 {
                for x in cx - 1..=cx + 1 {
                    out.extend(self.checked(x, y));
                }
            }
        }
        out.sort_unstable();
        out.dedup();
    }
}

/// Items filed by bucket once, in compressed rows: the items of bucket `b` are
/// `items[start[b]..start[b + 1]]`, in the order they were given.
#[derive(Debug, Clone, Default)]
pub struct Buckets {
    start: Vec<u32>,
    items: Vec<u32>,
}

impl Buckets {
    /// Files `(bucket, item)` pairs into `buckets` buckets by a counting sort. Finding
    /// the pairs is the costly part; callers may do it in parallel.
    ///
    /// # Panics
    /// When a pair names a bucket `>= buckets`.
    #[must_use]
    pub fn from_pairs(buckets: usize, pairs: &[(u32, u32)]) -> Buckets {
        let mut start = vec![0u32; buckets + 1];
        for &(b, _) in pairs {
            start[b as usize + 1] += 1;
        }
        for i in 1..start.len() {
            start[i] += start[i - 1];
        }
        let mut next = start.clone();
        let mut items = vec![0; pairs.len()];
        for &(b, item) in pairs {
            items[next[b as usize] as usize] = item;
            next[b as usize] += 1;
        }
        Buckets { start, items }
    }

    /// The items of one bucket.
    #[inline]
    #[must_use]
    pub fn items(&self, bucket: usize) -> &[u32] {
        &self.items[self.start[bucket] as usize..self.start[bucket + 1] as usize]
    }

    /// The items of buckets `first..=last` (consecutive in one row), as one slice.
    #[inline]
    #[must_use]
    pub fn run(&self, first: usize, last: usize) -> &[u32] {
        &self.items[self.start[first] as usize..self.start[last + 1] as usize]
    }

    /// Calls `f` with every item in the buckets a box covers (an item filed in
    /// several of them comes several times).
    pub fn for_box(&self, grid: &Grid, lo: Coord<f64>, hi: Coord<f64>, mut f: impl FnMut(u32)) {
        let Some((x0, y0, x1, y1)) = grid.span(lo, hi) else {
            return;
        };
        for y in y0..=y1 {
            for &i in self.run(grid.index(x0, y), grid.index(x1, y)) {
                f(i);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(x: f64, y: f64) -> Coord<f64> {
        Coord { x, y }
    }

    #[test]
    fn a_long_segment_touches_the_buckets_along_it_only() {
        let g = Grid::over(c(0.0, 0.0), c(100.0, 100.0), 10.0);
        assert_eq!(g.dims(), (11, 11));
        let mut along = Vec::new();
        g.buckets_along(c(0.0, 95.0), c(95.0, 95.0), 0.0, &mut along);
        let mut pairs: Vec<(u32, u32)> = along.iter().map(|&b| (b as u32, 1)).collect();
        pairs.push((g.bucket(c(50.0, 5.0)) as u32, 2));
        let b = Buckets::from_pairs(g.len(), &pairs);
        let mut near = Vec::new();
        b.for_box(&g, c(40.0, 0.0), c(60.0, 9.0), |i| near.push(i));
        assert_eq!(near, vec![2]);
        g.buckets_along(c(50.0, 90.0), c(52.0, 92.0), 0.0, &mut along);
        assert!(along.iter().any(|&k| b.items(k).contains(&1)));
    }

    #[test]
    fn points_outside_are_clamped_or_left_out() {
        let g = Grid::over(c(0.0, 0.0), c(10.0, 10.0), 5.0);
        assert_eq!(g.bucket(c(-3.0, 50.0)), g.index(0, 2));
        assert_eq!(g.checked(-1, 0), None);
        assert_eq!(g.checked(2, 2), Some(8));
        assert_eq!(g.cell(c(-3.0, 12.0)), (-1, 2));
    }
}
