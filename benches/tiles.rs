//! Vector tiles of a Guiyang-sized generated city (5,900 cells, ~1.1 M vertices)
//! and of the bundled Guiyang partition (5,906 cells): the whole z8-z14 pyramid of
//! the cells layer, beside PostGIS `ST_AsMVT` on the same cells and the same tiles
//! in the same run, and the largest tile per zoom of the full default pyramid.
//!
//! Run with `cargo bench -p citygrid-benches --bench tiles` (or `make bench`, which
//! installs and starts PostGIS first: `benches/postgis/setup.sh`). PostGIS gets its
//! table loaded and indexed before the clock starts; so do we: a new tiler (topology
//! and projection made, timed apart) with no zoom simplified yet, and the clock runs
//! over every zoom's simplification and every tile. PostGIS is timed by
//! `benches/postgis/mvt.py` through psql, two server processes at once, as we use
//! two cores.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};

use citygrid_crs::Crs;
use citygrid_model::{CodeLayout, Level, Partition};
use citygrid_tiles::{Layer, TileId, TileOptions, Tiler, largest_tiles, render};

use citygrid_benches::{city, data_dir, median, run_python, shell_vertices};

/// The cells layer alone, drawn from zoom 8, as PostGIS is given it.
fn cells_only() -> TileOptions {
    [
        Layer::Districts,
        Layer::Townships,
        Layer::Villages,
        Layer::Labels,
    ]
    .into_iter()
    .fold(TileOptions::default(), |o, l| o.layer_zooms(l, None))
    .layer_zooms(Layer::Cells, Some((8, 14)))
}

/// The median wall time of `runs` calls of `f` on a fresh `setup()` each, the
/// setup not timed.
fn median_with<T>(setup: impl Fn() -> T, mut f: impl FnMut(T), runs: usize) -> Duration {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let t = setup();
            let start = Instant::now();
            f(t);
            start.elapsed()
        })
        .collect();
    times.sort();
    times[runs / 2]
}

/// Renders zooms 8 to 14 with a new tiler (topology and projection made, no zoom
/// simplified yet); returns tiles rendered and bytes.
fn pyramid(partition: &Partition, options: &TileOptions) -> (usize, usize) {
    let tiler = Tiler::new(partition.clone(), options.clone()).expect("tiler");
    render_pyramid(&tiler)
}

/// Renders zooms 8 to 14: every zoom's simplification, then the tiles.
fn render_pyramid(tiler: &Tiler) -> (usize, usize) {
    let (mut n, mut bytes) = (0, 0);
    render(tiler, 8, 14, |_, b| {
        n += 1;
        bytes += b.len();
    });
    (n, bytes)
}

/// The bundled Guiyang partition (`make data` writes it), if it is there.
fn guiyang() -> Option<Partition> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../data/guiyang/partition.geojson.gz");
    let read = citygrid_io::read_units(&path, &citygrid_io::ReadOptions::default())
        .map_err(|e| e.to_string())
        .and_then(|l| Partition::new(l.units, CodeLayout::default()).map_err(|e| e.to_string()));
    read.inspect_err(|e| println!("the bundled Guiyang is skipped: {e}"))
        .ok()
}

