//! NaN, infinities and coordinates outside any lon/lat range: no cell, no panic.

use citygrid_index::{CellIndex, IndexError};
use citygrid_synth::SynthCity;
use geo_types::{MultiPolygon, polygon};

use super::{indexes, synth_partition};

#[test]
fn are_in_no_cell_and_near_no_cell() {
    let p = synth_partition(&SynthCity::new(1).cells(40).vertices_per_cell(12));
    let bad = [
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        1e308,
        -1e308,
        400.0,
        -400.0,
    ];
    for (_, index) in indexes(&p) {
        let mut batch = Vec::new();
        for &v in &bad {
            for (x, y) in [(v, 26.6), (106.7, v), (v, v)] {
                assert_eq!(index.lookup(x, y), None, "({x}, {y})");
                assert_eq!(index.lookup_near(x, y, 1e9), None, "({x}, {y})");
                batch.push((x, y));
            }
        }
        let mut out = vec![Some(7)];
        index.lookup_batch(&batch, &mut out);
        assert_eq!(out.len(), batch.len());
        assert!(out.iter().all(Option::is_none));
        // a point in the city, with a distance that is not one
        assert!(index.lookup(106.7, 26.6).is_some());
        assert_eq!(index.lookup_near(106.7, 26.6, f64::NAN), None);
        assert_eq!(index.lookup_near(106.7, 26.6, -1.0), None);
        assert!(index.lookup_near(106.7, 26.6, f64::INFINITY).is_some());
    }
}

#[test]
fn a_cell_with_a_vertex_that_is_not_a_point_is_refused() {
    let bad = MultiPolygon(vec![polygon![
        (x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: f64::NAN, y: 1.0), (x: 0.0, y: 1.0)
    ]]);
    let p = super::partition_of(vec![bad]);
    let err = CellIndex::new(&p).unwrap_err();
    assert!(matches!(err, IndexError::NonFinite { .. }));
    assert_eq!(err.to_string(), "cell 1: coordinate NaN 1 is not finite");
}
