//! The store's own tables (prefix `citygrid_`) beside the GeoPackage layers, and
//! how a file is recognised as a store. `docs/store.md` describes each column.

use std::path::Path;

use citygrid_model::CodeLayout;
use rusqlite::{Connection, OptionalExtension};

use crate::error::{Result, StoreError};
use crate::text::{layout_text, parse_layout};

/// The schema this build writes and the newest it reads. A file with a newer one is
/// refused rather than misread; an older one is brought up to it on open
/// ([`migrate`]): 2 added the layers and the staff registry, 3 the layer files
/// the store keeps.
pub(crate) const SCHEMA_VERSION: i64 = 3;

/// `PRAGMA application_id` of a GeoPackage: "GPKG" (1.4 requirement 2).
const GPKG_APPLICATION_ID: i64 = 0x4750_4B47;

/// The tables and indexes of the store. Rows of `citygrid_versions` and
/// `citygrid_units` are never deleted; a unit row only ever gets its `valid_to`.
const TABLES: &str = "
CREATE TABLE citygrid_meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE citygrid_versions (
  version INTEGER PRIMARY KEY,
  created_at TEXT NOT NULL,
  author TEXT NOT NULL,
  message TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('init', 'edit', 'revert', 'import')),
  base INTEGER,
  changed TEXT NOT NULL,
  created TEXT NOT NULL,
  retired TEXT NOT NULL,
  request TEXT,
  reverted_to INTEGER
);
CREATE INDEX citygrid_versions_created_at ON citygrid_versions (created_at);

CREATE TABLE citygrid_units (
  id INTEGER PRIMARY KEY,
  code TEXT NOT NULL,
  level TEXT NOT NULL CHECK (level IN ('city', 'district', 'township', 'village', 'cell')),
  parent TEXT,
  name TEXT NOT NULL,
  attributes TEXT NOT NULL,
  geom BLOB NOT NULL,
  valid_from INTEGER NOT NULL,
  valid_to INTEGER CHECK (valid_to > valid_from)
);
CREATE UNIQUE INDEX citygrid_units_alive ON citygrid_units (code) WHERE valid_to IS NULL;
CREATE INDEX citygrid_units_children ON citygrid_units (parent) WHERE valid_to IS NULL;
CREATE INDEX citygrid_units_code ON citygrid_units (code, valid_from);
CREATE INDEX citygrid_units_valid_from ON citygrid_units (valid_from);
CREATE INDEX citygrid_units_valid_to ON citygrid_units (valid_to);

CREATE TABLE citygrid_lineage (
  version INTEGER NOT NULL,
  event INTEGER NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('split', 'merge', 'reparent')),
  side TEXT NOT NULL CHECK (side IN ('from', 'to')),
  code TEXT NOT NULL,
  PRIMARY KEY (version, event, side, code)
) WITHOUT ROWID;
CREATE INDEX citygrid_lineage_code ON citygrid_lineage (code);

CREATE TABLE citygrid_codes (
  code TEXT PRIMARY KEY,
  level TEXT NOT NULL,
  first_version INTEGER NOT NULL,
  retired_in INTEGER
) WITHOUT ROWID;

CREATE TABLE citygrid_tokens (
  name TEXT PRIMARY KEY,
  role TEXT NOT NULL CHECK (role IN ('viewer', 'editor', 'admin')),
  district TEXT,
  hash TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL,
  revoked_at TEXT
);
";

