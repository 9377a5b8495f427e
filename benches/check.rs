//! `citygrid check` on a Guiyang-sized generated city (5,900 cells, ~1.1 M
//! vertices), beside GEOS's coverage validation on the same cells in the same run.
//!
//! Run with `cargo bench -p citygrid-benches --bench check` (or `make bench`). Before
//! criterion's own measurements, it prints a comparison line with both medians and
//! the ratio; GEOS is timed by `benches/geos/coverage.py` through shapely.

use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};

use citygrid_check::{CheckOptions, Checker};
use citygrid_crs::Crs;
use citygrid_model::{CodeLayout, Level, Partition, Unit};

use citygrid_benches::{CELLS, city, data_dir, median, run_peer};

/// Times GEOS on the same cells through shapely; `None` when Python or shapely is
/// missing (the comparison is then skipped, loudly).
fn geos(cells: &[Arc<Unit>]) -> Option<serde_json::Value> {
    let path = data_dir().join(format!("city-{CELLS}.geojson"));
    std::fs::write(
        &path,
        citygrid_io::units_geojson(cells.iter().map(AsRef::as_ref), Crs::Wgs84),
    )
    .ok()?;
    run_peer("coverage.py", [&path])
}

fn bench(c: &mut Criterion) {
    let units: Vec<Arc<Unit>> = city().into_iter().map(Arc::new).collect();
    let cells: Vec<Arc<Unit>> = units
        .iter()
        .filter(|u| u.level == Level::Cell)
        .cloned()
        .collect();
    let checker = Checker::new(CheckOptions::default());
    let vertices = citygrid_benches::shell_vertices(cells.iter().map(AsRef::as_ref));
    assert!(
        checker.check(&cells, None).is_valid(),
        "the generated city must be valid"
    );

    let partition = Partition::new(
        units.iter().map(|u| (**u).clone()).collect(),
        CodeLayout::default(),
    )
    .expect("partition");
    let one = [cells[cells.len() / 2].code.clone()];

    let ours_cells = median(|| drop(checker.check(&cells, None)), 7);
    let one_thread = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("a thread pool");
    let ours_cells_1 = one_thread.install(|| median(|| drop(checker.check(&cells, None)), 7));
    let ours_full = median(|| drop(checker.check(&units, None)), 5);
    let ours_one = median(
        || drop(checker.check_changed(&partition, &partition, &one)),
        21,
    );
    println!(
        "citygrid check, {} cells, {vertices} vertices (release; {} threads unless said):",
        cells.len(),
        rayon::current_num_threads()
    );
    println!(
        "  cells only:                      {:>9.1} ms",
        ours_cells.as_secs_f64() * 1e3
    );
    println!(
        "  cells only, one thread:          {:>9.1} ms",
        ours_cells_1.as_secs_f64() * 1e3
    );
    println!(
        "  whole hierarchy ({} units):    {:>9.1} ms",
        units.len(),
        ours_full.as_secs_f64() * 1e3
    );
    println!(
        "  incremental, one cell:           {:>9.3} ms",
        ours_one.as_secs_f64() * 1e3
    );
    match geos(&cells) {
        Some(g) => {
            let edges = g["coverage_invalid_edges_s"].as_f64().unwrap_or(f64::NAN);
            let valid = g["is_valid_s"].as_f64().unwrap_or(f64::NAN);
            println!("GEOS {} (shapely {}), same cells:", g["geos"], g["shapely"]);
            println!("  coverage_invalid_edges:          {:>9.1} ms", edges * 1e3);
            println!(
                "  coverage_invalid_edges+is_valid: {:>9.1} ms",
                (edges + valid) * 1e3
            );
            println!(
                "ratio: citygrid check (all rules) is {:.1}x faster than GEOS coverage validation ({:.1}x on one thread), {:.1}x than coverage validation + is_valid ({:.1}x on one thread)",
                edges / ours_cells.as_secs_f64(),
                edges / ours_cells_1.as_secs_f64(),
                (edges + valid) / ours_cells.as_secs_f64(),
                (edges + valid) / ours_cells_1.as_secs_f64(),
            );
        }
        None => println!(
            "GEOS comparison skipped: python3 with shapely >= 2.1 is needed (scripts/setup.sh installs it)"
        ),
    }

    let mut g = c.benchmark_group("check");
    g.sample_size(10);
    g.bench_function("cells_5900", |b| b.iter(|| checker.check(&cells, None)));
    g.bench_function("hierarchy_5900", |b| b.iter(|| checker.check(&units, None)));
    g.bench_function("incremental_one_cell", |b| {
        b.iter(|| checker.check_changed(&partition, &partition, &one))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
