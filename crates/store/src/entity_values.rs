//! Entity values and layer schemas as JSON, checked, encoded and decoded the same
//! way by every backend: values as a JSON array in the order of the layer's fields
//! (times as seconds since 1970 UTC), so a schema change needs no `ALTER TABLE`.

use std::path::Path;

use citygrid_model::{Entity, Field, FieldType, FieldValue, LayerSchema};
use serde_json::{Value, json};

use crate::dataset::{NewLayer, NewLayerKind, layer_name_problem};
use crate::error::{Result, StoreError};

/// An entity's row, checked against its schema: (lon, lat, properties JSON).
pub(crate) type Encoded = (f64, f64, String);

/// Why a schema cannot be used: a role naming a missing field or one of the
/// wrong type, a field twice.
fn check_schema(schema: &LayerSchema) -> std::result::Result<(), String> {
    for (i, f) in schema.fields.iter().enumerate() {
        if f.name.is_empty() {
            return Err(format!("field {} has no name", i + 1));
        }
        if schema.fields[..i].iter().any(|g| g.name == f.name) {
            return Err(format!("field {:?} appears twice", f.name));
        }
    }
    let role = |role: &str, name: &str, fits: fn(FieldType) -> bool, wanted: &str| match schema
        .field(name)
    {
        None => Err(format!(
            "the {role} field {name:?} is not a field of the layer"
        )),
        Some(f) if !fits(f.kind) => Err(format!(
            "the {role} field {name:?} is {}, not {wanted}",
            f.kind
        )),
        Some(_) => Ok(()),
    };
    if let Some(c) = &schema.category {
        role(
            "category",
            c,
            |k| k == FieldType::Text || k == FieldType::Integer,
            "text or integer",
        )?;
    }
    if let Some(w) = &schema.weight {
        role("weight", w, FieldType::is_numeric, "a number")?;
    }
    for t in &schema.times {
        role("time", t, |k| k == FieldType::Time, "a time")?;
    }
    Ok(())
}

/// Checks points against the schema and encodes them, or says which is wrong.
pub(crate) fn encode(
    schema: &LayerSchema,
    entities: &[Entity],
) -> std::result::Result<Vec<Encoded>, String> {
    entities
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let at = |what: String| format!("point {} of {}: {what}", i + 1, entities.len());
            if !(e.lon.is_finite() && e.lat.is_finite())
                || e.lon.abs() > 180.0
                || e.lat.abs() > 90.0
            {
                return Err(at(format!(
                    "({}, {}) is not a longitude and latitude",
                    e.lon, e.lat
                )));
            }
            if e.values.len() != schema.fields.len() {
                return Err(at(format!(
                    "{} values for {} fields",
                    e.values.len(),
                    schema.fields.len()
                )));
            }
            let values = schema
                .fields
                .iter()
                .zip(&e.values)
                .map(|(f, v)| value_json(f, v).map_err(&at))
                .collect::<std::result::Result<Vec<Value>, String>>()?;
            Ok((e.lon, e.lat, Value::Array(values).to_string()))
        })
        .collect()
}

fn value_json(field: &Field, value: &FieldValue) -> std::result::Result<Value, String> {
    Ok(match (field.kind, value) {
        (_, FieldValue::Null) => Value::Null,
        (FieldType::Integer, FieldValue::Integer(v)) | (FieldType::Time, FieldValue::Time(v)) => {
            json!(v)
        }
        (FieldType::Real, FieldValue::Real(v)) if v.is_finite() => json!(v),
        (FieldType::Real, FieldValue::Integer(v)) => json!(*v as f64),
        (FieldType::Text, FieldValue::Text(v)) => json!(v),
        (kind, v) => {
            return Err(format!(
                "field {:?} is {kind}, and {v:?} is not",
                field.name
            ));
        }
    })
}

pub(crate) fn decode(
    schema: &LayerSchema,
    text: &str,
) -> std::result::Result<Vec<FieldValue>, String> {
    let values: Vec<Value> = serde_json::from_str(text).map_err(|e| e.to_string())?;
    if values.len() != schema.fields.len() {
        return Err(format!(
            "{} values for {} fields",
            values.len(),
            schema.fields.len()
        ));
    }
    schema
        .fields
        .iter()
        .zip(values)
        .map(|(f, v)| {
            Ok(match (f.kind, v) {
                (_, Value::Null) => FieldValue::Null,
                (FieldType::Integer, Value::Number(n)) => {
                    FieldValue::Integer(n.as_i64().ok_or("not an integer")?)
                }
                (FieldType::Time, Value::Number(n)) => {
                    FieldValue::Time(n.as_i64().ok_or("not a time")?)
                }
                (FieldType::Real, Value::Number(n)) => {
                    FieldValue::Real(n.as_f64().ok_or("not a number")?)
                }
                (FieldType::Text, Value::String(s)) => FieldValue::Text(s),
                (kind, v) => return Err(format!("field {:?} is {kind}, and {v} is not", f.name)),
            })
        })
        .collect()
}