/// The tables schema version 2 added: layers, their points, the staff registry.
/// Entity values are a JSON array in the order of the layer's fields, so SQL users
/// can read them (`json_extract(properties, '$[2]')`) and a schema change needs no
/// `ALTER TABLE`.
const DATASETS: &str = "
CREATE TABLE IF NOT EXISTS citygrid_layers (
  name TEXT PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('entity', 'raster', 'tileset')),
  schema TEXT,
  path TEXT,
  band INTEGER,
  count INTEGER NOT NULL DEFAULT 0,
  source TEXT NOT NULL,
  author TEXT NOT NULL,
  created_at TEXT NOT NULL,
  revision INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS citygrid_entities (
  layer TEXT NOT NULL,
  id INTEGER NOT NULL,
  lon REAL NOT NULL,
  lat REAL NOT NULL,
  properties TEXT NOT NULL,
  PRIMARY KEY (layer, id)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS citygrid_staff_revisions (
  revision INTEGER PRIMARY KEY,
  created_at TEXT NOT NULL,
  author TEXT NOT NULL,
  message TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS citygrid_staff (
  row INTEGER PRIMARY KEY,
  id TEXT NOT NULL,
  name TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('cell_head', 'cell_worker', 'cell_police', 'department_contact')),
  phone TEXT NOT NULL,
  cells TEXT NOT NULL,
  valid_from INTEGER NOT NULL,
  valid_to INTEGER CHECK (valid_to > valid_from)
);
CREATE UNIQUE INDEX IF NOT EXISTS citygrid_staff_alive ON citygrid_staff (id) WHERE valid_to IS NULL;
CREATE INDEX IF NOT EXISTS citygrid_staff_from ON citygrid_staff (valid_from);
";

/// The table schema version 3 added: the files the store keeps for its layers (a
/// raster layer's GeoTIFF, a tileset's folder, byte for byte), so that a store is
/// whole without the files it was made from.
const LAYER_FILES: &str = "
CREATE TABLE IF NOT EXISTS citygrid_layer_files (
  layer TEXT NOT NULL,
  path TEXT NOT NULL,
  bytes BLOB NOT NULL,
  PRIMARY KEY (layer, path)
) WITHOUT ROWID;
";

/// Registers the version table in `gpkg_contents` as `attributes` (GeoPackage 1.4
/// clause 2.4), so QGIS and GDAL list the history as a table beside the layers.
const VERSIONS_CONTENTS: &str = "
INSERT INTO gpkg_contents (table_name, data_type, identifier, description, last_change)
VALUES ('citygrid_versions', 'attributes', 'citygrid_versions',
        'every version of the partition: time, author, message, codes changed (read-only)', ?1)";

/// Creates the store's tables in a new GeoPackage and records the schema version,
/// the code layout and the creation time.
///
/// # Errors
/// SQLite's error.
pub(crate) fn create(conn: &Connection, layout: &CodeLayout, now: &str) -> rusqlite::Result<()> {
    conn.execute_batch(TABLES)?;
    conn.execute_batch(DATASETS)?;
    conn.execute_batch(LAYER_FILES)?;
    conn.execute(VERSIONS_CONTENTS, [now])?;
    let mut meta = conn.prepare("INSERT INTO citygrid_meta (key, value) VALUES (?1, ?2)")?;
    meta.execute(["schema_version", &SCHEMA_VERSION.to_string()])?;
    meta.execute(["layout", &layout_text(layout)])?;
    meta.execute(["created_at", now])?;
    meta.execute(["generator", concat!("citygrid ", env!("CARGO_PKG_VERSION"))])?;
    Ok(())
}

/// Brings a store written by an older citygrid up to [`SCHEMA_VERSION`], in one
/// transaction: every change so far only adds tables, so older files lose nothing
/// and an older citygrid refuses the file afterwards rather than miss the new tables.
///
/// # Errors
/// SQLite's error.
pub(crate) fn migrate(conn: &mut Connection, from: i64) -> rusqlite::Result<()> {
    if from >= SCHEMA_VERSION {
        return Ok(());
    }
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    // Each change only adds tables (IF NOT EXISTS): every one is run.
    tx.execute_batch(DATASETS)?;
    tx.execute_batch(LAYER_FILES)?;
    tx.execute(
        "UPDATE citygrid_meta SET value = ?1 WHERE key = 'schema_version'",
        [SCHEMA_VERSION.to_string()],
    )?;
    tx.commit()
}

/// Checks that the file is a store this build reads, and returns its code layout
/// and schema version.
///
/// # Errors
/// [`StoreError::NotAStore`] or [`StoreError::NewerSchema`] naming the file.
pub(crate) fn check(conn: &Connection, path: &Path) -> Result<(CodeLayout, i64)> {
    let not_a_store = |reason: String| StoreError::NotAStore {
        path: path.to_path_buf(),
        reason,
    };
    // The first query reads the header: a file that is not SQLite fails here.
    let application_id: i64 = conn
        .query_row("PRAGMA application_id", [], |r| r.get(0))
        .map_err(|e| not_a_store(format!("not an SQLite database ({e})")))?;
    if application_id != GPKG_APPLICATION_ID {
        return Err(not_a_store(
            "not a GeoPackage (its application_id is not GPKG)".into(),
        ));
    }
    let meta = |key: &str| -> Result<Option<String>> {
        conn.query_row(
            "SELECT value FROM citygrid_meta WHERE key = ?1",
            [key],
            |r| r.get(0),
        )
        .optional()
        .map_err(|e| not_a_store(format!("a GeoPackage without the citygrid tables ({e})")))
    };
    let version = meta("schema_version")?
        .and_then(|v| v.parse::<i64>().ok())
        .ok_or_else(|| not_a_store("citygrid_meta has no schema_version".into()))?;
    if version > SCHEMA_VERSION {
        return Err(StoreError::NewerSchema {
            path: path.to_path_buf(),
            found: version,
            supported: SCHEMA_VERSION,
        });
    }
    let layout = meta("layout")?.unwrap_or_default();
    let layout = parse_layout(&layout)
        .ok_or_else(|| not_a_store(format!("citygrid_meta has an unreadable layout {layout:?}")))?;
    Ok((layout, version))
}
