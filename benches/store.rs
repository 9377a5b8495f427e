//! The versioned store on the bundled Guiyang (5,906 cells and the 1,498 units above
//! them, `data/guiyang/partition.geojson.gz`): creating it, loading a version,
//! committing ten cells, polling the head.
//!
//! Run with `cargo bench -p citygrid-benches --bench store`. Before criterion's own
//! measurements it prints the time of `init`, then p50/p99/max of 200 commits of ten
//! cells each (every commit fsyncs the write-ahead log: the figure includes the
//! disk), the size of the file, and the median of `load` of the head. The issue's
//! targets: load well under 0.5 s, a commit a few ms plus fsync, `head()` in
//! microseconds. No peer tool: GDAL reading the same layers is tested, not timed.

use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};

use citygrid_model::{AttrValue, Level, Unit};
use citygrid_store::Commit;

use citygrid_benches::{data_dir, guiyang, median};

const COMMITS: usize = 200;
const UNITS_PER_COMMIT: usize = 10;

fn store(c: &mut Criterion) {
    let partition = guiyang();
    let path = data_dir().join("store.gpkg");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    let t = Instant::now();
    let store = citygrid_store::init(
        path.to_str().expect("a UTF-8 path"),
        &partition,
        "bench",
        "Guiyang",
    )
    .expect("init");
    println!(
        "init: {} units in {:.0} ms",
        partition.units().len(),
        t.elapsed().as_secs_f64() * 1e3
    );

    let cells: Vec<Unit> = partition
        .level_ids(Level::Cell)
        .map(|id| partition.unit(id).as_ref().clone())
        .collect();
    let mut took: Vec<Duration> = (0..COMMITS)
        .map(|round| {
            let mut commit = Commit::new(round as u64 + 1, "bench", "ten cells");
            for j in 0..UNITS_PER_COMMIT {
                let cell = cells[(round * UNITS_PER_COMMIT + j) % cells.len()].clone();
                commit =
                    commit.upsert(cell.with_attribute("round", AttrValue::Number(round as f64)));
            }
            let t = Instant::now();
            store.commit(commit).expect("commit");
            t.elapsed()
        })
        .collect();
    took.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "commit of {UNITS_PER_COMMIT} cells: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms over {COMMITS}",
        ms(took[COMMITS / 2]),
        ms(took[COMMITS * 99 / 100]),
        ms(took[COMMITS - 1])
    );
    let size = std::fs::metadata(&path).map_or(0, |m| m.len());
    println!(
        "file: {:.1} MB after {} versions",
        size as f64 / 1e6,
        COMMITS + 1
    );
    let head = store.head().expect("head");
    let load = median(|| drop(store.load(head).expect("load")), 5);
    println!("load of version {head}: median {:.0} ms", ms(load));

    let mut group = c.benchmark_group("store");
    group.sample_size(10);
    group.bench_function("load_head", |b| b.iter(|| store.load(head).expect("load")));
    group.bench_function("load_version_1", |b| {
        b.iter(|| store.load(1).expect("load"))
    });
    group.bench_function("changes_1_to_head", |b| {
        b.iter(|| store.changes(1, head).expect("changes"))
    });
    group.finish();
    c.bench_function("store/head", |b| b.iter(|| store.head().expect("head")));
}

criterion_group!(benches, store);
criterion_main!(benches);
