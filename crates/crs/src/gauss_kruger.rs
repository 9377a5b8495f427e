//! CGCS2000 3-degree Gauss-Kruger zones: the zone table and the projection.
//!
//! China's national grid (GB/T 18314 and the EPSG definitions 4513..=4554) is a transverse
//! Mercator projection on the CGCS2000 ellipsoid (GRS80) with scale factor 1 on the central
//! meridian, latitude of origin 0 and false northing 0. The 3-degree zones 25..=45 have central
//! meridians 75E..=135E (zone number x 3). Each zone exists twice in EPSG:
//! - EPSG:4534..=4554 ("CM 75E" .. "CM 135E"): false easting 500 000 m, no zone prefix;
//! - EPSG:4513..=4533 ("zone 25" .. "zone 45"): false easting `zone x 1 000 000 + 500 000`,
//!   so the zone number is the leading digits of every easting.
//!
//! EPSG lists the axes of these CRSs as northing, easting; like PROJ's `always_xy` and GIS
//! software in general, this crate takes and returns (easting, northing).

use proj4rs::Proj;
use proj4rs::adaptors::transform_xy;

use crate::Crs;
use crate::error::{CrsError, Result};

/// The first 3-degree zone CGCS2000 defines (central meridian 75E).
pub(crate) const FIRST_ZONE: u8 = 25;
/// The last 3-degree zone CGCS2000 defines (central meridian 135E).
pub(crate) const LAST_ZONE: u8 = 45;
/// EPSG code of zone 25 with the zone prefix; zone `z` is `4513 + z - 25`.
pub(crate) const FIRST_PREFIXED_EPSG: u32 = 4513;
/// EPSG code of zone 25 without the zone prefix; zone `z` is `4534 + z - 25`.
pub(crate) const FIRST_PLAIN_EPSG: u32 = 4534;

/// How far from the central meridian a coordinate may lie, in degrees of longitude.
///
/// A zone is 3 degrees wide (1.5 either side), but survey data routinely spills over a zone
/// border so that a city is not cut in two; 3 degrees allows a whole neighbouring zone's width
/// of spill while still catching coordinates from a zone two or more away (or eastings without
/// the zone prefix given to a prefixed zone), where the projection's distortion also grows.
const MAX_DEGREES_FROM_CM: f64 = 3.0;

/// Extra slack on [`MAX_DEGREES_FROM_CM`] when checking an inverse, so that a point projected
/// at exactly 3 degrees comes back despite rounding (1e-9 degrees is 0.1 mm).
const INVERSE_SLACK_DEG: f64 = 1e-9;

/// Northing band accepted from users: the equator to the pole (China lies at 0..56N).
const NORTHING_RANGE: (f64, f64) = (0.0, 10_000_000.0);

/// Texts for one zone, built at compile time so that errors can carry `&'static str`.
pub(crate) struct ZoneText {
    /// EPSG name of the zone without prefix, e.g. "CGCS2000 / 3-degree Gauss-Kruger CM 108E".
    pub(crate) name_plain: &'static str,
    /// EPSG name of the zone with prefix, e.g. "CGCS2000 / 3-degree Gauss-Kruger zone 36".
    pub(crate) name_prefixed: &'static str,
    /// What an easting/northing without the zone prefix must look like.
    expected_plain: &'static str,
    /// What an easting/northing with the zone prefix must look like.
    expected_prefixed: &'static str,
    /// What a lon/lat to be projected into this zone must look like.
    expected_geographic: &'static str,
}

/// One row per zone: (zone, next zone, central meridian, west limit, east limit).
macro_rules! zone_table {
    ($(($zone:literal, $next:literal, $cm:literal, $west:literal, $east:literal)),* $(,)?) => {
        /// Zones 25..=45 in order.
        const ZONES: [ZoneText; (LAST_ZONE - FIRST_ZONE + 1) as usize] = [$(ZoneText {
            name_plain: concat!("CGCS2000 / 3-degree Gauss-Kruger CM ", $cm, "E"),
            name_prefixed: concat!("CGCS2000 / 3-degree Gauss-Kruger zone ", $zone),
            expected_plain: concat!(
                "easting 0..1000000 without zone prefix, northing 0..10000000, within lon ",
                $west, "..", $east, " (zone ", $zone, ", cm ", $cm,
                "e); is the easting zone-prefixed, or from another zone? pass the right crs"
            ),
            expected_prefixed: concat!(
                "easting ", $zone, "000000..", $next, "000000 (zone prefix ", $zone,
                "), northing 0..10000000, within lon ", $west, "..", $east, " (cm ", $cm,
                "e); is the easting from another zone, or without the zone prefix? pass the right crs"
            ),
            expected_geographic: concat!(
                "lon ", $west, "..", $east, ", lat 0..90 for zone ", $zone, " (cm ", $cm,
                "e); use the zone whose central meridian is nearest"
            ),
        }),*];
    };
}

zone_table![
    (25, 26, 75, 72, 78),
    (26, 27, 78, 75, 81),
    (27, 28, 81, 78, 84),
    (28, 29, 84, 81, 87),
    (29, 30, 87, 84, 90),
    (30, 31, 90, 87, 93),
    (31, 32, 93, 90, 96),
    (32, 33, 96, 93, 99),
    (33, 34, 99, 96, 102),
    (34, 35, 102, 99, 105),
    (35, 36, 105, 102, 108),
    (36, 37, 108, 105, 111),
    (37, 38, 111, 108, 114),
    (38, 39, 114, 111, 117),
    (39, 40, 117, 114, 120),
    (40, 41, 120, 117, 123),
    (41, 42, 123, 120, 126),
    (42, 43, 126, 123, 129),
    (43, 44, 129, 126, 132),
    (44, 45, 132, 129, 135),
    (45, 46, 135, 132, 138),
];

