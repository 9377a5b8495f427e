//! `citygrid export tiles --store S --version N`, the snapshot a CDN publishes
//! (docs/cdn.md): it holds, byte for byte, what a server of the store answers at
//! `/v1/v/{N}/tiles/{z}/{x}/{y}.mvt`, for every tile over the city at every zoom,
//! before and after an edit (whose tiles the server partly takes over from the
//! version before), and no tile the server answers 204 for. On a GeoPackage store,
//! and on PostGIS when CITYGRID_TEST_POSTGRES is set.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use citygrid_model::{CodeLayout, Partition};
use citygrid_synth::SynthCity;

use crate::support::{Neighbours, Server, get_bytes, post, run, tmp, token, until};

/// The server's and the export's highest zoom.
const MAXZOOM: u32 = 16;

/// A tile address, `(z, x, y)` with y from the north.
type Tile = (u32, u64, u64);

/// A city small enough for every tile of it up to zoom 16 to be asked for.
fn city() -> Partition {
    let units = SynthCity::new(41)
        .cells(60)
        .vertices_per_cell(8)
        .extent_km(5.0, 4.0)
        .generate();
    Partition::new(units, CodeLayout::default()).expect("a generated city is a partition")
}

/// Every tile over the bounding box of `p`, zooms 0 to 16 (Web Mercator XYZ).
fn tiles_over(p: &Partition) -> Vec<Tile> {
    let (mut w, mut s, mut e, mut n) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for u in p.units() {
        for polygon in &u.geometry.0 {
            for c in &polygon.exterior().0 {
                (w, s, e, n) = (w.min(c.x), s.min(c.y), e.max(c.x), n.max(c.y));
            }
        }
    }
    let mut out = Vec::new();
    for z in 0..=MAXZOOM {
        let (x0, y0) = tile_of(w, n, z);
        let (x1, y1) = tile_of(e, s, z);
        for x in x0..=x1 {
            for y in y0..=y1 {
                out.push((z, x, y));
            }
        }
    }
    out
}

/// The tile holding a point at zoom `z`.
fn tile_of(lon: f64, lat: f64, z: u32) -> (u64, u64) {
    let n = f64::from(1u32 << z);
    let lat = lat.to_radians();
    let x = (lon + 180.0) / 360.0 * n;
    let y = (1.0 - lat.tan().asinh() / std::f64::consts::PI) / 2.0 * n;
    (x.floor() as u64, y.floor() as u64)
}

/// What the server answers at `/v1/v/{version}/tiles/...` for each tile: the
/// MVT bytes, or `None` for 204 No Content.
fn served(server: &Server, version: u64, tiles: &[Tile]) -> BTreeMap<Tile, Option<Vec<u8>>> {
    tiles
        .iter()
        .map(|&(z, x, y)| {
            let path = format!("/v1/v/{version}/tiles/{z}/{x}/{y}.mvt");
            let (status, head, body) = get_bytes(server.port, &path).expect("an answer");
            assert!(
                head.to_ascii_lowercase()
                    .contains("cache-control: public, max-age=31536000, immutable"),
                "{path}: {head}"
            );
            let bytes = match status {
                200 => Some(body),
                204 => None,
                other => panic!("{path}: {other} {}", server.log()),
            };
            ((z, x, y), bytes)
        })
        .collect()
}

/// `citygrid export tiles --store STORE [--version N] OUT.pmtiles`, OUT in a
/// folder of its own (another test counts the unfinished files in the run's).
fn export(store: &str, version: Option<u64>, name: &str) -> PathBuf {
    let folder = tmp("snapshots");
    std::fs::create_dir_all(&folder).unwrap();
    let out = folder.join(name);
    let version = version.map(|v| v.to_string());
    let mut args = vec!["export", "tiles", "--store", store, out.to_str().unwrap()];
    if let Some(v) = &version {
        args.extend(["--version", v]);
    }
    let done = run(&args);
    assert!(
        done.status.success(),
        "citygrid export tiles: {}",
        String::from_utf8_lossy(&done.stderr)
    );
    out
}

/// The archive's metadata and each tile of `tiles`, ungzipped (`None` when the
/// archive does not hold it), through the `pmtiles` crate's reader.
fn archived(path: &Path, tiles: &[Tile]) -> (Value, BTreeMap<Tile, Option<Vec<u8>>>) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runtime.block_on(async {
        let backend = pmtiles::MmapBackend::try_from(path).await.unwrap();
        let reader = pmtiles::AsyncPmTilesReader::try_from_source(backend)
            .await
            .unwrap();
        let meta = serde_json::from_str(&reader.get_metadata().await.unwrap()).unwrap();
        let mut out = BTreeMap::new();
        for &(z, x, y) in tiles {
            let coord = pmtiles::TileCoord::new(z as u8, x as u32, y as u32).unwrap();
            let tile = reader.get_tile_decompressed(coord).await.unwrap();
            out.insert((z, x, y), tile.map(|b| b.to_vec()));
        }
        (meta, out)
    })
}

