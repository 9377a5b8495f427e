//! Statistics per cell on the bundled Guiyang (5,906 cells) with 1 M points placed
//! where its generated population lives, and its population raster:
//!
//! - assigning the points to cells (`citygrid_stats::Assignment`, the server's
//!   index in parallel batches), beside GEOS (shapely, `benches/geos/contains.py`,
//!   one thread) on the same cells and points, every answer compared;
//! - the rows of every cell (counts, a sum, groups by a 7-value category), and of
//!   every level above;
//! - re-statting after an edit: the new version's patched index, the points of the
//!   changed cells looked up again, the raster cells it changed recomputed: what a
//!   server does before it serves the new version.
//!
//! Run with `cargo bench -j2 -p citygrid-benches --bench stats` (release).

use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

use citygrid_crs::Crs;
use citygrid_edit::{EditOptions, propose};
use citygrid_index::PatchedIndex;
use citygrid_io::ReadOptions;
use citygrid_model::{
    CodeLayout, Entity, Field, FieldType, FieldValue, LayerSchema, Level, Partition, UnitCode,
};
use citygrid_raster::Raster;
use citygrid_stats::{Assignment, EntityLayer, RasterCells, RasterLayer, StatsQuery, entity_rows};
use citygrid_synth::SplitMix64;

use citygrid_benches::{data_dir, geos_contains, guiyang, median, transfers};

const POINTS: usize = 1_000_000;

fn population() -> Raster {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../data/guiyang/population.tif"
    );
    Raster::read(Path::new(path)).expect("data/guiyang/population.tif")
}

/// `n` points where the raster's people are: a pixel drawn by its value, a
/// uniform point inside it.
fn points(raster: &Raster, n: usize) -> Vec<(f64, f64)> {
    let mut cumulative = Vec::new();
    let mut total = 0.0;
    let mut pixels = Vec::new();
    for (c, r, v) in raster.pixels() {
        if v > 0.0 {
            total += v;
            cumulative.push(total);
            pixels.push((c, r));
        }
    }
    let g = raster.geo_transform();
    let mut rng = SplitMix64::new(11);
    (0..n)
        .map(|_| {
            let k = cumulative
                .partition_point(|&t| t < rng.range(0.0, total))
                .min(pixels.len() - 1);
            let (c, r) = pixels[k];
            g.xy(
                c as f64 + rng.range(0.0, 1.0),
                r as f64 + rng.range(0.0, 1.0),
            )
        })
        .collect()
}

fn layer(points: &[(f64, f64)]) -> EntityLayer {
    let schema = LayerSchema {
        fields: vec![
            Field {
                name: "category".into(),
                kind: FieldType::Text,
            },
            Field {
                name: "persons".into(),
                kind: FieldType::Integer,
            },
        ],
        category: Some("category".into()),
        weight: Some("persons".into()),
        times: Vec::new(),
    };
    const CATEGORIES: [&str; 7] = [
        "environment",
        "public_safety",
        "dispute",
        "infrastructure",
        "traffic",
        "housing",
        "other",
    ];
    let entities: Vec<Entity> = points
        .iter()
        .enumerate()
        .map(|(i, &(lon, lat))| Entity {
            id: i as u64 + 1,
            lon,
            lat,
            values: vec![
                FieldValue::Text(CATEGORIES[i % 7].into()),
                FieldValue::Integer((i % 5) as i64),
            ],
        })
        .collect();
    EntityLayer::new("events", schema, &entities)
}

/// Guiyang's cells written as GeoJSON (9 decimals) and read back, for GEOS and the
/// index it is compared with to answer for exactly the same polygons.
fn cells_file(p: &Partition) -> (std::path::PathBuf, Partition, Vec<UnitCode>) {
    let path = data_dir().join("stats-guiyang-cells.geojson");
    let cells = p.level_ids(Level::Cell).map(|id| p.unit(id).as_ref());
    std::fs::write(&path, citygrid_io::units_geojson(cells, Crs::Wgs84)).expect("write cells");
    let mut units = citygrid_io::read_units(&path, &ReadOptions::default())
        .expect("read cells")
        .units;
    let order: Vec<UnitCode> = units.iter().map(|u| u.code.clone()).collect();
    for u in &mut units {
        u.parent = None;
    }
    (
        path,
        Partition::new(units, CodeLayout::default()).expect("cells"),
        order,
    )
}

