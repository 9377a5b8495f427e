//! Reading units and boundaries from GeoJSON.

use std::path::Path;

use geo_types::{Coord, MultiPolygon};
use geojson::{Feature, GeoJson, JsonObject, JsonValue};

use citygrid_crs::{Crs, Transform};
use citygrid_model::{AttrValue, Attributes, CodeLayout, Level, Unit, UnitCode};

use crate::crs_member::declared_crs;
use crate::error::{IoError, Result};
use crate::geometry::{RingDefect, to_multipolygon};

/// Which properties hold what, and how to read coordinates.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    /// Property with the unit code (default `code`).
    pub code_field: String,
    /// Property with the unit name (default `name`).
    pub name_field: String,
    /// Property with the parent's code (default `parent`).
    pub parent_field: String,
    /// Property with the level (default `level`); when absent, the level follows
    /// from the code's length, and units whose code fits no level are cells.
    pub level_field: String,
    /// Coordinate system of the file; overrides a `crs` member in the file.
    pub crs: Option<Crs>,
    /// Code rules, for telling levels from code lengths.
    pub layout: CodeLayout,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            code_field: "code".into(),
            name_field: "name".into(),
            parent_field: "parent".into(),
            level_field: "level".into(),
            crs: None,
            layout: CodeLayout::default(),
        }
    }
}

/// Units read from a file, with the defects the reader had to repair.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The units, in file order.
    pub units: Vec<Unit>,
    /// Rings that were not closed or too short (closed or kept as read), for the
    /// checker to report as `invalid_geometry` and the repair as rebuilt.
    pub defects: Vec<UnitDefect>,
    /// The coordinate system the file was read in.
    pub crs: Crs,
}

/// A ring of one unit the reader had to close or found too short.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitDefect {
    /// The unit's position in [`Loaded::units`].
    pub unit: usize,
    /// What is wrong with the ring, and where.
    pub ring: RingDefect,
}

/// Reads a file's text; a name ending in `.gz` is gunzipped first (the bundled demo
/// partition is stored that way to keep the repository small).
///
/// # Errors
/// [`IoError::Read`] naming the path.
pub fn read_text(path: &Path) -> Result<String> {
    let err = |source| IoError::Read {
        path: path.to_path_buf(),
        source,
    };
    if path.extension().is_some_and(|e| e == "gz") {
        let file = std::fs::File::open(path).map_err(err)?;
        let mut text = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(file), &mut text)
            .map_err(err)?;
        Ok(text)
    } else {
        std::fs::read_to_string(path).map_err(err)
    }
}

/// `bytes` as they should be stored at `path`: gzipped when the name ends in
/// `.gz`, as they are otherwise.
///
/// # Errors
/// [`IoError::Write`] naming the path, should compression fail.
pub fn encode_for(path: &Path, bytes: &[u8]) -> Result<Vec<u8>> {
    if path.extension().is_none_or(|e| e != "gz") {
        return Ok(bytes.to_vec());
    }
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    std::io::Write::write_all(&mut enc, bytes)
        .and_then(|()| enc.finish())
        .map_err(|source| IoError::Write {
            path: path.to_path_buf(),
            source,
        })
}

pub(crate) fn parse(text: &str, source_name: &str) -> Result<GeoJson> {
    serde_json::from_str::<GeoJson>(text).map_err(|e| IoError::Json {
        source_name: source_name.to_string(),
        line: e.line(),
        column: e.column(),
        message: e
            .to_string()
            .split(" at line")
            .next()
            .unwrap_or_default()
            .to_string(),
    })
}

/// The features of GeoJSON text (a FeatureCollection, or a single Feature), the
/// coordinate system they are in (see [`crs_of`]) and the transform from it to
/// WGS84: the start every feature reader shares. `expected` says what a bare
/// geometry should have been, for its error.
pub(crate) fn features_in(
    text: &str,
    source_name: &str,
    chosen: Option<Crs>,
    expected: &str,
) -> Result<(Vec<Feature>, Crs, Transform)> {
    let (features, foreign) = match parse(text, source_name)? {
        GeoJson::FeatureCollection(fc) => (fc.features, fc.foreign_members),
        GeoJson::Feature(f) => (vec![f], None),
        GeoJson::Geometry(_) => {
            return Err(IoError::Content {
                source_name: source_name.to_string(),
                message: format!("is a bare geometry; expected {expected}"),
            });
        }
    };
    let crs = crs_of(foreign.as_ref(), chosen, source_name)?;
    let transform = Transform::new(crs).map_err(|e| IoError::Crs {
        source_name: source_name.to_string(),
        message: e.to_string(),
    })?;
    Ok((features, crs, transform))
}

