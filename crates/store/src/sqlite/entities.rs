//! Rows of `citygrid_layers` and `citygrid_entities`: layer registrations and the
//! points of entity layers, values as a JSON array in schema order. Every change
//! moves `datasets_revision` in `citygrid_meta`.

use std::path::Path;

use citygrid_model::{Entity, Field, FieldType, FieldValue, LayerSchema};
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde_json::{Value, json};

use crate::dataset::{LayerInfo, LayerKind, NewLayer, NewLayerKind, layer_name_problem};
use crate::error::{Result, StoreError};
use crate::sqlite::sql_error::At;
use crate::sqlite::time;

const COLUMNS: &str = "name, kind, schema, path, band, count, source, author, created_at, revision";

/// The datasets revision: 0 until the first layer or staff change.
///
/// # Errors
/// SQLite's error.
pub(crate) fn revision(tx: &Connection) -> rusqlite::Result<u64> {
    tx.prepare_cached("SELECT value FROM citygrid_meta WHERE key = 'datasets_revision'")?
        .query_row([], |r| r.get::<_, String>(0))
        .optional()
        .map(|v| v.and_then(|v| v.parse().ok()).unwrap_or(0))
}

/// Moves the datasets revision on by one and returns the new one.
///
/// # Errors
/// SQLite's error.
pub(crate) fn bump(tx: &Connection) -> rusqlite::Result<u64> {
    let next = revision(tx)? + 1;
    tx.execute(
        "INSERT INTO citygrid_meta (key, value) VALUES ('datasets_revision', ?1)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [next.to_string()],
    )?;
    Ok(next)
}

/// Every layer, by name.
///
/// # Errors
/// SQLite's error; [`StoreError::Corrupt`] for an unreadable row.
pub(crate) fn layers(tx: &Connection, store: &str) -> Result<Vec<LayerInfo>> {
    let mut stmt = tx
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM citygrid_layers ORDER BY name"
        ))
        .at(store)?;
    let rows = stmt.query_map([], read).at(store)?;
    let mut out = Vec::new();
    for row in rows {
        out.push(row.at(store)?.map_err(|reason| corrupt(store, reason))?);
    }
    Ok(out)
}

fn find(tx: &Connection, store: &str, name: &str) -> Result<LayerInfo> {
    let row = tx
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM citygrid_layers WHERE name = ?1"
        ))
        .and_then(|mut s| s.query_row([name], read).optional())
        .at(store)?;
    match row {
        Some(info) => info.map_err(|reason| corrupt(store, reason)),
        None => Err(StoreError::UnknownLayer {
            store: store.to_string(),
            name: name.to_string(),
            known: {
                let names: Vec<String> = layers(tx, store)?.into_iter().map(|l| l.name).collect();
                if names.is_empty() {
                    "none".into()
                } else {
                    names.join(", ")
                }
            },
        }),
    }
}

/// An entity's row, checked against its schema: (lon, lat, properties JSON).
type Encoded = (f64, f64, String);

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
        NewLayerKind::Raster { path, band } => {
            if !path.is_file() {
                return Err(refuse(format!("{} is not a file", path.display())));
            }
            if *band == 0 {
                return Err(refuse("bands are numbered from 1".into()));
            }
            Ok(Vec::new())
        }
        NewLayerKind::Tileset { path } => {
            if !path.is_file() {
                return Err(refuse(format!("{} is not a file", path.display())));
            }
            Ok(Vec::new())
        }
    }
}

