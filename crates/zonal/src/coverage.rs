//! Exact coverage fractions: how much of each pixel a polygon covers.
//!
//! This is the quantity exactextract computes (Baston, "exactextract", 2018): the area of
//! polygon ∩ pixel divided by the pixel's area, exact up to floating point, for boundary
//! pixels, and 1 for pixels wholly inside. It is computed from the winding number: the
//! coverage of the strip `x ∈ [c, c+1]` at height `y` is `Σ s_e · clamp(x_e(y) - c, 0, 1)`
//! over the ring edges `e` crossing that height at `x_e(y)` in direction `s_e`. Integrated
//! over a pixel row, an edge piece inside pixel `(c, r)` adds the trapezoid
//! `dy · (x_mid - c)` to that pixel (exact: the integrand is linear in `y`) and the full
//! `dy` to every pixel left of it in the row. Each ring is cut into pieces at every pixel
//! line it crosses (O(boundary pixels)); the pieces are sorted by row and column and
//! each row summed once from right to left, which is the fill: the pixels between two
//! pieces are wholly in or out and are kept as one run, so a polygon costs
//! O(n log n) in its n pieces (vertices plus pixel-line crossings), however many pixels
//! it covers.
//!
//! Pixels no piece passes through can only be wholly in or wholly out; their winding sum
//! is rounded to 0 or 1, so rounding noise of the sums never leaks into interior or
//! exterior pixels. Rings are taken in either orientation: each is normalised by the sign
//! of its own area, so shells add and holes subtract.

use geo_types::{LineString, MultiPolygon};

use crate::error::{Result, ZonalError};
use crate::grid::PixelGrid;

/// Boundary fractions at or below this are rounding noise of the area sums (they are
/// sums of terms up to 1 whose exact total is 0), not coverage, and are dropped. A true
/// sliver this thin (a polygon corner clipping 1e-12 of a pixel) is dropped too: its
/// weight moves count, sum and mean by less than that, but min and max then leave its
/// pixel out where exactextract would keep it.
pub const MIN_FRACTION: f64 = 1e-12;

/// The pixels one polygon covers and how much of each: only pixels with a fraction in
/// `(MIN_FRACTION, 1]`, the partial ones one by one and the whole ones as runs along a
/// row, so a large cell costs memory for its boundary, not its area.
///
/// Pixels outside the raster are not listed, so the fractions describe polygon ∩ raster.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Coverage {
    /// Pixels covered in part: index and fraction in `(MIN_FRACTION, 1)`, row-major.
    partial: Vec<(u32, f64)>,
    /// Pixels covered wholly: first index and length of each run, row-major.
    whole: Vec<(u32, u32)>,
}

impl Coverage {
    /// The coverage of `shape` (in the raster's CRS) on `grid`.
    ///
    /// Shapes are taken as valid polygons: parts that overlap are counted once inside (a
    /// pixel inside two parts has fraction 1) but their boundary pixels add up, capped at 1.
    ///
    /// # Errors
    /// [`ZonalError::NonFinite`] if a vertex is NaN or infinite.
    ///
    /// # Examples
    /// ```
    /// use citygrid_raster::GeoTransform;
    /// use citygrid_zonal::{Coverage, PixelGrid};
    /// use geo_types::{MultiPolygon, polygon};
    ///
    /// // 4 x 4 pixels of 1 x 1 unit; a unit square centred on the corner of 4 pixels
    /// let grid = PixelGrid { width: 4, height: 4, transform: GeoTransform::north_up(0.0, 4.0, 1.0, 1.0) };
    /// let square = polygon![(x: 0.5, y: 2.5), (x: 1.5, y: 2.5), (x: 1.5, y: 3.5), (x: 0.5, y: 3.5)];
    /// let c = Coverage::new(&grid, &MultiPolygon(vec![square]))?;
    /// assert_eq!(c.iter().collect::<Vec<_>>(), [(0, 0.25), (1, 0.25), (4, 0.25), (5, 0.25)]);
    /// # Ok::<(), citygrid_zonal::ZonalError>(())
    /// ```
    pub fn new(grid: &PixelGrid, shape: &MultiPolygon<f64>) -> Result<Coverage> {
        let rings = pixel_rings(grid, shape)?;
        let Some(window) = Window::around(grid, &rings) else {
            return Ok(Coverage::default());
        };
        let mut acc = Accumulator::new(window);
        for (ring, exterior) in &rings {
            let area = ring_area(ring);
            if area == 0.0 {
                continue;
            }
            // shells add and holes subtract, whichever way they were drawn
            let sign = if (area > 0.0) == *exterior { 1.0 } else { -1.0 };
            for pair in ring.windows(2) {
                acc.segment(pair[0], pair[1], sign);
            }
            if let (Some(&last), Some(&first)) = (ring.last(), ring.first()) {
                acc.segment(last, first, sign);
            }
        }
        Ok(acc.finish(grid.width))
    }

