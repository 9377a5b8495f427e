//! Point -> cell lookups on a Guiyang-sized generated city (5,900 cells, ~1.1 M
//! vertices): `citygrid_index::CellIndex` beside GEOS on the same cells and the same
//! 1 M random points in the same run, with every answer compared.
//!
//! Run with `cargo bench -p citygrid-benches --bench index`. Before criterion's own
//! measurements it prints the build time, the index's memory, lookups per second on
//! one thread for citygrid and for GEOS (through shapely, `benches/geos/contains.py`),
//! their ratio, and the number of points where GEOS finds exactly one cell and
//! citygrid another or none (must be 0).
//!
//! The cells go to GEOS as GeoJSON, which rounds coordinates to 9 decimals, so the
//! index measured and compared here is built from the same file read back: both
//! sides answer for exactly the same polygons.

use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

use citygrid_crs::Crs;
use citygrid_index::CellIndex;
use citygrid_io::ReadOptions;
use citygrid_model::{CodeLayout, Level, Partition, Unit, UnitId};
use citygrid_synth::SplitMix64;

use citygrid_benches::{CELLS, data_dir, geos_contains, median};
const POINTS: usize = 1_000_000;

/// The generated city's cells, written as GeoJSON and read back: the coordinates
/// both sides use, rounded to 9 decimals. Parents are dropped, as the file holds
/// cells only.
fn city(path: &Path) -> (Vec<Unit>, Partition) {
    let units = citygrid_benches::city();
    let cells = units.iter().filter(|u| u.level == Level::Cell);
    std::fs::write(path, citygrid_io::units_geojson(cells, Crs::Wgs84)).expect("write cells");
    let loaded = citygrid_io::read_units(path, &ReadOptions::default()).expect("read cells");
    let in_file_order = loaded.units;
    let cells = in_file_order
        .iter()
        .cloned()
        .map(|mut u| {
            u.parent = None;
            u
        })
        .collect();
    let partition = Partition::new(cells, CodeLayout::default()).expect("a partition");
    (in_file_order, partition)
}

/// Uniform random points over the cells' bounding box.
fn points(partition: &Partition) -> Vec<(f64, f64)> {
    let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for id in partition.level_ids(Level::Cell) {
        for p in &partition.unit(id).geometry.0 {
            for c in &p.exterior().0 {
                (x0, y0, x1, y1) = (x0.min(c.x), y0.min(c.y), x1.max(c.x), y1.max(c.y));
            }
        }
    }
    let mut rng = SplitMix64::new(7);
    (0..POINTS)
        .map(|_| (rng.range(x0, x1), rng.range(y0, y1)))
        .collect()
}

