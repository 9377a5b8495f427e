//! Tiles are stored gzipped in both formats, as vector-tile servers and clients
//! expect. The export compresses them on the rendering cores (see
//! `citygrid_tiles::render_tiles_with` and `citygrid_tiles::mvt::gzip`), and the
//! writers store the bytes they are given: compressing in the writer, on the one
//! thread that writes in tile order, left a core idle.

use std::io::{self, Write};

/// The PMTiles codec for tiles gzipped already: says gzip in the header and
/// stores the bytes as they come.
pub(crate) struct Gzipped;

impl pmtiles::Compressor for Gzipped {
    fn compression(&self) -> pmtiles::Compression {
        pmtiles::Compression::Gzip
    }

    fn compress(
        &self,
        f: &mut dyn FnMut(&mut dyn Write) -> io::Result<()>,
        writer: &mut dyn Write,
    ) -> pmtiles::PmtResult<()> {
        f(writer)?;
        Ok(())
    }
}
