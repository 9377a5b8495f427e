//! The coordinate reference systems citygrid accepts, their names and their parsing.

use std::fmt;
use std::str::FromStr;

use crate::error::{CrsError, Result};
use crate::gauss_kruger::{
    FIRST_PLAIN_EPSG, FIRST_PREFIXED_EPSG, FIRST_ZONE, LAST_ZONE, zone_text,
};

/// A coordinate reference system that citygrid reads and writes.
///
/// Internally citygrid works in WGS84 lon/lat degrees; [`Transform`](crate::Transform)
/// converts between that and any of these.
///
/// Parse one from user text with [`str::parse`] (EPSG codes, OGC URNs and common names,
/// case-insensitive); its [`Display`](fmt::Display) form is a short canonical name that
/// parses back to the same value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Crs {
    /// WGS84 lon/lat degrees (EPSG:4326, taken in lon/lat order like OGC CRS84).
    Wgs84,
    /// CGCS2000 lon/lat degrees (EPSG:4490), China's national datum.
    ///
    /// Treated as identical to WGS84: both are realisations of the ITRS that agree to a few
    /// centimetres at a common epoch, and their ellipsoids (GRS80 and WGS84) differ by 0.1 mm
    /// in the semi-minor axis. What does differ is the epoch: CGCS2000 is fixed at 2000.0 while
    /// WGS84 follows the plates, which in China move a few centimetres a year; no static
    /// transform can correct that, it stays below the accuracy of city grid data, and PROJ
    /// also treats EPSG:4490 to EPSG:4326 as a null ("ballpark") transformation.
    Cgcs2000,
    /// Web Mercator (EPSG:3857) metres on a sphere of radius 6 378 137 m, as used by web tiles.
    WebMercator,
    /// GCJ-02, the offset lon/lat degrees required by Chinese web maps (AMap, Tencent, WeChat).
    /// No EPSG code exists.
    Gcj02,
    /// BD-09, Baidu's lon/lat degrees: GCJ-02 plus a further offset. No EPSG code exists.
    Bd09,
    /// A CGCS2000 3-degree Gauss-Kruger zone (EPSG:4513..=4554), easting/northing in metres.
    ///
    /// Build it with [`Crs::gauss_kruger`] to have the zone checked; a value built directly
    /// with an unknown zone is rejected by [`Transform::new`](crate::Transform::new).
    GaussKruger {
        /// The zone number, 25..=45; its central meridian is `3 * zone` degrees east.
        zone: u8,
        /// Whether the false easting carries the zone number (`zone * 1e6 + 500000`,
        /// EPSG:4513..=4533) or not (500000, EPSG:4534..=4554).
        zone_prefix: bool,
    },
}

impl Crs {
    /// A CGCS2000 3-degree Gauss-Kruger zone, e.g. zone 36 (central meridian 108E) for Guiyang.
    ///
    /// # Errors
    /// [`CrsError::UnknownCrs`] if `zone` is not in 25..=45.
    pub fn gauss_kruger(zone: u8, zone_prefix: bool) -> Result<Self> {
        if (FIRST_ZONE..=LAST_ZONE).contains(&zone) {
            Ok(Self::GaussKruger { zone, zone_prefix })
        } else {
            Err(CrsError::UnknownCrs {
                input: format!("cgcs2000 3-degree gauss-kruger zone {zone}"),
            })
        }
    }

    /// The CRS with this EPSG code.
    ///
    /// # Errors
    /// [`CrsError::UnknownCrs`] if the code is not one of the supported ones.
    pub fn from_epsg(code: u32) -> Result<Self> {
        let zone = |first_code: u32, zone_prefix: bool| {
            let offset = u8::try_from(code.checked_sub(first_code)?).ok()?;
            let zone = FIRST_ZONE.checked_add(offset)?;
            (zone <= LAST_ZONE).then_some(Self::GaussKruger { zone, zone_prefix })
        };
        let crs = match code {
            4326 => Some(Self::Wgs84),
            4490 => Some(Self::Cgcs2000),
            3857 | 900_913 => Some(Self::WebMercator),
            _ => zone(FIRST_PREFIXED_EPSG, true).or_else(|| zone(FIRST_PLAIN_EPSG, false)),
        };
        crs.ok_or_else(|| CrsError::UnknownCrs {
            input: format!("epsg:{code}"),
        })
    }