    /// Number of pixels with a fraction.
    #[must_use]
    pub fn len(&self) -> usize {
        self.partial.len() + self.whole.iter().map(|&(_, n)| n as usize).sum::<usize>()
    }

    /// Whether the polygon covers no pixel of the raster.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.partial.is_empty() && self.whole.is_empty()
    }

    /// `(pixel index, fraction)` pairs, row-major; the index is `row * width + col`.
    pub fn iter(&self) -> impl Iterator<Item = (usize, f64)> + '_ {
        let mut partial = self.partial().peekable();
        let mut whole = self
            .whole()
            .flat_map(|run| run.map(|i| (i, 1.0)))
            .peekable();
        std::iter::from_fn(move || match (partial.peek(), whole.peek()) {
            (Some(p), Some(w)) if p.0 < w.0 => partial.next(),
            (_, Some(_)) => whole.next(),
            (Some(_), None) => partial.next(),
            (None, None) => None,
        })
    }

    /// The pixels covered in part, `(index, fraction)`, row-major.
    pub fn partial(&self) -> impl ExactSizeIterator<Item = (usize, f64)> + '_ {
        self.partial.iter().map(|&(i, f)| (i as usize, f))
    }

    /// The pixels covered wholly, as runs of consecutive indices, row-major.
    pub fn whole(&self) -> impl ExactSizeIterator<Item = std::ops::Range<usize>> + '_ {
        self.whole
            .iter()
            .map(|&(i, n)| i as usize..i as usize + n as usize)
    }

    /// The same coverage with each fraction rounded to `f32`, as exactextract stores
    /// them (its coverage rasters are `float`): for comparing with it beyond the 1e-7
    /// relative that rounding leaves on each boundary pixel.
    #[must_use]
    pub fn rounded_to_f32(&self) -> Coverage {
        Coverage {
            partial: self
                .partial
                .iter()
                .map(|&(i, f)| (i, f64::from(f as f32)))
                .collect(),
            whole: self.whole.clone(),
        }
    }

    /// The sum of the fractions: the area of polygon ∩ raster in pixels.
    #[must_use]
    pub fn pixels(&self) -> f64 {
        let whole: u64 = self.whole.iter().map(|&(_, n)| u64::from(n)).sum();
        self.partial.iter().map(|&(_, f)| f).sum::<f64>() + whole as f64
    }
}

/// Each ring of the shape in pixel units (x = column, y = row), with whether it is a shell.
type Rings = Vec<(Vec<(f64, f64)>, bool)>;

fn pixel_rings(grid: &PixelGrid, shape: &MultiPolygon<f64>) -> Result<Rings> {
    let convert = |ring: &LineString<f64>| -> Result<Vec<(f64, f64)>> {
        ring.0
            .iter()
            .map(|c| {
                if c.x.is_finite() && c.y.is_finite() {
                    Ok(grid.pixel_of(c.x, c.y))
                } else {
                    Err(ZonalError::NonFinite { x: c.x, y: c.y })
                }
            })
            .collect()
    };
    let mut rings = Vec::new();
    for polygon in &shape.0 {
        rings.push((convert(polygon.exterior())?, true));
        for hole in polygon.interiors() {
            rings.push((convert(hole)?, false));
        }
    }
    Ok(rings)
}

/// The signed area `∮ x dy` of a ring in pixel units: the integral its pieces add up, so
/// its sign is the sign their sum takes. x is taken relative to the
/// first vertex to keep the products small.
fn ring_area(ring: &[(f64, f64)]) -> f64 {
    let Some(&(x0, _)) = ring.first() else {
        return 0.0;
    };
    let n = ring.len();
    (0..n)
        .map(|i| {
            let (a, b) = (ring[i], ring[(i + 1) % n]);
            (b.1 - a.1) * ((a.0 - x0) + (b.0 - x0)) * 0.5
        })
        .sum()
}

