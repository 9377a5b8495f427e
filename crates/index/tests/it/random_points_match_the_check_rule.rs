//! Property: on random generated cities, anywhere in the city's box and on its
//! vertices, the index returns the one cell the check's rule finds, or none.

use citygrid_index::{CellIndex, IndexOptions};
use citygrid_model::Level;
use citygrid_synth::{SplitMix64, SynthCity};
use geo::BoundingRect;
use geo_types::Coord;
use proptest::prelude::*;

use super::{BruteForce, synth_partition};

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn index_equals_brute_force(
        seed in 0u64..1_000_000,
        cells in 2usize..160,
        vertices in 4usize..48,
        merges in 0.0f64..0.4,
        tiles_per_cell in prop::sample::select(vec![0.3, 1.0, 6.0, 16.0, 64.0, 256.0, 1000.0]),
        block_shift in 0u32..5,
        centre in prop::sample::select(vec![(106.7, 26.6), (-0.001, 0.001), (151.2, -33.9)]),
    ) {
        let city = SynthCity::new(seed)
            .cells(cells)
            .vertices_per_cell(vertices)
            .merges(merges)
            .centre(centre.0, centre.1)
            .extent_km(12.0, 9.0);
        let p = synth_partition(&city);
        let options = IndexOptions::default()
            .tiles_per_cell(tiles_per_cell)
            .block_shift(block_shift);
        let index = CellIndex::with_options(&p, options).unwrap();
        let brute = BruteForce::new(&p);
        let bbox = p
            .level_ids(Level::Cell)
            .filter_map(|id| p.unit(id).geometry.bounding_rect())
            .reduce(|a, b| geo::Rect::new(
                Coord { x: a.min().x.min(b.min().x), y: a.min().y.min(b.min().y) },
                Coord { x: a.max().x.max(b.max().x), y: a.max().y.max(b.max().y) },
            ))
            .unwrap();
        let mut rng = SplitMix64::new(seed ^ 0x5eed);
        let (w, h) = (bbox.width(), bbox.height());
        let mut points: Vec<Coord<f64>> = (0..600)
            .map(|_| Coord {
                x: rng.range(bbox.min().x - w * 0.05, bbox.max().x + w * 0.05),
                y: rng.range(bbox.min().y - h * 0.05, bbox.max().y + h * 0.05),
            })
            .collect();
        // and a sample of vertices, where most cells meet
        for id in p.level_ids(Level::Cell).step_by(3) {
            let ring = &p.unit(id).geometry.0[0].exterior().0;
            points.push(ring[rng.below(ring.len())]);
        }
        let batch: Vec<(f64, f64)> = points.iter().map(|c| (c.x, c.y)).collect();
        let mut out = Vec::new();
        index.lookup_batch(&batch, &mut out);
        for (q, got) in points.iter().zip(out) {
            let want = brute.cells_at(*q);
            prop_assert!(want.len() <= 1, "{:?} in {:?}", q, want);
            prop_assert_eq!(got, want.first().copied(), "{:?}", q);
            prop_assert_eq!(index.lookup(q.x, q.y), got);
        }
    }
}