    /// The EPSG code, or `None` for GCJ-02 and BD-09 (which have none) and for an invalid zone.
    #[must_use]
    pub fn epsg(&self) -> Option<u32> {
        match *self {
            Self::Wgs84 => Some(4326),
            Self::Cgcs2000 => Some(4490),
            Self::WebMercator => Some(3857),
            Self::Gcj02 | Self::Bd09 => None,
            Self::GaussKruger { zone, zone_prefix } => {
                zone_text(zone)?;
                let first = if zone_prefix {
                    FIRST_PREFIXED_EPSG
                } else {
                    FIRST_PLAIN_EPSG
                };
                Some(first + u32::from(zone - FIRST_ZONE))
            }
        }
    }

    /// Whether coordinates are lon/lat degrees (true) or projected metres (false).
    #[must_use]
    pub fn is_geographic(&self) -> bool {
        matches!(
            self,
            Self::Wgs84 | Self::Cgcs2000 | Self::Gcj02 | Self::Bd09
        )
    }

    /// The central meridian in degrees east, for Gauss-Kruger zones.
    #[must_use]
    pub fn central_meridian(&self) -> Option<f64> {
        match *self {
            Self::GaussKruger { zone, .. } => zone_text(zone).map(|_| 3.0 * f64::from(zone)),
            _ => None,
        }
    }

    /// A human-readable name, the EPSG name where there is one,
    /// e.g. "CGCS2000 / 3-degree Gauss-Kruger CM 108E".
    #[must_use]
    pub fn name(&self) -> &'static str {
        match *self {
            Self::Wgs84 => "WGS 84",
            Self::Cgcs2000 => "China Geodetic Coordinate System 2000",
            Self::WebMercator => "WGS 84 / Pseudo-Mercator",
            Self::Gcj02 => "GCJ-02 (AMap, Tencent, WeChat)",
            Self::Bd09 => "BD-09 (Baidu)",
            Self::GaussKruger { zone, zone_prefix } => match zone_text(zone) {
                Some(text) if zone_prefix => text.name_prefixed,
                Some(text) => text.name_plain,
                None => "CGCS2000 / 3-degree Gauss-Kruger (invalid zone)",
            },
        }
    }

    /// The OGC URN for a GeoJSON `crs` member, or `None` where no registered code exists
    /// (GCJ-02, BD-09, an invalid zone).
    ///
    /// WGS84 is `urn:ogc:def:crs:OGC:1.3:CRS84` rather than EPSG:4326 because EPSG:4326
    /// officially has lat/lon axis order while GeoJSON (RFC 7946 section 4) and citygrid write
    /// lon/lat. The other URNs follow the old GeoJSON 2008 convention that GDAL also uses:
    /// the coordinates stay in x/y (lon/lat, easting/northing) order whatever EPSG says.
    #[must_use]
    pub fn ogc_urn(&self) -> Option<String> {
        match self {
            Self::Wgs84 => Some("urn:ogc:def:crs:OGC:1.3:CRS84".to_owned()),
            _ => self
                .epsg()
                .map(|code| format!("urn:ogc:def:crs:EPSG::{code}")),
        }
    }
}

impl fmt::Display for Crs {
    /// The canonical short form: "wgs84", "cgcs2000", "epsg:3857", "gcj02", "bd09", "epsg:4545".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::Wgs84 => f.write_str("wgs84"),
            Self::Cgcs2000 => f.write_str("cgcs2000"),
            Self::Gcj02 => f.write_str("gcj02"),
            Self::Bd09 => f.write_str("bd09"),
            Self::WebMercator => f.write_str("epsg:3857"),
            Self::GaussKruger { zone, zone_prefix } => match self.epsg() {
                Some(code) => write!(f, "epsg:{code}"),
                // not parseable on purpose: there is no such zone
                None if zone_prefix => write!(f, "gauss-kruger zone {zone} (zone prefix)"),
                None => write!(f, "gauss-kruger zone {zone}"),
            },
        }
    }
}

impl FromStr for Crs {
    type Err = CrsError;

