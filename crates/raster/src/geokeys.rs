//! The GeoKey directory (GeoKeyDirectoryTag 34735, OGC 19-008r4 section 7.1): which CRS
//! the pixels are in and whether a position means a pixel's corner or its centre.
//!
//! The directory is a list of shorts: a header (version 1, revision, minor revision, key
//! count) and one `(key id, tag location, count, value or offset)` entry per key. A value
//! lives in the entry itself (location 0), in GeoDoubleParamsTag (34736) or in
//! GeoAsciiParamsTag (34737, `|`-terminated strings).

use citygrid_crs::Crs;

use crate::georef::RasterType;

/// GTModelTypeGeoKey: 1 projected, 2 geographic, 3 geocentric.
const MODEL_TYPE: u16 = 1024;
/// GTRasterTypeGeoKey: 1 PixelIsArea, 2 PixelIsPoint.
const RASTER_TYPE: u16 = 1025;
/// GTCitationGeoKey: free text naming the CRS.
const CITATION: u16 = 1026;
/// GeodeticCRSGeoKey (GeographicTypeGeoKey in GeoTIFF 1.0).
const GEOGRAPHIC_TYPE: u16 = 2048;
/// GeodeticCitationGeoKey.
const GEOGRAPHIC_CITATION: u16 = 2049;
/// GeodeticDatumGeoKey.
const DATUM: u16 = 2050;
/// GeogAngularUnitsGeoKey.
const ANGULAR_UNITS: u16 = 2054;
/// ProjectedCRSGeoKey (ProjectedCSTypeGeoKey in GeoTIFF 1.0).
const PROJECTED_TYPE: u16 = 3072;
/// ProjectedCitationGeoKey.
const PROJECTED_CITATION: u16 = 3073;
/// ProjMethodGeoKey (ProjCoordTransGeoKey): the projection of a user-defined CRS.
const PROJECTION_METHOD: u16 = 3075;
/// ProjLinearUnitsGeoKey.
const LINEAR_UNITS: u16 = 3076;
/// The "user-defined" code of every key.
const USER_DEFINED: u16 = 32767;
/// GeoDoubleParamsTag and GeoAsciiParamsTag, as tag locations in a key entry.
const DOUBLE_PARAMS: u16 = 34736;
const ASCII_PARAMS: u16 = 34737;

/// One key's value.
#[derive(Debug, Clone, PartialEq)]
enum KeyValue {
    Short(u16),
    Doubles(Vec<f64>),
    Ascii(String),
}

/// The keys of a GeoKey directory, in the order the file lists them.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct GeoKeys {
    keys: Vec<(u16, KeyValue)>,
}

/// What the keys say about the CRS.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum CrsFinding {
    /// A CRS citygrid converts.
    Found(Crs),
    /// No key names a CRS.
    Missing,
    /// A CRS citygrid does not convert, described for the user.
    Unsupported(String),
}

impl GeoKeys {
    /// Parses the directory with its double and ASCII parameters (empty when the file has
    /// none).
    ///
    /// # Errors
    /// A sentence when the header or an entry is malformed or points outside its parameters.
    pub(crate) fn parse(directory: &[u16], doubles: &[f64], ascii: &str) -> Result<Self, String> {
        let [version, _, _, count, entries @ ..] = directory else {
            return Err(format!(
                "the geokey directory has {} values; expected a 4-value header",
                directory.len()
            ));
        };
        if *version != 1 {
            return Err(format!(
                "geokey directory version {version} is not supported; expected 1"
            ));
        }
        let count = usize::from(*count);
        if entries.len() < count * 4 {
            return Err(format!(
                "the geokey directory announces {count} keys but holds {}",
                entries.len() / 4
            ));
        }
        let mut keys = Vec::with_capacity(count);
        for entry in entries.chunks_exact(4).take(count) {
            let &[id, location, n, value] = entry else {
                continue;
            };
            let (start, n) = (usize::from(value), usize::from(n));
            let range = start..start + n;
            let bad =
                || format!("geokey {id} points outside its parameters ({location}: {start}+{n})");
            let value = match location {
                0 => KeyValue::Short(value),
                DOUBLE_PARAMS => KeyValue::Doubles(doubles.get(range).ok_or_else(bad)?.to_vec()),
                ASCII_PARAMS => {
                    let text = ascii.get(range).ok_or_else(bad)?;
                    KeyValue::Ascii(text.trim_end_matches(['|', '\0']).trim().to_string())
                }
                // keys whose shorts are kept elsewhere in the directory: none used here
                _ => continue,
            };
            keys.push((id, value));
        }
        Ok(GeoKeys { keys })
    }

