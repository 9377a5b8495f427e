//! The store's tables, indexes and views in PostgreSQL, as numbered migrations.
//! `init` applies them all to an empty database; `migrate` applies the ones a
//! store lacks, in one transaction; `open` refuses a store whose schema is newer
//! than this build's (it would misread it) or older (run `citygrid store migrate`).
//! `docs/store.md` describes each table.

use citygrid_model::{CodeLayout, Level};

use crate::error::{Result, StoreError};
use crate::postgis::pool::Tx;
use crate::text::{layout_text, parse_layout};

/// One change to the schema: its number, what it does, and its SQL.
struct Migration {
    version: i64,
    description: &'static str,
    sql: fn() -> String,
}

/// Every migration, in order. Never edit one that has shipped: add the next.
const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        description: "versions, units with geometry, lineage, codes, tokens, layers, entities, staff",
        sql: schema_1,
    },
    Migration {
        version: 2,
        description: "the files the store keeps for its layers (rasters, tilesets)",
        sql: schema_2,
    },
];

/// The schema this build writes and reads.
pub(crate) const SCHEMA_VERSION: i64 = 2;

/// Version 2: the files of raster and tileset layers kept byte for byte, so that
/// every server of the store reads the same layers without a shared folder.
fn schema_2() -> String {
    "CREATE TABLE citygrid_layer_files (
  layer text NOT NULL REFERENCES citygrid_layers (name) ON DELETE CASCADE,
  path text NOT NULL,
  bytes bytea NOT NULL,
  PRIMARY KEY (layer, path)
);
COMMENT ON TABLE citygrid_layer_files IS
  'the files the store keeps for its layers (a raster''s GeoTIFF, a tileset''s folder), byte for byte';"
        .to_string()
}

/// Version 1. Rows of `citygrid_versions` and `citygrid_units` are never deleted; a
/// unit row only ever gets its `valid_to`. Attributes and entity values keep the
/// exact JSON text written (`*_text`, read back bit for bit) and a `jsonb` copy
/// PostgreSQL derives from it for SQL users (`attributes->>'households'`).
const SCHEMA_1: &str = "
CREATE TABLE citygrid_head (
  one boolean PRIMARY KEY DEFAULT true CHECK (one),
  version bigint NOT NULL,
  datasets_revision bigint NOT NULL DEFAULT 0
);
COMMENT ON TABLE citygrid_head IS
  'the newest version and datasets revision; every writer locks this row first';

CREATE TABLE citygrid_versions (
  version bigint PRIMARY KEY,
  created_at timestamptz NOT NULL,
  author text NOT NULL,
  message text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('init', 'edit', 'revert', 'import')),
  base bigint,
  changed text[] NOT NULL,
  created text[] NOT NULL,
  retired text[] NOT NULL,
  request jsonb,
  reverted_to bigint
);
CREATE INDEX citygrid_versions_created_at ON citygrid_versions (created_at);

CREATE TABLE citygrid_units (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  code text NOT NULL,
  level text NOT NULL CHECK (level IN ('city', 'district', 'township', 'village', 'cell')),
  parent text,
  name text NOT NULL,
  attributes_text text NOT NULL,
  attributes jsonb GENERATED ALWAYS AS (attributes_text::jsonb) STORED,
  geom geometry(MultiPolygon, 4326) NOT NULL,
  valid_from bigint NOT NULL,
  valid_to bigint CHECK (valid_to > valid_from)
);
CREATE UNIQUE INDEX citygrid_units_alive ON citygrid_units (code) WHERE valid_to IS NULL;
CREATE INDEX citygrid_units_children ON citygrid_units (parent) WHERE valid_to IS NULL;
CREATE INDEX citygrid_units_code ON citygrid_units (code, valid_from);
CREATE INDEX citygrid_units_valid_from ON citygrid_units (valid_from);
CREATE INDEX citygrid_units_valid_to ON citygrid_units (valid_to);
CREATE INDEX citygrid_units_geom ON citygrid_units USING gist (geom);
CREATE INDEX citygrid_units_alive_geom ON citygrid_units USING gist (geom) WHERE valid_to IS NULL;