/// A schema as stored: `{"fields": [{"name", "type"}], "category", "weight", "times"}`.
pub(crate) fn schema_json(schema: &LayerSchema) -> String {
    json!({
        "fields": schema.fields.iter().map(|f| json!({"name": f.name, "type": f.kind.as_str()})).collect::<Vec<_>>(),
        "category": schema.category,
        "weight": schema.weight,
        "times": schema.times,
    })
    .to_string()
}

pub(crate) fn parse_schema(text: &str) -> std::result::Result<LayerSchema, String> {
    let v: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let text_of = |key: &str| v.get(key).and_then(Value::as_str).map(str::to_string);
    let fields = v
        .get("fields")
        .and_then(Value::as_array)
        .ok_or("no fields")?
        .iter()
        .map(|f| {
            Some(Field {
                name: f.get("name")?.as_str()?.to_string(),
                kind: FieldType::parse(f.get("type")?.as_str()?)?,
            })
        })
        .collect::<Option<Vec<Field>>>()
        .ok_or("an unreadable field")?;
    let times = v
        .get("times")
        .and_then(Value::as_array)
        .map(|t| {
            t.iter()
                .filter_map(|t| t.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    Ok(LayerSchema {
        fields,
        category: text_of("category"),
        weight: text_of("weight"),
        times,
    })
}

/// The most a store keeps of one layer's files: under PostgreSQL's limit of a
/// `bytea` value (1 GB), and more than a city's rasters need (Guiyang's population
/// raster is 150 KB; a 10 m grid of 8,000 km² in float32 is 320 MB). A city's
/// whole oblique photography is far more: register it by path.
pub(crate) const MAX_STORED_FILE: usize = 512 * 1024 * 1024;

/// Checks and encodes a new layer's points before the write lock is taken.
///
/// # Errors
/// [`StoreError::DatasetRefused`] naming the first bad point or field.
pub(crate) fn encode_new(store: &str, layer: &NewLayer) -> Result<Vec<Encoded>> {
    let refuse = |reason: String| refused(store, &layer.name, reason);
    if let Some(problem) = layer_name_problem(&layer.name) {
        return Err(refuse(problem.into()));
    }
    match &layer.kind {
        NewLayerKind::Entity { schema, entities } => {
            check_schema(schema).map_err(refuse)?;
            encode(schema, entities).map_err(refuse)
        }
        NewLayerKind::Raster { path, band, .. } => {
            if !path.is_file() {
                return Err(refuse(format!("{} is not a file", path.display())));
            }
            if *band == 0 {
                return Err(refuse("bands are numbered from 1".into()));
            }
            kept_files(layer).map_err(refuse)?;
            Ok(Vec::new())
        }
        NewLayerKind::Tileset { path, .. } => {
            if !path.is_file() {
                return Err(refuse(format!("{} is not a file", path.display())));
            }
            kept_files(layer).map_err(refuse)?;
            Ok(Vec::new())
        }
    }
}

/// The files a new layer asks the store to keep, by path in the layer's folder:
/// a raster's GeoTIFF under its file name, a tileset's folder as given. Refused:
/// a path that is absolute, climbs out of the folder or is not plain `/`-separated
/// names; a tileset without its `tileset.json`; more than [`MAX_STORED_FILE`]
/// bytes in all.
///
/// # Errors
/// Why, for [`StoreError::DatasetRefused`].
pub(crate) fn kept_files(layer: &NewLayer) -> std::result::Result<Vec<(String, &[u8])>, String> {
    let files: Vec<(String, &[u8])> = match &layer.kind {
        NewLayerKind::Raster {
            path,
            bytes: Some(bytes),
            ..
        } => {
            let name = path
                .file_name()
                .map_or_else(|| "raster.tif".into(), |n| n.to_string_lossy().into_owned());
            vec![(name, bytes.as_slice())]
        }
        NewLayerKind::Tileset {
            files: Some(files), ..
        } => {
            for f in files {
                let plain = !f.path.is_empty()
                    && !f.path.starts_with('/')
                    && !f.path.contains('\\')
                    && f.path
                        .split('/')
                        .all(|c| !c.is_empty() && c != "." && c != "..");
                if !plain {
                    return Err(format!(
                        "file {:?}: not a plain path inside the tileset's folder",
                        f.path
                    ));
                }
            }
            if !files.iter().any(|f| f.path == "tileset.json") {
                return Err("the tileset's files lack its tileset.json".into());
            }
            files
                .iter()
                .map(|f| (f.path.clone(), f.bytes.as_slice()))
                .collect()
        }
        _ => Vec::new(),
    };
    let total: usize = files.iter().map(|(_, b)| b.len()).sum();
    if total > MAX_STORED_FILE {
        return Err(format!(
            "its files are {total} bytes, over the {MAX_STORED_FILE} a store keeps: register it by path"
        ));
    }
    Ok(files)
}

/// A registered file's absolute path, as stored.
pub(crate) fn absolute(path: &Path) -> Result<String> {
    std::fs::canonicalize(path)
        .map(|p| p.display().to_string())
        .map_err(|source| StoreError::Io {
            path: path.to_path_buf(),
            source,
        })
}

pub(crate) fn refused(store: &str, name: &str, reason: String) -> StoreError {
    StoreError::DatasetRefused {
        store: store.to_string(),
        what: format!("layer {name:?}"),
        reason,
    }
}
