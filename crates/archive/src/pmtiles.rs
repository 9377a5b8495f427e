//! PMTiles v3 through the `pmtiles` crate: tiles gzipped before they come here,
//! deduplicated by content (the many identical tiles inside one district are
//! stored once), directories and metadata written at the end, in a file beside
//! the destination that replaces it when finished ([`Pending`]).

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

use citygrid_io::Pending;
use citygrid_tiles::TileId;
use pmtiles::{PmTilesStreamWriter, PmTilesWriter, TileCoord, TileType};

use crate::error::{ArchiveError, Result};
use crate::gzip::Gzipped;
use crate::metadata::Metadata;

/// A PMTiles archive being written. Dropped without [`PmTilesArchive::finish`],
/// it leaves nothing behind, and an archive it was to replace as it was.
pub struct PmTilesArchive {
    // Declared first, so that the file is closed before it goes.
    writer: PmTilesStreamWriter<BufWriter<File>>,
    file: Pending,
}

impl PmTilesArchive {
    /// Starts an archive that will create or replace `path`.
    ///
    /// # Errors
    /// [`ArchiveError::Output`] when `path` cannot be written (no such folder, a
    /// folder), [`ArchiveError::Io`] when the file cannot be created.
    pub fn create(path: &Path, meta: &Metadata) -> Result<PmTilesArchive> {
        let file = Pending::new(path, true)?;
        let out = File::create(file.path()).map_err(|source| ArchiveError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let [w, s, e, n] = meta.bounds;
        let writer = PmTilesWriter::new(TileType::Mvt)
            .tile_codec(Gzipped)
            .min_zoom(meta.minzoom)
            .max_zoom(meta.maxzoom)
            .bounds(w, s, e, n)
            .center(meta.center.0, meta.center.1)
            .center_zoom(meta.center.2)
            .metadata(meta.json().to_string())
            .create(BufWriter::new(out))
            .map_err(|e| pm_error(path, &e))?;
        Ok(PmTilesArchive { writer, file })
    }

    /// Adds one tile (MVT bytes gzipped, see `citygrid_tiles::mvt::gzip`); empty tiles
    /// are skipped, as the format asks.
    ///
    /// # Errors
    /// [`ArchiveError::PmTiles`] when writing fails.
    pub fn add(&mut self, t: TileId, gzipped: &[u8]) -> Result<()> {
        let path = self.file.destination();
        let coord = TileCoord::new(t.z, t.x, t.y).map_err(|e| pm_error(path, &e))?;
        self.writer
            .add_tile(coord, gzipped)
            .map_err(|e| pm_error(path, &e))
    }

    /// Writes the directories and the header, and puts the archive in place.
    ///
    /// # Errors
    /// [`ArchiveError::PmTiles`] when writing fails, [`ArchiveError::Output`] when
    /// the file cannot be put in place; nothing is left behind then.
    pub fn finish(self) -> Result<()> {
        let PmTilesArchive { writer, file } = self;
        writer
            .finalize()
            .map_err(|e| pm_error(file.destination(), &e))?;
        Ok(file.commit()?)
    }
}

/// The position of a tile on the PMTiles Hilbert curve: writing tiles in this
/// order makes a clustered archive that readers fetch in fewer requests.
/// (Tile addresses are checked already; one that is not valid sorts last.)
#[must_use]
pub fn hilbert_id(t: TileId) -> u64 {
    TileCoord::new(t.z, t.x, t.y).map_or(u64::MAX, |c| pmtiles::TileId::from(c).value())
}

fn pm_error(path: &Path, e: &impl std::fmt::Display) -> ArchiveError {
    ArchiveError::PmTiles {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}
