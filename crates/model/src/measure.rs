//! Sizes in metres: areas on the ellipsoid, lengths in a local metric frame.
//!
//! Geometry is stored in lon/lat degrees, but every size a user reads (a gap of 3.2
//! m², a sliver 1.5 m wide) is in metres. Areas use the geodesic area on the WGS84
//! ellipsoid (Karney's algorithm, through `geo`), exact for any size of polygon.
//! Lengths and tolerances use a [`LocalFrame`]: a tangent plane at the feature,
//! whose scale error stays far below a millimetre per kilometre over the few
//! kilometres a cell or an error spans. Both are independent of the input CRS, so a
//! partition measures the same whether it arrived in CGCS2000 Gauss-Kruger or GCJ-02.

use geo::orient::{Direction, Orient};
use geo::{BoundingRect, GeodesicArea};
use geo_types::{Coord, MultiPolygon, Polygon};

pub use citygrid_crs::LocalFrame;

/// The area of a (multi)polygon in square metres, holes excluded.
#[must_use]
pub fn area_m2(mp: &MultiPolygon<f64>) -> f64 {
    mp.0.iter().map(polygon_area_m2).sum()
}

/// The area of one polygon in square metres, holes excluded.
#[must_use]
pub fn polygon_area_m2(p: &Polygon<f64>) -> f64 {
    // The geodesic formula takes a clockwise shell as the rest of the globe; orient
    // first so input winding does not matter.
    p.orient(Direction::Default).geodesic_area_unsigned()
}

/// A metric frame centred on the middle of a geometry's bounding box.
#[must_use]
pub fn frame_for(mp: &MultiPolygon<f64>) -> Option<LocalFrame> {
    let c = mp.bounding_rect()?.center();
    LocalFrame::new(c.x, c.y).ok()
}

/// Distance in metres between two lon/lat points, in the frame of their midpoint;
/// NaN when either point is not a valid lon/lat.
#[must_use]
pub fn distance_m(a: Coord<f64>, b: Coord<f64>) -> f64 {
    let Ok(f) = LocalFrame::new((a.x + b.x) / 2.0, (a.y + b.y) / 2.0) else {
        return f64::NAN;
    };
    let (ax, ay) = f.to_metres(a.x, a.y);
    let (bx, by) = f.to_metres(b.x, b.y);
    (ax - bx).hypot(ay - by)
}

/// The area of a small (multi)polygon in square metres, by the shoelace formula in a
/// tangent plane at its centre. Relative error below 1e-5 for a grid cell, and well
/// inside 0.1% for a whole district; use [`area_m2`] when exactness matters more than
/// speed (it is about 20 times slower).
#[must_use]
pub fn planar_area_m2(mp: &MultiPolygon<f64>) -> f64 {
    frame_for(mp).map_or(0.0, |frame| planar_area_m2_in(mp, &frame))
}

/// [`planar_area_m2`] in a frame the caller already has.
#[must_use]
pub fn planar_area_m2_in(mp: &MultiPolygon<f64>, frame: &LocalFrame) -> f64 {
    let (mx, my) = frame.metres_per_degree();
    let deg2: f64 =
        mp.0.iter()
            .map(|p| {
                let shell = citygrid_planar::signed_area2(&p.exterior().0).abs();
                let holes: f64 = p
                    .interiors()
                    .iter()
                    .map(|h| citygrid_planar::signed_area2(&h.0).abs())
                    .sum();
                (shell - holes) / 2.0
            })
            .sum();
    deg2 * mx * my
}

#[cfg(test)]
mod tests {
    use geo_types::polygon;

    use super::*;

    #[test]
    fn one_degree_square_at_the_equator() {
        // 1° x 1° at the equator: 110.574 km (meridian) x 111.320 km (equator)
        // ≈ 12,308.8 km² on WGS84.
        let sq = MultiPolygon(vec![
            polygon![(x: 0., y: 0.), (x: 1., y: 0.), (x: 1., y: 1.), (x: 0., y: 1.)],
        ]);
        let km2 = area_m2(&sq) / 1e6;
        assert!((km2 - 12_308.8).abs() < 1.0, "{km2}");
    }

    #[test]
    fn winding_does_not_matter() {
        let ccw = polygon![(x: 106.70, y: 26.60), (x: 106.71, y: 26.60), (x: 106.71, y: 26.61), (x: 106.70, y: 26.61)];
        let cw = polygon![(x: 106.70, y: 26.60), (x: 106.70, y: 26.61), (x: 106.71, y: 26.61), (x: 106.71, y: 26.60)];
        assert!((polygon_area_m2(&ccw) - polygon_area_m2(&cw)).abs() < 1e-6);
        assert!(polygon_area_m2(&cw) < 1.2e6);
    }

    #[test]
    fn planar_area_agrees_with_geodesic_for_a_cell() {
        let cell = MultiPolygon(vec![
            polygon![(x: 106.70, y: 26.60), (x: 106.71, y: 26.60), (x: 106.71, y: 26.61), (x: 106.70, y: 26.61)],
        ]);
        let (fast, exact) = (planar_area_m2(&cell), area_m2(&cell));
        assert!(((fast - exact) / exact).abs() < 1e-5, "{fast} vs {exact}");
    }

    #[test]
    fn distance_of_a_degree_of_latitude_near_guiyang() {
        // One degree of latitude at 26.6°N is 110.79 km on WGS84.
        let d = distance_m(Coord { x: 106.7, y: 26.1 }, Coord { x: 106.7, y: 27.1 });
        assert!((d - 110_790.0).abs() < 100.0, "{d}");
    }
}
