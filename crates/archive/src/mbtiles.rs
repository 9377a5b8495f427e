//! MBTiles 1.3 through `rusqlite` (bundled SQLite): the `metadata` and `tiles`
//! tables, tiles gzipped as vector MBTiles store them, rows in TMS order (y from
//! the south), all in one transaction, in a file beside the destination that
//! replaces it when finished ([`Pending`]).

use std::path::Path;

use citygrid_io::Pending;
use citygrid_tiles::TileId;
use rusqlite::{Connection, params};

use crate::error::{ArchiveError, Result};
use crate::metadata::Metadata;

/// An MBTiles archive being written. Dropped without [`MbTilesArchive::finish`],
/// it leaves nothing behind, and an archive it was to replace as it was.
pub struct MbTilesArchive {
    // Declared first, so that the connection is closed before the file goes.
    conn: Connection,
    file: Pending,
}

impl MbTilesArchive {
    /// Starts an archive that will create or replace `path`, with its schema and
    /// metadata.
    ///
    /// # Errors
    /// [`ArchiveError::Output`] when `path` cannot be written (no such folder, a
    /// folder), [`ArchiveError::Sqlite`] when SQLite refuses.
    pub fn create(path: &Path, meta: &Metadata) -> Result<MbTilesArchive> {
        let file = Pending::new(path, true)?;
        let sql = |source| ArchiveError::Sqlite {
            path: path.to_path_buf(),
            source,
        };
        let conn = Connection::open(file.path()).map_err(sql)?;
        conn.execute_batch(
            "PRAGMA journal_mode = OFF;
             PRAGMA synchronous = OFF;
             CREATE TABLE metadata (name TEXT, value TEXT);
             CREATE UNIQUE INDEX name ON metadata (name);
             CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB);
             CREATE UNIQUE INDEX tile_index ON tiles (zoom_level, tile_column, tile_row);
             BEGIN;",
        )
        .map_err(sql)?;
        let [w, s, e, n] = meta.bounds;
        let rows = [
            ("name", meta.name.clone()),
            ("description", meta.description.clone()),
            ("format", "pbf".to_string()),
            ("type", "overlay".to_string()),
            ("version", meta.version().to_string()),
            ("minzoom", meta.minzoom.to_string()),
            ("maxzoom", meta.maxzoom.to_string()),
            ("bounds", format!("{w},{s},{e},{n}")),
            (
                "center",
                format!("{},{},{}", meta.center.0, meta.center.1, meta.center.2),
            ),
            ("json", json_row(meta).to_string()),
        ];
        for (k, v) in rows {
            conn.execute(
                "INSERT INTO metadata (name, value) VALUES (?1, ?2)",
                params![k, v],
            )
            .map_err(sql)?;
        }
        Ok(MbTilesArchive { conn, file })
    }

    /// Adds one tile (MVT bytes gzipped, see `citygrid_tiles::mvt::gzip`); empty
    /// tiles are skipped.
    ///
    /// # Errors
    /// [`ArchiveError::Sqlite`] when SQLite refuses.
    pub fn add(&mut self, t: TileId, gzipped: &[u8]) -> Result<()> {
        if gzipped.is_empty() {
            return Ok(());
        }
        self.conn
            .prepare_cached(
                "INSERT INTO tiles (zoom_level, tile_column, tile_row, tile_data) VALUES (?1, ?2, ?3, ?4)",
            )
            .and_then(|mut st| st.execute(params![t.z, t.x, t.tms_y(), gzipped]))
            .map_err(|source| self.sql_error(source))?;
        Ok(())
    }

    /// Commits, closes the database and puts the archive in place.
    ///
    /// # Errors
    /// [`ArchiveError::Sqlite`] when SQLite refuses, [`ArchiveError::Output`] when
    /// the file cannot be put in place; nothing is left behind then.
    pub fn finish(self) -> Result<()> {
        self.conn
            .execute_batch("COMMIT;")
            .map_err(|source| self.sql_error(source))?;
        let MbTilesArchive { conn, file } = self;
        conn.close().map_err(|(_, source)| ArchiveError::Sqlite {
            path: file.destination().to_path_buf(),
            source,
        })?;
        Ok(file.commit()?)
    }

    fn sql_error(&self, source: rusqlite::Error) -> ArchiveError {
        ArchiveError::Sqlite {
            path: self.file.destination().to_path_buf(),
            source,
        }
    }
}

/// The `json` row: `vector_layers`, and `citygrid_source` for a store's version.
fn json_row(meta: &Metadata) -> serde_json::Value {
    let mut row = serde_json::json!({"vector_layers": meta.vector_layers});
    if let Some(source) = meta.source_json() {
        row["citygrid_source"] = source;
    }
    row
}
