//! Scratch timing (not committed).
use citygrid_model::{CodeLayout, Partition};
use citygrid_synth::SynthCity;
use citygrid_tiles::{Layer, TileOptions, Tiler, pyramid::render};
use std::time::Instant;
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let lo: u8 = args[1].parse().unwrap();
    let hi: u8 = args[2].parse().unwrap();
    let cells_only = args.len() > 3;
    let units = SynthCity::new(42)
        .cells(5900)
        .vertices_per_cell(186)
        .generate();
    let p = Partition::new(units, CodeLayout::default()).unwrap();
    let t0 = Instant::now();
    let mut o = TileOptions::default();
    if cells_only {
        for l in [
            Layer::Districts,
            Layer::Townships,
            Layer::Villages,
            Layer::Labels,
        ] {
            o = o.layer_zooms(l, None);
        }
        o = o.layer_zooms(Layer::Cells, Some((0, 16)));
    }
    let t = Tiler::new(p, o).unwrap();
    println!("prepare {:?}", t0.elapsed());
    let all = Instant::now();
    let mut total = 0;
    for z in lo..=hi {
        let t1 = Instant::now();
        t.prepare(z);
        let prep = t1.elapsed();
        let t1 = Instant::now();
        let mut n = 0;
        let mut bytes = 0;
        let mut max = 0;
        render(&t, z, z, |_, b| {
            n += 1;
            bytes += b.len();
            max = max.max(b.len());
        });
        total += n;
        println!(
            "z{z}: prep {prep:?} {n} tiles {bytes} bytes max {max} in {:?}",
            t1.elapsed()
        );
    }
    println!("{total} tiles in {:?}", all.elapsed());
}