    fn get(&self, id: u16) -> Option<&KeyValue> {
        self.keys.iter().find(|(k, _)| *k == id).map(|(_, v)| v)
    }

    fn short(&self, id: u16) -> Option<u16> {
        match self.get(id) {
            Some(KeyValue::Short(v)) => Some(*v),
            _ => None,
        }
    }

    fn ascii(&self, id: u16) -> Option<&str> {
        match self.get(id) {
            Some(KeyValue::Ascii(s)) if !s.is_empty() && !s.eq_ignore_ascii_case("unknown") => {
                Some(s)
            }
            _ => None,
        }
    }

    /// Whether positions refer to pixel corners (the default) or centres.
    pub(crate) fn raster_type(&self) -> RasterType {
        match self.short(RASTER_TYPE) {
            Some(2) => RasterType::Point,
            _ => RasterType::Area,
        }
    }

    /// The CRS the keys declare.
    pub(crate) fn crs(&self) -> CrsFinding {
        let projected = self.short(PROJECTED_TYPE);
        let geographic = self.short(GEOGRAPHIC_TYPE);
        let model = self.short(MODEL_TYPE).or(if projected.is_some() {
            Some(1)
        } else if geographic.is_some() {
            Some(2)
        } else {
            None
        });
        match model {
            Some(1) => self.projected(projected),
            Some(2) => self.geographic(geographic),
            None => CrsFinding::Missing,
            Some(3) => CrsFinding::Unsupported(self.described("a geocentric crs".into())),
            Some(other) => CrsFinding::Unsupported(self.described(format!("model type {other}"))),
        }
    }

    fn projected(&self, code: Option<u16>) -> CrsFinding {
        match code {
            Some(USER_DEFINED) | None => {
                let method = match self.short(PROJECTION_METHOD) {
                    Some(m) => method_name(m),
                    None => "no projection method".into(),
                };
                CrsFinding::Unsupported(
                    self.described(format!("a user-defined projected crs ({method})")),
                )
            }
            Some(code) => match Crs::from_epsg(u32::from(code)) {
                Ok(crs) if !crs.is_geographic() => CrsFinding::Found(crs),
                _ => CrsFinding::Unsupported(self.described(format!("epsg:{code}"))),
            },
        }
    }

    fn geographic(&self, code: Option<u16>) -> CrsFinding {
        match code {
            Some(USER_DEFINED) | None => match self.short(DATUM) {
                // a user-defined CRS on the WGS84 or CGCS2000 datum is that CRS
                Some(6326) => CrsFinding::Found(Crs::Wgs84),
                Some(1043) => CrsFinding::Found(Crs::Cgcs2000),
                _ => {
                    CrsFinding::Unsupported(self.described("a user-defined geographic crs".into()))
                }
            },
            Some(code) => match Crs::from_epsg(u32::from(code)) {
                Ok(crs) if crs.is_geographic() => CrsFinding::Found(crs),
                _ => CrsFinding::Unsupported(self.described(format!("epsg:{code}"))),
            },
        }
    }

    /// `what`, followed by the file's own name for its CRS when it has one.
    fn described(&self, what: String) -> String {
        let citation = self
            .ascii(PROJECTED_CITATION)
            .or_else(|| self.ascii(CITATION))
            .or_else(|| self.ascii(GEOGRAPHIC_CITATION));
        match citation {
            Some(c) => format!("{what} ({})", c.replace('|', "; ")),
            None => what,
        }
    }
}

/// Names of the projection methods (ProjMethodGeoKey values) GIS users are likely to meet.
fn method_name(code: u16) -> String {
    let name = match code {
        1 => "transverse mercator",
        7 => "mercator",
        8 => "lambert conformal conic, 2 parallels",
        9 => "lambert conformal conic, 1 parallel",
        10 => "lambert azimuthal equal area",
        11 => "albers equal area",
        12 => "azimuthal equidistant",
        14 => "stereographic",
        15 => "polar stereographic",
        17 => "equirectangular",
        24 => "sinusoidal",
        _ => return format!("projection method {code}"),
    };
    name.to_string()
}

