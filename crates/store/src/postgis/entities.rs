//! Rows of `citygrid_layers` and `citygrid_entities`: layer registrations and the
//! points of entity layers (a `geometry(Point, 4326)` each, so SQL users count them
//! per cell with `ST_Contains`), values as a JSON array in schema order. Every change
//! moves `citygrid_head.datasets_revision` and is announced on the channel.

use citygrid_model::Entity;
use postgres::Row;

use crate::dataset::{LayerFile, LayerInfo, LayerKind, NewLayer, NewLayerKind};
use crate::entity_values::{
    Encoded, absolute, decode, encode, kept_files, parse_schema, refused, schema_json,
};
use crate::error::{Result, StoreError};
use crate::postgis::commit::CHANNEL;
use crate::postgis::geometry::{self, Ewkb};
use crate::postgis::pool::{Tx, to_i64, to_u64};
use crate::time;

/// A layer's columns, and the bytes of the files the store keeps of it, if any.
const COLUMNS: &str = "name, kind, schema::text, path, band, count, source, author, created_at, \
     revision, (SELECT sum(octet_length(bytes))::bigint FROM citygrid_layer_files \
     WHERE layer = citygrid_layers.name)";

/// The datasets revision as this transaction sees it: 0 until the first layer or
/// staff change.
///
/// # Errors
/// [`StoreError::Postgres`].
pub(crate) fn revision(tx: &mut Tx<'_>) -> Result<u64> {
    let row = tx.query_one("SELECT datasets_revision FROM citygrid_head", &[])?;
    Ok(to_u64(tx.get(&row, 0)?))
}

/// Moves the datasets revision on by one, announces it, and returns it. Runs under
/// the head row's lock (every write transaction takes it first).
///
/// # Errors
/// [`StoreError::Postgres`].
pub(crate) fn bump(tx: &mut Tx<'_>) -> Result<u64> {
    let row = tx.query_one(
        "UPDATE citygrid_head SET datasets_revision = datasets_revision + 1 \
         RETURNING datasets_revision",
        &[],
    )?;
    let next: i64 = tx.get(&row, 0)?;
    let payload = format!("{{\"datasets\": {next}}}");
    tx.execute("SELECT pg_notify($1, $2)", &[&CHANNEL, &payload])?;
    Ok(to_u64(next))
}

/// Every layer, by name.
///
/// # Errors
/// [`StoreError::Postgres`]; [`StoreError::Corrupt`] for an unreadable row.
pub(crate) fn layers(tx: &mut Tx<'_>) -> Result<Vec<LayerInfo>> {
    let sql = format!("SELECT {COLUMNS} FROM citygrid_layers ORDER BY name COLLATE \"C\"");
    let rows = tx.query(&sql, &[])?;
    rows.iter().map(|r| read(tx, r)).collect()
}

fn find(tx: &mut Tx<'_>, name: &str) -> Result<LayerInfo> {
    let sql = format!("SELECT {COLUMNS} FROM citygrid_layers WHERE name = $1");
    match tx.query_opt(&sql, &[&name])? {
        Some(row) => read(tx, &row),
        None => {
            let names: Vec<String> = layers(tx)?.into_iter().map(|l| l.name).collect();
            Err(StoreError::UnknownLayer {
                store: tx.store.to_string(),
                name: name.to_string(),
                known: if names.is_empty() {
                    "none".into()
                } else {
                    names.join(", ")
                },
            })
        }
    }
}

