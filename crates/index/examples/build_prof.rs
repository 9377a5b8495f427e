//! Scratch: build timing (development aid).
use std::time::Instant;

use citygrid_index::CellIndex;
use citygrid_model::{CodeLayout, Level, Partition};
use citygrid_synth::SynthCity;

fn main() {
    let cells: Vec<_> = SynthCity::new(42)
        .cells(5900)
        .vertices_per_cell(186)
        .generate()
        .into_iter()
        .filter(|u| u.level == Level::Cell)
        .map(|mut u| {
            u.parent = None;
            u
        })
        .collect();
    let p = Partition::new(cells, CodeLayout::default()).unwrap();
    for _ in 0..8 {
        let t = Instant::now();
        let index = CellIndex::new(&p).unwrap();
        println!(
            "build {:.0} ms {}",
            t.elapsed().as_secs_f64() * 1e3,
            index.memory_bytes()
        );
    }
}