fn bench(c: &mut Criterion) {
    let cells_path = data_dir().join(format!("index-city-{CELLS}.geojson"));
    let (in_file_order, partition) = city(&cells_path);
    let vertices = citygrid_benches::shell_vertices(&in_file_order);
    let build = median(|| drop(CellIndex::new(&partition).expect("an index")), 5);
    let one_thread = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("a thread pool");
    let build_1 =
        one_thread.install(|| median(|| drop(CellIndex::new(&partition).expect("an index")), 5));
    let index = CellIndex::new(&partition).expect("an index");
    let stats = index.stats();
    let points = points(&partition);
    let mut ours: Vec<Option<UnitId>> = Vec::with_capacity(points.len());
    let lookups = median(|| index.lookup_batch(&points, &mut ours), 9);
    let ours_per_s = points.len() as f64 / lookups.as_secs_f64();
    let inside = ours.iter().filter(|a| a.is_some()).count();
    let singles = median(
        || {
            let found = points
                .iter()
                .filter(|&&(x, y)| index.lookup(x, y).is_some())
                .count();
            assert_eq!(found, inside);
        },
        5,
    );

    println!(
        "citygrid index, {} cells, {vertices} vertices (release, rayon: {} threads for the build):",
        in_file_order.len(),
        rayon::current_num_threads()
    );
    println!(
        "  build:                          {:>9.1} ms ({:.1} ms on one thread)",
        build.as_secs_f64() * 1e3,
        build_1.as_secs_f64() * 1e3
    );
    println!(
        "  memory:                         {:>9.1} MB ({} x {} tiles in {} blocks, {} blocks and {} tiles crossed by boundaries, {} edges stored, {} outline segments)",
        index.memory_bytes() as f64 / 1e6,
        stats.columns,
        stats.rows,
        stats.blocks,
        stats.mixed_blocks,
        stats.mixed_tiles,
        stats.stored_edges,
        stats.outline_segments
    );
    println!(
        "  lookup_batch, {} random points: {:>9.1} ms, {:.1} M lookups/s on one thread ({inside} in a cell)",
        points.len(),
        lookups.as_secs_f64() * 1e3,
        ours_per_s / 1e6
    );
    println!(
        "  lookup, one point at a time:    {:>9.1} ms, {:.1} M lookups/s on one thread",
        singles.as_secs_f64() * 1e3,
        points.len() as f64 / singles.as_secs_f64() / 1e6
    );
    match geos_contains(&cells_path, &points, "index") {
        Some(g) => {
            let ids: Vec<Option<UnitId>> = in_file_order
                .iter()
                .map(|u| partition.id_of(&u.code))
                .collect();
            let (mut one, mut disagree, mut several, mut none_but_ours) = (0, 0, 0, 0);
            for (k, (&theirs, mine)) in g.answers.iter().zip(&ours).enumerate() {
                match theirs {
                    -2 => several += 1,
                    -1 => none_but_ours += usize::from(mine.is_some()),
                    f => {
                        one += 1;
                        if ids[f as usize] != *mine {
                            disagree += 1;
                            if disagree <= 5 {
                                eprintln!(
                                    "  disagreement at {:?}: GEOS {:?}, citygrid {mine:?}",
                                    points[k], ids[f as usize]
                                );
                            }
                        }
                    }
                }
            }
            let r = &g.report;
            let geos_s = r["lookup_s"].as_f64().unwrap_or(f64::NAN);
            let geos_per_s = points.len() as f64 / geos_s;
            println!(
                "GEOS {} (shapely {}), same cells and points, {}:",
                r["geos"], r["shapely"], r["method"]
            );
            println!(
                "  build (STRtree, prepared cells):{:>9.1} ms",
                r["build_s"].as_f64().unwrap_or(f64::NAN) * 1e3
            );
            println!(
                "  lookups:                        {:>9.1} ms, {:.2} M lookups/s on one thread",
                geos_s * 1e3,
                geos_per_s / 1e6
            );
            println!(
                "ratio: citygrid index is {:.1}x faster than GEOS ({:.0} vs {:.0} lookups/s)",
                ours_per_s / geos_per_s,
                ours_per_s,
                geos_per_s
            );
            println!(
                "answers: {one} points in exactly one cell by GEOS, disagreements: {disagree}; \
                 {several} in several by GEOS, {none_but_ours} in none by GEOS but in one by citygrid (boundary points)"
            );
            assert_eq!(disagree, 0, "citygrid and GEOS disagree");
        }
        None => println!(
            "GEOS comparison skipped: python3 with shapely >= 2.1 and numpy is needed (scripts/setup.sh installs them)"
        ),
    }

    let mut g = c.benchmark_group("index");
    g.sample_size(10);
    g.throughput(Throughput::Elements(points.len() as u64));
    g.bench_function("lookup_batch_1m", |b| {
        b.iter(|| index.lookup_batch(&points, &mut ours))
    });
    g.finish();
    let mut g = c.benchmark_group("index_build");
    g.sample_size(10);
    g.bench_function("build_5900", |b| {
        b.iter(|| CellIndex::new(&partition).expect("an index"))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
