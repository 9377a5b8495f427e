//! Weighted points from GeoJSON: households or people at addresses, buildings or
//! points of interest, the point form of a weight layer for `citygrid build`.

use std::path::Path;

use geojson::{Feature, GeometryValue, JsonObject, JsonValue, Position};

use citygrid_crs::{Crs, Transform};
use citygrid_model::WeightedPoint;

use crate::error::{IoError, Result};
use crate::read::{features_in, read_text};

/// How to read weighted points.
#[derive(Debug, Clone, Default)]
pub struct PointOptions {
    /// Property holding each feature's weight (e.g. `households`); `None` counts every
    /// point as 1.
    pub weight_field: Option<String>,
    /// Coordinate system of the file; overrides a `crs` member in the file (default WGS84).
    pub crs: Option<Crs>,
}

/// Reads weighted points from a GeoJSON file: a FeatureCollection (or one Feature) of
/// Point and MultiPoint features.
///
/// A MultiPoint feature's weight is shared equally among its points, so that the layer's
/// total is the sum of the features' weights however they are drawn. A weight may be a
/// JSON number or a string holding one (as spreadsheet exports write them).
///
/// # Errors
/// As [`parse_weighted_points`], plus [`IoError::Read`].
pub fn read_weighted_points(path: &Path, options: &PointOptions) -> Result<Vec<WeightedPoint>> {
    parse_weighted_points(&read_text(path)?, &path.display().to_string(), options)
}

/// Parses weighted points from GeoJSON text; see [`read_weighted_points`].
///
/// # Examples
/// ```
/// use citygrid_io::{PointOptions, parse_weighted_points};
///
/// let text = r#"{"type": "FeatureCollection", "features": [
///     {"type": "Feature", "properties": {"households": 120},
///      "geometry": {"type": "Point", "coordinates": [106.71, 26.58]}},
///     {"type": "Feature", "properties": {"households": "30"},
///      "geometry": {"type": "MultiPoint", "coordinates": [[106.72, 26.57], [106.73, 26.57]]}}
/// ]}"#;
/// let options = PointOptions { weight_field: Some("households".into()), crs: None };
/// let points = parse_weighted_points(text, "homes.geojson", &options)?;
/// assert_eq!(points.len(), 3);
/// assert_eq!(points.iter().map(|p| p.weight).sum::<f64>(), 150.0);
/// # Ok::<(), citygrid_io::IoError>(())
/// ```
///
/// # Errors
/// [`IoError::Json`] with line and column for text that is not GeoJSON;
/// [`IoError::Content`] for a bare geometry or no points at all; [`IoError::Crs`] for an
/// unknown declared CRS; [`IoError::Feature`] naming the feature for a missing, negative
/// or non-finite weight, a missing or non-point geometry, an empty MultiPoint, or a
/// coordinate outside the CRS's range.
pub fn parse_weighted_points(
    text: &str,
    source_name: &str,
    options: &PointOptions,
) -> Result<Vec<WeightedPoint>> {
    let (features, _, transform) = features_in(
        text,
        source_name,
        options.crs,
        "a FeatureCollection of Point or MultiPoint features",
    )?;
    let mut points = Vec::with_capacity(features.len());
    for (index, feature) in features.iter().enumerate() {
        points_of(feature, options, &transform, &mut points).map_err(|message| {
            IoError::Feature {
                source_name: source_name.to_string(),
                index,
                code: String::new(),
                message,
            }
        })?;
    }
    if points.is_empty() {
        return Err(IoError::Content {
            source_name: source_name.to_string(),
            message: "has no points".into(),
        });
    }
    Ok(points)
}

/// Appends one feature's points, or says what is wrong with it.
fn points_of(
    feature: &Feature,
    options: &PointOptions,
    transform: &Transform,
    out: &mut Vec<WeightedPoint>,
) -> std::result::Result<(), String> {
    let weight = match &options.weight_field {
        None => 1.0,
        Some(field) => weight_of(feature.properties.as_ref(), field)?,
    };
    let Some(geometry) = &feature.geometry else {
        return Err("has no geometry; expected a Point or MultiPoint".into());
    };
    let positions: Vec<&Position> = match &geometry.value {
        GeometryValue::Point { coordinates } => vec![coordinates],
        GeometryValue::MultiPoint { coordinates } => coordinates.iter().collect(),
        other => {
            return Err(format!(
                "geometry is a {}; expected Point or MultiPoint",
                other.type_name()
            ));
        }
    };
    if positions.is_empty() {
        return Err("is an empty MultiPoint; give it a point or leave the feature out".into());
    }
    let share = weight / positions.len() as f64;
    for (i, p) in positions.into_iter().enumerate() {
        let at = if matches!(geometry.value, GeometryValue::Point { .. }) {
            String::new()
        } else {
            format!("point {i}: ")
        };
        let &[x, y, ..] = p.as_slice() else {
            return Err(format!(
                "{at}position has {} numbers; expected at least 2",
                p.as_slice().len()
            ));
        };
        let (lon, lat) = transform.to_wgs84(x, y).map_err(|e| format!("{at}{e}"))?;
        out.push(WeightedPoint {
            lon,
            lat,
            weight: share,
        });
    }
    Ok(())
}