/// The GeoKey directory that declares `crs` for a PixelIsArea raster.
///
/// # Errors
/// A sentence when `crs` has no EPSG code (GCJ-02, BD-09), since GeoTIFF cannot name it.
pub(crate) fn directory_for(crs: Crs) -> Result<Vec<u16>, String> {
    let code = crs
        .epsg()
        .and_then(|c| u16::try_from(c).ok())
        .ok_or_else(|| format!("{crs} has no epsg code, so a geotiff cannot declare it"))?;
    // keys sorted by id, as section 7.1.3 requires; units are those of the EPSG CRS
    let keys: [[u16; 4]; 4] = if crs.is_geographic() {
        [
            [MODEL_TYPE, 0, 1, 2],
            [RASTER_TYPE, 0, 1, 1],
            [GEOGRAPHIC_TYPE, 0, 1, code],
            [ANGULAR_UNITS, 0, 1, 9102],
        ]
    } else {
        [
            [MODEL_TYPE, 0, 1, 1],
            [RASTER_TYPE, 0, 1, 1],
            [PROJECTED_TYPE, 0, 1, code],
            [LINEAR_UNITS, 0, 1, 9001],
        ]
    };
    let mut directory = vec![1, 1, 0, 4];
    directory.extend(keys.iter().flatten());
    Ok(directory)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The directories of the rasterio test files, as GDAL wrote them.
    const WORLD_BYTE: &[u16] = &[
        1, 1, 0, 7, 1024, 0, 1, 2, 1025, 0, 1, 1, 2048, 0, 1, 4326, 2049, 34737, 7, 0, 2054, 0, 1,
        9102, 2057, 34736, 1, 1, 2059, 34736, 1, 0,
    ];
    const RGB_BYTE_UTM: &[u16] = &[
        1, 1, 0, 7, 1024, 0, 1, 1, 1025, 0, 1, 1, 1026, 34737, 22, 0, 2049, 34737, 7, 22, 2054, 0,
        1, 9102, 3072, 0, 1, 32618, 3076, 0, 1, 9001,
    ];
    const LAEA: &[u16] = &[
        1, 1, 0, 19, 1024, 0, 1, 1, 1025, 0, 1, 1, 1026, 34737, 8, 0, 2048, 0, 1, 32767, 2049,
        34737, 80, 8, 2050, 0, 1, 32767, 2054, 0, 1, 9102, 2056, 0, 1, 7019, 2057, 34736, 1, 5,
        2059, 34736, 1, 4, 2061, 34736, 1, 6, 3072, 0, 1, 32767, 3074, 0, 1, 32767, 3075, 0, 1, 10,
        3076, 0, 1, 9001, 3082, 34736, 1, 2, 3083, 34736, 1, 3, 3088, 34736, 1, 1, 3089, 34736, 1,
        0,
    ];

    #[test]
    fn reads_geographic_and_projected_epsg_codes() {
        let keys = GeoKeys::parse(WORLD_BYTE, &[298.257223563, 6378137.0], "WGS 84|").unwrap();
        assert_eq!(keys.crs(), CrsFinding::Found(Crs::Wgs84));
        assert_eq!(keys.raster_type(), RasterType::Area);
        for (code, crs) in [
            (3857, Crs::WebMercator),
            (4545, Crs::gauss_kruger(36, false).unwrap()),
            (4524, Crs::gauss_kruger(36, true).unwrap()),
        ] {
            let keys = GeoKeys::parse(&directory_for(crs).unwrap(), &[], "").unwrap();
            assert_eq!(keys.crs(), CrsFinding::Found(crs), "{code}");
            assert_eq!(keys.short(PROJECTED_TYPE), Some(code));
        }
        let cgcs = GeoKeys::parse(&directory_for(Crs::Cgcs2000).unwrap(), &[], "").unwrap();
        assert_eq!(cgcs.crs(), CrsFinding::Found(Crs::Cgcs2000));
    }

    #[test]
    fn names_unsupported_crs_with_the_files_own_citation() {
        let utm = GeoKeys::parse(RGB_BYTE_UTM, &[0.0], "WGS 84 / UTM zone 18N|WGS 84|").unwrap();
        assert_eq!(
            utm.crs(),
            CrsFinding::Unsupported("epsg:32618 (WGS 84 / UTM zone 18N)".into())
        );
        let ascii = "unknown|GCS Name = unknown|Datum = Unknown_based_on_GRS80_ellipsoid|Primem = Greenwich||";
        let doubles = [
            52.0,
            10.0,
            4321000.0,
            3210000.0,
            298.257222101004,
            6378137.0,
            0.0,
        ];
        let laea = GeoKeys::parse(LAEA, &doubles, ascii).unwrap();
        let CrsFinding::Unsupported(text) = laea.crs() else {
            panic!("{:?}", laea.crs());
        };
        assert!(
            text.starts_with("a user-defined projected crs (lambert azimuthal equal area) (GCS Name = unknown; Datum"),
            "{text}"
        );
        // a geographic code that is not WGS84 or CGCS2000, and a projected code that is
        let nad83 =
            GeoKeys::parse(&[1, 1, 0, 2, 1024, 0, 1, 2, 2048, 0, 1, 4269], &[], "").unwrap();
        assert_eq!(nad83.crs(), CrsFinding::Unsupported("epsg:4269".into()));
        let odd = GeoKeys::parse(&[1, 1, 0, 2, 1024, 0, 1, 1, 3072, 0, 1, 4326], &[], "").unwrap();
        assert_eq!(odd.crs(), CrsFinding::Unsupported("epsg:4326".into()));
    }

    #[test]
    fn user_defined_geographic_on_wgs84_datum_is_wgs84() {
        let keys = GeoKeys::parse(
            &[
                1, 1, 0, 3, 1024, 0, 1, 2, 2048, 0, 1, 32767, 2050, 0, 1, 6326,
            ],
            &[],
            "",
        )
        .unwrap();
        assert_eq!(keys.crs(), CrsFinding::Found(Crs::Wgs84));
    }

    #[test]
    fn missing_keys_pixel_is_point_and_model_inferred_from_the_code() {
        assert_eq!(GeoKeys::default().crs(), CrsFinding::Missing);
        let keys = GeoKeys::parse(&[1, 1, 0, 2, 1025, 0, 1, 2, 3072, 0, 1, 3857], &[], "").unwrap();
        assert_eq!(keys.raster_type(), RasterType::Point);
        assert_eq!(keys.crs(), CrsFinding::Found(Crs::WebMercator));
        let only_type = GeoKeys::parse(&[1, 1, 0, 1, 1025, 0, 1, 1], &[], "").unwrap();
        assert_eq!(only_type.crs(), CrsFinding::Missing);
        let geocentric = GeoKeys::parse(&[1, 1, 0, 1, 1024, 0, 1, 3], &[], "").unwrap();
        assert_eq!(
            geocentric.crs(),
            CrsFinding::Unsupported("a geocentric crs".into())
        );
    }

    #[test]
    fn malformed_directories_are_errors_not_panics() {
        assert!(
            GeoKeys::parse(&[1, 1], &[], "")
                .unwrap_err()
                .contains("4-value header")
        );
        assert!(
            GeoKeys::parse(&[2, 1, 0, 0], &[], "")
                .unwrap_err()
                .contains("version 2")
        );
        assert!(
            GeoKeys::parse(&[1, 1, 0, 3, 1024, 0, 1, 2], &[], "")
                .unwrap_err()
                .contains("announces 3 keys but holds 1")
        );
        let err = GeoKeys::parse(&[1, 1, 0, 1, 1026, 34737, 50, 0], &[], "short|").unwrap_err();
        assert!(err.contains("geokey 1026 points outside"), "{err}");
        let err = GeoKeys::parse(&[1, 1, 0, 1, 2057, 34736, 1, 9], &[1.0], "").unwrap_err();
        assert!(err.contains("geokey 2057"), "{err}");
    }

    #[test]
    fn offset_systems_cannot_be_written() {
        let err = directory_for(Crs::Gcj02).unwrap_err();
        assert_eq!(
            err,
            "gcj02 has no epsg code, so a geotiff cannot declare it"
        );
    }
}
