//! How big the kernel's bucket grids are for tile work: buckets about `size` pixels
//! wide, wider when that would make more than four buckets per item.

use citygrid_planar::Grid;
use geo_types::Coord;

/// An `f64` point from tile coordinates, for the grid's arithmetic.
pub(crate) fn at(p: [f64; 2]) -> Coord<f64> {
    Coord { x: p[0], y: p[1] }
}

/// A grid over the box `min`..`max` with buckets about `size` wide for `items`
/// items.
pub(crate) fn sized(min: [f64; 2], max: [f64; 2], size: f64, items: usize) -> Grid {
    let (w, h) = ((max[0] - min[0]).max(1.0), (max[1] - min[1]).max(1.0));
    let floor = (w * h / (4.0 * items.max(1) as f64)).sqrt();
    let size = size.max(floor).max(1e-9);
    let (nx, ny) = ((w / size) as usize + 1, (h / size) as usize + 1);
    Grid::new(at(min), size, nx, ny)
}