/// The pixels of the raster within the shape's bounding box: columns `c0..c1` and rows
/// `r0..r1`.
#[derive(Debug, Clone, Copy)]
struct Window {
    c0: usize,
    c1: usize,
    r0: usize,
    r1: usize,
}

impl Window {
    fn around(grid: &PixelGrid, rings: &Rings) -> Option<Window> {
        let (mut xmin, mut ymin) = (f64::INFINITY, f64::INFINITY);
        let (mut xmax, mut ymax) = (f64::NEG_INFINITY, f64::NEG_INFINITY);
        for &(x, y) in rings.iter().flat_map(|(r, _)| r) {
            (xmin, xmax) = (xmin.min(x), xmax.max(x));
            (ymin, ymax) = (ymin.min(y), ymax.max(y));
        }
        // (a geotransform with a positive pixel_y or negative pixel_x flips an axis;
        // the bounds are taken in pixel units, so that needs nothing here)
        let span = |lo: f64, hi: f64, n: usize| -> Option<(usize, usize)> {
            let n_f = n as f64;
            if !(lo < n_f && hi > 0.0) {
                return None;
            }
            // clamped to 0..=n: the casts are exact
            let a = lo.floor().clamp(0.0, n_f) as usize;
            let b = (hi.floor() + 1.0).clamp(0.0, n_f) as usize;
            (a < b).then_some((a, b))
        };
        let (c0, c1) = span(xmin, xmax, grid.width)?;
        let (r0, r1) = span(ymin, ymax, grid.height)?;
        Some(Window { c0, c1, r0, r1 })
    }

    fn cols(&self) -> usize {
        self.c1 - self.c0
    }
}

/// The pieces of the rings inside the window, as events to sum row by row: each adds
/// its trapezoid to its own pixel and its full `dy` to every pixel left of it in its
/// row (pieces right of the raster have column `cols` and only the second part).
///
/// Kept as a list sorted once, not as dense per-pixel arrays: a row is then summed
/// from right to left event by event, and the whole pixels between two events make one
/// run, so the cost is O(pieces · log pieces + rows), not O(bounding box pixels).
struct Accumulator {
    window: Window,
    events: Vec<Event>,
}

/// One piece of a ring: its row and column in the window (`row << 32 | col`), its
/// trapezoid and its signed `dy`.
#[derive(Debug, Clone, Copy)]
struct Event {
    key: u64,
    area: f64,
    dy: f64,
}

/// The column part of an [`Event`]'s key.
const COL_MASK: u64 = 0xffff_ffff;

impl Accumulator {
    fn new(window: Window) -> Self {
        Accumulator {
            window,
            events: Vec::new(),
        }
    }

    /// Adds one piece of a ring: from `a` to `b`, within one pixel (closed), `sign`
    /// normalising the ring's orientation.
    fn piece(&mut self, a: (f64, f64), b: (f64, f64), sign: f64) {
        let w = self.window;
        let (mx, my) = ((a.0 + b.0) * 0.5, (a.1 + b.1) * 0.5);
        let (row, col) = (my.floor(), mx.floor());
        if row < w.r0 as f64 || row >= w.r1 as f64 || col < w.c0 as f64 {
            // above or below the raster, or left of it (where it only adds to pixels
            // further left)
            return;
        }
        // within the window (or right of it): whole numbers below 2^32
        let row = (row as usize - w.r0) as u64;
        let dy = (b.1 - a.1) * sign;
        let (c, area) = if col >= w.c1 as f64 {
            (w.cols() as u64, 0.0)
        } else {
            ((col as usize - w.c0) as u64, dy * (mx - col))
        };
        self.events.push(Event {
            key: row << 32 | c,
            area,
            dy,
        });
    }