/// The texts of `zone`, or `None` if CGCS2000 has no such 3-degree zone.
pub(crate) fn zone_text(zone: u8) -> Option<&'static ZoneText> {
    ZONES.get(usize::from(zone.checked_sub(FIRST_ZONE)?))
}

/// A prepared projection for one zone: the proj4rs definitions are parsed once.
#[derive(Clone)]
pub(crate) struct GaussKruger {
    crs: Crs,
    central_meridian: f64,
    easting_range: (f64, f64),
    text: &'static ZoneText,
    zone_prefix: bool,
    /// Geographic CGCS2000 (GRS80) lon/lat in radians.
    geographic: Proj,
    /// The zone's transverse Mercator.
    projected: Proj,
}

impl GaussKruger {
    /// Parses the proj4rs definitions for `zone`.
    ///
    /// Both sides use the GRS80 ellipsoid and no datum, so proj4rs applies the projection only
    /// (no datum shift): CGCS2000 is taken as WGS84, see the crate docs.
    pub(crate) fn new(crs: Crs, zone: u8, zone_prefix: bool) -> Result<Self> {
        let text = zone_text(zone).ok_or_else(|| CrsError::Projection {
            crs,
            message: format!(
                "zone {zone} is not a cgcs2000 3-degree gauss-kruger zone: expected {FIRST_ZONE}..={LAST_ZONE}"
            ),
        })?;
        let central_meridian = 3.0 * f64::from(zone);
        let prefix = if zone_prefix {
            f64::from(zone) * 1e6
        } else {
            0.0
        };
        let false_easting = prefix + 500_000.0;
        let geographic = parse(crs, "+proj=longlat +ellps=GRS80 +no_defs")?;
        // tmerc on an ellipsoid is the Poder/Engsager algorithm in proj4rs, as in PROJ.
        let projected = parse(
            crs,
            &format!(
                "+proj=tmerc +lat_0=0 +lon_0={central_meridian} +k=1 +x_0={false_easting} +y_0=0 \
                 +ellps=GRS80 +units=m +no_defs"
            ),
        )?;
        Ok(Self {
            crs,
            central_meridian,
            easting_range: (prefix, prefix + 1_000_000.0),
            text,
            zone_prefix,
            geographic,
            projected,
        })
    }

    /// Easting/northing in metres to lon/lat in degrees.
    pub(crate) fn inverse(&self, x: f64, y: f64) -> Result<(f64, f64)> {
        let out_of_range = || CrsError::OutOfRange {
            crs: self.crs,
            x,
            y,
            expected: if self.zone_prefix {
                self.text.expected_prefixed
            } else {
                self.text.expected_plain
            },
        };
        let (e0, e1) = self.easting_range;
        let (n0, n1) = NORTHING_RANGE;
        if !(e0..=e1).contains(&x) || !(n0..=n1).contains(&y) {
            return Err(out_of_range());
        }
        let (lam, phi) = transform_xy(&self.projected, &self.geographic, x, y).map_err(|e| {
            CrsError::Projection {
                crs: self.crs,
                message: format!("inverse projection of ({x}, {y}) failed: {e}"),
            }
        })?;
        let (lon, lat) = (lam.to_degrees(), phi.to_degrees());
        let off_zone =
            (lon - self.central_meridian).abs() > MAX_DEGREES_FROM_CM + INVERSE_SLACK_DEG;
        if !lon.is_finite() || !lat.is_finite() || off_zone {
            return Err(out_of_range());
        }
        Ok((lon, lat))
    }

    /// Lon/lat in degrees (already checked to be within -180..180, -90..90) to metres.
    pub(crate) fn forward(&self, lon: f64, lat: f64) -> Result<(f64, f64)> {
        if lat < 0.0 || (lon - self.central_meridian).abs() > MAX_DEGREES_FROM_CM {
            return Err(CrsError::OutOfRange {
                crs: self.crs,
                x: lon,
                y: lat,
                expected: self.text.expected_geographic,
            });
        }
        transform_xy(
            &self.geographic,
            &self.projected,
            lon.to_radians(),
            lat.to_radians(),
        )
        .map_err(|e| CrsError::Projection {
            crs: self.crs,
            message: format!("projection of ({lon}, {lat}) failed: {e}"),
        })
    }
}

/// Parses a proj4 definition string.
fn parse(crs: Crs, definition: &str) -> Result<Proj> {
    Proj::from_proj_string(definition).map_err(|e| CrsError::Projection {
        crs,
        message: format!("cannot parse {definition:?}: {e}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zone_table_matches_epsg_names() {
        let z36 = zone_text(36).unwrap();
        assert_eq!(z36.name_plain, "CGCS2000 / 3-degree Gauss-Kruger CM 108E");
        assert_eq!(
            z36.name_prefixed,
            "CGCS2000 / 3-degree Gauss-Kruger zone 36"
        );
        assert!(
            z36.expected_prefixed
                .starts_with("easting 36000000..37000000 (zone prefix 36)")
        );
        assert!(
            z36.expected_plain
                .contains("within lon 105..111 (zone 36, cm 108e)")
        );
        assert_eq!(
            zone_text(25).unwrap().name_plain,
            "CGCS2000 / 3-degree Gauss-Kruger CM 75E"
        );
        assert_eq!(
            zone_text(45).unwrap().name_plain,
            "CGCS2000 / 3-degree Gauss-Kruger CM 135E"
        );
        assert!(zone_text(24).is_none());
        assert!(zone_text(46).is_none());
        assert!(zone_text(0).is_none());
    }
}
