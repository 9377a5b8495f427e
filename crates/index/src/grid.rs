//! The uniform grid of tiles over the city's bounding box: which tile a point falls
//! in, and each tile's box grown by a margin that covers rounding.
//!
//! The tiles are grouped in blocks of `2^shift` x `2^shift`: the index stores a
//! block whose tiles all have the same label as that one label, and keeps the tiles
//! only of the other blocks (see `blocks`). The grid itself knows only the fine
//! tiles; a point's block is its tile's column and row shifted right.
//!
//! A point is put in tile `(i, j)` by `floor((x - x0) / w)`, computed in floating
//! point. Rounding can place a point a few ulps outside the tile's nominal box, so
//! everything decided per tile at build time (which edges are near, which are far
//! east) is decided for the box grown by `dx`, `dy`: a millionth of a tile plus a
//! trillionth of the coordinates' size, many orders of magnitude more than the
//! rounding and far below any distance that matters.

use crate::compact::PER_TILE;

/// The grid: `nx` x `ny` tiles of `w` x `h` degrees from `(x0, y0)`, in blocks of
/// `2^shift` x `2^shift` tiles, `bx` x `by` of them.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Grid {
    pub x0: f64,
    pub y0: f64,
    pub x1: f64,
    pub y1: f64,
    pub nx: usize,
    pub ny: usize,
    pub shift: u32,
    pub bx: usize,
    pub by: usize,
    w: f64,
    h: f64,
    inv_w: f64,
    inv_h: f64,
    dx: f64,
    dy: f64,
}

/// Most tiles along one axis.
const MAX_SIDE: usize = 1 << 15;

impl Grid {
    /// About `blocks` blocks of `2^shift` x `2^shift` tiles over the box
    /// `[x0, x1] x [y0, y1]` (lon/lat degrees), square on the ground: a degree of
    /// longitude is `cos(latitude)` of a degree of latitude.
    pub fn new(bbox: [f64; 4], blocks: f64, shift: u32) -> Self {
        let [x0, y0, x1, y1] = bbox;
        let (x0, y0, x1, y1) = if x0 <= x1 && y0 <= y1 {
            (x0, y0, x1, y1)
        } else {
            // No vertex at all: one empty tile at the origin that nothing maps to.
            (0.0, 0.0, -1.0, -1.0)
        };
        let lat = ((y0 + y1) / 2.0).clamp(-89.0, 89.0);
        let width = (x1 - x0).max(0.0) * lat.to_radians().cos();
        let height = (y1 - y0).max(0.0);
        let blocks = blocks.clamp(1.0, (MAX_SIDE * MAX_SIDE) as f64);
        let (nx, ny) = if width > 0.0 && height > 0.0 {
            let side = (width * height / blocks).sqrt();
            ((width / side).ceil(), (height / side).ceil())
        } else if width > 0.0 {
            (blocks, 1.0)
        } else if height > 0.0 {
            (1.0, blocks)
        } else {
            (1.0, 1.0)
        };
        let side = |n: f64| (n as usize).clamp(1, MAX_SIDE >> shift);
        let (bx, by) = (side(nx), side(ny));
        let (nx, ny) = (bx << shift, by << shift);
        let w = (x1 - x0).max(0.0) / nx as f64;
        let h = (y1 - y0).max(0.0) / ny as f64;
        let inv = |s: f64| if s > 0.0 { 1.0 / s } else { 0.0 };
        let size = |a: f64, b: f64| a.abs().max(b.abs());
        Grid {
            x0,
            y0,
            x1,
            y1,
            nx,
            ny,
            shift,
            bx,
            by,
            w,
            h,
            inv_w: inv(w),
            inv_h: inv(h),
            dx: w * 1e-6 + size(x0, x1) * 1e-12,
            dy: h * 1e-6 + size(y0, y1) * 1e-12,
        }
    }

    /// The column and row of the tile holding `(x, y)`, or `None` outside the
    /// bounding box (which is outside every cell). NaN fails every comparison and
    /// lands here too.
    #[inline(always)]
    pub fn tile(&self, x: f64, y: f64) -> Option<(u32, u32)> {
        if !(x >= self.x0 && x <= self.x1 && y >= self.y0 && y <= self.y1) {
            return None;
        }
        // Non-negative, so truncation is floor; `as` saturates. Sides are at most
        // 2^15, so u32 holds them.
        let i = (((x - self.x0) * self.inv_w) as u32).min(self.nx as u32 - 1);
        let j = (((y - self.y0) * self.inv_h) as u32).min(self.ny as u32 - 1);
        Some((i, j))
    }

