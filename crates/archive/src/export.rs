//! A whole pyramid from a tiler into an archive.

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use citygrid_tiles::mvt::gzip;
use citygrid_tiles::{TileId, Tiler, ZoomSize, render_tiles_with};

use crate::error::{ArchiveError, Result};
use crate::mbtiles::MbTilesArchive;
use crate::metadata::Metadata;
use crate::pmtiles::{PmTilesArchive, hilbert_id};

/// An archive format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// PMTiles v3: one file, read by HTTP range requests.
    PmTiles,
    /// MBTiles 1.3: an SQLite database.
    MbTiles,
}

impl FromStr for Format {
    type Err = ArchiveError;

    fn from_str(s: &str) -> Result<Format> {
        match s.to_ascii_lowercase().as_str() {
            "pmtiles" => Ok(Format::PmTiles),
            "mbtiles" => Ok(Format::MbTiles),
            _ => Err(ArchiveError::Format(s.to_string())),
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::PmTiles => "pmtiles",
            Format::MbTiles => "mbtiles",
        })
    }
}

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ExportStats {
    /// Tiles looked at (every tile near the city).
    pub tiles: u64,
    /// Tiles with something in them (written).
    pub written: u64,
    /// Bytes of those tiles before compression.
    pub bytes: u64,
    /// Per zoom: tiles written, their bytes and the largest (before
    /// compression).
    pub zooms: Vec<ZoomSize>,
}

impl ExportStats {
    /// The largest tile of all and its size before compression.
    #[must_use]
    pub fn largest(&self) -> Option<(TileId, usize)> {
        self.zooms
            .iter()
            .filter_map(|z| z.largest)
            .max_by_key(|&(t, n)| (n, std::cmp::Reverse(t)))
    }
}

enum Writer {
    Pm(Box<PmTilesArchive>),
    Mb(MbTilesArchive),
}

/// Renders the zooms `meta` names (`minzoom..=maxzoom`) of `tiler` into a new
/// archive at `path` holding `meta` (replacing one there only when it is
/// complete); `progress(done, total)` is called as tiles are written.
///
/// # Errors
/// [`ArchiveError`] when the archive cannot be created or written; nothing is
/// left behind then, and an archive that was at `path` is kept.
pub fn export(
    tiler: &Tiler,
    meta: &Metadata,
    format: Format,
    path: &Path,
    mut progress: impl FnMut(u64, u64),
) -> Result<ExportStats> {
    let (minzoom, maxzoom) = (meta.minzoom, meta.maxzoom);
    let mut tiles: Vec<TileId> = tiler.tiles(minzoom, maxzoom).collect();
    let mut writer = match format {
        Format::PmTiles => {
            // Hilbert order within each zoom: a clustered archive.
            tiles.sort_by_key(|&t| hilbert_id(t));
            Writer::Pm(Box::new(PmTilesArchive::create(path, meta)?))
        }
        Format::MbTiles => Writer::Mb(MbTilesArchive::create(path, meta)?),
    };
    let total = tiles.len() as u64;
    let mut stats = ExportStats {
        zooms: (minzoom..=maxzoom)
            .map(|z| ZoomSize {
                z,
                tiles: 0,
                bytes: 0,
                largest: None,
            })
            .collect(),
        ..ExportStats::default()
    };
    let mut failed: Option<ArchiveError> = None;
    // Tiles are gzipped on the rendering cores; the sink gets their raw size
    // (for the figures) and the gzipped bytes.
    let compress = |_, raw: Vec<u8>| (raw.len(), if raw.is_empty() { Ok(raw) } else { gzip(&raw) });
    render_tiles_with(tiler, tiles, compress, |t, (size, gzipped)| {
        if failed.is_some() {
            return;
        }
        stats.tiles += 1;
        if size > 0 {
            stats.written += 1;
            stats.bytes += size as u64;
            let z = &mut stats.zooms[usize::from(t.z - minzoom)];
            z.tiles += 1;
            z.bytes += size as u64;
            if z.largest.is_none_or(|(_, n)| size > n) {
                z.largest = Some((t, size));
            }
            let done = gzipped
                .map_err(|source| ArchiveError::Io {
                    path: path.to_path_buf(),
                    source,
                })
                .and_then(|gz| match &mut writer {
                    Writer::Pm(w) => w.add(t, &gz),
                    Writer::Mb(w) => w.add(t, &gz),
                });
            if let Err(e) = done {
                failed = Some(e);
            }
        }
        progress(stats.tiles, total);
    });
    if let Some(e) = failed {
        return Err(e);
    }
    match writer {
        Writer::Pm(w) => w.finish()?,
        Writer::Mb(w) => w.finish()?,
    }
    Ok(stats)
}
