//! Rows of `citygrid_layers` and `citygrid_entities`: layer registrations and the
//! points of entity layers, values as a JSON array in schema order. Every change
//! moves `datasets_revision` in `citygrid_meta`.

use std::path::Path;

use citygrid_model::Entity;
use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::dataset::{LayerFile, LayerInfo, LayerKind, NewLayer, NewLayerKind};
use crate::entity_values::{
    Encoded, absolute, decode, encode, kept_files, parse_schema, refused, schema_json,
};
use crate::error::{Result, StoreError};
use crate::sqlite::sql_error::At;
use crate::time;

const COLUMNS: &str = "name, kind, schema, path, band, count, source, author, created_at, revision";
/// [`COLUMNS`] and the bytes of the files the store keeps of the layer, if any.
const READ: &str = "name, kind, schema, path, band, count, source, author, created_at, revision, \
     (SELECT sum(length(bytes)) FROM citygrid_layer_files WHERE layer = citygrid_layers.name)";

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
        .prepare_cached(&format!("SELECT {READ} FROM citygrid_layers ORDER BY name"))
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
            "SELECT {READ} FROM citygrid_layers WHERE name = ?1"
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
        NewLayerKind::Raster { path, band, .. } => {
            ("raster", None, Some(absolute(path)?), Some(*band))
        }
        NewLayerKind::Tileset { path, .. } => ("tileset", None, Some(absolute(path)?), None),
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
    let files = kept_files(&layer).map_err(|reason| refused(store, &layer.name, reason))?;
    let mut insert_file = tx
        .prepare_cached("INSERT INTO citygrid_layer_files (layer, path, bytes) VALUES (?1, ?2, ?3)")
        .at(store)?;
    for (path, bytes) in files {
        insert_file
            .execute(params![layer.name, path, bytes])
            .at(store)?;
    }
    find(tx, store, &layer.name)
}

/// The files the store keeps of layer `name`, by path.
///
/// # Errors
/// [`StoreError::UnknownLayer`]; [`StoreError::DatasetRefused`] when it keeps none.
pub(crate) fn files(tx: &Connection, store: &str, name: &str) -> Result<Vec<LayerFile>> {
    find(tx, store, name)?;
    let mut select = tx
        .prepare_cached(
            "SELECT path, bytes FROM citygrid_layer_files WHERE layer = ?1 ORDER BY path",
        )
        .at(store)?;
    let files = select
        .query_map([name], |r| {
            Ok(LayerFile {
                path: r.get(0)?,
                bytes: r.get(1)?,
            })
        })
        .at(store)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .at(store)?;
    if files.is_empty() {
        return Err(refused(
            store,
            name,
            "the store keeps no file of it (registered by path)".into(),
        ));
    }
    Ok(files)
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
    tx.execute("DELETE FROM citygrid_layer_files WHERE layer = ?1", [name])
        .at(store)?;
    tx.execute("DELETE FROM citygrid_layers WHERE name = ?1", [name])
        .at(store)?;
    bump(tx).at(store)?;
    Ok(info)
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
    let stored: Option<i64> = row.get(10)?;
    let info = || -> std::result::Result<LayerInfo, String> {
        let kind = match kind.as_str() {
            "entity" => LayerKind::Entity {
                schema: parse_schema(schema.as_deref().unwrap_or_default())?,
                count: count as u64,
            },
            "tileset" => LayerKind::Tileset {
                path: Path::new(path.as_deref().ok_or("a tileset without a path")?).to_path_buf(),
                stored: stored.map(|n| n as u64),
            },
            "raster" => LayerKind::Raster {
                path: Path::new(path.as_deref().ok_or("a raster layer without a path")?)
                    .to_path_buf(),
                band: u16::try_from(band.unwrap_or(1)).map_err(|e| e.to_string())?,
                stored: stored.map(|n| n as u64),
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

fn corrupt(store: &str, reason: String) -> StoreError {
    StoreError::Corrupt {
        store: store.to_string(),
        what: "citygrid_layers".into(),
        reason,
    }
}