/// Version 1 of the store at `location` (holding [`city`]), an edit over HTTP
/// making version 2, and both versions exported (to `tag`-v1.pmtiles and
/// `tag`-head.pmtiles) and compared with the server; the snapshots' metadata.
fn snapshots_hold_what_is_served(location: &str, tag: &str) -> [Value; 2] {
    let store = citygrid_store::open(location).unwrap();
    let v1 = store.load(1).unwrap();
    let tiles = tiles_over(&v1);
    let cells = Neighbours::of(&v1);
    let secret = token(location, "editor", "snapshots");
    let server = Server::start(location);
    // Version 1's tiles are rendered before the edit, so that version 2 takes
    // over those the edit did not touch, as a live server does.
    let served_v1 = served(&server, 1, &tiles);
    let edit = json!({"base_version": 1, "message": "a square moves", "crs": "wgs84",
        "ops": [{"op": "transfer", "from": cells.a, "to": cells.b, "area": cells.square}]});
    let (status, answer) = post(server.port, "/v1/edits", &secret, &edit).expect("an answer");
    assert_eq!((status, &answer["version"]), (200, &json!(2)), "{answer}");
    until(server.port, "/readyz", |v| v["version"] == 2);
    let served_v2 = served(&server, 2, &tiles);

    let v1_file = export(location, Some(1), &format!("{tag}-v1.pmtiles"));
    let head_file = export(location, None, &format!("{tag}-head.pmtiles"));
    let (meta1, archived_v1) = archived(&v1_file, &tiles);
    let (meta2, archived_v2) = archived(&head_file, &tiles);
    for (version, served, archived) in
        [(1, &served_v1, &archived_v1), (2, &served_v2, &archived_v2)]
    {
        for (tile, bytes) in served {
            assert!(
                archived[tile] == *bytes,
                "version {version}, tile {tile:?}: the server answers {:?} bytes, the archive holds {:?}",
                bytes.as_ref().map(Vec::len),
                archived[tile].as_ref().map(Vec::len)
            );
        }
    }
    // Not a vacuous comparison: the city fills some hundred tiles (151 of 155).
    let with_content = served_v2.values().filter(|b| b.is_some()).count();
    assert!(with_content >= 100, "{with_content} of {}", tiles.len());
    // The edit shows in the tiles over the square, and so in the snapshots.
    let probe = cells.probes[0];
    let (x, y) = tile_of(probe.x, probe.y, MAXZOOM);
    let edited = (MAXZOOM, x, y);
    assert!(archived_v1[&edited].is_some());
    assert_ne!(archived_v1[&edited], archived_v2[&edited]);

    // Each snapshot says what it is of: the store without a password, the
    // version, when it was committed.
    for (meta, version) in [(&meta1, 1), (&meta2, 2)] {
        let created = store.version(version).unwrap().created_at.to_string();
        assert_eq!(
            meta["citygrid_source"],
            json!({"store": store.describe(), "version": version, "created_at": created}),
        );
    }
    [meta1, meta2]
}

#[test]
fn a_geopackage_stores_snapshots_hold_what_its_server_serves() {
    let location = tmp("snapshots.gpkg").to_str().unwrap().to_string();
    let _ = std::fs::remove_file(&location);
    citygrid_store::init(&location, &city(), "tests", "generated").unwrap();
    snapshots_hold_what_is_served(&location, "gpkg");
}

#[test]
fn a_postgis_stores_snapshots_hold_what_its_servers_serve() {
    let Ok(admin) = std::env::var("CITYGRID_TEST_POSTGRES") else {
        // Straight to standard error: the test harness captures eprintln!.
        let _ = std::io::Write::write_all(
            &mut std::io::stderr(),
            b"*** CITYGRID_TEST_POSTGRES is not set: PostGIS snapshots are NOT tested ***\n",
        );
        return;
    };
    let name = format!("citygrid_snapshots_{}", std::process::id());
    let mut client = postgres::Client::connect(&admin, postgres::NoTls).unwrap();
    let drop = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
    client.batch_execute(&drop).unwrap();
    client
        .batch_execute(&format!(
            "CREATE DATABASE {name} TEMPLATE citygrid_template"
        ))
        .unwrap();
    let url = format!("{}/{name}", admin.rsplit_once('/').unwrap().0);
    citygrid_store::init(&url, &city(), "tests", "generated").unwrap();
    let metas = snapshots_hold_what_is_served(&url, "postgis");
    // What is published names the database, never its password.
    let password = url.split(':').nth(2).unwrap().split('@').next().unwrap();
    for meta in metas {
        let store = meta["citygrid_source"]["store"].as_str().unwrap();
        assert!(
            store.ends_with(&format!("/{name}")) && !store.contains(password),
            "{store}"
        );
    }
    client.batch_execute(&drop).unwrap();
}