    /// Parses a CRS name, case-insensitively and ignoring surrounding whitespace.
    ///
    /// Accepted: `wgs84`, `crs84`, `cgcs2000`, `webmercator`, `gcj02`/`gcj-02`,
    /// `bd09`/`bd-09`/`bd09ll`; an EPSG code as `epsg:NNNN`, bare `NNNN`,
    /// `urn:ogc:def:crs:EPSG::NNNN` (with or without a version) or
    /// `http://www.opengis.net/def/crs/EPSG/0/NNNN`; and the CRS84 URN/URL.
    fn from_str(s: &str) -> Result<Self> {
        let text = s.trim().to_ascii_lowercase();
        let crs = match text.as_str() {
            "wgs84"
            | "wgs-84"
            | "wgs 84"
            | "crs84"
            | "ogc:crs84"
            | "urn:ogc:def:crs:ogc:1.3:crs84"
            | "urn:ogc:def:crs:ogc::crs84"
            | "http://www.opengis.net/def/crs/ogc/1.3/crs84"
            | "https://www.opengis.net/def/crs/ogc/1.3/crs84" => Some(Self::Wgs84),
            "cgcs2000" | "cgcs 2000" => Some(Self::Cgcs2000),
            "webmercator" | "web-mercator" | "web_mercator" | "pseudo-mercator" => {
                Some(Self::WebMercator)
            }
            "gcj02" | "gcj-02" | "gcj_02" => Some(Self::Gcj02),
            // "bd09ll" is what Baidu's own APIs call lon/lat BD-09
            "bd09" | "bd-09" | "bd_09" | "bd09ll" => Some(Self::Bd09),
            other => epsg_code(other).and_then(|code| Self::from_epsg(code).ok()),
        };
        crs.ok_or_else(|| CrsError::UnknownCrs {
            input: s.chars().take(100).collect(),
        })
    }
}

