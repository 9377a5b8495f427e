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

use rustc_hash::FxHashMap;

use crate::grid::buckets_along;

/// An integer point.
pub(crate) type Pt = [i64; 2];

/// Hot pixels, by bucket of pixels, for finding the ones near a segment.
#[derive(Debug)]
pub(crate) struct HotPixels {
    /// Pixel size in input units (even).
    unit: i64,
    /// Bucket size in pixels.
    bucket: i64,
    map: FxHashMap<(i64, i64), Vec<Pt>>,
}

impl HotPixels {
    /// No hot pixels yet, for input on a grid `unit` times finer than the pixels.
    pub(crate) fn new(unit: i64, bucket: i64) -> HotPixels {
        HotPixels {
            unit,
            bucket: bucket.max(1),
            map: FxHashMap::default(),
        }
    }

    /// The pixel (its centre, in pixel coordinates) that holds an input point.
    pub(crate) fn pixel_of(&self, p: Pt) -> Pt {
        let h = self.unit / 2;
        [
            (p[0] + h).div_euclid(self.unit),
            (p[1] + h).div_euclid(self.unit),
        ]
    }

    /// Makes the pixel holding an input point hot.
    pub(crate) fn add_point(&mut self, p: Pt) {
        let px = self.pixel_of(p);
        self.add_pixel(px);
    }

    /// Makes a pixel hot (pixel coordinates).
    pub(crate) fn add_pixel(&mut self, px: Pt) {
        let key = (px[0].div_euclid(self.bucket), px[1].div_euclid(self.bucket));
        let v = self.map.entry(key).or_default();
        if !v.contains(&px) {
            v.push(px);
        }
    }

    /// Appends to `out` the hot pixels segment `a`-`b` (input units) passes, in
    /// order from `a` to `b`, starting with `a`'s pixel unless `out` already ends
    /// with it, and always ending with `b`'s pixel.
    pub(crate) fn snap_segment(&self, a: Pt, b: Pt, out: &mut Vec<Pt>) {
        let (pa, pb) = (self.pixel_of(a), self.pixel_of(b));
        let mut hits: Vec<(i128, Pt)> = Vec::new();
        if pa != pb {
            let u = self.unit as f64;
            let fa = [a[0] as f64 / u, a[1] as f64 / u];
            let fb = [b[0] as f64 / u, b[1] as f64 / u];
            let d = [i128::from(b[0] - a[0]), i128::from(b[1] - a[1])];
            for key in buckets_along(fa, fb, self.bucket as f64, 1.0) {
                let Some(pixels) = self.map.get(&key) else {
                    continue;
                };
                for &px in pixels {
                    if px == pa || px == pb || !self.passes(a, b, px) {
                        continue;
                    }
                    let c = [
                        i128::from(px[0] * self.unit - a[0]),
                        i128::from(px[1] * self.unit - a[1]),
                    ];
                    hits.push((c[0] * d[0] + c[1] * d[1], px));
                }
            }
            hits.sort_unstable();
            hits.dedup();
        }
        if out.last() != Some(&pa) {
            out.push(pa);
        }
        for (_, px) in hits {
            if out.last() != Some(&px) {
                out.push(px);
            }
        }
        if out.last() != Some(&pb) {
            out.push(pb);
        }
    }

    /// Snaps a whole polyline (input units) to pixel coordinates.
    pub(crate) fn snap_polyline(&self, line: &[Pt]) -> Vec<Pt> {
        let mut out = Vec::with_capacity(line.len());
        match line {
            [] => {}
            [p] => out.push(self.pixel_of(*p)),
            _ => {
                for w in line.windows(2) {
                    self.snap_segment(w[0], w[1], &mut out);
                }
            }
        }
        out
    }

    /// Does segment `a`-`b` meet the half-open pixel `px`?
    fn passes(&self, a: Pt, b: Pt, px: Pt) -> bool {
        let c = [px[0] * self.unit, px[1] * self.unit];
        segment_meets_pixel(
            [a[0] - c[0], a[1] - c[1]],
            [b[0] - c[0], b[1] - c[1]],
            self.unit / 2,
        )
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
        let mut hot = HotPixels::new(2, 4);
        for p in [[0, 0], [20, 2], [10, 2]] {
            hot.add_point(p);
        }
        let out = hot.snap_polyline(&[[0, 0], [20, 2]]);
        assert_eq!(out, vec![[0, 0], [5, 1], [10, 1]]);
        // A far vertex leaves it straight.
        let mut hot = HotPixels::new(2, 4);
        for p in [[0, 0], [20, 2], [10, 8]] {
            hot.add_point(p);
        }
        assert_eq!(hot.snap_polyline(&[[0, 0], [20, 2]]), vec![[0, 0], [10, 1]]);
    }

    #[test]
    fn rounding_float_input_cannot_make_a_crossing() {
        // A vertex 0.05 above a segment: plain rounding would put it on the
        // segment's interior (a T-junction); snapping makes it a vertex of both.
        let f = |x: f64, y: f64| [(x * 256.0) as i64, (y * 256.0) as i64];
        let mut hot = HotPixels::new(256, 8);
        let a = [f(0.0, 0.4), f(10.0, 0.4)];
        let b = [f(5.0, 0.45), f(5.0, 9.0)];
        for p in a.iter().chain(&b) {
            hot.add_point(*p);
        }
        let sa = hot.snap_polyline(&a);
        let sb = hot.snap_polyline(&b);
        assert_eq!(sa, vec![[0, 0], [5, 0], [10, 0]]);
        assert_eq!(sb, vec![[5, 0], [5, 9]]);
    }
}