/// Registers a layer, replacing one of the same name when asked.
///
/// # Errors
/// [`StoreError::DatasetRefused`] for a name in use without `replace`.
pub(crate) fn add(
    tx: &Connection,
    store: &str,
    layer: NewLayer,
    encoded: &[Encoded],
) -> Result<LayerInfo> {
    let exists = tx
        .query_row(
            "SELECT 1 FROM citygrid_layers WHERE name = ?1",
            [&layer.name],
            |_| Ok(()),
        )
        .optional()
        .at(store)?
        .is_some();
    if exists && !layer.replace {
        return Err(refused(
            store,
            &layer.name,
            "a layer of that name exists: remove it first or import with --replace".into(),
        ));
    }
    if exists {
        remove(tx, store, &layer.name)?;
    }
    let revision = bump(tx).at(store)?;
    let created_at = time::now();
    let (kind, schema, path, band) = match &layer.kind {
        NewLayerKind::Entity { schema, .. } => ("entity", Some(schema_json(schema)), None, None),
        NewLayerKind::Raster { path, band } => ("raster", None, Some(absolute(path)?), Some(*band)),
        NewLayerKind::Tileset { path } => ("tileset", None, Some(absolute(path)?), None),
    };
    tx.execute(
        &format!(
            "INSERT INTO citygrid_layers ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, 0, ?6, ?7, ?8, ?9)"
        ),
        params![
            layer.name,
            kind,
            schema,
            path,
            band,
            layer.source,
            layer.author,
            time::format(created_at),
            revision as i64
        ],
    )
    .at(store)?;
    insert(tx, store, &layer.name, 0, encoded)?;
    find(tx, store, &layer.name)
}

/// Adds points to an entity layer.
///
/// # Errors
/// [`StoreError::UnknownLayer`]; [`StoreError::DatasetRefused`] for a raster layer
/// or a point that does not fit the schema.
pub(crate) fn append(
    tx: &Connection,
    store: &str,
    name: &str,
    entities: &[Entity],
) -> Result<(LayerInfo, Vec<u64>)> {
    let info = find(tx, store, name)?;
    let LayerKind::Entity { schema, count } = &info.kind else {
        return Err(refused(
            store,
            name,
            "a raster layer takes no points".into(),
        ));
    };
    let encoded = encode(schema, entities).map_err(|r| refused(store, name, r))?;
    let revision = bump(tx).at(store)?;
    tx.execute(
        "UPDATE citygrid_layers SET revision = ?2 WHERE name = ?1",
        params![name, revision as i64],
    )
    .at(store)?;
    let ids = insert(tx, store, name, *count, &encoded)?;
    Ok((find(tx, store, name)?, ids))
}