/// The EPSG code in `epsg:N`, `N`, `urn:ogc:def:crs:epsg:[version]:N` or
/// `http(s)://www.opengis.net/def/crs/epsg/VERSION/N` (already lowercased).
fn epsg_code(text: &str) -> Option<u32> {
    let digits = if let Some(code) = text.strip_prefix("epsg:") {
        code
    } else if let Some(rest) = text.strip_prefix("urn:ogc:def:crs:epsg:") {
        let (version, code) = rest.split_once(':')?;
        is_version(version).then_some(code)?
    } else if let Some(rest) = text
        .strip_prefix("http://www.opengis.net/def/crs/epsg/")
        .or_else(|| text.strip_prefix("https://www.opengis.net/def/crs/epsg/"))
    {
        let (version, code) = rest.split_once('/')?;
        is_version(version).then_some(code)?
    } else {
        text
    };
    // `u32::from_str` would also take a leading '+'; accept plain digits only.
    if digits.is_empty() || digits.len() > 9 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// An EPSG dataset version in a URN or URL: empty, "0", or digits and dots like "6.6".
fn is_version(v: &str) -> bool {
    v.bytes().all(|b| b.is_ascii_digit() || b == b'.')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Crs {
        s.parse()
            .unwrap_or_else(|e| panic!("{s:?} should parse: {e}"))
    }

    #[test]
    fn parses_the_names_users_send() {
        for s in [
            "wgs84",
            "WGS84",
            "epsg:4326",
            "EPSG:4326",
            "4326",
            "crs84",
            "urn:ogc:def:crs:OGC:1.3:CRS84",
            "urn:ogc:def:crs:EPSG::4326",
            "urn:ogc:def:crs:EPSG:6.6:4326",
            "http://www.opengis.net/def/crs/EPSG/0/4326",
            " wgs84\n",
        ] {
            assert_eq!(parse(s), Crs::Wgs84, "{s}");
        }
        for s in ["cgcs2000", "CGCS2000", "epsg:4490", "4490"] {
            assert_eq!(parse(s), Crs::Cgcs2000, "{s}");
        }
        for s in ["webmercator", "epsg:3857", "EPSG:900913", "3857"] {
            assert_eq!(parse(s), Crs::WebMercator, "{s}");
        }
        for s in ["gcj02", "GCJ-02"] {
            assert_eq!(parse(s), Crs::Gcj02, "{s}");
        }
        for s in ["bd09", "BD-09", "bd09ll"] {
            assert_eq!(parse(s), Crs::Bd09, "{s}");
        }
        let guiyang = Crs::GaussKruger {
            zone: 36,
            zone_prefix: false,
        };
        for s in [
            "EPSG:4545",
            "epsg:4545",
            "urn:ogc:def:crs:EPSG::4545",
            "4545",
        ] {
            assert_eq!(parse(s), guiyang, "{s}");
        }
        assert_eq!(
            parse("epsg:4524"),
            Crs::GaussKruger {
                zone: 36,
                zone_prefix: true
            }
        );
    }

    #[test]
    fn every_zone_code_maps_to_its_zone_and_back() {
        for code in 4513..=4554 {
            let crs = parse(&format!("epsg:{code}"));
            let Crs::GaussKruger { zone, zone_prefix } = crs else {
                panic!("epsg:{code} is not a zone");
            };
            assert_eq!(zone_prefix, code <= 4533);
            let first = if zone_prefix { 4513 } else { 4534 };
            assert_eq!(u32::from(zone), 25 + code - first);
            assert_eq!(crs.epsg(), Some(code));
            assert_eq!(crs.to_string(), format!("epsg:{code}"));
        }
        assert_eq!(parse("epsg:4513").central_meridian(), Some(75.0));
        assert_eq!(parse("epsg:4554").central_meridian(), Some(135.0));
    }

    #[test]
    fn rejects_near_misses_and_names_the_input() {
        for s in [
            "",
            "epsg:",
            "epsg:4512",
            "epsg:4555",
            "epsg:+4326",
            "epsg:43260",
            "wgs 72",
            "4326.0",
            "epsg:4326 extra",
            "urn:ogc:def:crs:EPSG:x:4326",
            "99999999999999999999",
        ] {
            let err = s.parse::<Crs>().unwrap_err();
            assert!(matches!(err, CrsError::UnknownCrs { .. }), "{s}");
            let message = err.to_string();
            assert!(message.contains(&format!("{s:?}")), "{message}");
            assert!(message.contains("epsg:4513..=4554"), "{message}");
        }
        let long = "x".repeat(10_000);
        let CrsError::UnknownCrs { input } = long.parse::<Crs>().unwrap_err() else {
            panic!("wrong error");
        };
        assert_eq!(input.len(), 100);
    }

    #[test]
    fn display_is_canonical_and_parses_back() {
        let all = [
            (Crs::Wgs84, "wgs84"),
            (Crs::Cgcs2000, "cgcs2000"),
            (Crs::WebMercator, "epsg:3857"),
            (Crs::Gcj02, "gcj02"),
            (Crs::Bd09, "bd09"),
            (Crs::gauss_kruger(36, false).unwrap(), "epsg:4545"),
            (Crs::gauss_kruger(36, true).unwrap(), "epsg:4524"),
        ];
        for (crs, text) in all {
            assert_eq!(crs.to_string(), text);
            assert_eq!(parse(text), crs);
        }
    }

    #[test]
    fn metadata() {
        let gk = Crs::gauss_kruger(36, false).unwrap();
        assert_eq!(gk.name(), "CGCS2000 / 3-degree Gauss-Kruger CM 108E");
        assert_eq!(
            Crs::gauss_kruger(36, true).unwrap().name(),
            "CGCS2000 / 3-degree Gauss-Kruger zone 36"
        );
        assert_eq!(gk.ogc_urn().as_deref(), Some("urn:ogc:def:crs:EPSG::4545"));
        assert_eq!(
            Crs::Wgs84.ogc_urn().as_deref(),
            Some("urn:ogc:def:crs:OGC:1.3:CRS84")
        );
        assert_eq!(Crs::Gcj02.ogc_urn(), None);
        assert_eq!(Crs::Bd09.epsg(), None);
        assert!(Crs::Gcj02.is_geographic() && Crs::Cgcs2000.is_geographic());
        assert!(!gk.is_geographic() && !Crs::WebMercator.is_geographic());
        assert!(Crs::gauss_kruger(24, false).is_err());
        assert!(Crs::gauss_kruger(46, true).is_err());

        let bad = Crs::GaussKruger {
            zone: 99,
            zone_prefix: false,
        };
        assert_eq!(bad.epsg(), None);
        assert_eq!(bad.ogc_urn(), None);
        assert_eq!(bad.central_meridian(), None);
        assert!(bad.to_string().parse::<Crs>().is_err());
    }
}
