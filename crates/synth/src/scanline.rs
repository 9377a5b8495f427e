//! Which pixel centres each polygon holds, one raster row at a time.
//!
//! A horizontal line through the row's pixel centres crosses every ring; between the
//! 1st and 2nd crossing, the 3rd and 4th and so on the line is inside (even-odd rule,
//! which also handles holes). Each edge's crossing is computed from its endpoints in a
//! fixed order, so two neighbours that share an edge get the bit-identical crossing, and
//! the half-open rules (an edge counts when one end is above the line and the other on or
//! below it; a centre belongs to the span that starts at or before it) give every pixel
//! centre of a clean coverage to exactly one unit.

use geo_types::{Coord, LineString, MultiPolygon};

/// A north-up pixel grid: the centre of pixel `(col, row)` is at
/// `(west + (col + 0.5) * step, north - (row + 0.5) * step)`, computed as
/// `citygrid_raster::GeoTransform::xy` does.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Grid {
    pub west: f64,
    pub north: f64,
    pub step: f64,
    pub width: usize,
    pub height: usize,
}

impl Grid {
    /// x of the centres of column `col`.
    pub(crate) fn centre_x(&self, col: usize) -> f64 {
        self.west + (col as f64 + 0.5) * self.step
    }

    /// y of the centres of row `row`.
    pub(crate) fn centre_y(&self, row: usize) -> f64 {
        self.north + (row as f64 + 0.5) * -self.step
    }

    /// The first column whose centre is at or east of `x` (`width` if none).
    fn first_col_at_or_after(&self, x: f64) -> usize {
        let guess = ((x - self.west) / self.step - 0.5).ceil();
        let mut col = if guess <= 0.0 {
            0
        } else if guess >= self.width as f64 {
            self.width
        } else {
            guess as usize
        };
        // the division may round either way: settle on the exact answer
        while col < self.width && self.centre_x(col) < x {
            col += 1;
        }
        while col > 0 && self.centre_x(col - 1) >= x {
            col -= 1;
        }
        col
    }
}

/// Calls `fill(row, cols)` for every run of pixel centres inside `shape`.
pub(crate) fn for_each_span(
    grid: &Grid,
    shape: &MultiPolygon<f64>,
    mut fill: impl FnMut(usize, std::ops::Range<usize>),
) {
    let rings: Vec<&LineString<f64>> = shape
        .0
        .iter()
        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
        .collect();
    let mut crossings = Vec::new();
    for row in 0..grid.height {
        let y = grid.centre_y(row);
        crossings.clear();
        for ring in &rings {
            for seg in ring.0.windows(2) {
                if let Some(x) = crossing(seg[0], seg[1], y) {
                    crossings.push(x);
                }
            }
        }
        crossings.sort_by(f64::total_cmp);
        for pair in crossings.chunks_exact(2) {
            let (from, to) = (
                grid.first_col_at_or_after(pair[0]),
                grid.first_col_at_or_after(pair[1]),
            );
            if from < to {
                fill(row, from..to);
            }
        }
    }
}

/// Where the edge `a`-`b` crosses the line at height `y`, if it does: one end strictly
/// above and the other on or below. Endpoints are ordered first, so that the shared edge
/// of two neighbours (walked in opposite directions) gives the same bits.
fn crossing(a: Coord<f64>, b: Coord<f64>, y: f64) -> Option<f64> {
    if (a.y > y) == (b.y > y) {
        return None;
    }
    let (lo, hi) = if (a.y, a.x) < (b.y, b.x) {
        (a, b)
    } else {
        (b, a)
    };
    Some(lo.x + (y - lo.y) * (hi.x - lo.x) / (hi.y - lo.y))
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo_types::{Polygon, polygon};

    fn grid() -> Grid {
        Grid {
            west: 0.0,
            north: 10.0,
            step: 1.0,
            width: 10,
            height: 10,
        }
    }

    fn spans(shape: &MultiPolygon<f64>) -> Vec<(usize, usize, usize)> {
        let mut out = Vec::new();
        for_each_span(&grid(), shape, |row, cols| {
            out.push((row, cols.start, cols.end))
        });
        out
    }

    #[test]
    fn a_square_with_a_hole() {
        let square: Polygon<f64> = Polygon::new(
            LineString::from(vec![
                (1.0, 1.0),
                (9.0, 1.0),
                (9.0, 9.0),
                (1.0, 9.0),
                (1.0, 1.0),
            ]),
            vec![LineString::from(vec![
                (4.0, 4.0),
                (4.0, 6.0),
                (6.0, 6.0),
                (6.0, 4.0),
                (4.0, 4.0),
            ])],
        );
        let s = spans(&MultiPolygon(vec![square]));
        // rows 1..=8 (centres 8.5 down to 1.5); rows 4 and 5 (centres 5.5, 4.5) are split
        assert_eq!(s.len(), 10);
        assert_eq!(s[0], (1, 1, 9));
        assert!(s.contains(&(4, 1, 4)) && s.contains(&(4, 6, 9)));
        let pixels: usize = s.iter().map(|(_, a, b)| b - a).sum();
        assert_eq!(pixels, 64 - 4);
    }

    #[test]
    fn neighbours_sharing_a_slanted_edge_take_every_centre_once() {
        // two triangles splitting a square along a diagonal that passes through centres
        let a = polygon![(x: 0.0, y: 0.0), (x: 10.0, y: 0.0), (x: 10.0, y: 10.0), (x: 0.0, y: 0.0)];
        let b = polygon![(x: 0.0, y: 0.0), (x: 10.0, y: 10.0), (x: 0.0, y: 10.0), (x: 0.0, y: 0.0)];
        let mut count = vec![0u8; 100];
        for shape in [a, b] {
            for_each_span(&grid(), &MultiPolygon(vec![shape]), |row, cols| {
                for col in cols {
                    count[row * 10 + col] += 1;
                }
            });
        }
        assert!(count.iter().all(|&c| c == 1), "{count:?}");
    }

    #[test]
    fn columns_are_exact_at_the_edges() {
        let g = Grid {
            west: 106.12,
            north: 27.362,
            step: 0.002,
            width: 600,
            height: 1,
        };
        for col in [0, 1, 299, 599] {
            let x = g.centre_x(col);
            assert_eq!(g.first_col_at_or_after(x), col);
            assert_eq!(g.first_col_at_or_after(x + 1e-12), col + 1);
        }
        assert_eq!(g.first_col_at_or_after(-5.0), 0);
        assert_eq!(g.first_col_at_or_after(200.0), 600);
    }
}
