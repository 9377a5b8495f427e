//! Many tiles at once: a pyramid rendered in parallel and handed over in order,
//! and the size of the largest tile per zoom.

use rayon::prelude::*;

use crate::tile::TileId;
use crate::tiler::Tiler;

/// Tiles rendered in parallel per batch, then handed over in order.
const BATCH: usize = 512;

/// Renders every tile of zooms `minzoom..=maxzoom` that can hold anything (see
/// [`Tiler::tiles`]) on all cores and hands each one, in zoom, row, column order,
/// to `sink` with its encoded bytes (empty for a tile with nothing in it).
pub fn render(tiler: &Tiler, minzoom: u8, maxzoom: u8, sink: impl FnMut(TileId, Vec<u8>)) {
    render_tiles(tiler, tiler.tiles(minzoom, maxzoom), sink);
}

/// Renders the given tiles on all cores and hands each one, in the order given,
/// to `sink` with its encoded bytes. Each zoom's edges are prepared once, before
/// its first tile.
pub fn render_tiles(
    tiler: &Tiler,
    tiles: impl IntoIterator<Item = TileId>,
    sink: impl FnMut(TileId, Vec<u8>),
) {
    render_tiles_with(tiler, tiles, |_, bytes| bytes, sink);
}

/// As [`render_tiles`], with `finish` applied to each tile's bytes on the
/// rendering cores too (compressing, say), so that `sink`, which runs on one
/// thread in tile order, is left only the writing.
pub fn render_tiles_with<T: Send>(
    tiler: &Tiler,
    tiles: impl IntoIterator<Item = TileId>,
    finish: impl Fn(TileId, Vec<u8>) -> T + Sync,
    mut sink: impl FnMut(TileId, T),
) {
    let mut batch: Vec<TileId> = Vec::with_capacity(BATCH);
    let mut prepared = [false; crate::tile::MAX_ZOOM as usize + 1];
    let mut flush = |batch: &mut Vec<TileId>| {
        for t in batch.iter() {
            if !prepared[usize::from(t.z)] {
                tiler.prepare(t.z);
                prepared[usize::from(t.z)] = true;
            }
        }
        let done: Vec<T> = batch
            .par_iter()
            .map(|&t| finish(t, tiler.tile(t)))
            .collect();
        for (t, out) in batch.drain(..).zip(done) {
            sink(t, out);
        }
    };
    for t in tiles {
        batch.push(t);
        if batch.len() == BATCH {
            flush(&mut batch);
        }
    }
    flush(&mut batch);
}

/// Sizes of one zoom's tiles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ZoomSize {
    /// The zoom.
    pub z: u8,
    /// Tiles with something in them.
    pub tiles: usize,
    /// Bytes over those tiles (uncompressed).
    pub bytes: u64,
    /// The largest tile and its size in bytes.
    pub largest: Option<(TileId, usize)>,
}

/// For each zoom, how many tiles hold something, their total size, and the
/// largest (uncompressed), for checking the 500 kB budget.
#[must_use]
pub fn largest_tiles(tiler: &Tiler, minzoom: u8, maxzoom: u8) -> Vec<ZoomSize> {
    let mut out: Vec<ZoomSize> = (minzoom..=maxzoom)
        .map(|z| ZoomSize {
            z,
            tiles: 0,
            bytes: 0,
            largest: None,
        })
        .collect();
    render(tiler, minzoom, maxzoom, |t, bytes| {
        if bytes.is_empty() {
            return;
        }
        let s = &mut out[usize::from(t.z - minzoom)];
        s.tiles += 1;
        s.bytes += bytes.len() as u64;
        if s.largest.is_none_or(|(_, n)| bytes.len() > n) {
            s.largest = Some((t, bytes.len()));
        }
    });
    out
}