/// The coordinate system: the caller's choice, else the file's `crs` member, else
/// WGS84 (RFC 7946).
pub(crate) fn crs_of(
    foreign: Option<&JsonObject>,
    chosen: Option<Crs>,
    source_name: &str,
) -> Result<Crs> {
    if let Some(c) = chosen {
        return Ok(c);
    }
    match declared_crs(foreign) {
        None => Ok(Crs::Wgs84),
        Some(name) => name.parse().map_err(|e| IoError::Crs {
            source_name: source_name.to_string(),
            message: format!("the file's crs member: {e}; pass --crs to override"),
        }),
    }
}

fn text(v: &JsonValue) -> Option<String> {
    match v {
        JsonValue::String(s) => Some(s.trim().to_string()),
        JsonValue::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Parses units from GeoJSON text (a FeatureCollection, or a single Feature).
///
/// # Errors
/// [`IoError::Json`] with line and column for text that is not GeoJSON;
/// [`IoError::Feature`] naming the feature for a missing code, a non-polygon
/// geometry or a coordinate outside the CRS's range; [`IoError::Crs`] for an
/// unknown declared CRS.
pub fn parse_units(text: &str, source_name: &str, options: &ReadOptions) -> Result<Loaded> {
    let (features, crs, transform) = features_in(
        text,
        source_name,
        options.crs,
        "a FeatureCollection of units with a code property",
    )?;
    let mut units = Vec::with_capacity(features.len());
    let mut defects = Vec::new();
    for (index, feature) in features.iter().enumerate() {
        let (unit, ring_defects) = unit_of(feature, index, source_name, options, &transform)?;
        defects.extend(ring_defects.into_iter().map(|ring| UnitDefect {
            unit: units.len(),
            ring,
        }));
        units.push(unit);
    }
    if units.is_empty() {
        return Err(IoError::Content {
            source_name: source_name.to_string(),
            message: "has no features".into(),
        });
    }
    Ok(Loaded {
        units,
        defects,
        crs,
    })
}

fn unit_of(
    feature: &Feature,
    index: usize,
    source_name: &str,
    options: &ReadOptions,
    transform: &Transform,
) -> Result<(Unit, Vec<RingDefect>)> {
    let empty = JsonObject::new();
    let props = feature.properties.as_ref().unwrap_or(&empty);
    let fail = |code: Option<&str>, message: String| IoError::Feature {
        source_name: source_name.to_string(),
        index,
        code: code.map(|c| format!(" (code {c})")).unwrap_or_default(),
        message,
    };
    let raw_code = props.get(&options.code_field).and_then(text).ok_or_else(|| {
        let mut keys: Vec<&str> = props.keys().map(String::as_str).collect();
        keys.sort_unstable();
        fail(
            None,
            format!(
                "no {:?} property with a string or number (it has: {}); name the code property with --code-field",
                options.code_field,
                if keys.is_empty() { "no properties".to_string() } else { keys.join(", ") }
            ),
        )
    })?;
    let code: UnitCode = raw_code.parse().map_err(|e| fail(None, format!("{e}")))?;
    let parent = match props.get(&options.parent_field).and_then(text) {
        Some(p) if !p.is_empty() => Some(
            p.parse::<UnitCode>()
                .map_err(|e| fail(Some(&raw_code), format!("parent: {e}")))?,
        ),
        _ => None,
    };
    let level = match props.get(&options.level_field).and_then(text) {
        Some(l) => l
            .parse::<Level>()
            .map_err(|e| fail(Some(&raw_code), e.to_string()))?,
        None => options.layout.level_of(&code).unwrap_or(Level::Cell),
    };
    let name = props
        .get(&options.name_field)
        .and_then(text)
        .unwrap_or_default();
    let Some(geometry) = &feature.geometry else {
        return Err(fail(Some(&raw_code), "has no geometry".into()));
    };
    let mut ring_defects = Vec::new();
    let geometry = to_multipolygon(&geometry.value, transform, &mut ring_defects)
        .map_err(|m| fail(Some(&raw_code), m))?;
    let reserved = [
        &options.code_field,
        &options.name_field,
        &options.parent_field,
        &options.level_field,
    ];
    let attributes: Attributes = props
        .iter()
        .filter(|(k, _)| !reserved.contains(k))
        .filter_map(|(k, v)| {
            let value = match v {
                JsonValue::Null => return None,
                JsonValue::Bool(b) => AttrValue::Bool(*b),
                JsonValue::Number(n) => AttrValue::Number(n.as_f64()?),
                JsonValue::String(s) => AttrValue::Text(s.clone()),
                other => AttrValue::Text(other.to_string()),
            };
            Some((k.clone(), value))
        })
        .collect();
    let unit = Unit {
        code,
        name,
        level,
        parent,
        geometry,
        attributes,
    };
    Ok((unit, ring_defects))
}

/// Reads units from a GeoJSON file.
///
/// # Errors
/// As [`parse_units`], plus [`IoError::Read`].
pub fn read_units(path: &Path, options: &ReadOptions) -> Result<Loaded> {
    parse_units(&read_text(path)?, &path.display().to_string(), options)
}

/// Reads an outline: every polygon in a file (a bare geometry, a Feature or a
/// FeatureCollection), as one WGS84 multipolygon.
///
/// # Errors
/// As [`parse_units`]; also when the file holds no polygon.
pub fn read_boundary(path: &Path, crs: Option<Crs>) -> Result<MultiPolygon<f64>> {
    let source_name = path.display().to_string();
    let text = read_text(path)?;
    let (geometries, foreign): (Vec<geojson::Geometry>, Option<JsonObject>) =
        match parse(&text, &source_name)? {
            GeoJson::Geometry(g) => {
                let f = g.foreign_members.clone();
                (vec![g], f)
            }
            GeoJson::Feature(f) => (f.geometry.into_iter().collect(), None),
            GeoJson::FeatureCollection(fc) => (
                fc.features.into_iter().filter_map(|f| f.geometry).collect(),
                fc.foreign_members,
            ),
        };
    let crs = crs_of(foreign.as_ref(), crs, &source_name)?;
    let transform = Transform::new(crs).map_err(|e| IoError::Crs {
        source_name: source_name.clone(),
        message: e.to_string(),
    })?;
    let mut polygons = Vec::new();
    for (index, g) in geometries.iter().enumerate() {
        let mp = to_multipolygon(&g.value, &transform, &mut Vec::new()).map_err(|message| {
            IoError::Feature {
                source_name: source_name.clone(),
                index,
                code: String::new(),
                message,
            }
        })?;
        polygons.extend(mp.0);
    }
    if polygons.is_empty() {
        return Err(IoError::Content {
            source_name,
            message: "holds no polygon to use as a boundary".into(),
        });
    }
    Ok(MultiPolygon(polygons))
}

/// The positions of source files exactly as they are written there, by the WGS84
/// point each one reads as. A transform to WGS84 and back is not exact to the last
/// bit, so a writer that must give back the points it read (a repair whose outline
/// has to match the boundary file vertex for vertex) looks them up here.
#[derive(Debug, Clone, Default)]
pub struct SourcePositions(std::collections::HashMap<[u64; 2], Coord<f64>>);

impl SourcePositions {
    /// Reads every polygon position of the files, taking them in `crs`.
    ///
    /// # Errors
    /// As [`read_boundary`].
    pub fn read(paths: &[&Path], crs: Crs) -> Result<Self> {
        let transform = Transform::new(crs).map_err(|e| IoError::Crs {
            source_name: paths
                .first()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
            message: e.to_string(),
        })?;
        let mut map = std::collections::HashMap::new();
        for path in paths {
            let source_name = path.display().to_string();
            let geometries: Vec<geojson::Geometry> = match parse(&read_text(path)?, &source_name)? {
                GeoJson::Geometry(g) => vec![g],
                GeoJson::Feature(f) => f.geometry.into_iter().collect(),
                GeoJson::FeatureCollection(fc) => {
                    fc.features.into_iter().filter_map(|f| f.geometry).collect()
                }
            };
            for g in &geometries {
                let polygons: Vec<&Vec<Vec<geojson::Position>>> = match &g.value {
                    geojson::GeometryValue::Polygon { coordinates } => vec![coordinates],
                    geojson::GeometryValue::MultiPolygon { coordinates } => {
                        coordinates.iter().collect()
                    }
                    _ => continue,
                };
                for p in polygons.into_iter().flatten().flatten() {
                    let s = p.as_slice();
                    if s.len() < 2 {
                        continue;
                    }
                    if let Ok((x, y)) = transform.to_wgs84(s[0], s[1]) {
                        map.insert(
                            citygrid_planar::coord_key(Coord { x, y }),
                            Coord { x: s[0], y: s[1] },
                        );
                    }
                }
            }
        }
        Ok(SourcePositions(map))
    }

    /// The position a WGS84 point was read from, if it was.
    #[must_use]
    pub fn get(&self, c: Coord<f64>) -> Option<Coord<f64>> {
        self.0.get(&citygrid_planar::coord_key(c)).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SQUARE: &str =
        r#"[[[106.7,26.6],[106.701,26.6],[106.701,26.601],[106.7,26.601],[106.7,26.6]]]"#;

    fn fc(features: &str) -> String {
        format!(r#"{{"type":"FeatureCollection","features":[{features}]}}"#)
    }

    fn feature(props: &str, coords: &str) -> String {
        format!(
            r#"{{"type":"Feature","properties":{props},"geometry":{{"type":"Polygon","coordinates":{coords}}}}}"#
        )
    }

    #[test]
    fn reads_codes_levels_parents_and_attributes() {
        let text = fc(&feature(
            r#"{"code":"520102001001001","parent":520102001001,"name":"A","households":420}"#,
            SQUARE,
        ));
        let loaded = parse_units(&text, "t", &ReadOptions::default()).unwrap();
        let u = &loaded.units[0];
        assert_eq!(u.level, Level::Cell);
        assert_eq!(u.parent.as_ref().unwrap().as_str(), "520102001001");
        assert_eq!(
            u.attributes.get("households"),
            Some(&AttrValue::Number(420.0))
        );
        assert!(loaded.defects.is_empty());
    }

    #[test]
    fn names_the_line_of_broken_json() {
        let err = parse_units(
            "{\n\"type\": \"FeatureCollection\",\n\"features\": [,]}",
            "cells.geojson",
            &ReadOptions::default(),
        )
        .unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.starts_with("cells.geojson: not valid GeoJSON at line 3"),
            "{msg}"
        );
    }

    #[test]
    fn names_the_feature_without_a_code_and_lists_its_properties() {
        let text = fc(&feature(r#"{"CODE":"1","NAME":"x"}"#, SQUARE));
        let msg = parse_units(&text, "c.geojson", &ReadOptions::default())
            .unwrap_err()
            .to_string();
        assert_eq!(
            msg,
            r#"c.geojson: feature 0: no "code" property with a string or number (it has: CODE, NAME); name the code property with --code-field"#
        );
    }

    #[test]
    fn refuses_points_and_projected_numbers_declared_as_wgs84() {
        let point = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"1"},"geometry":{"type":"Point","coordinates":[1,2]}}]}"#;
        let msg = parse_units(point, "p", &ReadOptions::default())
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains("geometry is a Point; expected Polygon or MultiPolygon"),
            "{msg}"
        );
        let projected = fc(&feature(
            r#"{"code":"1"}"#,
            "[[[500000,2940000],[500100,2940000],[500100,2940100],[500000,2940000]]]",
        ));
        let msg = parse_units(&projected, "p", &ReadOptions::default())
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains("feature 0 (code 1): polygon 0 shell position 0"),
            "{msg}"
        );
        assert!(msg.contains("out of range"), "{msg}");
    }

    #[test]
    fn reads_a_declared_gauss_kruger_crs() {
        let text = format!(
            r#"{{"type":"FeatureCollection","crs":{{"type":"name","properties":{{"name":"urn:ogc:def:crs:EPSG::4545"}}}},"features":[{}]}}"#,
            feature(
                r#"{"code":"1"}"#,
                "[[[500000,2940000],[500100,2940000],[500100,2940100],[500000,2940000]]]"
            )
        );
        let loaded = parse_units(&text, "gk", &ReadOptions::default()).unwrap();
        assert_eq!(loaded.crs.to_string(), "epsg:4545");
        let c = loaded.units[0].geometry.0[0].exterior().0[0];
        assert!(
            (c.x - 108.0).abs() < 1e-9 && (c.y - 26.57).abs() < 0.01,
            "{c:?}"
        );
    }

    #[test]
    fn reports_unclosed_and_short_rings_as_defects() {
        let open = "[[[106.7,26.6],[106.701,26.6],[106.701,26.601],[106.7,26.601]]]";
        let loaded = parse_units(
            &fc(&feature(r#"{"code":"1"}"#, open)),
            "o",
            &ReadOptions::default(),
        )
        .unwrap();
        assert_eq!(loaded.defects.len(), 1);
        assert!(loaded.defects[0].ring.message.contains("not closed"));
        let short = "[[[106.7,26.6],[106.701,26.6],[106.7,26.6]]]";
        let loaded = parse_units(
            &fc(&feature(r#"{"code":"1"}"#, short)),
            "s",
            &ReadOptions::default(),
        )
        .unwrap();
        assert!(loaded.defects[0].ring.message.contains("needs at least 4"));
    }
}
