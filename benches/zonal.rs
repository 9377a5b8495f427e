//! Zonal statistics (count, sum, mean, min, max, stddev with exact coverage fractions)
//! of every Guiyang cell, beside exactextract on the same raster and cells in the same
//! run: over the bundled `data/guiyang/population.tif`, and over a larger generated
//! raster of the same extent (`CITYGRID_ZONAL_SIDE` pixels a side, default 10,000:
//! 100 M pixels, 400 MB as f32; the raster crate's MAX_PIXELS of 2^28 allows up to
//! 16,384 a side).
//!
//! Run with `cargo bench -j2 -p citygrid-benches --bench zonal`. citygrid is timed
//! from shapes and a decoded raster in memory to statistics (coverages, then stats, in
//! parallel); exactextract (`benches/zonal/exactextract_time.py`) from parsed GeoJSON
//! features and the raster's path to statistics, as its API takes them, so its time
//! includes reading the pixels it needs (windowed GeoTIFF reads through GDAL).

use std::path::Path;
use std::time::Instant;

use citygrid_crs::Crs;
use citygrid_io::{ReadOptions, read_units};
use citygrid_model::{Level, Unit};
use citygrid_raster::{GeoTransform, Raster};
use citygrid_zonal::{PixelGrid, Weights};
use criterion::{Criterion, criterion_group, criterion_main};

use citygrid_benches::{data_dir, median, run_python};

fn cells() -> Vec<Unit> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../data/guiyang/partition.geojson.gz"
    );
    read_units(Path::new(path), &ReadOptions::default())
        .expect("data/guiyang/partition.geojson.gz")
        .units
        .into_iter()
        .filter(|u| u.level == Level::Cell)
        .collect()
}

/// Statistics of every cell, in cell order: the sums.
fn ours(cells: &[Unit], raster: &Raster) -> Vec<f64> {
    let weights = Weights::compute(
        PixelGrid::of(raster),
        0,
        cells.iter().enumerate().map(|(i, u)| (i, &u.geometry)),
    )
    .expect("coverages");
    let mut stats = weights.stats(raster).expect("stats");
    stats.sort_by_key(|(i, _)| *i);
    stats.into_iter().map(|(_, s)| s.sum).collect()
}

/// A smooth positive field with some nodata, on `side` x `side` pixels over `extent`.
fn generated(side: usize, like: &Raster) -> Raster {
    let g = like.geo_transform();
    let (w, h) = (like.width() as f64, like.height() as f64);
    let (px, py) = (g.pixel_x * w / side as f64, -g.pixel_y * h / side as f64);
    let mut values = vec![0.0f32; side * side];
    for (i, v) in values.iter_mut().enumerate() {
        let (c, r) = ((i % side) as f64, (i / side) as f64);
        *v = if (i * 2_654_435_761) % 97 == 0 {
            -1.0
        } else {
            (100.0 + 50.0 * (c * 0.013).sin() * (r * 0.007).cos()) as f32
        };
    }
    let grid = GeoTransform::north_up(g.origin_x, g.origin_y, px, py);
    Raster::new(side, side, grid, Crs::Wgs84, values, Some(-1.0)).expect("a generated raster")
}

fn compare(label: &str, cells: &[Unit], path: &Path, geojson: &Path, runs: usize) {
    let read = Instant::now();
    let raster = Raster::read(path).expect("the raster");
    let read = read.elapsed();
    let raster = &raster;
    let sums = ours(cells, raster);
    let t = median(|| drop(ours(cells, raster)), runs);
    let grid = PixelGrid::of(raster);
    let shapes = || cells.iter().enumerate().map(|(i, u)| (i, &u.geometry));
    let weights = Weights::compute(grid, 0, shapes()).expect("coverages");
    let t_cover = median(|| drop(Weights::compute(grid, 0, shapes())), runs);
    let t_stats = median(|| drop(weights.stats(raster)), runs);
    let one_thread = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("a thread pool");
    let t_1 = one_thread.install(|| median(|| drop(ours(cells, raster)), runs));
    println!(
        "citygrid-zonal, {label}: {} cells over {} x {} = {:.1} M pixels (release):",
        cells.len(),
        raster.width(),
        raster.height(),
        (raster.width() * raster.height()) as f64 / 1e6,
    );
    println!(
        "  coverages + stats, {} threads: {:>9.1} ms (coverages {:.1} ms, stats {:.1} ms; median of {runs})",
        rayon::current_num_threads(),
        t.as_secs_f64() * 1e3,
        t_cover.as_secs_f64() * 1e3,
        t_stats.as_secs_f64() * 1e3,
    );
    println!(
        "  coverages + stats, one thread: {:>9.1} ms",
        t_1.as_secs_f64() * 1e3
    );
    println!(
        "  reading the GeoTIFF first:     {:>9.1} ms",
        read.as_secs_f64() * 1e3
    );
    let runs_text = runs.to_string();
    match run_python(
        "zonal/exactextract_time.py",
        [path.as_os_str(), geojson.as_os_str(), runs_text.as_ref()],
    ) {
        Some(peer) => {
            let secs = peer["seconds"].as_f64().unwrap_or(f64::NAN);
            let theirs: Vec<f64> = peer["sums"]
                .as_array()
                .map(|a| a.iter().map(|v| v.as_f64().unwrap_or(f64::NAN)).collect())
                .unwrap_or_default();
            let worst = sums
                .iter()
                .zip(&theirs)
                .map(|(a, b)| (a - b).abs() / a.abs().max(b.abs()).max(1e-300))
                .fold(0.0f64, f64::max);
            println!(
                "exactextract {}, same cells and raster (one thread, reading included): {:.1} ms",
                peer["exactextract"],
                secs * 1e3,
            );
            println!(
                "ratio: citygrid-zonal is {:.1}x faster ({:.1}x on one thread; {:.1}x counting our GeoTIFF read); sums agree to {worst:.1e} relative (worst cell; exactextract keeps fractions as float32)",
                secs / t.as_secs_f64(),
                secs / t_1.as_secs_f64(),
                secs / (t + read).as_secs_f64(),
            );
            assert_eq!(theirs.len(), sums.len(), "exactextract answered every cell");
            assert!(worst < 1e-6, "sums disagree: {worst}");
        }
        None => println!(
            "exactextract comparison skipped: python3 with exactextract==0.3.0 is needed (scripts/setup.sh installs it)"
        ),
    }
}

fn bench(c: &mut Criterion) {
    let cells = cells();
    let geojson = data_dir().join("guiyang-cells.geojson");
    std::fs::write(
        &geojson,
        citygrid_io::units_geojson(cells.iter(), Crs::Wgs84),
    )
    .expect("cells for exactextract");
    let population = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../data/guiyang/population.tif"
    );
    let raster = Raster::read(Path::new(population)).expect("population.tif");
    compare(
        "bundled population.tif",
        &cells,
        Path::new(population),
        &geojson,
        5,
    );

    let side: usize = std::env::var("CITYGRID_ZONAL_SIDE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10_000);
    let big = generated(side, &raster);
    let big_path = data_dir().join(format!("zonal-{side}.tif"));
    big.write(&big_path).expect("the generated raster");
    drop(big);
    compare("generated raster", &cells, &big_path, &geojson, 3);

    let mut g = c.benchmark_group("zonal");
    g.sample_size(10);
    g.bench_function("guiyang_cells_population", |b| {
        b.iter(|| ours(&cells, &raster))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
