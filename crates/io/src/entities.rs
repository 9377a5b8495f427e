//! Entity layers from files: points with typed fields from CSV (coordinate columns)
//! or GeoJSON (Point features), in any CRS citygrid reads, to WGS84.
//!
//! A field's type is what the caller declares, else the narrowest that holds every
//! value in the file: integer, then real, then time (RFC 3339, or a date and time
//! without offset read at the given UTC offset, China's +08:00 by default), else
//! text. A field given a role (weight, time) takes that role's type. A row whose
//! coordinates or values do not fit is a bad row, reported with its line (CSV) or
//! feature number (GeoJSON); rows are skipped only when asked, never silently.

use std::path::Path;

use citygrid_crs::{Crs, Transform};
use citygrid_model::{Entity, Field, FieldType, FieldValue, LayerSchema};
use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::{Offset, TimeZone};
use serde_json::{Map, Value};

use crate::csv_file::CsvFile;
use crate::error::{IoError, Result};
use crate::read::{features_in, read_text};

/// How to read an entity file.
#[derive(Debug, Clone)]
pub struct EntityOptions {
    /// CSV column of the x coordinate (longitude).
    pub x_field: String,
    /// CSV column of the y coordinate (latitude).
    pub y_field: String,
    /// The file's CRS (default: a GeoJSON `crs` member, else WGS84).
    pub crs: Option<Crs>,
    /// Field types declared by the caller, overriding inference.
    pub types: Vec<(String, FieldType)>,
    /// The category field (text).
    pub category: Option<String>,
    /// The weight field (a number).
    pub weight: Option<String>,
    /// Time fields, the one a time window selects by first.
    pub times: Vec<String>,
    /// The UTC offset of times written without one, in seconds (+08:00 by default).
    pub utc_offset: i32,
    /// Whether bad rows are skipped (and listed) rather than refusing the file.
    pub skip_bad: bool,
}

impl Default for EntityOptions {
    fn default() -> Self {
        EntityOptions {
            x_field: "lon".into(),
            y_field: "lat".into(),
            crs: None,
            types: Vec::new(),
            category: None,
            weight: None,
            times: Vec::new(),
            utc_offset: 8 * 3600,
            skip_bad: false,
        }
    }
}

/// A row left out, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadRow {
    /// `line 17` (CSV, 1-based, the header is line 1) or `feature 3` (GeoJSON, 0-based).
    pub place: String,
    /// What is wrong with it.
    pub reason: String,
}

/// What a file held.
#[derive(Debug, Clone)]
pub struct EntityFile {
    /// The fields found and their roles.
    pub schema: LayerSchema,
    /// The good rows, in file order (ids from 1).
    pub entities: Vec<Entity>,
    /// The rows skipped (only with `skip_bad`).
    pub bad: Vec<BadRow>,
}

/// A value as read, before its field has a type.
#[derive(Debug, Clone)]
enum Raw {
    Null,
    Number(f64, bool),
    Text(String),
}

/// One row as read: where it is, its coordinates and raw values.
struct RawRow {
    place: String,
    x: std::result::Result<f64, String>,
    y: std::result::Result<f64, String>,
    values: Vec<Raw>,
}

