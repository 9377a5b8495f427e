//! Converting coordinates between a [`Crs`] and WGS84, with range checks.

use std::fmt;

use crate::error::{CrsError, Result};
use crate::gauss_kruger::GaussKruger;
use crate::{Crs, offset};

/// Sphere radius of Web Mercator: the WGS84 semi-major axis (EPSG:3857).
const WEB_MERCATOR_RADIUS: f64 = 6_378_137.0;
/// Largest |x| or |y| accepted in Web Mercator: half the world's width (pi * R =
/// 20 037 508.342789244) rounded up to the centimetre, as EPSG states the extent.
const WEB_MERCATOR_MAX: f64 = 20_037_508.35;

const GEOGRAPHIC_EXPECTED: &str =
    "lon -180..180, lat -90..90; is the data projected? pass the right crs";
const WEB_MERCATOR_EXPECTED: &str = "x and y -20037508.35..20037508.35 metres; is the data in another projection? pass the right crs";
const WEB_MERCATOR_LAT_EXPECTED: &str =
    "lon -180..180, lat -85.0511..85.0511 (web mercator does not reach the poles)";

/// Converts coordinates between one [`Crs`] and WGS84 lon/lat degrees.
///
/// Build it once per CRS ([`Transform::new`] parses any projection definitions) and call it
/// per point; it is `Send + Sync`, so one value can serve many threads.
///
/// Every call checks its input: non-finite numbers and coordinates outside the range of the
/// CRS are errors rather than garbage, so that data sent in the wrong CRS (metres declared as
/// degrees, a neighbouring Gauss-Kruger zone) is caught at the door. No `f64` input panics.
///
/// # Examples
/// ```
/// use citygrid_crs::{Crs, Transform};
///
/// // Guiyang in CGCS2000 / 3-degree Gauss-Kruger CM 108E
/// let crs: Crs = "EPSG:4545".parse()?;
/// let gk = Transform::new(crs)?;
/// let (lon, lat) = gk.to_wgs84(363_590.963, 2_949_249.140)?;
/// assert!((lon - 106.63).abs() < 1e-8 && (lat - 26.647).abs() < 1e-8);
///
/// // and on to the offset coordinates AMap expects
/// let amap = Transform::new(Crs::Gcj02)?;
/// let (gcj_lon, gcj_lat) = amap.from_wgs84(lon, lat)?;
/// let (back_lon, back_lat) = amap.to_wgs84(gcj_lon, gcj_lat)?;
/// assert!((back_lon - lon).abs() < 1e-9 && (back_lat - lat).abs() < 1e-9);
///
/// // metres given as degrees are caught
/// let err = Transform::new(Crs::Wgs84)?.to_wgs84(363_590.963, 2_949_249.140).unwrap_err();
/// assert!(err.to_string().contains("is the data projected?"));
/// # Ok::<(), citygrid_crs::CrsError>(())
/// ```
#[derive(Clone)]
pub struct Transform {
    crs: Crs,
    kind: Kind,
}

/// What a transform does, decided once in [`Transform::new`].
#[derive(Clone)]
enum Kind {
    /// WGS84 and CGCS2000: range checks only.
    Geographic,
    WebMercator,
    Gcj02,
    Bd09,
    GaussKruger(Box<GaussKruger>),
}

impl Transform {
    /// Prepares the transform for `crs`.
    ///
    /// # Errors
    /// [`CrsError::Projection`] if `crs` is a Gauss-Kruger zone outside 25..=45 (possible
    /// when the enum is built directly rather than parsed) or its projection cannot be set up.
    pub fn new(crs: Crs) -> Result<Self> {
        let kind = match crs {
            Crs::Wgs84 | Crs::Cgcs2000 => Kind::Geographic,
            Crs::WebMercator => Kind::WebMercator,
            Crs::Gcj02 => Kind::Gcj02,
            Crs::Bd09 => Kind::Bd09,
            Crs::GaussKruger { zone, zone_prefix } => {
                Kind::GaussKruger(Box::new(GaussKruger::new(crs, zone, zone_prefix)?))
            }
        };
        Ok(Self { crs, kind })
    }

    /// The CRS this transform converts from and to.
    #[must_use]
    pub fn crs(&self) -> Crs {
        self.crs
    }

