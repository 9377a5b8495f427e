//! GCJ-02 and BD-09: the obfuscating offsets used by Chinese web maps.
//!
//! GCJ-02 (the "Mars" system of AMap, Tencent and WeChat) is WGS84 plus a deliberately
//! irregular offset of a few hundred metres, defined by a published closed-form polynomial
//! on the Krasovsky ellipsoid. BD-09 (Baidu) applies a second, smaller rotation-and-shift to
//! GCJ-02. Both are only applied inside a rectangle around China (the rectangle used by the
//! widely used eviltransform library, so that our output matches what those maps expect);
//! outside it the coordinates are WGS84 / GCJ-02 unchanged.
//!
//! Neither offset has a closed-form inverse. The forward maps are the identity plus a
//! smooth offset whose derivative is about 1e-3, so the fixed-point iteration
//! `p <- p - (forward(p) - target)` is a contraction: it gains about three digits per step
//! and reaches 1e-10 degrees (about 10 micrometres) in four to six steps.
//!
//! The inverse decides by the *input* point whether it lies inside the rectangle, and then
//! iterates with the offset applied unconditionally, so the iteration never sees the jump at
//! the rectangle's edge. Only points within a few hundred metres of that edge (which runs
//! through the sea, Russia and Central Asia, never through China) fail to round-trip.

use std::f64::consts::PI;

/// Krasovsky 1940 semi-major axis, as used by the GCJ-02 formulas (metres).
const KRASOVSKY_A: f64 = 6_378_245.0;
/// Krasovsky 1940 first eccentricity squared, as used by the GCJ-02 formulas.
#[expect(
    clippy::excessive_precision,
    reason = "written as published, so it can be compared with the formula; rounds to the same f64"
)]
const KRASOVSKY_EE: f64 = 0.006_693_421_622_965_943_23;
/// BD-09's angular constant: pi * 3000 / 180.
const X_PI: f64 = PI * 3000.0 / 180.0;
/// The rectangle inside which the offsets apply: (lon min, lon max, lat min, lat max).
const CHINA: (f64, f64, f64, f64) = (72.004, 137.8347, 0.8293, 55.8271);

/// The iterative inverses stop when a step moves the point by less than this (degrees).
const TOLERANCE_DEG: f64 = 1e-10;
/// The iterative inverses give up after this many steps; in practice they need six or fewer.
const MAX_ITERATIONS: usize = 30;

/// Whether the offsets apply at this lon/lat (degrees).
pub(crate) fn in_china(lon: f64, lat: f64) -> bool {
    let (lon0, lon1, lat0, lat1) = CHINA;
    (lon0..=lon1).contains(&lon) && (lat0..=lat1).contains(&lat)
}

/// The GCJ-02 polynomial for latitude, in "metres" on the Krasovsky ellipsoid.
/// `x`, `y` are degrees east of 105E and north of 35N.
fn poly_lat(x: f64, y: f64) -> f64 {
    let wave = 20.0 * (6.0 * PI * x).sin() + 20.0 * (2.0 * PI * x).sin();
    let wave_y = 20.0 * (PI * y).sin() + 40.0 * (PI * y / 3.0).sin();
    let long_wave_y = 160.0 * (PI * y / 12.0).sin() + 320.0 * (PI * y / 30.0).sin();
    -100.0
        + 2.0 * x
        + 3.0 * y
        + 0.2 * y * y
        + 0.1 * x * y
        + 0.2 * x.abs().sqrt()
        + (wave + wave_y + long_wave_y) * 2.0 / 3.0
}

/// The GCJ-02 polynomial for longitude, in "metres" on the Krasovsky ellipsoid.
fn poly_lon(x: f64, y: f64) -> f64 {
    let wave = 20.0 * (6.0 * PI * x).sin() + 20.0 * (2.0 * PI * x).sin();
    let wave_x = 20.0 * (PI * x).sin() + 40.0 * (PI * x / 3.0).sin();
    let long_wave_x = 150.0 * (PI * x / 12.0).sin() + 300.0 * (PI * x / 30.0).sin();
    300.0
        + x
        + 2.0 * y
        + 0.1 * x * x
        + 0.1 * x * y
        + 0.1 * x.abs().sqrt()
        + (wave + wave_x + long_wave_x) * 2.0 / 3.0
}

/// The GCJ-02 offset (degrees of lon, lat) at a WGS84 lon/lat, without the rectangle test.
///
/// The polynomials give metres; they are turned into degrees with the Krasovsky meridional
/// radius of curvature `M = a(1-e^2)/(1-e^2 sin^2 lat)^1.5` and the parallel radius
/// `N cos lat = a cos lat/(1-e^2 sin^2 lat)^0.5`.
fn gcj_offset(lon: f64, lat: f64) -> (f64, f64) {
    let (x, y) = (lon - 105.0, lat - 35.0);
    let phi = lat.to_radians();
    let w = 1.0 - KRASOVSKY_EE * phi.sin() * phi.sin();
    let meridional = KRASOVSKY_A * (1.0 - KRASOVSKY_EE) / (w * w.sqrt());
    let parallel = KRASOVSKY_A / w.sqrt() * phi.cos();
    let d_lon = poly_lon(x, y) * 180.0 / (parallel * PI);
    let d_lat = poly_lat(x, y) * 180.0 / (meridional * PI);
    (d_lon, d_lat)
}

/// WGS84 to GCJ-02 without the rectangle test.
fn wgs84_to_gcj02_raw(lon: f64, lat: f64) -> (f64, f64) {
    let (d_lon, d_lat) = gcj_offset(lon, lat);
    (lon + d_lon, lat + d_lat)
}