/// Registers a layer, replacing one of the same name when asked.
///
/// # Errors
/// [`StoreError::DatasetRefused`] for a name in use without `replace`.
pub(crate) fn add(tx: &mut Tx<'_>, layer: NewLayer, encoded: &[Encoded]) -> Result<LayerInfo> {
    let exists = tx
        .query_opt(
            "SELECT 1 FROM citygrid_layers WHERE name = $1",
            &[&layer.name],
        )?
        .is_some();
    if exists && !layer.replace {
        return Err(refused(
            tx.store,
            &layer.name,
            "a layer of that name exists: remove it first or import with --replace".into(),
        ));
    }
    if exists {
        remove(tx, &layer.name)?;
    }
    let revision = to_i64(bump(tx)?);
    let (kind, schema, path, band) = match &layer.kind {
        NewLayerKind::Entity { schema, .. } => ("entity", Some(schema_json(schema)), None, None),
        NewLayerKind::Raster { path, band, .. } => (
            "raster",
            None,
            Some(absolute(path)?),
            Some(i32::from(*band)),
        ),
        NewLayerKind::Tileset { path, .. } => ("tileset", None, Some(absolute(path)?), None),
    };
    tx.execute(
        "INSERT INTO citygrid_layers \
         (name, kind, schema, path, band, count, source, author, created_at, revision) \
         VALUES ($1, $2, $3::text::jsonb, $4, $5, 0, $6, $7, $8, $9)",
        &[
            &layer.name,
            &kind,
            &schema,
            &path,
            &band,
            &layer.source,
            &layer.author,
            &time::now(),
            &revision,
        ],
    )?;
    insert(tx, &layer.name, 0, encoded)?;
    let files = kept_files(&layer).map_err(|reason| refused(tx.store, &layer.name, reason))?;
    for (path, bytes) in files {
        tx.execute(
            "INSERT INTO citygrid_layer_files (layer, path, bytes) VALUES ($1, $2, $3)",
            &[&layer.name, &path, &bytes],
        )?;
    }
    find(tx, &layer.name)
}

/// The files the store keeps of layer `name`, by path.
///
/// # Errors
/// [`StoreError::UnknownLayer`]; [`StoreError::DatasetRefused`] when it keeps none.
pub(crate) fn files(tx: &mut Tx<'_>, name: &str) -> Result<Vec<LayerFile>> {
    find(tx, name)?;
    let rows = tx.query(
        "SELECT path, bytes FROM citygrid_layer_files WHERE layer = $1 ORDER BY path COLLATE \"C\"",
        &[&name],
    )?;
    if rows.is_empty() {
        return Err(refused(
            tx.store,
            name,
            "the store keeps no file of it (registered by path)".into(),
        ));
    }
    rows.iter()
        .map(|row| {
            Ok(LayerFile {
                path: tx.get(row, 0)?,
                bytes: tx.get(row, 1)?,
            })
        })
        .collect()
}

/// Adds points to an entity layer.
///
/// # Errors
/// [`StoreError::UnknownLayer`]; [`StoreError::DatasetRefused`] for a raster layer
/// or a point that does not fit the schema.
pub(crate) fn append(
    tx: &mut Tx<'_>,
    name: &str,
    entities: &[Entity],
) -> Result<(LayerInfo, Vec<u64>)> {
    let info = find(tx, name)?;
    let LayerKind::Entity { schema, count } = &info.kind else {
        return Err(refused(
            tx.store,
            name,
            "a raster layer takes no points".into(),
        ));
    };
    let encoded = encode(schema, entities).map_err(|r| refused(tx.store, name, r))?;
    let revision = to_i64(bump(tx)?);
    tx.execute(
        "UPDATE citygrid_layers SET revision = $2 WHERE name = $1",
        &[&name, &revision],
    )?;
    let ids = insert(tx, name, *count, &encoded)?;
    Ok((find(tx, name)?, ids))
}

fn insert(tx: &mut Tx<'_>, name: &str, after: u64, rows: &[Encoded]) -> Result<Vec<u64>> {
    let mut ids = Vec::with_capacity(rows.len());
    for (i, (lon, lat, properties)) in rows.iter().enumerate() {
        let id = after + i as u64 + 1;
        tx.execute(
            "INSERT INTO citygrid_entities (layer, id, geom, properties_text) VALUES ($1, $2, $3, $4)",
            &[
                &name,
                &to_i64(id),
                &geometry::encode_point(*lon, *lat),
                properties,
            ],
        )?;
        ids.push(id);
    }
    tx.execute(
        "UPDATE citygrid_layers SET count = $2 WHERE name = $1",
        &[&name, &to_i64(after + rows.len() as u64)],
    )?;
    Ok(ids)
}