    /// The fixed-point position of `x` in the frame of column `i` (see `compact`):
    /// [`PER_TILE`] units per tile, from one tile west of the column. Computed from
    /// the same grid position as [`Grid::tile`], so a point and the values stored
    /// for its tile agree to within a millionth of a unit.
    #[inline(always)]
    pub fn unit_x(&self, x: f64, i: u32) -> f64 {
        ((x - self.x0) * self.inv_w - f64::from(i) + 1.0) * PER_TILE
    }

    /// As [`Grid::unit_x`], for `y` in row `j`.
    #[inline(always)]
    pub fn unit_y(&self, y: f64, j: u32) -> f64 {
        ((y - self.y0) * self.inv_h - f64::from(j) + 1.0) * PER_TILE
    }

    /// The units a point of tile `(i, j)` is in, in the tile's frame: truncated, which
    /// is the floor, as a point of the tile is a tile from the frame's ends.
    #[inline(always)]
    pub fn units(&self, x: f64, y: f64, i: u32, j: u32) -> (i32, i32) {
        (self.unit_x(x, i) as i32, self.unit_y(y, j) as i32)
    }

    /// West side of column `i`'s grown box.
    pub fn col_lo(&self, i: usize) -> f64 {
        self.x0 + i as f64 * self.w - self.dx
    }

    /// East side of column `i`'s grown box: the end of every ray cast in the column.
    pub fn col_hi(&self, i: usize) -> f64 {
        self.x0 + (i + 1) as f64 * self.w + self.dx
    }

    /// South side of row `j`'s grown box.
    pub fn row_lo(&self, j: usize) -> f64 {
        self.y0 + j as f64 * self.h - self.dy
    }

    /// North side of row `j`'s grown box.
    pub fn row_hi(&self, j: usize) -> f64 {
        self.y0 + (j + 1) as f64 * self.h + self.dy
    }

    /// Columns whose grown box may meet `[a, b]`: a superset, to be filtered exactly
    /// with [`Grid::col_lo`] and [`Grid::col_hi`].
    pub fn cols(&self, a: f64, b: f64) -> std::ops::RangeInclusive<usize> {
        span(a, b, self.x0, self.inv_w, self.nx)
    }

    /// Rows whose grown box may meet `[a, b]`, as [`Grid::cols`].
    pub fn rows(&self, a: f64, b: f64) -> std::ops::RangeInclusive<usize> {
        span(a, b, self.y0, self.inv_h, self.ny)
    }
}

fn span(a: f64, b: f64, origin: f64, inv: f64, n: usize) -> std::ops::RangeInclusive<usize> {
    let index = |v: f64| ((v - origin) * inv).max(0.0) as usize;
    let lo = index(a).saturating_sub(1).min(n - 1);
    let hi = index(b).saturating_add(1).min(n - 1);
    lo..=hi
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_point_lies_in_its_tiles_grown_box() {
        let g = Grid::new([106.25, 26.2, 107.15, 27.0], 2_500.0, 1);
        assert!(g.nx > 50 && g.ny > 50, "{} x {}", g.nx, g.ny);
        // Points at and a few ulps around every column border.
        for i in 0..=g.nx {
            let border = g.x0 + i as f64 * g.w;
            for k in -3i64..=3 {
                let x = f64::from_bits((border.to_bits() as i64 + k) as u64);
                let Some((c, _)) = g.tile(x, g.y0) else {
                    continue;
                };
                let c = c as usize;
                assert!(g.col_lo(c) <= x && x <= g.col_hi(c), "{x}");
                assert!(g.cols(x, x).contains(&c));
            }
        }
        assert_eq!(g.tile(g.x1, g.y1), Some((g.nx as u32 - 1, g.ny as u32 - 1)));
        assert_eq!((g.nx, g.ny), (g.bx * 2, g.by * 2));
        assert_eq!(g.tile(f64::NAN, 26.5), None);
        assert_eq!(g.tile(106.0, 26.5), None);
    }

    #[test]
    fn degenerate_boxes_have_one_column_or_row() {
        let g = Grid::new([1.0, 2.0, 1.0, 3.0], 100.0, 0);
        assert_eq!(g.nx, 1);
        assert_eq!(g.tile(1.0, 2.5).map(|t| t.0), Some(0));
        let empty = Grid::new([f64::NAN; 4], 100.0, 2);
        assert_eq!(empty.tile(0.0, 0.0), None);
    }
}