/// The weight in `field`: a finite, non-negative number or numeric string.
fn weight_of(props: Option<&JsonObject>, field: &str) -> std::result::Result<f64, String> {
    let value = props.and_then(|p| p.get(field));
    let weight = match value {
        Some(JsonValue::Number(n)) => n.as_f64(),
        Some(JsonValue::String(s)) => s.trim().parse::<f64>().ok(),
        _ => None,
    };
    match weight {
        Some(w) if w.is_finite() && w >= 0.0 => Ok(w),
        Some(w) => Err(format!(
            "weight {field:?} is {w}; expected a number 0 or more"
        )),
        None => {
            let found = match value {
                None | Some(JsonValue::Null) => {
                    let mut keys: Vec<&str> = props
                        .map(|p| p.keys().map(String::as_str).collect())
                        .unwrap_or_default();
                    keys.sort_unstable();
                    format!(
                        "no {field:?} property (it has: {})",
                        if keys.is_empty() {
                            "no properties".to_string()
                        } else {
                            keys.join(", ")
                        }
                    )
                }
                Some(other) => format!("weight {field:?} is {other}, not a number"),
            };
            Err(format!(
                "{found}; name the weight property with --weight-field"
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fc<S: AsRef<str>>(features: &[S]) -> String {
        let all: Vec<&str> = features.iter().map(AsRef::as_ref).collect();
        format!(
            r#"{{"type":"FeatureCollection","features":[{}]}}"#,
            all.join(",")
        )
    }

    fn point(props: &str, x: f64, y: f64) -> String {
        format!(
            r#"{{"type":"Feature","properties":{props},"geometry":{{"type":"Point","coordinates":[{x},{y}]}}}}"#
        )
    }

    fn households() -> PointOptions {
        PointOptions {
            weight_field: Some("households".into()),
            crs: None,
        }
    }

    fn error(text: &str, options: &PointOptions) -> String {
        parse_weighted_points(text, "homes.geojson", options)
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn counts_points_as_one_without_a_weight_field() {
        let text = fc(&[point("{}", 106.7, 26.6), point("null", 106.8, 26.5)]);
        let points = parse_weighted_points(&text, "p", &PointOptions::default()).unwrap();
        assert_eq!(
            points,
            vec![
                WeightedPoint {
                    lon: 106.7,
                    lat: 26.6,
                    weight: 1.0
                },
                WeightedPoint {
                    lon: 106.8,
                    lat: 26.5,
                    weight: 1.0
                },
            ]
        );
    }

    #[test]
    fn multipoint_shares_its_weight_and_strings_are_numbers() {
        let multi = r#"{"type":"Feature","properties":{"households":" 9 "},"geometry":{"type":"MultiPoint","coordinates":[[106.7,26.6],[106.71,26.6],[106.72,26.6]]}}"#;
        let points = parse_weighted_points(&fc(&[multi]), "p", &households()).unwrap();
        assert_eq!(points.len(), 3);
        assert!(points.iter().all(|p| p.weight == 3.0));
        assert_eq!(points[2].lon, 106.72);
        // a single Feature is accepted too
        let one = point(r#"{"households":0}"#, 106.7, 26.6);
        assert_eq!(
            parse_weighted_points(&one, "p", &households()).unwrap()[0].weight,
            0.0
        );
    }

    #[test]
    fn converts_a_declared_or_chosen_crs_to_wgs84() {
        let declared = format!(
            r#"{{"type":"FeatureCollection","crs":{{"type":"name","properties":{{"name":"EPSG:4545"}}}},"features":[{}]}}"#,
            point(r#"{"households":5}"#, 500_000.0, 2_940_000.0)
        );
        let p = parse_weighted_points(&declared, "p", &households()).unwrap()[0];
        assert!(
            (p.lon - 108.0).abs() < 1e-9 && (p.lat - 26.57).abs() < 0.01,
            "{p:?}"
        );
        let gcj = fc(&[point("{}", 106.7042, 26.5968)]);
        let options = PointOptions {
            weight_field: None,
            crs: Some(Crs::Gcj02),
        };
        let p = parse_weighted_points(&gcj, "p", &options).unwrap()[0];
        // the GCJ-02 offset near Guiyang is 350-420 m on each axis
        assert!(
            (p.lon - 106.7042).abs() > 0.003 && (p.lat - 26.5968).abs() > 0.003,
            "{p:?}"
        );
    }

    #[test]
    fn bad_weights_name_the_feature_and_the_field() {
        let text = fc(&[
            point(r#"{"households":4}"#, 106.7, 26.6),
            point(r#"{"HH":4,"name":"x"}"#, 106.7, 26.6),
        ]);
        assert_eq!(
            error(&text, &households()),
            r#"homes.geojson: feature 1: no "households" property (it has: HH, name); name the weight property with --weight-field"#
        );
        let negative = fc(&[point(r#"{"households":-2}"#, 106.7, 26.6)]);
        assert_eq!(
            error(&negative, &households()),
            r#"homes.geojson: feature 0: weight "households" is -2; expected a number 0 or more"#
        );
        let nan = fc(&[point(r#"{"households":"NaN"}"#, 106.7, 26.6)]);
        assert!(error(&nan, &households()).contains(r#"weight "households" is NaN"#));
        let inf = fc(&[point(r#"{"households":"inf"}"#, 106.7, 26.6)]);
        assert!(error(&inf, &households()).contains("is inf; expected a number 0 or more"));
        let text_weight = fc(&[point(r#"{"households":"many"}"#, 106.7, 26.6)]);
        assert!(
            error(&text_weight, &households())
                .contains(r#"weight "households" is "many", not a number"#)
        );
        let boolean = fc(&[point(r#"{"households":true}"#, 106.7, 26.6)]);
        assert!(error(&boolean, &households()).contains("is true, not a number"));
        let no_props = fc(&[point("null", 106.7, 26.6)]);
        assert!(error(&no_props, &households()).contains("(it has: no properties)"));
    }

    #[test]
    fn bad_geometry_and_coordinates_name_the_feature() {
        let polygon = r#"{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}}"#;
        let text = fc(&[point("{}", 106.7, 26.6), polygon.to_string()]);
        assert_eq!(
            error(&text, &PointOptions::default()),
            "homes.geojson: feature 1: geometry is a Polygon; expected Point or MultiPoint"
        );
        let none = r#"{"type":"Feature","properties":{},"geometry":null}"#;
        assert!(
            error(&fc(&[none]), &PointOptions::default()).contains("feature 0: has no geometry")
        );
        let empty = r#"{"type":"Feature","properties":{},"geometry":{"type":"MultiPoint","coordinates":[]}}"#;
        assert!(error(&fc(&[empty]), &PointOptions::default()).contains("empty MultiPoint"));
        let projected = fc(&[
            point("{}", 106.7, 26.6),
            point("{}", 512_345.2, 2_945_678.1),
        ]);
        let msg = error(&projected, &PointOptions::default());
        assert!(
            msg.starts_with("homes.geojson: feature 1: coordinate (512345.2, 2945678.1) is out of range for wgs84"),
            "{msg}"
        );
        let multi = r#"{"type":"Feature","properties":{},"geometry":{"type":"MultiPoint","coordinates":[[106.7,26.6],[106.7,95.0]]}}"#;
        let msg = error(&fc(&[multi]), &PointOptions::default());
        assert!(
            msg.contains("feature 0: point 1: coordinate (106.7, 95)"),
            "{msg}"
        );
    }

    #[test]
    fn empty_bare_and_broken_inputs_are_errors() {
        assert_eq!(
            error(&fc::<&str>(&[]), &PointOptions::default()),
            "homes.geojson: has no points"
        );
        let bare = r#"{"type":"Point","coordinates":[106.7,26.6]}"#;
        assert!(error(bare, &PointOptions::default()).contains("is a bare geometry"));
        assert!(error("{", &PointOptions::default()).contains("not valid GeoJSON at line 1"));
        let crs = r#"{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"EPSG:32648"}},"features":[]}"#;
        assert!(error(crs, &PointOptions::default()).contains("the file's crs member"));
    }
}