/// The points of a layer with ids after `after`, by id (none for a raster layer).
///
/// # Errors
/// [`StoreError::UnknownLayer`]; [`StoreError::Corrupt`] for a row that does not fit
/// the schema.
pub(crate) fn after(tx: &mut Tx<'_>, name: &str, after: u64) -> Result<Vec<Entity>> {
    let info = find(tx, name)?;
    let LayerKind::Entity { schema, .. } = &info.kind else {
        return Ok(Vec::new());
    };
    let rows = tx.query(
        "SELECT id, geom, properties_text FROM citygrid_entities \
         WHERE layer = $1 AND id > $2 ORDER BY id",
        &[&name, &to_i64(after)],
    )?;
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        let id: i64 = tx.get(row, 0)?;
        let geom: Ewkb = tx.get(row, 1)?;
        let text: &str = tx.get(row, 2)?;
        let corrupt = |reason: String| StoreError::Corrupt {
            store: tx.store.to_string(),
            what: "citygrid_entities".into(),
            reason: format!("point {id} of layer {name:?}: {reason}"),
        };
        let point = geometry::decode_point(&geom.0).map_err(corrupt)?;
        let values = decode(schema, text).map_err(corrupt)?;
        out.push(Entity {
            id: to_u64(id),
            lon: point.x(),
            lat: point.y(),
            values,
        });
    }
    Ok(out)
}

/// Removes a layer and its points.
///
/// # Errors
/// [`StoreError::UnknownLayer`].
pub(crate) fn remove(tx: &mut Tx<'_>, name: &str) -> Result<LayerInfo> {
    let info = find(tx, name)?;
    tx.execute("DELETE FROM citygrid_entities WHERE layer = $1", &[&name])?;
    tx.execute("DELETE FROM citygrid_layers WHERE name = $1", &[&name])?;
    bump(tx)?;
    Ok(info)
}

fn read(tx: &Tx<'_>, row: &Row) -> Result<LayerInfo> {
    let name: String = tx.get(row, 0)?;
    let kind: &str = tx.get(row, 1)?;
    let schema: Option<&str> = tx.get(row, 2)?;
    let path: Option<String> = tx.get(row, 3)?;
    let band: Option<i32> = tx.get(row, 4)?;
    let count: i64 = tx.get(row, 5)?;
    let revision: i64 = tx.get(row, 9)?;
    let stored: Option<i64> = tx.get(row, 10)?;
    let info = || -> std::result::Result<LayerInfo, String> {
        let kind = match kind {
            "entity" => LayerKind::Entity {
                schema: parse_schema(schema.unwrap_or_default())?,
                count: to_u64(count),
            },
            "tileset" => LayerKind::Tileset {
                path: path.clone().ok_or("a tileset without a path")?.into(),
                stored: stored.map(to_u64),
            },
            "raster" => LayerKind::Raster {
                path: path.clone().ok_or("a raster layer without a path")?.into(),
                band: u16::try_from(band.unwrap_or(1)).map_err(|e| e.to_string())?,
                stored: stored.map(to_u64),
            },
            other => return Err(format!("unknown kind {other:?}")),
        };
        Ok(LayerInfo {
            name: name.clone(),
            kind,
            source: tx.get(row, 6).map_err(|e| e.to_string())?,
            author: tx.get(row, 7).map_err(|e| e.to_string())?,
            created_at: tx.get(row, 8).map_err(|e| e.to_string())?,
            revision: to_u64(revision),
        })
    };
    info().map_err(|reason| StoreError::Corrupt {
        store: tx.store.to_string(),
        what: "citygrid_layers".into(),
        reason: format!("layer {name:?}: {reason}"),
    })
}