    /// Converts `x`/`y` in the CRS's own units (lon/lat degrees, or easting/northing metres)
    /// to WGS84 lon/lat degrees.
    ///
    /// # Errors
    /// - [`CrsError::NonFinite`] if `x` or `y` is NaN or infinite;
    /// - [`CrsError::OutOfRange`] if the coordinate is outside the CRS: lon/lat beyond
    ///   ±180/±90, Web Mercator beyond ±20037508.35 m, a Gauss-Kruger easting outside the
    ///   zone's band (with the right zone prefix) or more than 3 degrees from its central
    ///   meridian, or a northing outside 0..10000000;
    /// - [`CrsError::Projection`] if the projection or the GCJ-02/BD-09 inversion fails.
    pub fn to_wgs84(&self, x: f64, y: f64) -> Result<(f64, f64)> {
        check_finite(x, y)?;
        match &self.kind {
            Kind::Geographic => check_geographic(self.crs, x, y).map(|()| (x, y)),
            Kind::WebMercator => {
                if x.abs() > WEB_MERCATOR_MAX || y.abs() > WEB_MERCATOR_MAX {
                    return Err(self.out_of_range(x, y, WEB_MERCATOR_EXPECTED));
                }
                let lon = (x / WEB_MERCATOR_RADIUS).to_degrees();
                let lat = (y / WEB_MERCATOR_RADIUS).sinh().atan().to_degrees();
                Ok((lon, lat))
            }
            Kind::Gcj02 => {
                check_geographic(self.crs, x, y)?;
                offset::gcj02_to_wgs84(x, y).ok_or_else(|| self.no_convergence(x, y))
            }
            Kind::Bd09 => {
                check_geographic(self.crs, x, y)?;
                offset::bd09_to_wgs84(x, y).ok_or_else(|| self.no_convergence(x, y))
            }
            Kind::GaussKruger(gk) => gk.inverse(x, y),
        }
    }

    /// Converts WGS84 lon/lat degrees to this CRS.
    ///
    /// # Errors
    /// - [`CrsError::NonFinite`] if `lon` or `lat` is NaN or infinite;
    /// - [`CrsError::OutOfRange`] if the point is outside -180..180, -90..90 (reported against
    ///   WGS84), beyond ±85.0511 degrees of latitude for Web Mercator, or south of the equator
    ///   or more than 3 degrees from the central meridian for a Gauss-Kruger zone;
    /// - [`CrsError::Projection`] if the projection fails.
    pub fn from_wgs84(&self, lon: f64, lat: f64) -> Result<(f64, f64)> {
        check_finite(lon, lat)?;
        check_geographic(Crs::Wgs84, lon, lat)?;
        match &self.kind {
            Kind::Geographic => Ok((lon, lat)),
            Kind::WebMercator => {
                let x = WEB_MERCATOR_RADIUS * lon.to_radians();
                // asinh(tan(lat)) = ln(tan(pi/4 + lat/2)), the Mercator ordinate, without
                // the cancellation of the log form near the equator
                let y = WEB_MERCATOR_RADIUS * lat.to_radians().tan().asinh();
                if y.is_finite() && y.abs() <= WEB_MERCATOR_MAX {
                    Ok((x, y))
                } else {
                    Err(self.out_of_range(lon, lat, WEB_MERCATOR_LAT_EXPECTED))
                }
            }
            Kind::Gcj02 => Ok(offset::wgs84_to_gcj02(lon, lat)),
            Kind::Bd09 => Ok(offset::wgs84_to_bd09(lon, lat)),
            Kind::GaussKruger(gk) => gk.forward(lon, lat),
        }
    }

    fn out_of_range(&self, x: f64, y: f64, expected: &'static str) -> CrsError {
        CrsError::OutOfRange {
            crs: self.crs,
            x,
            y,
            expected,
        }
    }

    fn no_convergence(&self, x: f64, y: f64) -> CrsError {
        CrsError::Projection {
            crs: self.crs,
            message: format!("the inverse offset did not converge at ({x}, {y})"),
        }
    }
}

impl fmt::Debug for Transform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transform")
            .field("crs", &self.crs)
            .finish_non_exhaustive()
    }
}

fn check_finite(x: f64, y: f64) -> Result<()> {
    if x.is_finite() && y.is_finite() {
        Ok(())
    } else {
        Err(CrsError::NonFinite { x, y })
    }
}