/// Times the cells layer's z8-z14 pyramid of one city (all cores, then one
/// thread) and PostGIS `ST_AsMVT` on the same cells and tiles; prints both and
/// the ratio.
fn compare(name: &str, partition: &Partition) {
    let cells: Vec<&citygrid_model::Unit> = partition
        .units()
        .iter()
        .map(|u| &**u)
        .filter(|u| u.level == Level::Cell)
        .collect();
    let new_tiler = || Tiler::new(partition.clone(), cells_only()).expect("tiler");
    let tiles: Vec<TileId> = new_tiler().tiles(8, 14).collect();
    let (n, bytes) = render_pyramid(&new_tiler());
    let prepare = median(
        || {
            black_box(new_tiler());
        },
        3,
    );
    // Like PostGIS, whose table is loaded and indexed before the clock starts:
    // a new tiler each time (no zoom simplified yet), timed from its first zoom.
    let ours = median_with(
        new_tiler,
        |t| {
            black_box(render_pyramid(&t));
        },
        5,
    );
    let one_thread = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("a thread pool");
    let ours_1 = one_thread.install(|| {
        median_with(
            new_tiler,
            |t| {
                black_box(render_pyramid(&t));
            },
            3,
        )
    });
    // A server after the first tile at each zoom: the zooms' edges are made
    // once per partition version, then every tile is cut from them.
    let prepared = new_tiler();
    prepared.prepare(8);
    let cut = median(
        || {
            black_box(render_pyramid(&prepared));
        },
        5,
    );
    let rate = |d: Duration| n as f64 / d.as_secs_f64();
    println!(
        "{name}: {} cells, {} shell vertices; cells layer z8-z14: {n} tiles, {:.1} MB (release, {} threads unless said):",
        cells.len(),
        shell_vertices(cells.iter().copied()),
        bytes as f64 / 1e6,
        rayon::current_num_threads()
    );
    println!(
        "  preparing the tiler (topology, projection, properties, once): {:>6.0} ms",
        prepare.as_secs_f64() * 1e3
    );
    println!(
        "  whole pyramid (every zoom simplified, every tile): {:>8.0} ms  {:>7.0} tiles/s",
        ours.as_secs_f64() * 1e3,
        rate(ours)
    );
    println!(
        "  the same on one thread:                           {:>8.0} ms  {:>7.0} tiles/s",
        ours_1.as_secs_f64() * 1e3,
        rate(ours_1)
    );
    println!(
        "  every tile, zooms already simplified (serving):   {:>8.0} ms  {:>7.0} tiles/s",
        cut.as_secs_f64() * 1e3,
        rate(cut)
    );

    let dir = data_dir();
    let slug: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let cells_path = dir.join(format!("tiles-cells-{slug}.geojson"));
    let tiles_path = dir.join(format!("tiles-z8-z14-{slug}.json"));
    let written = std::fs::write(
        &cells_path,
        citygrid_io::units_geojson(cells.iter().copied(), Crs::Wgs84),
    )
    .and_then(|()| {
        let list: Vec<[u32; 3]> = tiles.iter().map(|t| [u32::from(t.z), t.x, t.y]).collect();
        std::fs::write(
            &tiles_path,
            serde_json::to_string(&list).unwrap_or_default(),
        )
    });
    let peer = written
        .ok()
        .and_then(|()| run_python("postgis/mvt.py", [&cells_path, &tiles_path]));
    match peer {
        Some(p) => {
            let secs = p["seconds"].as_f64().unwrap_or(f64::NAN);
            println!(
                "  PostGIS {} ST_AsMVT, same cells, same {} tiles, 2 server processes:",
                p["postgis"], p["tiles"]
            );
            println!(
                "  whole pyramid:                    {:>8.0} ms  {:>7.0} tiles/s  ({:.1} MB, largest tile {:.0} kB)",
                secs * 1e3,
                n as f64 / secs,
                p["bytes"].as_f64().unwrap_or(0.0) / 1e6,
                p["largest"].as_f64().unwrap_or(0.0) / 1e3,
            );
            println!(
                "  ratio: citygrid makes tiles {:.1}x faster than PostGIS ST_AsMVT ({:.1}x on one thread against two; {:.1}x with the zooms simplified)",
                secs / ours.as_secs_f64(),
                secs / ours_1.as_secs_f64(),
                secs / cut.as_secs_f64()
            );
        }
        None => println!(
            "  PostGIS comparison skipped: run benches/postgis/setup.sh (make bench does) for PostgreSQL with PostGIS"
        ),
    }
}

/// The largest tile per zoom of the full default pyramid, all layers.
fn largest_per_zoom(name: &str, partition: &Partition) {
    let tiler = Tiler::new(partition.clone(), TileOptions::default()).expect("tiler");
    let start = Instant::now();
    let zooms = largest_tiles(&tiler, 0, 16);
    println!(
        "{name}: largest tile per zoom, all layers, default zooms (uncompressed; budget 500 kB; z0-z16 in {:.1} s):",
        start.elapsed().as_secs_f64()
    );
    for z in zooms {
        if let Some((t, size)) = z.largest {
            println!(
                "  z{:<2} {:>6} tiles {:>9.1} kB total, largest {t} {:>6.1} kB",
                z.z,
                z.tiles,
                z.bytes as f64 / 1e3,
                size as f64 / 1e3
            );
        }
    }
}

fn bench(c: &mut Criterion) {
    let partition = Partition::new(city(), CodeLayout::default()).expect("partition");
    let guiyang = guiyang();
    compare("generated city", &partition);
    if let Some(g) = &guiyang {
        compare("bundled Guiyang", g);
    }
    let (n_full, _) = pyramid(&partition, &TileOptions::default());
    let full = median(
        || {
            black_box(pyramid(&partition, &TileOptions::default()));
        },
        3,
    );
    println!(
        "generated city, all five layers, default zooms, with preparing: {:>8.0} ms  {:>7.0} tiles/s",
        full.as_secs_f64() * 1e3,
        n_full as f64 / full.as_secs_f64()
    );
    largest_per_zoom("generated city", &partition);
    if let Some(g) = &guiyang {
        largest_per_zoom("bundled Guiyang", g);
    }

    let new_tiler = || Tiler::new(partition.clone(), cells_only()).expect("tiler");
    let tiler = new_tiler();
    let tiles: Vec<TileId> = tiler.tiles(8, 14).collect();
    let mut g = c.benchmark_group("tiles");
    g.sample_size(10);
    g.bench_function("pyramid_cells_z8_z14", |b| {
        b.iter_batched(
            new_tiler,
            |t| render_pyramid(&t),
            criterion::BatchSize::PerIteration,
        )
    });
    let z14: Vec<TileId> = tiles.iter().copied().filter(|t| t.z == 14).collect();
    tiler.prepare(14);
    let mut i = 0;
    g.bench_function("one_z14_tile_prepared", |b| {
        b.iter(|| {
            i = (i + 1) % z14.len();
            tiler.tile(z14[i])
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
