//! Comparing and dissolving unit geometries exactly.

use citygrid_model::RingSet;
use citygrid_planar::{Keep, assemble, coord_key, rings, signed_area2};
use geo_types::{Coord, MultiPolygon};
use rustc_hash::FxHashMap;

/// A geometry as a canonical set of rings: each ring without its closing point,
/// turned counter-clockwise for shells and clockwise for holes, started at its
/// least vertex; rings sorted. Two geometries with the same rings compare equal
/// whatever their starting points and orientations.
pub(crate) fn canonical(mp: &MultiPolygon<f64>) -> Vec<Vec<Vec<[u64; 2]>>> {
    let ring = |pts: &[Coord<f64>], hole: bool| -> Vec<[u64; 2]> {
        let mut open: Vec<Coord<f64>> = pts.to_vec();
        if open.len() > 1 && open.first() == open.last() {
            open.pop();
        }
        let mut closed = open.clone();
        if let Some(&f) = open.first() {
            closed.push(f);
        }
        if (signed_area2(&closed) > 0.0) == hole {
            open.reverse();
        }
        let mut keys: Vec<[u64; 2]> = open.iter().map(|&c| coord_key(c)).collect();
        if let Some(k) = (0..keys.len()).min_by_key(|&i| keys[i]) {
            keys.rotate_left(k);
        }
        keys
    };
    let mut polys: Vec<Vec<Vec<[u64; 2]>>> =
        mp.0.iter()
            .map(|p| {
                let mut holes: Vec<Vec<[u64; 2]>> =
                    p.interiors().iter().map(|h| ring(&h.0, true)).collect();
                holes.sort();
                let mut all = vec![ring(&p.exterior().0, false)];
                all.extend(holes);
                all
            })
            .collect();
    polys.sort();
    polys
}

/// Whether two geometries have the same rings, whatever vertex each ring starts at
/// and whichever way it turns (see [`canonical`]): the same shape, vertex for vertex.
#[must_use]
pub fn same(a: &MultiPolygon<f64>, b: &MultiPolygon<f64>) -> bool {
    canonical(a) == canonical(b)
}

/// The union of units that share their boundaries vertex for vertex (the children
/// of one parent in a clean partition): every segment two of them share cancels,
/// the rest is traced into rings by the kernel.
pub(crate) fn dissolve<'a>(
    parts: impl IntoIterator<Item = &'a MultiPolygon<f64>>,
) -> MultiPolygon<f64> {
    let rings_in = RingSet::build(parts);
    let mut ids: FxHashMap<[u64; 2], u32> = FxHashMap::default();
    let mut vertices: Vec<Coord<f64>> = Vec::new();
    let mut id = |c: Coord<f64>| {
        *ids.entry(coord_key(c)).or_insert_with(|| {
            vertices.push(c);
            (vertices.len() - 1) as u32
        })
    };
    let mut directed: FxHashMap<(u32, u32), u32> = FxHashMap::default();
    let mut order: Vec<(u32, u32)> = Vec::new();
    for s in rings_in.segment_ids() {
        let (a, b) = rings_in.segment(s);
        let (a, b) = (id(a), id(b));
        if a == b {
            continue;
        }
        if let Some(n) = directed.get_mut(&(b, a))
            && *n > 0
        {
            *n -= 1;
            continue;
        }
        *directed.entry((a, b)).or_insert(0) += 1;
        order.push((a, b));
    }
    let mut half_edges: Vec<(u32, u32)> = Vec::new();
    for e in order {
        if let Some(n) = directed.get_mut(&e)
            && *n > 0
        {
            *n -= 1;
            half_edges.push(e);
        }
    }
    let traced = rings(&half_edges, |v| vertices[v as usize], Keep::Left);
    let rings_out: Vec<Vec<u32>> = traced
        .into_iter()
        .map(|r| r.into_iter().map(|h| half_edges[h].0).collect())
        .collect();
    assemble(&vertices, rings_out)
}

#[cfg(test)]
mod tests {
    use geo_types::{LineString, Polygon};

    use super::*;

    fn square(x: f64, y: f64) -> MultiPolygon<f64> {
        MultiPolygon(vec![Polygon::new(
            LineString::from(vec![
                (x, y),
                (x + 1., y),
                (x + 1., y + 1.),
                (x, y + 1.),
                (x, y),
            ]),
            vec![],
        )])
    }

    #[test]
    fn two_squares_dissolve_into_a_rectangle_with_their_shared_corners() {
        let d = dissolve([&square(0., 0.), &square(1., 0.)]);
        assert_eq!(d.0.len(), 1);
        assert_eq!(d.0[0].exterior().0.len(), 7, "{d:?}");
        assert!(same(&d, &dissolve([&square(1., 0.), &square(0., 0.)])));
    }

    #[test]
    fn rings_compare_whatever_their_start_and_turn() {
        let a = square(0., 0.);
        let b = MultiPolygon(vec![Polygon::new(
            LineString::from(vec![(1., 1.), (1., 0.), (0., 0.), (0., 1.), (1., 1.)]),
            vec![],
        )]);
        assert!(same(&a, &b));
        assert!(!same(&a, &square(0., 1.)));
    }
}
