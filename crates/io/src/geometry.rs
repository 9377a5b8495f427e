//! GeoJSON geometry to and from `geo-types`, through a coordinate system.
//!
//! Reading keeps what `geo-types` would silently repair: a ring that is not closed,
//! or has too few positions, is closed or kept as is, and reported as a defect so the
//! checker can name it (RFC 7946 section 3.1.6: rings are closed, with 4 or more
//! positions).

use geo_types::{Coord, Geometry, LineString, MultiPolygon, Polygon};
use geojson::{GeometryValue, Position};

use citygrid_crs::{Crs, Transform};

/// A ring the reader had to change or could not use as given.
#[derive(Debug, Clone, PartialEq)]
pub struct RingDefect {
    /// What is wrong, naming polygon and ring.
    pub message: String,
    /// Where (WGS84).
    pub at: Option<Coord<f64>>,
}

/// Converts a (Multi)Polygon geometry to WGS84 `MultiPolygon`.
///
/// # Errors
/// A sentence when the geometry is not a polygon type, a position has fewer than two
/// numbers, or a coordinate is outside the CRS's range.
pub fn to_multipolygon(
    value: &GeometryValue,
    transform: &Transform,
    defects: &mut Vec<RingDefect>,
) -> Result<MultiPolygon<f64>, String> {
    let polygons: Vec<&Vec<Vec<Position>>> = match value {
        GeometryValue::Polygon { coordinates } => vec![coordinates],
        GeometryValue::MultiPolygon { coordinates } => coordinates.iter().collect(),
        other => {
            return Err(format!(
                "geometry is a {}; expected Polygon or MultiPolygon",
                other.type_name()
            ));
        }
    };
    let mut out = Vec::with_capacity(polygons.len());
    for (pi, rings) in polygons.into_iter().enumerate() {
        let mut converted = Vec::with_capacity(rings.len());
        for (ri, ring) in rings.iter().enumerate() {
            let name = if ri == 0 {
                format!("polygon {pi} shell")
            } else {
                format!("polygon {pi} hole {}", ri - 1)
            };
            let mut coords = Vec::with_capacity(ring.len() + 1);
            for (vi, p) in ring.iter().enumerate() {
                let s = p.as_slice();
                if s.len() < 2 {
                    return Err(format!(
                        "{name} position {vi} has {} numbers; expected at least 2",
                        s.len()
                    ));
                }
                let (x, y) = transform
                    .to_wgs84(s[0], s[1])
                    .map_err(|e| format!("{name} position {vi}: {e}"))?;
                coords.push(Coord { x, y });
            }
            if coords.len() >= 2 && coords.first() != coords.last() {
                defects.push(RingDefect {
                    message: format!(
                        "{name} is not closed (its last position differs from its first)"
                    ),
                    at: coords.last().copied(),
                });
                coords.push(coords[0]);
            }
            if ring.len() < 4 {
                defects.push(RingDefect {
                    message: format!(
                        "{name} has {} positions; a closed ring needs at least 4",
                        ring.len()
                    ),
                    at: coords.first().copied(),
                });
            }
            converted.push(LineString(coords));
        }
        if converted.is_empty() {
            return Err(format!("polygon {pi} has no rings"));
        }
        let shell = converted.remove(0);
        out.push(Polygon::new(shell, converted));
    }
    Ok(MultiPolygon(out))
}

/// How many digits written coordinates keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Precision {
    /// 9 decimals of a degree (0.1 mm), 4 of a metre: compact and stable.
    #[default]
    Rounded,
    /// Every digit: the shortest text that reads back to the same `f64`. A checker
    /// matches shared boundaries and the city outline bit for bit, so repaired
    /// units must be written this way (rounding moves a vertex off the outline's
    /// line by up to 0.05 mm, which a checker sees as an unmatched edge).
    Full,
}

/// The transform writers use for `crs`: to WGS84 itself should `crs` have none,
/// so that a report is written whatever is asked of it.
#[must_use]
pub fn output_transform(crs: Crs) -> Transform {
    Transform::new(crs).unwrap_or_else(|_| Transform::new(Crs::Wgs84).expect("wgs84 always works"))
}

/// Converts a WGS84 geometry to GeoJSON in the given CRS. Coordinates that cannot be
/// expressed there (out of its range) are kept in WGS84 rather than lost.
#[must_use]
pub fn to_geojson(geometry: &Geometry<f64>, transform: &Transform) -> geojson::Geometry {
    to_geojson_with(geometry, transform, Precision::Rounded)
}

/// [`to_geojson`] keeping the given precision.
#[must_use]
pub fn to_geojson_with(
    geometry: &Geometry<f64>,
    transform: &Transform,
    precision: Precision,
) -> geojson::Geometry {
    to_geojson_mapped(geometry, |c| out_of_wgs84(c, transform, precision))
}

/// A WGS84 point in the given CRS and precision (kept in WGS84 when it cannot be
/// expressed there).
pub(crate) fn out_of_wgs84(
    c: Coord<f64>,
    transform: &Transform,
    precision: Precision,
) -> Coord<f64> {
    let keep = |v: f64| match precision {
        Precision::Rounded => round(v),
        Precision::Full => v,
    };
    match transform.from_wgs84(c.x, c.y) {
        Ok((x, y)) => Coord {
            x: keep(x),
            y: keep(y),
        },
        Err(_) => c,
    }
}

/// A geometry as GeoJSON with every point mapped.
pub(crate) fn to_geojson_mapped(
    geometry: &Geometry<f64>,
    map: impl Fn(Coord<f64>) -> Coord<f64>,
) -> geojson::Geometry {
    let mut g = geometry.clone();
    geo::MapCoordsInPlace::map_coords_in_place(&mut g, &map);
    geojson::Geometry::from(&g)
}

/// GeoJSON of a geometry already in its output CRS, rounded as [`to_geojson`] does.
#[must_use]
pub fn rounded_geojson(geometry: Geometry<f64>) -> geojson::Geometry {
    to_geojson_mapped(&geometry, |c| Coord {
        x: round(c.x),
        y: round(c.y),
    })
}

/// A WGS84 geometry in the transform's CRS, exact (not rounded). Unlike
/// [`to_geojson`], a coordinate the CRS cannot express is an error: an export must
/// not mix two coordinate systems in one file.
///
/// # Errors
/// A sentence naming the first coordinate that cannot be converted.
pub fn project<G>(geometry: &G, transform: &Transform) -> Result<G, String>
where
    G: Clone + geo::MapCoords<f64, f64, Output = G>,
{
    if transform.crs() == Crs::Wgs84 {
        return Ok(geometry.clone());
    }
    geometry.try_map_coords(|c| {
        transform
            .from_wgs84(c.x, c.y)
            .map(|(x, y)| Coord { x, y })
            .map_err(|e| e.to_string())
    })
}

/// Keeps 9 decimals (0.1 mm in degrees): enough for any survey, and stable output.
fn round(v: f64) -> f64 {
    if v.abs() < 1e6 {
        (v * 1e9).round() / 1e9
    } else {
        (v * 1e4).round() / 1e4
    }
}
