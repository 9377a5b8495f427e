//! Earth-centred, earth-fixed coordinates (ECEF, EPSG:4978) on the WGS84 ellipsoid,
//! and the east-north-up frames 3D Tiles place local content with.
//!
//! 3D Tiles position everything in ECEF metres: a tile's `box` and `sphere` are in the
//! frame its chain of `transform`s makes, and that chain ends in ECEF. Knowing where a
//! tile lies on the ground (its footprint in WGS84) takes ECEF -> geodetic, done here in
//! closed form (Heikkinen 1982, as in Zhu 1993): exact to well under a millimetre from
//! the Earth's centre to far above it, with no iteration to converge.

/// WGS84 semi-major axis, metres.
pub const WGS84_A: f64 = 6_378_137.0;
/// WGS84 flattening.
pub const WGS84_F: f64 = 1.0 / 298.257_223_563;

const B: f64 = WGS84_A * (1.0 - WGS84_F);
const E2: f64 = WGS84_F * (2.0 - WGS84_F);
const EP2: f64 = (WGS84_A * WGS84_A - B * B) / (B * B);

/// The ECEF position (metres) of a WGS84 longitude and latitude (degrees) at height
/// `h` metres above the ellipsoid.
#[must_use]
pub fn to_ecef(lon: f64, lat: f64, h: f64) -> [f64; 3] {
    let (sl, cl) = lon.to_radians().sin_cos();
    let (sp, cp) = lat.to_radians().sin_cos();
    let n = WGS84_A / (1.0 - E2 * sp * sp).sqrt();
    [
        (n + h) * cp * cl,
        (n + h) * cp * sl,
        (n * (1.0 - E2) + h) * sp,
    ]
}

/// The WGS84 longitude, latitude (degrees) and ellipsoidal height (metres) of an ECEF
/// position.
#[must_use]
pub fn from_ecef([x, y, z]: [f64; 3]) -> (f64, f64, f64) {
    let p = x.hypot(y);
    let lon = y.atan2(x).to_degrees();
    if p < 1e-9 {
        // on the axis: a pole (or the centre)
        let lat = if z >= 0.0 { 90.0 } else { -90.0 };
        return (lon, lat, z.abs() - B);
    }
    let a = WGS84_A;
    let f = 54.0 * B * B * z * z;
    let g = p * p + (1.0 - E2) * z * z - E2 * (a * a - B * B);
    let c = E2 * E2 * f * p * p / (g * g * g);
    let s = (1.0 + c + (c * c + 2.0 * c).sqrt()).cbrt();
    let k = s + 1.0 + 1.0 / s;
    let pp = f / (3.0 * k * k * g * g);
    let q = (1.0 + 2.0 * E2 * E2 * pp).sqrt();
    let r0 = -(pp * E2 * p) / (1.0 + q)
        + (0.5 * a * a * (1.0 + 1.0 / q)
            - pp * (1.0 - E2) * z * z / (q * (1.0 + q))
            - 0.5 * pp * p * p)
            .max(0.0)
            .sqrt();
    let u = ((p - E2 * r0).powi(2) + z * z).sqrt();
    let v = ((p - E2 * r0).powi(2) + (1.0 - E2) * z * z).sqrt();
    let z0 = B * B * z / (a * v);
    let h = u * (1.0 - B * B / (a * v));
    let lat = ((z + EP2 * z0) / p).atan().to_degrees();
    (lon, lat, h)
}

/// The east-north-up frame at a WGS84 position as a 4x4 matrix, column-major (as 3D
/// Tiles' `transform`): local x east, y north, z up, in metres, to ECEF.
#[must_use]
pub fn enu_to_ecef(lon: f64, lat: f64, h: f64) -> [f64; 16] {
    let (sl, cl) = lon.to_radians().sin_cos();
    let (sp, cp) = lat.to_radians().sin_cos();
    let o = to_ecef(lon, lat, h);
    [
        -sl,
        cl,
        0.0,
        0.0, // east
        -sp * cl,
        -sp * sl,
        cp,
        0.0, // north
        cp * cl,
        cp * sl,
        sp,
        0.0, // up
        o[0],
        o[1],
        o[2],
        1.0,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn geodetic_round_trips_through_ecef() {
        for &(lon, lat, h) in &[
            (106.7, 26.6, 1_100.0),
            (0.0, 0.0, 0.0),
            (-179.9, -89.5, -300.0),
            (45.0, 60.0, 35_786_000.0),
            (12.5, 41.9, 1e-3),
        ] {
            let (lo, la, hh) = from_ecef(to_ecef(lon, lat, h));
            assert!(
                (lo - lon).abs() < 1e-11 && (la - lat).abs() < 1e-11,
                "{lon} {lat}: {lo} {la}"
            );
            assert!((hh - h).abs() < 1e-6 * (1.0 + h.abs() / 1e6), "{h}: {hh}");
        }
        let (_, lat, h) = from_ecef([0.0, 0.0, B + 10.0]);
        assert_eq!(lat, 90.0);
        assert!((h - 10.0).abs() < 1e-9);
    }

    #[test]
    fn the_enu_frame_at_guiyang_is_the_documented_one() {
        // ../shared/data/README.md: the reality-mesh sample's frame at 106.70, 26.60, 1,100 m
        let want = [
            -0.957_822,
            -0.287_361,
            0.0,
            0.0,
            0.128_668,
            -0.428_874,
            0.894_154,
            0.0,
            -0.256_945,
            0.856_441,
            0.447_759,
            0.0,
            -1_640_211.547,
            5_467_109.807,
            2_839_148.652,
            1.0,
        ];
        let got = enu_to_ecef(106.70, 26.60, 1_100.0);
        for (g, w) in got.iter().zip(want) {
            assert!((g - w).abs() < 1e-3, "{got:?}");
        }
    }
}