CREATE TABLE citygrid_lineage (
  version bigint NOT NULL,
  event integer NOT NULL,
  kind text NOT NULL CHECK (kind IN ('split', 'merge', 'reparent')),
  side text NOT NULL CHECK (side IN ('from', 'to')),
  code text NOT NULL,
  PRIMARY KEY (version, event, side, code)
);
CREATE INDEX citygrid_lineage_code ON citygrid_lineage (code);

CREATE TABLE citygrid_codes (
  code text PRIMARY KEY,
  level text NOT NULL,
  first_version bigint NOT NULL,
  retired_in bigint
);

CREATE TABLE citygrid_tokens (
  name text PRIMARY KEY,
  role text NOT NULL CHECK (role IN ('viewer', 'editor', 'admin')),
  district text,
  hash text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL,
  revoked_at timestamptz
);

CREATE TABLE citygrid_layers (
  name text PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('entity', 'raster', 'tileset')),
  schema jsonb,
  path text,
  band integer,
  count bigint NOT NULL DEFAULT 0,
  source text NOT NULL,
  author text NOT NULL,
  created_at timestamptz NOT NULL,
  revision bigint NOT NULL
);

CREATE TABLE citygrid_entities (
  layer text NOT NULL REFERENCES citygrid_layers (name) ON DELETE CASCADE,
  id bigint NOT NULL,
  geom geometry(Point, 4326) NOT NULL,
  properties_text text NOT NULL,
  properties jsonb GENERATED ALWAYS AS (properties_text::jsonb) STORED,
  PRIMARY KEY (layer, id)
);
CREATE INDEX citygrid_entities_geom ON citygrid_entities USING gist (geom);

CREATE TABLE citygrid_staff_revisions (
  revision bigint PRIMARY KEY,
  created_at timestamptz NOT NULL,
  author text NOT NULL,
  message text NOT NULL
);

CREATE TABLE citygrid_staff (
  row bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id text NOT NULL,
  name text NOT NULL,
  role text NOT NULL CHECK (role IN ('cell_head', 'cell_worker', 'cell_police', 'department_contact')),
  phone text NOT NULL,
  cells text[] NOT NULL,
  valid_from bigint NOT NULL,
  valid_to bigint CHECK (valid_to > valid_from)
);
CREATE UNIQUE INDEX citygrid_staff_alive ON citygrid_staff (id) WHERE valid_to IS NULL;
CREATE INDEX citygrid_staff_from ON citygrid_staff (valid_from);
";

/// Version 1 and the views of the head per level.
fn schema_1() -> String {
    let views: String = Level::ALL.iter().map(|l| view_sql(*l)).collect();
    format!("{SCHEMA_1}\n{views}")
}

/// The view of the head's units of one level that QGIS and SQL users open: a
/// unique integer key (`id`), the `geometry(MultiPolygon, 4326)` column, and the
/// version that last changed each row.
fn view_sql(level: Level) -> String {
    format!(
        "CREATE VIEW citygrid_{name} AS \
         SELECT id, code, name, parent, valid_from AS version, attributes, geom \
         FROM citygrid_units WHERE valid_to IS NULL AND level = '{level}';\n\
         COMMENT ON VIEW citygrid_{name} IS \
         'the {name} of the head version (read-only: edits go through citygrid)';\n",
        name = level.layer_name(),
        level = level.as_str(),
    )
}