    /// Cuts the segment `p`-`q` at every pixel line it crosses inside the window (and at
    /// row lines right of it) and adds the pieces in order.
    fn segment(&mut self, p: (f64, f64), q: (f64, f64), sign: f64) {
        let w = self.window;
        let (ylo, yhi) = (w.r0 as f64, w.r1 as f64);
        let (xlo, xhi) = (w.c0 as f64, w.c1 as f64);
        let (dx, dy) = (q.0 - p.0, q.1 - p.1);
        if p.1.max(q.1) <= ylo || p.1.min(q.1) >= yhi || p.0.max(q.0) <= xlo {
            return;
        }
        // Crossings of the column lines k (xlo..=xhi) and the row lines (ylo..=yhi),
        // each as (t along the segment, point), merged in order of t.
        let lines = |from: f64, to: f64, lo: f64, hi: f64| -> (f64, f64, f64) {
            // first line strictly after `from` towards `to`, the step, the last line
            if to > from {
                let first = (from.floor() + 1.0).max(lo);
                let last = (to.ceil() - 1.0).min(hi);
                (first, 1.0, last)
            } else {
                let first = (from.ceil() - 1.0).min(hi);
                let last = (to.floor() + 1.0).max(lo);
                (first, -1.0, last)
            }
        };
        let (mut kx, sx, lastx) = if dx == 0.0 {
            (0.0, 0.0, f64::NAN)
        } else {
            lines(p.0, q.0, xlo, xhi)
        };
        let (mut ky, sy, lasty) = if dy == 0.0 {
            (0.0, 0.0, f64::NAN)
        } else {
            lines(p.1, q.1, ylo, yhi)
        };
        let more = |k: f64, step: f64, last: f64| step != 0.0 && (k - last) * step <= 0.0;
        let mut at = p;
        loop {
            let tx = if more(kx, sx, lastx) {
                (kx - p.0) / dx
            } else {
                f64::INFINITY
            };
            let ty = if more(ky, sy, lasty) {
                (ky - p.1) / dy
            } else {
                f64::INFINITY
            };
            let next = if tx.is_infinite() && ty.is_infinite() {
                break;
            } else if tx <= ty {
                let point = (kx, p.1 + tx * dy);
                kx += sx;
                point
            } else {
                let point = (p.0 + ty * dx, ky);
                ky += sy;
                point
            };
            self.piece(at, next, sign);
            at = next;
        }
        self.piece(at, q, sign);
    }

    /// Sums each row's events from right to left and keeps the covered pixels: a pixel
    /// with events gets its trapezoids plus the `dy` of everything right of it; the
    /// pixels between two events have no boundary inside, so they are wholly in or out
    /// (the winding number, rounded to 0 or 1, so rounding noise never leaks into them).
    fn finish(mut self, width: usize) -> Coverage {
        let w = self.window;
        let cols = w.cols();
        let col_of = |e: &Event| (e.key & COL_MASK) as usize;
        self.events.sort_unstable_by_key(|e| e.key);
        let mut coverage = Coverage::default();
        let (mut partial, mut whole) = (Vec::new(), Vec::new());
        for group in self.events.chunk_by(|a, b| a.key >> 32 == b.key >> 32) {
            let row = (group[0].key >> 32) as usize;
            let base = (w.r0 + row) * width + w.c0;
            partial.clear();
            whole.clear();
            let mut running = 0.0;
            let mut k = group.len();
            while k > 0 {
                let col = col_of(&group[k - 1]);
                let (mut area, mut dy) = (0.0, 0.0);
                while k > 0 && col_of(&group[k - 1]) == col {
                    (area, dy) = (area + group[k - 1].area, dy + group[k - 1].dy);
                    k -= 1;
                }
                if col < cols {
                    let f: f64 = area + running;
                    if f >= 1.0 {
                        whole.push((col, 1));
                    } else if f > MIN_FRACTION {
                        partial.push((col, f));
                    }
                }
                running += dy;
                let gap = if k > 0 { col_of(&group[k - 1]) + 1 } else { 0 };
                let end = col.min(cols);
                if gap < end && running.round() >= 1.0 {
                    whole.push((gap, end - gap));
                }
            }
            // below MAX_PIXELS = 2^28: indices fit u32
            coverage
                .partial
                .extend(partial.iter().rev().map(|&(c, f)| ((base + c) as u32, f)));
            for &(c, n) in whole.iter().rev() {
                let (start, n) = ((base + c) as u32, n as u32);
                match coverage.whole.last_mut() {
                    Some(last) if last.0 + last.1 == start => last.1 += n,
                    _ => coverage.whole.push((start, n)),
                }
            }
        }
        coverage
    }
}

#[cfg(test)]
#[path = "coverage_tests.rs"]
mod tests;
