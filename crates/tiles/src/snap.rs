//! Snap rounding: polylines onto an integer grid without creating crossings.
//!
//! Rounding each vertex on its own can make two segments that passed close to each
//! other cross, or a segment pass over a vertex it used to miss. Snap rounding
//! (Hobby 1999; Guibas and Marimont 1998) avoids this: every pixel that holds a
//! vertex (or an extra point the caller adds) is *hot*, and every segment is
//! replaced by the path through the centres of the hot pixels it passes, in order.
//! Two snapped segments then never cross; at worst they come to share vertices or
//! whole segments, and a face between them collapses to nothing. The result is
//! still a coverage: features can vanish, never overlap.
//!
//! Pixels are half-open squares `[c - u/2, c + u/2)` around centres `c` on a grid of
//! step `u`, so every point is in exactly one pixel. All tests are exact integer
//! arithmetic: inputs are integers on a grid `u` times finer than the output
//! (callers use `u = 256` for float input rounded to 1/256 unit, and `u = 2` for
//! input that is already on the output grid).

use rayon::prelude::*;

use citygrid_planar::{Buckets, Grid};

use crate::grid::{at, sized};

/// Pixel sets at least this large are sorted and filed on all cores (a tile's
/// few border pixels are not: tiles are rendered in parallel already).
const PARALLEL: usize = 4096;

/// An integer point.
pub(crate) type Pt = [i64; 2];

/// The hot pixels, filed in a grid for finding the ones near a segment.
#[derive(Debug)]
pub(crate) struct HotPixels {
    /// Pixel size in input units (even).
    unit: i64,
    pixels: Vec<Pt>,
    grid: Option<(Grid, Buckets)>,
}

impl HotPixels {
    /// Hot pixels (pixel coordinates) for input on a grid `unit` times finer;
    /// `spacing` is a typical segment length in pixels (sizes the buckets).
    /// Repeats next to each other are dropped; others only cost a little time
    /// (sorting them all away cost more).
    pub(crate) fn new(unit: i64, mut pixels: Vec<Pt>, spacing: f64) -> HotPixels {
        pixels.dedup();
        let f = |p: Pt| [p[0] as f64, p[1] as f64];
        let grid = pixels.first().map(|&first| {
            let (lo, hi) = pixels.iter().fold((first, first), |(lo, hi), p| {
                (
                    [lo[0].min(p[0]), lo[1].min(p[1])],
                    [hi[0].max(p[0]), hi[1].max(p[1])],
                )
            });
            let grid = sized(f(lo), f(hi), spacing.max(4.0), pixels.len());
            let pair = |(i, &p): (usize, &Pt)| (grid.bucket(at(f(p))) as u32, i as u32);
            let pairs: Vec<(u32, u32)> = if pixels.len() >= PARALLEL {
                pixels.par_iter().enumerate().map(pair).collect()
            } else {
                pixels.iter().enumerate().map(pair).collect()
            };
            (grid, Buckets::from_pairs(grid.len(), &pairs))
        });
        HotPixels { unit, pixels, grid }
    }

    /// The pixel (its centre, in pixel coordinates) that holds an input point.
    pub(crate) fn pixel_of(&self, p: Pt) -> Pt {
        pixel_of(p, self.unit)
    }
}

/// The pixel holding a point given in units `unit` times finer than pixels.
pub(crate) fn pixel_of(p: Pt, unit: i64) -> Pt {
    let h = unit / 2;
    [(p[0] + h).div_euclid(unit), (p[1] + h).div_euclid(unit)]
}

/// Snaps segments against a set of hot pixels, reusing its buffers.
#[derive(Debug)]
pub(crate) struct Snapper<'a> {
    hot: &'a HotPixels,
    buckets: Vec<usize>,
    hits: Vec<(i128, Pt)>,
}

