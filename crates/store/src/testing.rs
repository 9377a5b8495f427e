//! What the backends' tests share: geometry that is hard to store exactly.

use geo_types::{LineString, MultiPolygon, Polygon, polygon};

/// Coordinates a store must keep bit for bit: a sum with a rounding error, -0.0,
/// the smallest subnormal, tiny, huge and many-digit numbers; a hole; two parts.
pub(crate) fn awkward_area() -> MultiPolygon<f64> {
    let awkward = [
        0.1 + 0.2,
        -0.0,
        5e-324,
        1e-300,
        106.713_000_000_000_01,
        f64::MAX,
    ];
    let ring: Vec<(f64, f64)> = awkward
        .iter()
        .zip(awkward.iter().rev())
        .map(|(&x, &y)| (x, y))
        .collect();
    let hole = LineString::from(vec![(1.0, 1.0), (2.0, 1.0), (1.5, 2.0), (1.0, 1.0)]);
    MultiPolygon(vec![
        Polygon::new(LineString::from(ring), vec![hole]),
        polygon![(x: 106.6, y: 26.5), (x: 106.7, y: 26.5), (x: 106.7, y: 26.6)],
    ])
}