fn bench(c: &mut Criterion) {
    let p = guiyang();
    let raster = population();
    let pts = points(&raster, POINTS);
    let l = layer(&pts);
    let index = PatchedIndex::new(&p).expect("an index");
    let threads = rayon::current_num_threads();
    let assign = median(|| drop(Assignment::new(l.points(), 1, &index)), 9);
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("a pool");
    let assign_1 = one.install(|| median(|| drop(Assignment::new(l.points(), 1, &index)), 5));
    let a = Assignment::new(l.points(), 1, &index);
    println!(
        "citygrid stats on Guiyang ({} cells), {POINTS} points where its people are (release):",
        p.level_ids(Level::Cell).count()
    );
    println!(
        "  assign to cells:   {:>8.1} ms, {:.1} M points/s on {threads} threads; {:.1} ms, {:.1} M points/s on one ({} outside)",
        assign.as_secs_f64() * 1e3,
        POINTS as f64 / assign.as_secs_f64() / 1e6,
        assign_1.as_secs_f64() * 1e3,
        POINTS as f64 / assign_1.as_secs_f64() / 1e6,
        a.outside()
    );

    let (file, cells, order) = cells_file(&p);
    let read_back = PatchedIndex::new(&cells).expect("an index");
    let ours = Assignment::new(l.points(), 1, &read_back);
    match geos_contains(&file, l.points(), "stats") {
        Some(g) => {
            let ids: Vec<_> = order.iter().map(|code| cells.id_of(code)).collect();
            let disagree = g
                .answers
                .iter()
                .enumerate()
                .filter(|&(k, &f)| f >= 0 && ids[f as usize] != ours.cell(k))
                .count();
            let geos_s = g.report["lookup_s"].as_f64().unwrap_or(f64::NAN);
            println!(
                "  GEOS {} (shapely {}, {}, one thread): {:.1} ms, {:.2} M points/s; citygrid {:.1}x on {threads} threads, {:.1}x on one; disagreements where GEOS finds one cell: {disagree}",
                g.report["geos"],
                g.report["shapely"],
                g.report["method"],
                geos_s * 1e3,
                POINTS as f64 / geos_s / 1e6,
                geos_s / assign.as_secs_f64(),
                geos_s / assign_1.as_secs_f64()
            );
            assert_eq!(disagree, 0, "citygrid and GEOS disagree");
        }
        None => println!(
            "  GEOS comparison skipped: python3 with shapely and numpy is needed (scripts/setup.sh)"
        ),
    }

    for level in [Level::Cell, Level::Village, Level::District] {
        let q = StatsQuery::level(level);
        let t = median(|| drop(entity_rows(&l, &a, &p, &q).expect("rows")), 9);
        println!(
            "  rows of every {level:<8} {:>8.1} ms (1 M points: counts, a sum, 7 groups)",
            t.as_secs_f64() * 1e3
        );
    }
    let r = RasterLayer::new("population", raster);
    let rc = RasterCells::compute(&r, &p).expect("raster cells");
    let t = median(
        || drop(RasterCells::compute(&r, &p).expect("raster cells")),
        5,
    );
    println!(
        "  raster, every cell: {:>8.1} ms (coverages and statistics)",
        t.as_secs_f64() * 1e3
    );
    let t = median(
        || {
            drop(
                rc.rows(&r, &p, &StatsQuery::level(Level::Cell))
                    .expect("rows"),
            )
        },
        9,
    );
    println!("  raster rows:        {:>8.1} ms", t.as_secs_f64() * 1e3);

    // re-stat after an edit: as the server does between a commit and serving it
    let none = |_: &UnitCode| false;
    let mut times = Vec::new();
    for (go, _) in transfers(&p, 5) {
        let after = propose(
            &p,
            std::slice::from_ref(&go),
            &none,
            &EditOptions::default(),
        )
        .expect("an accepted edit")
        .after;
        times.push(median(
            || {
                let patched = index.patch(&after).expect("a patch");
                drop(a.next(l.points(), &p, &after, &patched));
                drop(rc.next(&r, &p, &after).expect("raster cells"));
            },
            9,
        ));
    }
    times.sort();
    println!(
        "  re-stat after an edit (patched index, points of changed cells, raster cells): median {:.1} ms, worst {:.1} ms over {} edits",
        times[times.len() / 2].as_secs_f64() * 1e3,
        times[times.len() - 1].as_secs_f64() * 1e3,
        times.len()
    );

    let mut g = c.benchmark_group("stats");
    g.sample_size(10);
    g.throughput(Throughput::Elements(POINTS as u64));
    g.bench_function("assign_1m", |b| {
        b.iter(|| Assignment::new(l.points(), 1, &index))
    });
    g.bench_function("cell_rows_1m", |b| {
        b.iter(|| entity_rows(&l, &a, &p, &StatsQuery::level(Level::Cell)))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
