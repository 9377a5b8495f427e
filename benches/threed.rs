//! 3D Tiles against the cells of the bundled Guiyang: a generated tileset of 100,000
//! tiles (a quadtree of boxes in an east-north-up frame over the city, 100 km a
//! side, every tile with content) read from its tileset.json (parsed, every footprint
//! through ECEF) and indexed against the 5,906 cells (`CellTiles::compute`: the tiles
//! meeting each cell and the share the finest content covers), beside GEOS (shapely
//! STRtree `intersects`, `benches/geos/footprints.py`) finding the same pairs on one
//! thread; then a cell's subset tileset written.
//!
//! Run with `cargo bench -j2 -p citygrid-benches --bench threed` (release). The target
//! (issue 15): indexing under 2 s.

use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::{Value, json};

use citygrid_crs::ecef::enu_to_ecef;
use citygrid_model::Level;
use citygrid_threed::{CellInfo, CellTiles, Tileset, subset};

use citygrid_benches::{data_dir, guiyang, median, run_peer};

/// Tiles in the generated tileset.
const TILES: usize = 100_000;

/// The quadtree: levels 0-8 whole (87,381 tiles), then level 9 under the first
/// level-8 tiles (row by row) until `TILES`.
fn tileset_json(half: f64) -> Value {
    fn tile(level: u32, x: u64, y: u64, half: f64, deep: u64) -> Value {
        let n = (1u64 << level) as f64;
        let size = 2.0 * half / n;
        let (cx, cy) = (
            -half + size * (x as f64 + 0.5),
            -half + size * (y as f64 + 0.5),
        );
        let mut t = json!({
            "boundingVolume": {"box": [cx, cy, 40.0, size / 2.0, 0.0, 0.0, 0.0, size / 2.0, 0.0, 0.0, 0.0, 40.0]},
            "geometricError": 2000.0 / n,
            "content": {"uri": format!("c/{level}/{x}_{y}.glb")},
        });
        let mut children = Vec::new();
        if level < 8 || (level == 8 && y * 256 + x < deep) {
            for (dx, dy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
                children.push(tile(level + 1, 2 * x + dx, 2 * y + dy, half, deep));
            }
        }
        if !children.is_empty() {
            t["children"] = Value::Array(children);
        }
        t
    }
    let whole: usize = (0..=8).map(|l| 1usize << (2 * l)).sum();
    let deep = (TILES - whole).div_ceil(4) as u64;
    let mut root = tile(0, 0, 0, half, deep);
    root["transform"] = json!(enu_to_ecef(106.70, 26.75, 0.0));
    root["refine"] = json!("REPLACE");
    json!({"asset": {"version": "1.1"}, "geometricError": 4000.0, "root": root})
}

fn bench(c: &mut Criterion) {
    let p = guiyang();
    let dir = data_dir().join("threed-100k");
    std::fs::create_dir_all(&dir).expect("a folder");
    let path = dir.join("tileset.json");
    std::fs::write(&path, tileset_json(50_000.0).to_string()).expect("write the tileset");
    let load = median(|| drop(Tileset::load(&path).expect("the tileset")), 3);
    let t = Tileset::load(&path).expect("the tileset");
    let index = median(|| drop(CellTiles::compute(&t, &p)), 3);
    let cells = CellTiles::compute(&t, &p);
    let pairs: usize = cells.iter().map(|(_, c)| c.tiles.len()).sum();
    let covered = cells.iter().filter(|(_, c)| c.covered > 0.0).count();
    println!(
        "citygrid threed, {} tiles ({} placed), Guiyang's {} cells (release, {} threads):",
        t.tiles.len(),
        t.tiles.iter().filter(|t| t.footprint.is_some()).count(),
        p.level_ids(Level::Cell).count(),
        rayon::current_num_threads()
    );
    println!(
        "  read tileset.json, every footprint: {:>8.1} ms",
        load.as_secs_f64() * 1e3
    );
    println!(
        "  index against the cells:            {:>8.1} ms ({pairs} cell-tile pairs, {covered} cells covered)",
        index.as_secs_f64() * 1e3
    );
    // the peer: the same pairs by GEOS, from the same footprints
    let cells_path = dir.join("cells.geojson");
    let cell_units = p.level_ids(Level::Cell).map(|id| p.unit(id).as_ref());
    std::fs::write(
        &cells_path,
        citygrid_io::units_geojson(cell_units, citygrid_crs::Crs::Wgs84),
    )
    .expect("cells");
    let prints: Vec<Value> = t
        .tiles
        .iter()
        .filter_map(|tile| tile.footprint.as_ref())
        .map(|f| {
            let ring: Vec<[f64; 2]> = f.exterior().0.iter().map(|c| [c.x, c.y]).collect();
            json!({"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [ring]}})
        })
        .collect();
    let prints_path = dir.join("footprints.geojson");
    std::fs::write(
        &prints_path,
        json!({"type": "FeatureCollection", "features": prints}).to_string(),
    )
    .expect("footprints");
    match run_peer(
        "footprints.py",
        [cells_path.as_os_str(), prints_path.as_os_str()],
    ) {
        Some(r) => {
            let q = r["query_s"].as_f64().unwrap_or(f64::NAN);
            println!(
                "  GEOS {} (shapely {}), STRtree intersects, one thread: build {:.1} ms, query {:.1} ms, {} pairs; citygrid's index (with coverage) {:.2}x its query",
                r["geos"],
                r["shapely"],
                r["build_s"].as_f64().unwrap_or(f64::NAN) * 1e3,
                q * 1e3,
                r["pairs"],
                q / index.as_secs_f64()
            );
            assert_eq!(
                r["pairs"].as_u64(),
                Some(pairs as u64),
                "citygrid and GEOS find different pairs"
            );
        }
        None => {
            println!("  GEOS comparison skipped: python3 with shapely is needed (scripts/setup.sh)")
        }
    }
    let (code, coverage) = cells
        .iter()
        .max_by_key(|(_, c)| c.tiles.len())
        .map(|(c, v)| (c.clone(), v.clone()))
        .expect("a cell");
    let unit = p.unit(p.id_of(&code).expect("the cell"));
    let info = CellInfo {
        code: code.as_str(),
        name: &unit.name,
        village: "",
        township: "",
        district: "",
        version: 1,
        outline: &unit.geometry,
    };
    let write = median(
        || drop(subset(&t, &coverage.tiles, "/v1/3dtiles/b/", &info)),
        9,
    );
    println!(
        "  subset tileset of the cell with most tiles ({}): {:.2} ms",
        coverage.tiles.len(),
        write.as_secs_f64() * 1e3
    );
    let mut g = c.benchmark_group("threed");
    g.sample_size(10);
    g.bench_function("index_100k_tiles", |b| {
        b.iter(|| CellTiles::compute(&t, &p))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
