//! Tiles asked for from many threads while another thread prepares the zooms:
//! every zoom's edges are made once, whoever asks first, and nobody waits for
//! ever (a rayon worker blocked on a zoom another thread is making, while that
//! thread waits for rayon, would hang the server at its start).

use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;

use citygrid_model::{CodeLayout, Partition};
use citygrid_synth::SynthCity;
use citygrid_tiles::{TileOptions, Tiler};

#[test]
fn preparing_while_tiles_are_asked_for_finishes() {
    for seed in 0..8 {
        let units = SynthCity::new(seed)
            .cells(300)
            .vertices_per_cell(40)
            .extent_km(20.0, 20.0)
            .generate();
        let tiler = Arc::new(
            Tiler::new(
                Partition::new(units, CodeLayout::default()).expect("partition"),
                TileOptions::default(),
            )
            .expect("tiler"),
        );
        let (done, finished) = mpsc::channel();
        let warm = {
            let (tiler, done) = (Arc::clone(&tiler), done.clone());
            std::thread::spawn(move || {
                for z in (0..=16).rev() {
                    tiler.prepare(z);
                }
                done.send(()).ok();
            })
        };
        let askers: Vec<_> = [9u8, 12, 14, 6]
            .into_iter()
            .map(|z| {
                let (tiler, done) = (Arc::clone(&tiler), done.clone());
                std::thread::spawn(move || {
                    let got: Vec<_> = tiler
                        .tiles(z, z)
                        .take(8)
                        .map(|t| (t, tiler.tile(t)))
                        .collect();
                    done.send(()).ok();
                    got
                })
            })
            .collect();
        for _ in 0..=askers.len() {
            finished
                .recv_timeout(Duration::from_secs(60))
                .expect("a thread is stuck: preparing and tiles deadlocked");
        }
        warm.join().expect("warm thread");
        // What was rendered during the preparation is what renders after it.
        for a in askers {
            for (t, bytes) in a.join().expect("asking thread") {
                assert_eq!(bytes, tiler.tile(t), "seed {seed}, tile {t}");
            }
        }
    }
}