fn check_geographic(crs: Crs, lon: f64, lat: f64) -> Result<()> {
    if lon.abs() <= 180.0 && lat.abs() <= 90.0 {
        Ok(())
    } else {
        Err(CrsError::OutOfRange {
            crs,
            x: lon,
            y: lat,
            expected: GEOGRAPHIC_EXPECTED,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const _: () = {
        const fn send_sync<T: Send + Sync>() {}
        send_sync::<Transform>();
    };

    fn t(crs: &str) -> Transform {
        Transform::new(crs.parse().unwrap()).unwrap()
    }

    #[test]
    fn web_mercator_hand_values() {
        let wm = t("epsg:3857");
        assert_eq!(wm.from_wgs84(0.0, 0.0).unwrap(), (0.0, 0.0));
        let (x, y) = wm.from_wgs84(180.0, 0.0).unwrap();
        assert!((x - 20_037_508.342_789_244).abs() < 1e-8, "{x}");
        assert_eq!(y, 0.0);
        let (x, _) = wm.from_wgs84(-180.0, 0.0).unwrap();
        assert!((x + 20_037_508.342_789_244).abs() < 1e-8, "{x}");
        // the square world: y reaches pi * R at lat 85.0511287798...
        let (_, y) = wm.from_wgs84(0.0, 85.051_128_779_8).unwrap();
        assert!((y - 20_037_508.342_789_244).abs() < 0.01, "{y}");
        let (lon, lat) = wm
            .to_wgs84(20_037_508.342_789_244, 20_037_508.342_789_244)
            .unwrap();
        assert!((lon - 180.0).abs() < 1e-12 && (lat - 85.051_128_779_806_6).abs() < 1e-12);
    }

    #[test]
    fn gauss_kruger_central_meridian_is_the_false_easting() {
        for lat in [0.0, 26.6, 45.0, 55.0] {
            let (x, y) = t("epsg:4545").from_wgs84(108.0, lat).unwrap();
            assert_eq!(x, 500_000.0, "lat {lat}");
            let (xp, yp) = t("epsg:4524").from_wgs84(108.0, lat).unwrap();
            assert_eq!(xp, 36_500_000.0, "lat {lat}");
            assert_eq!(y, yp);
        }
        // the equator is northing 0
        assert_eq!(
            t("epsg:4545").from_wgs84(108.0, 0.0).unwrap(),
            (500_000.0, 0.0)
        );
    }

    #[test]
    fn round_trips_to_1e_9_degrees() {
        let codes = [
            "wgs84",
            "cgcs2000",
            "epsg:3857",
            "gcj02",
            "bd09",
            "epsg:4545",
            "epsg:4524",
        ];
        for code in codes {
            let tr = t(code);
            for i in 0..=12 {
                for j in 0..=15 {
                    let lon = 106.1 + 0.1 * f64::from(i) + 0.0037;
                    let lat = 26.0 + 0.1 * f64::from(j) + 0.0041;
                    let (x, y) = tr.from_wgs84(lon, lat).unwrap();
                    let (lon2, lat2) = tr.to_wgs84(x, y).unwrap();
                    assert!(
                        (lon2 - lon).abs() < 1e-9 && (lat2 - lat).abs() < 1e-9,
                        "{code}: ({lon}, {lat}) -> ({x}, {y}) -> ({lon2}, {lat2})"
                    );
                }
            }
        }
    }

    #[test]
    fn every_zone_round_trips_at_its_edges() {
        for code in 4513..=4554 {
            let tr = t(&format!("epsg:{code}"));
            let cm = tr.crs().central_meridian().unwrap();
            for dlon in [-3.0, -1.5, 0.0, 1.5, 3.0] {
                for lat in [0.0, 20.0, 40.0, 55.0] {
                    let (x, y) = tr.from_wgs84(cm + dlon, lat).unwrap();
                    let (lon, lat2) = tr.to_wgs84(x, y).unwrap();
                    assert!((lon - (cm + dlon)).abs() < 1e-9 && (lat2 - lat).abs() < 1e-9);
                }
            }
        }
    }

    #[test]
    fn wrong_crs_is_caught_and_named() {
        // metres read as degrees
        let err = t("wgs84").to_wgs84(512_345.2, 2_945_678.1).unwrap_err();
        assert_eq!(
            err.to_string(),
            "coordinate (512345.2, 2945678.1) is out of range for wgs84: expected lon -180..180, \
             lat -90..90; is the data projected? pass the right crs"
        );
        // degrees read as metres of a gauss-kruger zone
        let err = t("epsg:4545").to_wgs84(106.6, 26.6).unwrap_err();
        assert!(matches!(err, CrsError::OutOfRange { .. }), "{err}");
        // an unprefixed easting given to the prefixed zone, and the other way round
        let err = t("epsg:4524").to_wgs84(363_590.0, 2_949_249.0).unwrap_err();
        assert!(
            err.to_string()
                .contains("easting 36000000..37000000 (zone prefix 36)"),
            "{err}"
        );
        let err = t("epsg:4545")
            .to_wgs84(36_363_590.0, 2_949_249.0)
            .unwrap_err();
        assert!(err.to_string().contains("zone 36, cm 108e"), "{err}");
        // a prefixed easting of the neighbouring zone 35
        let err = t("epsg:4524")
            .to_wgs84(35_363_590.0, 2_949_249.0)
            .unwrap_err();
        assert!(
            err.to_string().contains("out of range for epsg:4524"),
            "{err}"
        );
        // far from the central meridian: Beijing in Guiyang's zone
        let err = t("epsg:4545").from_wgs84(116.39, 39.91).unwrap_err();
        assert_eq!(
            err.to_string(),
            "coordinate (116.39, 39.91) is out of range for epsg:4545: expected lon 105..111, \
             lat 0..90 for zone 36 (cm 108e); use the zone whose central meridian is nearest"
        );
        // an easting inside the band whose longitude is more than 3 degrees off
        let err = t("epsg:4545").to_wgs84(10_000.0, 5_500_000.0).unwrap_err();
        assert!(matches!(err, CrsError::OutOfRange { .. }), "{err}");
        // web mercator cannot reach the poles
        let err = t("epsg:3857").from_wgs84(0.0, 89.0).unwrap_err();
        assert!(
            err.to_string().contains("does not reach the poles"),
            "{err}"
        );
        let err = t("epsg:3857").to_wgs84(0.0, 20_037_509.0).unwrap_err();
        assert!(matches!(err, CrsError::OutOfRange { .. }), "{err}");
    }

    #[test]
    fn invalid_zone_is_an_error_not_a_panic() {
        let err = Transform::new(Crs::GaussKruger {
            zone: 99,
            zone_prefix: true,
        })
        .unwrap_err();
        assert!(
            err.to_string().contains("zone 99 is not a cgcs2000"),
            "{err}"
        );
    }

    #[test]
    fn extreme_inputs_never_panic() {
        let values = [
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            1e300,
            -1e300,
            f64::MAX,
            f64::MIN,
            f64::MIN_POSITIVE,
            f64::EPSILON,
            5e-324,
            0.0,
            -0.0,
            1.0,
            -1.0,
            90.0,
            -90.0,
            180.0,
            -180.0,
            85.051_128_779_806_6,
            105.0,
            108.0,
            500_000.0,
            1_000_000.0,
            10_000_000.0,
            20_037_508.35,
            36_500_000.0,
            37_000_000.0,
            72.004,
            137.8347,
            0.8293,
            55.8271,
        ];
        let mut codes: Vec<String> = ["wgs84", "cgcs2000", "epsg:3857", "gcj02", "bd09"]
            .iter()
            .map(ToString::to_string)
            .collect();
        codes.extend((4513..=4554).map(|c| format!("epsg:{c}")));
        for code in &codes {
            let tr = t(code);
            for &x in &values {
                for &y in &values {
                    for (a, b) in [(x, y), (-x, y), (x, -y)] {
                        for result in [tr.to_wgs84(a, b), tr.from_wgs84(a, b)] {
                            match result {
                                Ok((u, v)) => assert!(
                                    u.is_finite() && v.is_finite(),
                                    "{code}: ({a}, {b}) gave ({u}, {v})"
                                ),
                                Err(e) => assert!(!e.to_string().is_empty()),
                            }
                        }
                    }
                }
            }
        }
        // non-finite input is reported as such, before any range check
        for code in &codes {
            let err = t(code).to_wgs84(f64::NAN, 1e300).unwrap_err();
            assert!(matches!(err, CrsError::NonFinite { .. }), "{code}: {err}");
        }
    }

    #[test]
    fn negative_zero_passes_through_geographic() {
        let (lon, lat) = t("wgs84").to_wgs84(-0.0, -0.0).unwrap();
        assert!(lon == 0.0 && lon.is_sign_negative() && lat.is_sign_negative());
    }
}
