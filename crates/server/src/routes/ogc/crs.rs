//! The coordinate systems `/ogc` offers by reference (OGC API - Features Part 2):
//! their URIs, what citygrid calls them, and their axis order.
//!
//! EPSG:4326 and EPSG:4490 (CGCS2000) are defined latitude first, and Part 2 asks
//! for coordinates in the axis order of the CRS named: so do their `crs` output
//! and `bbox-crs` input. CRS84 (the default, as GeoJSON) and Web Mercator are x
//! (longitude, easting) first.

use serde_json::Value;

use citygrid_crs::{Crs, Transform};

use crate::error::{ApiError, shorten};

/// A coordinate system `/ogc` serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OgcCrs {
    /// WGS84 longitude, latitude: the default and the storage CRS.
    Crs84,
    /// WGS84 latitude, longitude.
    Epsg4326,
    /// CGCS2000 latitude, longitude (citygrid treats it as WGS84, to the centimetre).
    Epsg4490,
    /// Web Mercator metres.
    Epsg3857,
}

impl OgcCrs {
    /// Every one, the default first.
    pub const ALL: [OgcCrs; 4] = [
        OgcCrs::Crs84,
        OgcCrs::Epsg4326,
        OgcCrs::Epsg4490,
        OgcCrs::Epsg3857,
    ];

    /// Its URI, as `crs`, `bbox-crs` and `Content-Crs` write it.
    #[must_use]
    pub fn uri(self) -> &'static str {
        match self {
            OgcCrs::Crs84 => "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
            OgcCrs::Epsg4326 => "http://www.opengis.net/def/crs/EPSG/0/4326",
            OgcCrs::Epsg4490 => "http://www.opengis.net/def/crs/EPSG/0/4490",
            OgcCrs::Epsg3857 => "http://www.opengis.net/def/crs/EPSG/0/3857",
        }
    }

    /// Whether coordinates are written latitude first.
    #[must_use]
    pub fn lat_first(self) -> bool {
        matches!(self, OgcCrs::Epsg4326 | OgcCrs::Epsg4490)
    }

    /// The conversion from and to WGS84 longitude, latitude.
    ///
    /// # Errors
    /// [`ApiError::Internal`] if citygrid's CRS cannot be prepared (it always can).
    pub fn transform(self) -> Result<Transform, ApiError> {
        Transform::new(self.citygrid()).map_err(|e| ApiError::Internal(e.to_string()))
    }

    /// What citygrid calls it (its axis order aside).
    #[must_use]
    pub fn citygrid(self) -> Crs {
        match self {
            OgcCrs::Crs84 | OgcCrs::Epsg4326 => Crs::Wgs84,
            OgcCrs::Epsg4490 => Crs::Cgcs2000,
            OgcCrs::Epsg3857 => Crs::WebMercator,
        }
    }

    /// The CRS a parameter (`crs` or `bbox-crs`) names; CRS84 when absent.
    ///
    /// # Errors
    /// [`ApiError::BadRequest`] naming the parameter, the value and the URIs offered.
    pub fn from_param(name: &str, value: Option<&String>) -> Result<OgcCrs, ApiError> {
        let Some(text) = value else {
            return Ok(OgcCrs::Crs84);
        };
        let wanted = text
            .trim()
            .trim_start_matches(['[', '<'])
            .trim_end_matches([']', '>']);
        let same = |uri: &str| {
            uri.eq_ignore_ascii_case(wanted)
                || uri
                    .replacen("http:", "https:", 1)
                    .eq_ignore_ascii_case(wanted)
        };
        OgcCrs::ALL
            .into_iter()
            .find(|c| same(c.uri()))
            .ok_or_else(|| {
                let offered: Vec<&str> = OgcCrs::ALL.iter().map(|c| c.uri()).collect();
                ApiError::BadRequest(format!(
                    "{name}={} is not a coordinate system this server offers; use one of {}",
                    shorten(text),
                    offered.join(", ")
                ))
            })
    }
}

/// Swaps every coordinate pair of a GeoJSON geometry's `coordinates` in place (for
/// the latitude-first CRS).
pub fn swap_axes(coordinates: &mut Value) {
    if let Value::Array(items) = coordinates {
        if items.len() >= 2 && items.iter().all(Value::is_number) {
            items.swap(0, 1);
        } else {
            items.iter_mut().for_each(swap_axes);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn uris_parse_back_and_others_are_refused_by_name() {
        for c in OgcCrs::ALL {
            assert_eq!(
                OgcCrs::from_param("crs", Some(&c.uri().to_string())).unwrap(),
                c
            );
        }
        let https = "https://www.opengis.net/def/crs/EPSG/0/4490".to_string();
        assert_eq!(
            OgcCrs::from_param("crs", Some(&https)).unwrap(),
            OgcCrs::Epsg4490
        );
        assert_eq!(OgcCrs::from_param("crs", None).unwrap(), OgcCrs::Crs84);
        let e = OgcCrs::from_param("bbox-crs", Some(&"EPSG:4545".to_string())).unwrap_err();
        assert!(e.to_string().contains("bbox-crs=\"EPSG:4545\""), "{e}");
    }

    #[test]
    fn latitude_first_swaps_every_pair() {
        let mut c = json!([[[[1.0, 2.0], [3.0, 4.0]]]]);
        swap_axes(&mut c);
        assert_eq!(c, json!([[[[2.0, 1.0], [4.0, 3.0]]]]));
    }
}