/// GCJ-02 to BD-09 without the rectangle test: a small lon/lat-dependent change of radius
/// and angle around (0, 0), then a shift of (0.0065, 0.006) degrees.
fn gcj02_to_bd09_raw(lon: f64, lat: f64) -> (f64, f64) {
    let r = lon.hypot(lat) + 0.000_02 * (lat * X_PI).sin();
    let theta = lat.atan2(lon) + 0.000_003 * (lon * X_PI).cos();
    (r * theta.cos() + 0.0065, r * theta.sin() + 0.006)
}

/// WGS84 to GCJ-02 (degrees); unchanged outside China's rectangle.
pub(crate) fn wgs84_to_gcj02(lon: f64, lat: f64) -> (f64, f64) {
    if in_china(lon, lat) {
        wgs84_to_gcj02_raw(lon, lat)
    } else {
        (lon, lat)
    }
}

/// GCJ-02 to BD-09 (degrees); unchanged outside China's rectangle.
pub(crate) fn gcj02_to_bd09(lon: f64, lat: f64) -> (f64, f64) {
    if in_china(lon, lat) {
        gcj02_to_bd09_raw(lon, lat)
    } else {
        (lon, lat)
    }
}

/// WGS84 to BD-09 (degrees): GCJ-02 first, then Baidu's own step.
pub(crate) fn wgs84_to_bd09(lon: f64, lat: f64) -> (f64, f64) {
    let (lon, lat) = wgs84_to_gcj02(lon, lat);
    gcj02_to_bd09(lon, lat)
}

/// GCJ-02 to WGS84 (degrees), or `None` if the iteration did not converge.
pub(crate) fn gcj02_to_wgs84(lon: f64, lat: f64) -> Option<(f64, f64)> {
    if !in_china(lon, lat) {
        return Some((lon, lat));
    }
    invert(lon, lat, wgs84_to_gcj02_raw)
}

/// BD-09 to WGS84 (degrees), or `None` if the iteration did not converge.
///
/// Inverts the composite WGS84 -> BD-09 map in one iteration rather than chaining two
/// inverses, so the error does not add up.
pub(crate) fn bd09_to_wgs84(lon: f64, lat: f64) -> Option<(f64, f64)> {
    if !in_china(lon, lat) {
        return Some((lon, lat));
    }
    invert(lon, lat, |lon, lat| {
        let (lon, lat) = wgs84_to_gcj02_raw(lon, lat);
        gcj02_to_bd09_raw(lon, lat)
    })
}

/// Solves `forward(p) = target` by the fixed-point iteration `p <- p - (forward(p) - target)`.
fn invert(
    target_lon: f64,
    target_lat: f64,
    forward: impl Fn(f64, f64) -> (f64, f64),
) -> Option<(f64, f64)> {
    let (mut lon, mut lat) = (target_lon, target_lat);
    for _ in 0..MAX_ITERATIONS {
        let (f_lon, f_lat) = forward(lon, lat);
        let (step_lon, step_lat) = (f_lon - target_lon, f_lat - target_lat);
        lon -= step_lon;
        lat -= step_lat;
        if step_lon.abs() < TOLERANCE_DEG && step_lat.abs() < TOLERANCE_DEG {
            return Some((lon, lat));
        }
        // NaN steps compare false above and would loop to the limit; stop early instead.
        if !lon.is_finite() || !lat.is_finite() {
            return None;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_apply_only_inside_china() {
        assert_eq!(wgs84_to_gcj02(2.35, 48.86), (2.35, 48.86));
        assert_eq!(wgs84_to_bd09(139.69, 35.69), (139.69, 35.69));
        assert_eq!(gcj02_to_wgs84(-70.0, -33.0), Some((-70.0, -33.0)));
        let (lon, lat) = wgs84_to_gcj02(106.63, 26.647);
        // the offset in Guiyang is a few hundred metres: a few thousandths of a degree
        assert!((lon - 106.63).abs() > 1e-4 && (lon - 106.63).abs() < 1e-2);
        assert!((lat - 26.647).abs() > 1e-4 && (lat - 26.647).abs() < 1e-2);
    }

    #[test]
    fn inverses_round_trip_over_china() {
        let mut worst = 0.0_f64;
        for i in 0..=60 {
            for j in 0..=50 {
                let lon = 73.0 + f64::from(i) * 1.07;
                let lat = 1.0 + f64::from(j) * 1.07;
                let (g_lon, g_lat) = wgs84_to_gcj02(lon, lat);
                let (w_lon, w_lat) = gcj02_to_wgs84(g_lon, g_lat).unwrap();
                worst = worst.max((w_lon - lon).abs()).max((w_lat - lat).abs());
                let (b_lon, b_lat) = wgs84_to_bd09(lon, lat);
                let (w_lon, w_lat) = bd09_to_wgs84(b_lon, b_lat).unwrap();
                worst = worst.max((w_lon - lon).abs()).max((w_lat - lat).abs());
            }
        }
        assert!(worst < 1e-9, "worst round-trip error {worst:e} degrees");
    }

    #[test]
    fn inverse_handles_the_square_root_kink_at_105e() {
        // `sqrt(|lon - 105|)` has an infinite derivative at 105E; the iteration still converges.
        for lon in [105.0, 105.0 + 1e-12, 105.0 - 1e-9, 104.999_999] {
            let (g_lon, g_lat) = wgs84_to_gcj02(lon, 30.0);
            let (w_lon, w_lat) = gcj02_to_wgs84(g_lon, g_lat).unwrap();
            assert!((w_lon - lon).abs() < 1e-9 && (w_lat - 30.0).abs() < 1e-9);
        }
    }
}