/// Reads an entity file: `.csv` by columns, anything else as GeoJSON.
///
/// # Errors
/// [`IoError::Read`]; [`IoError::Content`] for a file without the coordinate
/// columns, a role naming a missing field, or bad rows (listed with their lines)
/// when `skip_bad` is off; [`IoError::Json`] for text that is not GeoJSON.
pub fn read_entities(path: &Path, options: &EntityOptions) -> Result<EntityFile> {
    let name = path.display().to_string();
    let is_csv = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv") || e.eq_ignore_ascii_case("txt"));
    let (fields, rows, crs) = if is_csv {
        let bytes = std::fs::read(path).map_err(|source| IoError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let (f, r) = csv_rows(&bytes, &name, options)?;
        (f, r, options.crs.unwrap_or(Crs::Wgs84))
    } else {
        geojson_rows(&read_text(path)?, &name, options)?
    };
    let transform = Transform::new(crs).map_err(|e| IoError::Crs {
        source_name: name.clone(),
        message: e.to_string(),
    })?;
    type_rows(&name, fields, rows, &transform, options)
}

fn csv_rows(
    bytes: &[u8],
    name: &str,
    options: &EntityOptions,
) -> Result<(Vec<String>, Vec<RawRow>)> {
    let content = |message: String| IoError::Content {
        source_name: name.to_string(),
        message,
    };
    let CsvFile { header, mut reader } = CsvFile::from_bytes(bytes.to_vec(), name)?;
    let column = |wanted: &str, flag: &str| {
        header.iter().position(|h| h == wanted).ok_or_else(|| {
            content(format!(
                "has no column {wanted:?} for the {flag} coordinate (columns: {}); name it with --{flag}-field",
                header.join(", ")
            ))
        })
    };
    let (xi, yi) = (
        column(&options.x_field, "x")?,
        column(&options.y_field, "y")?,
    );
    let fields: Vec<String> = header
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != xi && *i != yi)
        .map(|(_, h)| h.clone())
        .collect();
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| content(format!("unreadable CSV: {e}")))?;
        let line = record.position().map_or(0, csv::Position::line);
        let place = format!("line {line}");
        if record.len() != header.len() {
            rows.push(RawRow {
                place,
                x: Err(format!(
                    "{} columns where the header has {}",
                    record.len(),
                    header.len()
                )),
                y: Ok(0.0),
                values: Vec::new(),
            });
            continue;
        }
        let coordinate = |i: usize, what: &str| {
            let t = record[i].trim();
            t.parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| format!("{what} {t:?} is not a number"))
        };
        rows.push(RawRow {
            place,
            x: coordinate(xi, &options.x_field),
            y: coordinate(yi, &options.y_field),
            values: (0..header.len())
                .filter(|i| *i != xi && *i != yi)
                .map(|i| match record[i].trim() {
                    "" => Raw::Null,
                    t => Raw::Text(t.to_string()),
                })
                .collect(),
        });
    }
    Ok((fields, rows))
}

fn geojson_rows(
    text: &str,
    name: &str,
    options: &EntityOptions,
) -> Result<(Vec<String>, Vec<RawRow>, Crs)> {
    let (features, crs, _) = features_in(
        text,
        name,
        options.crs,
        "a FeatureCollection of Point features",
    )?;
    let mut fields: Vec<String> = Vec::new();
    for f in &features {
        for key in f.properties.iter().flat_map(|p| p.keys()) {
            if !fields.contains(key) {
                fields.push(key.clone());
            }
        }
    }
    let rows = features
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let point = match f.geometry.as_ref().map(|g| &g.value) {
                Some(geojson::GeometryValue::Point { coordinates }) => match coordinates.as_slice()
                {
                    [x, y, ..] if x.is_finite() && y.is_finite() => Ok((*x, *y)),
                    _ => Err("the point has no finite x and y".to_string()),
                },
                Some(other) => Err(format!(
                    "geometry is a {}; expected a Point",
                    other.type_name()
                )),
                None => Err("has no geometry; expected a Point".to_string()),
            };
            let empty = Map::new();
            let props = f.properties.as_ref().unwrap_or(&empty);
            RawRow {
                place: format!("feature {i}"),
                x: point.clone().map(|p| p.0),
                y: point.map(|p| p.1),
                values: fields.iter().map(|k| raw_json(props.get(k))).collect(),
            }
        })
        .collect();
    Ok((fields, rows, crs))
}

fn raw_json(value: Option<&Value>) -> Raw {
    match value {
        None | Some(Value::Null) => Raw::Null,
        Some(Value::Number(n)) => {
            Raw::Number(n.as_f64().unwrap_or(f64::NAN), n.is_i64() || n.is_u64())
        }
        Some(Value::String(s)) if s.trim().is_empty() => Raw::Null,
        Some(Value::String(s)) => Raw::Text(s.trim().to_string()),
        Some(other) => Raw::Text(other.to_string()),
    }
}