impl<'a> Snapper<'a> {
    pub(crate) fn new(hot: &'a HotPixels) -> Snapper<'a> {
        Snapper {
            hot,
            buckets: Vec::new(),
            hits: Vec::new(),
        }
    }

    /// Appends to `out` the hot pixels segment `a`-`b` (input units) passes, in
    /// order from `a` to `b`, starting with `a`'s pixel unless `out` already ends
    /// with it, and always ending with `b`'s pixel.
    pub(crate) fn snap_segment(&mut self, a: Pt, b: Pt, out: &mut Vec<Pt>) {
        let (pa, pb) = (self.hot.pixel_of(a), self.hot.pixel_of(b));
        if out.last() != Some(&pa) {
            out.push(pa);
        }
        if pa == pb {
            return;
        }
        let dd = [i128::from(b[0] - a[0]), i128::from(b[1] - a[1])];
        let unit = self.hot.unit;
        let mut hits = std::mem::take(&mut self.hits);
        hits.clear();
        self.for_each_passed(a, b, |px| {
            let cc = [
                i128::from(px[0] * unit - a[0]),
                i128::from(px[1] * unit - a[1]),
            ];
            hits.push((cc[0] * dd[0] + cc[1] * dd[1], px));
            false
        });
        hits.sort_unstable();
        for &(_, px) in &hits {
            if out.last() != Some(&px) {
                out.push(px);
            }
        }
        self.hits = hits;
        if out.last() != Some(&pb) {
            out.push(pb);
        }
    }

    /// Whether segment `a`-`b` (input units) passes a hot pixel other than the
    /// two its ends are in: whether snapping would bend it.
    pub(crate) fn would_bend(&mut self, a: Pt, b: Pt) -> bool {
        let (pa, pb) = (self.hot.pixel_of(a), self.hot.pixel_of(b));
        pa != pb && self.for_each_passed(a, b, |_| true)
    }

    /// Calls `hit` with each hot pixel the segment `a`-`b` (in different pixels)
    /// meets, other than its ends' pixels, until `hit` answers true; returns
    /// whether it did.
    fn for_each_passed(&mut self, a: Pt, b: Pt, mut hit: impl FnMut(Pt) -> bool) -> bool {
        let unit = self.hot.unit;
        let (pa, pb) = (pixel_of(a, unit), pixel_of(b, unit));
        let Some(grid) = &self.hot.grid else {
            return false;
        };
        let u = unit as f64;
        let fa = [a[0] as f64 / u, a[1] as f64 / u];
        let fb = [b[0] as f64 / u, b[1] as f64 / u];
        let d = [fb[0] - fa[0], fb[1] - fa[1]];
        // 0.75 of the length, squared: the distance test below without a root.
        let reach2 = 0.5625 * (d[0] * d[0] + d[1] * d[1]);
        let lo = [fa[0].min(fb[0]) - 1.0, fa[1].min(fb[1]) - 1.0];
        let hi = [fa[0].max(fb[0]) + 1.0, fa[1].max(fb[1]) + 1.0];
        let (grid, items) = grid;
        grid.buckets_along(at(fa), at(fb), 1.0, &mut self.buckets);
        for &bk in &self.buckets {
            for &i in items.items(bk) {
                let px = self.hot.pixels[i as usize];
                let c = [px[0] as f64, px[1] as f64];
                // Cheap rejections first: outside the segment's box, or farther
                // from its line than a pixel's half-diagonal (0.71).
                if px == pa
                    || px == pb
                    || c[0] < lo[0]
                    || c[0] > hi[0]
                    || c[1] < lo[1]
                    || c[1] > hi[1]
                    || {
                        let cross = d[0] * (c[1] - fa[1]) - d[1] * (c[0] - fa[0]);
                        cross * cross > reach2
                    }
                {
                    continue;
                }
                let centre = [px[0] * unit, px[1] * unit];
                if segment_meets_pixel(
                    [a[0] - centre[0], a[1] - centre[1]],
                    [b[0] - centre[0], b[1] - centre[1]],
                    unit / 2,
                ) && hit(px)
                {
                    return true;
                }
            }
        }
        false
    }

    /// Snaps a whole polyline (input units) to pixel coordinates.
    pub(crate) fn snap_polyline(&mut self, line: &[Pt]) -> Vec<Pt> {
        let mut out = Vec::with_capacity(line.len());
        if let [p] = line {
            out.push(self.hot.pixel_of(*p));
        }
        for w in line.windows(2) {
            self.snap_segment(w[0], w[1], &mut out);
        }
        out
    }
}

/// Exact test: does the segment `a`-`b` (relative to a pixel centre) meet the
/// half-open square `[-m, m)²`? Liang-Barsky clipping against the closed square
/// with rational parameters, then the parts of the square's right and top sides
/// are taken out.
pub(crate) fn segment_meets_pixel(a: Pt, b: Pt, m: i64) -> bool {
    let (x0, y0) = (i128::from(a[0]), i128::from(a[1]));
    let (dx, dy) = (i128::from(b[0] - a[0]), i128::from(b[1] - a[1]));
    let m = i128::from(m);
    // Parameters as fractions num/den with den > 0.
    let (mut en, mut ed) = (0i128, 1i128);
    let (mut ln, mut ld) = (1i128, 1i128);
    for (p, q) in [(-dx, x0 + m), (dx, m - x0), (-dy, y0 + m), (dy, m - y0)] {
        if p == 0 {
            if q < 0 {
                return false;
            }
            continue;
        }
        let (n, d) = if p < 0 { (-q, -p) } else { (q, p) };
        if p < 0 {
            // Entering: t_enter = max(t_enter, n/d).
            if n * ed > en * d {
                (en, ed) = (n, d);
            }
        } else if n * ld < ln * d {
            (ln, ld) = (n, d);
        }
    }
    if en * ld > ln * ed {
        return false;
    }
    // Drop what lies only on the open sides x = m or y = m.
    if (dx == 0 && x0 == m) || (dy == 0 && y0 == m) {
        return false;
    }
    if en * ld == ln * ed {
        let on_right = x0 * ed + en * dx == m * ed;
        let on_top = y0 * ed + en * dy == m * ed;
        if on_right || on_top {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pixels_are_half_open() {
        let m = 1;
        // Through the centre.
        assert!(segment_meets_pixel([-5, 0], [5, 0], m));
        // Along the closed bottom side, and along the open top side.
        assert!(segment_meets_pixel([-5, -1], [5, -1], m));
        assert!(!segment_meets_pixel([-5, 1], [5, 1], m));
        // Touching only the open corner (1, 1).
        assert!(!segment_meets_pixel([0, 2], [2, 0], m));
        // Touching the closed corner (-1, -1).
        assert!(segment_meets_pixel([-2, 0], [0, -2], m));
        // Missing it.
        assert!(!segment_meets_pixel([-5, 3], [5, 2], m));
        // A point segment inside and on the open side.
        assert!(segment_meets_pixel([0, 0], [0, 0], m));
        assert!(!segment_meets_pixel([1, 0], [1, 0], m));
    }

    #[test]
    fn a_segment_passing_near_a_vertex_bends_through_it() {
        // Input on the output grid (unit 2): a vertex at (5, 1) and a segment from
        // (0, 0) to (10, 1) passing 0.4 below it: the segment snaps through it.
        let hot = HotPixels::new(2, vec![[0, 0], [10, 1], [5, 1]], 4.0);
        let out = Snapper::new(&hot).snap_polyline(&[[0, 0], [20, 2]]);
        assert_eq!(out, vec![[0, 0], [5, 1], [10, 1]]);
        assert!(Snapper::new(&hot).would_bend([0, 0], [20, 2]));
        // A far vertex leaves it straight.
        let hot = HotPixels::new(2, vec![[0, 0], [10, 1], [5, 4]], 4.0);
        assert_eq!(
            Snapper::new(&hot).snap_polyline(&[[0, 0], [20, 2]]),
            vec![[0, 0], [10, 1]]
        );
        assert!(!Snapper::new(&hot).would_bend([0, 0], [20, 2]));
    }

    #[test]
    fn rounding_float_input_cannot_make_a_crossing() {
        // A vertex 0.05 above a segment: plain rounding would put it on the
        // segment's interior (a T-junction); snapping makes it a vertex of both.
        let f = |x: f64, y: f64| [(x * 256.0) as i64, (y * 256.0) as i64];
        let a = [f(0.0, 0.4), f(10.0, 0.4)];
        let b = [f(5.0, 0.45), f(5.0, 9.0)];
        let pixels = a.iter().chain(&b).map(|&p| pixel_of(p, 256)).collect();
        let hot = HotPixels::new(256, pixels, 8.0);
        let mut snap = Snapper::new(&hot);
        let sa = snap.snap_polyline(&a);
        let sb = snap.snap_polyline(&b);
        assert_eq!(sa, vec![[0, 0], [5, 0], [10, 0]]);
        assert_eq!(sb, vec![[5, 0], [5, 9]]);
    }
}