/// Creates the store in an empty database: PostGIS (when the role may), every
/// migration, the code layout and version 0 as the head (version 1 follows in the
/// same transaction).
///
/// # Errors
/// [`StoreError::Exists`] when the database holds a store already;
/// [`StoreError::Postgres`].
pub(crate) fn create(tx: &mut Tx<'_>, layout: &CodeLayout) -> Result<()> {
    if tx
        .query_one("SELECT to_regclass('citygrid_meta') IS NOT NULL", &[])
        .and_then(|r| tx.get::<bool>(&r, 0))?
    {
        return Err(StoreError::Exists {
            path: tx.store.into(),
        });
    }
    let postgis = tx
        .query_one(
            "SELECT count(*) FROM pg_extension WHERE extname = 'postgis'",
            &[],
        )
        .and_then(|r| tx.get::<i64>(&r, 0))?;
    if postgis == 0 {
        tx.batch("CREATE EXTENSION postgis")
            .map_err(|e| StoreError::Unsupported {
                location: tx.store.to_string(),
                reason: format!(
                    "the database has no PostGIS, and this role cannot add it ({e}): \
                 ask its owner to run CREATE EXTENSION postgis"
                ),
            })?;
    }
    tx.batch(
        "CREATE TABLE citygrid_meta (key text PRIMARY KEY, value text NOT NULL);
         CREATE TABLE citygrid_migrations (
           version integer PRIMARY KEY,
           description text NOT NULL,
           applied_at timestamptz NOT NULL DEFAULT now()
         );",
    )
    .map_err(|e| exists_or(tx.store, e))?;
    apply(tx, 0)?;
    for (key, value) in [
        ("layout", layout_text(layout)),
        ("created_at", crate::time::format(crate::time::now())),
        (
            "generator",
            concat!("citygrid ", env!("CARGO_PKG_VERSION")).into(),
        ),
    ] {
        tx.execute(
            "INSERT INTO citygrid_meta (key, value) VALUES ($1, $2)",
            &[&key, &value],
        )?;
    }
    tx.execute("INSERT INTO citygrid_head (version) VALUES (0)", &[])?;
    Ok(())
}

/// A second `init` racing this one fails on the catalog: that is an existing store.
fn exists_or(store: &str, e: StoreError) -> StoreError {
    use postgres::error::SqlState;
    match &e {
        StoreError::Postgres { source, .. }
            if source.code() == Some(&SqlState::DUPLICATE_TABLE)
                || source.code() == Some(&SqlState::UNIQUE_VIOLATION) =>
        {
            StoreError::Exists { path: store.into() }
        }
        _ => e,
    }
}

/// Applies the migrations after `from`; returns the schema version reached.
///
/// # Errors
/// [`StoreError::Postgres`].
pub(crate) fn apply(tx: &mut Tx<'_>, from: i64) -> Result<i64> {
    let mut reached = from;
    for m in MIGRATIONS.iter().filter(|m| m.version > from) {
        tx.batch(&(m.sql)())?;
        let version = i32::try_from(m.version).unwrap_or(i32::MAX);
        tx.execute(
            "INSERT INTO citygrid_migrations (version, description) VALUES ($1, $2)",
            &[&version, &m.description],
        )?;
        reached = m.version;
    }
    Ok(reached)
}

/// The schema version of the store in the database (its newest migration).
///
/// # Errors
/// [`StoreError::Missing`] for a database without the store's tables.
pub(crate) fn version(tx: &mut Tx<'_>) -> Result<i64> {
    let present = tx
        .query_one("SELECT to_regclass('citygrid_migrations') IS NOT NULL", &[])
        .and_then(|r| tx.get::<bool>(&r, 0))?;
    if !present {
        return Err(StoreError::Missing {
            path: tx.store.into(),
        });
    }
    let row = tx.query_one(
        "SELECT coalesce(max(version), 0) FROM citygrid_migrations",
        &[],
    )?;
    Ok(i64::from(tx.get::<i32>(&row, 0)?))
}

/// Checks that the store is one this build reads, and returns its code layout.
///
/// # Errors
/// [`StoreError::Missing`], [`StoreError::NewerSchema`], [`StoreError::OlderSchema`]
/// or [`StoreError::NotAStore`] naming the store.
pub(crate) fn check(tx: &mut Tx<'_>) -> Result<CodeLayout> {
    let found = version(tx)?;
    if found > SCHEMA_VERSION {
        return Err(StoreError::NewerSchema {
            path: tx.store.into(),
            found,
            supported: SCHEMA_VERSION,
        });
    }
    if found < SCHEMA_VERSION {
        return Err(StoreError::OlderSchema {
            store: tx.store.to_string(),
            found,
            supported: SCHEMA_VERSION,
        });
    }
    let layout: Option<String> =
        match tx.query_opt("SELECT value FROM citygrid_meta WHERE key = 'layout'", &[])? {
            Some(row) => Some(tx.get(&row, 0)?),
            None => None,
        };
    let layout = layout.unwrap_or_default();
    parse_layout(&layout).ok_or_else(|| StoreError::NotAStore {
        path: tx.store.into(),
        reason: format!("citygrid_meta has an unreadable layout {layout:?}"),
    })
}