/// Types the fields, converts coordinates and values, and collects bad rows.
fn type_rows(
    name: &str,
    fields: Vec<String>,
    rows: Vec<RawRow>,
    transform: &Transform,
    options: &EntityOptions,
) -> Result<EntityFile> {
    let content = |message: String| IoError::Content {
        source_name: name.to_string(),
        message,
    };
    let declared = |f: &str| -> Option<FieldType> {
        options
            .types
            .iter()
            .find(|(n, _)| n == f)
            .map(|(_, t)| *t)
            .or_else(|| {
                options
                    .times
                    .iter()
                    .any(|t| t == f)
                    .then_some(FieldType::Time)
            })
    };
    for (n, _) in &options.types {
        if !fields.contains(n) {
            return Err(content(format!(
                "has no field {n:?} to type (fields: {})",
                fields.join(", ")
            )));
        }
    }
    let kinds: Vec<FieldType> = fields
        .iter()
        .enumerate()
        .map(|(i, f)| {
            declared(f).unwrap_or_else(|| {
                let kind = infer(
                    rows.iter().filter_map(|r| r.values.get(i)),
                    options.utc_offset,
                );
                if options.weight.as_deref() == Some(f) && !kind.is_numeric() {
                    FieldType::Real
                } else {
                    kind
                }
            })
        })
        .collect();
    let schema = LayerSchema {
        fields: fields
            .iter()
            .zip(&kinds)
            .map(|(n, k)| Field {
                name: n.clone(),
                kind: *k,
            })
            .collect(),
        category: options.category.clone(),
        weight: options.weight.clone(),
        times: options.times.clone(),
    };
    for role in options
        .category
        .iter()
        .chain(&options.weight)
        .chain(&options.times)
    {
        if !fields.contains(role) {
            return Err(content(format!(
                "has no field {role:?} (fields: {})",
                fields.join(", ")
            )));
        }
    }
    let mut entities = Vec::with_capacity(rows.len());
    let mut bad = Vec::new();
    for row in rows {
        match typed(&row, &schema, transform, options.utc_offset) {
            Ok((lon, lat, values)) => entities.push(Entity {
                id: entities.len() as u64 + 1,
                lon,
                lat,
                values,
            }),
            Err(reason) => bad.push(BadRow {
                place: row.place,
                reason,
            }),
        }
    }
    if !bad.is_empty() && !options.skip_bad {
        let shown: Vec<String> = bad
            .iter()
            .take(10)
            .map(|b| format!("{}: {}", b.place, b.reason))
            .collect();
        return Err(content(format!(
            "{} bad rows (nothing imported; pass --skip-bad to import the others): {}{}",
            bad.len(),
            shown.join("; "),
            if bad.len() > 10 { "; ..." } else { "" }
        )));
    }
    Ok(EntityFile {
        schema,
        entities,
        bad,
    })
}

fn typed(
    row: &RawRow,
    schema: &LayerSchema,
    transform: &Transform,
    offset: i32,
) -> std::result::Result<(f64, f64, Vec<FieldValue>), String> {
    let (x, y) = (row.x.clone()?, row.y.clone()?);
    let (lon, lat) = transform.to_wgs84(x, y).map_err(|e| {
        format!(
            "({x}, {y}) is not a position in {}: {e}",
            transform.crs().name()
        )
    })?;
    let values = schema
        .fields
        .iter()
        .zip(&row.values)
        .map(|(f, raw)| value(f, raw, offset))
        .collect::<std::result::Result<Vec<_>, String>>()?;
    Ok((lon, lat, values))
}

