//! Who is next to whom: units of one level sharing a vertex or a boundary segment
//! (a clean partition shares its boundaries vertex for vertex).

use citygrid_model::{Partition, RingSet, UnitId};
use geo_types::MultiPolygon;
use rustc_hash::FxHashSet;

use crate::local::segment_key;

fn vertex_keys(mp: &MultiPolygon<f64>) -> FxHashSet<[u64; 2]> {
    mp.0.iter()
        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
        .flat_map(|r| r.0.iter().map(|&c| citygrid_planar::coord_key(c)))
        .collect()
}

/// The units of `id`'s level that share at least one vertex with it, in id order.
pub(crate) fn neighbours(partition: &Partition, id: UnitId) -> Vec<UnitId> {
    let unit = partition.unit(id);
    let Some(b) = partition.bbox(id) else {
        return Vec::new();
    };
    let keys = vertex_keys(&unit.geometry);
    partition
        .near(unit.level, b)
        .filter(|&o| o != id)
        .filter(|&o| {
            partition
                .unit(o)
                .geometry
                .0
                .iter()
                .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
                .any(|r| {
                    r.0.iter()
                        .any(|&c| keys.contains(&citygrid_planar::coord_key(c)))
                })
        })
        .collect()
}

/// Whether two units share a stretch of boundary (at least one segment), not just
/// a point.
pub(crate) fn share_boundary(a: &MultiPolygon<f64>, b: &MultiPolygon<f64>) -> bool {
    let segments = |mp: &MultiPolygon<f64>| -> FxHashSet<[u64; 4]> {
        let rings = RingSet::build([mp]);
        rings
            .segment_ids()
            .map(|s| {
                let (p, q) = rings.segment(s);
                segment_key(p, q)
            })
            .collect()
    };
    let sa = segments(a);
    segments(b).iter().any(|k| sa.contains(k))
}

/// The neighbourhood an operation on `seeds` works in: the seeds and every unit
/// sharing a vertex with one of them, each once, in id order.
pub(crate) fn around(partition: &Partition, seeds: &[UnitId]) -> Vec<UnitId> {
    let mut all: Vec<UnitId> = seeds.to_vec();
    for &s in seeds {
        all.extend(neighbours(partition, s));
    }
    all.sort_unstable();
    all.dedup();
    all
}