fn insert(
    tx: &Connection,
    store: &str,
    name: &str,
    after: u64,
    rows: &[Encoded],
) -> Result<Vec<u64>> {
    let mut stmt = tx
        .prepare_cached(
            "INSERT INTO citygrid_entities (layer, id, lon, lat, properties) VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .at(store)?;
    let mut ids = Vec::with_capacity(rows.len());
    for (i, (lon, lat, properties)) in rows.iter().enumerate() {
        let id = after + i as u64 + 1;
        stmt.execute(params![name, id as i64, lon, lat, properties])
            .at(store)?;
        ids.push(id);
    }
    tx.execute(
        "UPDATE citygrid_layers SET count = ?2 WHERE name = ?1",
        params![name, (after + rows.len() as u64) as i64],
    )
    .at(store)?;
    Ok(ids)
}

/// The points of a layer with ids after `after`, by id (none for a raster layer).
///
/// # Errors
/// [`StoreError::UnknownLayer`]; [`StoreError::Corrupt`] for a row that does not fit
/// the schema.
pub(crate) fn after(tx: &Connection, store: &str, name: &str, after: u64) -> Result<Vec<Entity>> {
    let info = find(tx, store, name)?;
    let LayerKind::Entity { schema, count } = &info.kind else {
        return Ok(Vec::new());
    };
    let mut out = Vec::with_capacity(count.saturating_sub(after) as usize);
    let mut stmt = tx
        .prepare_cached(
            "SELECT id, lon, lat, properties FROM citygrid_entities WHERE layer = ?1 AND id > ?2 ORDER BY id",
        )
        .at(store)?;
    let mut rows = stmt.query(params![name, after as i64]).at(store)?;
    while let Some(row) = rows.next().at(store)? {
        let id: i64 = row.get(0).at(store)?;
        let text: String = row.get(3).at(store)?;
        let values = decode(schema, &text)
            .map_err(|reason| corrupt(store, format!("point {id} of layer {name:?}: {reason}")))?;
        out.push(Entity {
            id: id as u64,
            lon: row.get(1).at(store)?,
            lat: row.get(2).at(store)?,
            values,
        });
    }
    Ok(out)
}

/// Removes a layer and its points.
///
/// # Errors
/// [`StoreError::UnknownLayer`].
pub(crate) fn remove(tx: &Connection, store: &str, name: &str) -> Result<LayerInfo> {
    let info = find(tx, store, name)?;
    tx.execute("DELETE FROM citygrid_entities WHERE layer = ?1", [name])
        .at(store)?;
    tx.execute("DELETE FROM citygrid_layers WHERE name = ?1", [name])
        .at(store)?;
    bump(tx).at(store)?;
    Ok(info)
}

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
fn encode(schema: &LayerSchema, entities: &[Entity]) -> std::result::Result<Vec<Encoded>, String> {
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

fn decode(schema: &LayerSchema, text: &str) -> std::result::Result<Vec<FieldValue>, String> {
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
fn schema_json(schema: &LayerSchema) -> String {
    json!({
        "fields": schema.fields.iter().map(|f| json!({"name": f.name, "type": f.kind.as_str()})).collect::<Vec<_>>(),
        "category": schema.category,
        "weight": schema.weight,
        "times": schema.times,
    })
    .to_string()
}

fn parse_schema(text: &str) -> std::result::Result<LayerSchema, String> {
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

fn read(row: &Row<'_>) -> rusqlite::Result<std::result::Result<LayerInfo, String>> {
    let name: String = row.get(0)?;
    let kind: String = row.get(1)?;
    let schema: Option<String> = row.get(2)?;
    let path: Option<String> = row.get(3)?;
    let band: Option<i64> = row.get(4)?;
    let count: i64 = row.get(5)?;
    let created_at: String = row.get(8)?;
    let revision: i64 = row.get(9)?;
    let info = || -> std::result::Result<LayerInfo, String> {
        let kind = match kind.as_str() {
            "entity" => LayerKind::Entity {
                schema: parse_schema(schema.as_deref().unwrap_or_default())?,
                count: count as u64,
            },
            "tileset" => LayerKind::Tileset {
                path: Path::new(path.as_deref().ok_or("a tileset without a path")?).to_path_buf(),
            },
            "raster" => LayerKind::Raster {
                path: Path::new(path.as_deref().ok_or("a raster layer without a path")?)
                    .to_path_buf(),
                band: u16::try_from(band.unwrap_or(1)).map_err(|e| e.to_string())?,
            },
            other => return Err(format!("unknown kind {other:?}")),
        };
        Ok(LayerInfo {
            name: name.clone(),
            kind,
            source: row.get(6).map_err(|e| e.to_string())?,
            author: row.get(7).map_err(|e| e.to_string())?,
            created_at: time::parse(&created_at)?,
            revision: revision as u64,
        })
    };
    Ok(info().map_err(|reason| format!("layer {name:?}: {reason}")))
}

/// A registered file's absolute path, as stored.
fn absolute(path: &Path) -> Result<String> {
    std::fs::canonicalize(path)
        .map(|p| p.display().to_string())
        .map_err(|source| StoreError::Io {
            path: path.to_path_buf(),
            source,
        })
}

fn refused(store: &str, name: &str, reason: String) -> StoreError {
    StoreError::DatasetRefused {
        store: store.to_string(),
        what: format!("layer {name:?}"),
        reason,
    }
}

fn corrupt(store: &str, reason: String) -> StoreError {
    StoreError::Corrupt {
        store: store.to_string(),
        what: "citygrid_layers".into(),
        reason,
    }
}
