//! Which tiles an edit touches, at every zoom, so a cache can drop exactly those.
//!
//! A tile's bytes depend on the edges of the zoom's network near it (within the
//! buffer and one unit: snapping looks that far), on the units whose faces or
//! labels are in it, and on nothing else. So the dirty tiles of an edit are, per
//! zoom and layer:
//! - the tiles near every edge of the zoom's network that is not in both versions
//!   (compared as rounded, simplified polylines: an edit can change how a nearby
//!   edge is simplified, and this catches that too), and
//! - the tiles near every changed unit's face or label in either version (its
//!   code, name or attributes may have changed with no edge moving).
//!
//! This is exact up to the buffer: a tile is reported when a changed edge comes
//! within its buffer, even where the tile's bytes happen to stay the same.

use std::collections::BTreeSet;
use std::sync::Arc;

use citygrid_model::{Partition, UnitCode, UnitId};
use rustc_hash::FxHashMap;

use crate::layers::Layer;
use crate::tile::{TileId, scale, tile_range};
use crate::tiler::Tiler;

/// The tiles at zooms `minzoom..=maxzoom` whose content may differ between the
/// tiles of `old` and of `new`. `changed` names the units the edit touched; any
/// other unit that is not shared between the two partitions (see
/// [`Partition::with_changes`]) is added, so a forgotten one is still caught.
#[must_use]
pub fn dirty_tiles(
    old: &Tiler,
    new: &Tiler,
    changed: &[UnitCode],
    minzoom: u8,
    maxzoom: u8,
) -> BTreeSet<TileId> {
    let mut codes: Vec<UnitCode> = changed.to_vec();
    codes.extend(unshared(old.partition(), new.partition()));
    codes.sort();
    codes.dedup();
    let margin = f64::from(old.options().buffer.max(new.options().buffer)) + 1.0;
    let mut out = BTreeSet::new();
    let add_box = |z: u8, world: [f64; 4], out: &mut BTreeSet<TileId>| {
        let (xs, ys) = tile_range(z, world, margin);
        for y in ys[0]..=ys[1] {
            for x in xs[0]..=xs[1] {
                out.insert(TileId { z, x, y });
            }
        }
    };
    for z in minzoom..=maxzoom {
        let s = scale(z);
        for layer in Layer::ALL {
            let shown = |t: &Tiler| t.options().shows(layer, z) && t.layers().contains(&layer);
            if !shown(old) && !shown(new) {
                continue;
            }
            if layer != Layer::Labels {
                // Edges in one version and not the other.
                let mut count: FxHashMap<Vec<[i32; 2]>, i32> = FxHashMap::default();
                for (t, sign) in [(old, 1), (new, -1)] {
                    if let Some(net) = t.zoom_edges(layer, z).filter(|_| shown(t)) {
                        for e in 0..net.len() {
                            *count.entry(normal(net.edge(e))).or_default() += sign;
                        }
                    }
                }
                for (line, n) in count {
                    if n != 0 {
                        let b = line.iter().fold(
                            [
                                f64::INFINITY,
                                f64::INFINITY,
                                f64::NEG_INFINITY,
                                f64::NEG_INFINITY,
                            ],
                            |b, p| {
                                let (x, y) = (f64::from(p[0]) / s, f64::from(p[1]) / s);
                                [b[0].min(x), b[1].min(y), b[2].max(x), b[3].max(y)]
                            },
                        );
                        add_box(z, b, &mut out);
                    }
                }
            }
            for t in [old, new] {
                if !shown(t) {
                    continue;
                }
                for code in &codes {
                    if let Some(b) = t.unit_box(layer, code) {
                        add_box(z, b, &mut out);
                    }
                }
            }
        }
    }
    out
}

/// Codes of units present in only one partition, or in both but not shared.
fn unshared(old: &Partition, new: &Partition) -> Vec<UnitCode> {
    let mut out = Vec::new();
    for u in new.units() {
        match old.get(&u.code) {
            Some(o) if Arc::ptr_eq(o, u) => {}
            _ => out.push(u.code.clone()),
        }
    }
    for u in old.units() {
        if new.get(&u.code).is_none() {
            out.push(u.code.clone());
        }
    }
    out
}

/// A polyline in a direction-free form: the smaller of it and its reverse.
fn normal(line: &[[i32; 2]]) -> Vec<[i32; 2]> {
    let fwd = line.to_vec();
    let mut rev = fwd.clone();
    rev.reverse();
    fwd.min(rev)
}

impl Tiler {
    /// The world box of a unit's face in a polygon layer, or of its label point.
    pub(crate) fn unit_box(&self, layer: Layer, code: &UnitCode) -> Option<[f64; 4]> {
        let id: UnitId = self.partition().id_of(code)?;
        if layer == Layer::Labels {
            return self.label_of(id).map(|p| [p[0], p[1], p[0], p[1]]);
        }
        let poly = self.polys.iter().find(|p| p.layer == layer)?;
        let i = poly.faces.binary_search_by_key(&id, |f| f.unit).ok()?;
        Some(poly.faces[i].bbox)
    }
}
