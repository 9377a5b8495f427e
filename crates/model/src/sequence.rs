//! Numbering of sibling units west to east, north to south.
//!
//! Cell codes end in a sequence number inside their village. Staff expect to find
//! cell 001 in the north-west and read on like a page: rows from north to south,
//! each row from west to east. Cells are not on a grid, so rows are bands of
//! latitude as tall as a typical cell.

use geo::{Area, BoundingRect, InteriorPoint};
use geo_types::{Coord, MultiPolygon};

/// The reading order of sibling units: for each input position, its 1-based
/// sequence number.
///
/// Each unit is placed by an interior point (always inside it, unlike a centroid).
/// Units are sorted north to south and cut into bands whose height is the median
/// unit height; within a band they run west to east. Ties are broken by input
/// position, so the order is deterministic.
#[must_use]
pub fn reading_order(units: &[&MultiPolygon<f64>]) -> Vec<u32> {
    if units.is_empty() {
        return Vec::new();
    }
    let anchors: Vec<Coord<f64>> = units
        .iter()
        .map(|mp| {
            largest_part_point(mp).unwrap_or_default()
        })
        .collect();
    let mut heights: Vec<f64> = units
        .iter()
        .filter_map(|mp| mp.bounding_rect().map(|r| r.height()))
        .collect();
    heights.sort_by(f64::total_cmp);
    let band = heights.get(heights.len() / 2).copied().unwrap_or(0.0).max(f64::MIN_POSITIVE);
    let mut order: Vec<usize> = (0..units.len()).collect();
    order.sort_by(|&a, &b| anchors[b].y.total_cmp(&anchors[a].y).then(a.cmp(&b)));
    let mut rows: Vec<Vec<usize>> = Vec::new();
    let mut top = f64::INFINITY;
    for i in order {
        if rows.is_empty() || anchors[i].y < top - band {
            top = anchors[i].y;
            rows.push(Vec::new());
        }
        rows.last_mut().expect("a row exists").push(i);
    }
    let mut seq = vec![0; units.len()];
    let mut next = 1;
    for mut row in rows {
        row.sort_by(|&a, &b| anchors[a].x.total_cmp(&anchors[b].x).then(a.cmp(&b)));
        for i in row {
            seq[i] = next;
            next += 1;
        }
    }
    seq
}

fn largest_part_point(mp: &MultiPolygon<f64>) -> Option<Coord<f64>> {
    let biggest = mp.0.iter().max_by(|a, b| a.unsigned_area().total_cmp(&b.unsigned_area()))?;
    biggest.interior_point().map(|p| p.0)
}

#[cfg(test)]
mod tests {
    use geo_types::polygon;

    use super::*;

    fn sq(x: f64, y: f64) -> MultiPolygon<f64> {
        MultiPolygon(vec![polygon![(x: x, y: y), (x: x + 1., y: y), (x: x + 1., y: y + 1.), (x: x, y: y + 1.)]])
    }

    #[test]
    fn reads_like_a_page() {
        // A 2 x 2 block given in scrambled order; the top row is slightly uneven.
        let cells = [sq(1., 0.), sq(0., 1.1), sq(0., 0.), sq(1., 1.)];
        let refs: Vec<_> = cells.iter().collect();
        // north-west = 1, north-east = 2, south-west = 3, south-east = 4
        assert_eq!(reading_order(&refs), vec![4, 1, 3, 2]);
    }
}