/// The narrowest type holding every value.
fn infer<'a>(values: impl Iterator<Item = &'a Raw>, offset: i32) -> FieldType {
    let mut kind: Option<FieldType> = None;
    for v in values {
        let this = match v {
            Raw::Null => continue,
            Raw::Number(_, true) => FieldType::Integer,
            Raw::Number(..) => FieldType::Real,
            Raw::Text(t) if t.parse::<i64>().is_ok() => FieldType::Integer,
            Raw::Text(t) if t.parse::<f64>().is_ok_and(f64::is_finite) => FieldType::Real,
            Raw::Text(t) if parse_time(t, offset).is_some() => FieldType::Time,
            Raw::Text(_) => return FieldType::Text,
        };
        kind = Some(match (kind, this) {
            (None, k) => k,
            (Some(a), b) if a == b => a,
            (Some(FieldType::Integer | FieldType::Real), FieldType::Integer | FieldType::Real) => {
                FieldType::Real
            }
            _ => return FieldType::Text,
        });
    }
    kind.unwrap_or(FieldType::Text)
}

/// A raw value as a field's type, or why it is not one.
fn value(field: &Field, raw: &Raw, offset: i32) -> std::result::Result<FieldValue, String> {
    let wrong = |shown: &dyn std::fmt::Display| {
        format!(
            "{} \"{shown}\" is not {}",
            field.name,
            match field.kind {
                FieldType::Integer => "a whole number",
                FieldType::Real => "a number",
                FieldType::Time => "a time (RFC 3339, or YYYY-MM-DD[ HH:MM[:SS]])",
                FieldType::Text => "text",
            }
        )
    };
    Ok(match (field.kind, raw) {
        (_, Raw::Null) => FieldValue::Null,
        (FieldType::Text, Raw::Text(t)) => FieldValue::Text(t.clone()),
        (FieldType::Text, Raw::Number(v, _)) => FieldValue::Text(v.to_string()),
        (FieldType::Integer, Raw::Number(v, true)) => FieldValue::Integer(*v as i64),
        (FieldType::Integer, Raw::Text(t)) => FieldValue::Integer(t.parse().map_err(|_| wrong(t))?),
        (FieldType::Real, Raw::Number(v, _)) if v.is_finite() => FieldValue::Real(*v),
        (FieldType::Real, Raw::Text(t)) => FieldValue::Real(
            t.parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| wrong(t))?,
        ),
        (FieldType::Time, Raw::Text(t)) => {
            FieldValue::Time(parse_time(t, offset).ok_or_else(|| wrong(t))?)
        }
        (_, Raw::Number(v, _)) => return Err(wrong(v)),
    })
}

/// Seconds since the epoch of an RFC 3339 time, or of a civil date and time read at
/// `offset` seconds east of UTC.
#[must_use]
pub fn parse_time(text: &str, offset: i32) -> Option<i64> {
    if let Ok(t) = text.parse::<Timestamp>() {
        return Some(t.as_second());
    }
    let civil: DateTime = text.parse().ok().or_else(|| {
        text.parse::<jiff::civil::Date>()
            .ok()
            .map(|d| d.to_datetime(jiff::civil::Time::midnight()))
    })?;
    let tz = TimeZone::fixed(Offset::from_seconds(offset).ok()?);
    civil.to_zoned(tz).ok().map(|z| z.timestamp().as_second())
}

/// The values of one JSON object (a GeoJSON feature's properties, as posted to a
/// live layer) in the order of `schema`'s fields: a value that does not fit its
/// field, or a property the layer does not have, is an error naming it.
///
/// # Errors
/// A message naming the property.
pub fn values_from_json(
    schema: &LayerSchema,
    properties: &Map<String, Value>,
    utc_offset: i32,
) -> std::result::Result<Vec<FieldValue>, String> {
    if let Some(unknown) = properties.keys().find(|k| schema.field(k).is_none()) {
        let names: Vec<&str> = schema.fields.iter().map(|f| f.name.as_str()).collect();
        return Err(format!(
            "property {unknown:?} is not a field of the layer (fields: {})",
            names.join(", ")
        ));
    }
    schema
        .fields
        .iter()
        .map(|f| value(f, &raw_json(properties.get(&f.name)), utc_offset))
        .collect()
}

#[cfg(test)]
#[path = "entities_tests.rs"]
mod tests;
