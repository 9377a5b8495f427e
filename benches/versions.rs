//! A new version served, on the bundled Guiyang (5,906 cells): from a commit to the
//! lookups of the new version (`Versions::refresh`: the store's changes read and
//! applied, the answers of unchanged units kept, the index shared or patched with
//! the changed cells (`citygrid_index::PatchedIndex`), the swap), then to its
//! tiles (`Versions::draw_head`: a tiler, every zoom simplified, the dirty tiles against the version before, the viewer's colours).
//!
//! Two kinds of edit, ROUNDS of each: attributes of ten cells (the index is shared),
//! and two cells of one village swapping shapes (the index is patched). The
//! issue's target: a new version served within 50 ms of its commit. The watcher's
//! poll (200 ms) comes on top for a commit by another process; an edit through the
//! server calls `refresh` itself.
//!
//! Run with `cargo bench -p citygrid-benches --bench versions`: prints p50, p99 and
//! max of each. No peer tool.

use std::sync::Arc;
use std::time::{Duration, Instant};

use citygrid_model::{AttrValue, Level, Unit};
use citygrid_server::{Config, Versions};
use citygrid_store::{Commit, Store};

use citygrid_benches::{data_dir, guiyang};

const ROUNDS: usize = 20;

fn main() {
    let partition = guiyang();
    let path = data_dir().join("versions.gpkg");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    let location = path.to_str().expect("a UTF-8 path");
    let store: Arc<dyn Store> =
        Arc::from(citygrid_store::init(location, &partition, "bench", "Guiyang").expect("init"));
    let versions = Versions::from_store(Arc::clone(&store), &Config::default()).expect("served");
    versions.head().map.tiles.warm();
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let cells: Vec<Unit> = partition
        .level_ids(Level::Cell)
        .map(|id| partition.unit(id).as_ref().clone())
        .collect();

    let serve = |commit: Commit| {
        store.commit(commit).expect("commit");
        let t = Instant::now();
        runtime.block_on(versions.refresh()).expect("refresh");
        let lookups = t.elapsed();
        let t = Instant::now();
        runtime.block_on(versions.draw_head()).expect("draw");
        (lookups, t.elapsed())
    };
    let attributes: Vec<(Duration, Duration)> = (0..ROUNDS)
        .map(|round| {
            let base = versions.head().version();
            let commit = (0..10).fold(Commit::new(base, "bench", "ten cells"), |c, j| {
                let cell = cells[(round * 10 + j) * 37 % cells.len()].clone();
                c.upsert(cell.with_attribute("round", AttrValue::Number(round as f64)))
            });
            serve(commit)
        })
        .collect();
    let shapes: Vec<(Duration, Duration)> = (0..ROUNDS)
        .map(|round| {
            let head = versions.head();
            let p = &head.city.partition;
            let i = round * 211 % (cells.len() - 1);
            let unit = |k: usize| p.get(&cells[k].code).expect("a cell").as_ref().clone();
            let (mut a, mut b) = (unit(i), unit(i + 1));
            std::mem::swap(&mut a.geometry, &mut b.geometry);
            serve(
                Commit::new(head.version(), "bench", "two cells swap")
                    .upsert(a)
                    .upsert(b),
            )
        })
        .collect();
    for (what, took) in [
        ("ten cells' attributes", attributes),
        ("two cells' shapes", shapes),
    ] {
        let (lookups, tiles): (Vec<Duration>, Vec<Duration>) = took.into_iter().unzip();
        println!(
            "{what}: lookups served {}, tiles {}",
            spread(lookups),
            spread(tiles)
        );
    }
}

/// `p50 a ms, p99 b ms, max c ms`.
fn spread(mut took: Vec<Duration>) -> String {
    took.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let n = took.len();
    format!(
        "p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        ms(took[n / 2]),
        ms(took[(n * 99 / 100).min(n - 1)]),
        ms(took[n - 1])
    )
}
