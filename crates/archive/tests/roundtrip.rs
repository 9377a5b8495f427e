//! Archives read back hold, byte for byte, the tiles the tiler (and so the
//! server) makes, and say which store version they are of.

use std::io::Read;
use std::path::PathBuf;

use citygrid_archive::{Format, Metadata, Origin, export};
use citygrid_model::{CodeLayout, Partition};
use citygrid_synth::SynthCity;
use citygrid_tiles::{TileId, TileOptions, Tiler};

fn tiler() -> Tiler {
    let units = SynthCity::new(5)
        .cells(60)
        .vertices_per_cell(16)
        .extent_km(6.0, 6.0)
        .generate();
    Tiler::new(
        Partition::new(units, CodeLayout::default()).unwrap(),
        TileOptions::default(),
    )
    .unwrap()
}

/// Metadata of zooms `lo..=hi` as of version 12 of a PostGIS store.
fn meta(t: &Tiler, lo: u8, hi: u8) -> Metadata {
    Metadata::from_tiler(t, "city", lo, hi).origin(Origin {
        store: "postgres://db.example/grid".to_string(),
        version: 12,
        created_at: "2026-03-01T08:00:00.123Z".to_string(),
    })
}

/// The `citygrid_source` an archive of [`meta`] holds.
fn source() -> serde_json::Value {
    serde_json::json!({
        "store": "postgres://db.example/grid",
        "version": 12,
        "created_at": "2026-03-01T08:00:00.123Z",
    })
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("citygrid-archive-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn gunzip(b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(b)
        .read_to_end(&mut out)
        .unwrap();
    out
}

/// Every non-empty tile of the pyramid, from the tiler.
fn live(t: &Tiler, lo: u8, hi: u8) -> Vec<(TileId, Vec<u8>)> {
    t.tiles(lo, hi)
        .map(|id| (id, t.tile(id)))
        .filter(|(_, b)| !b.is_empty())
        .collect()
}

#[test]
fn mbtiles_hold_the_live_tiles() {
    let t = tiler();
    let path = scratch("city.mbtiles");
    let stats = export(&t, &meta(&t, 0, 14), Format::MbTiles, &path, |_, _| {}).unwrap();
    let expected = live(&t, 0, 14);
    assert_eq!(stats.written as usize, expected.len());
    let db = rusqlite::Connection::open(&path).unwrap();
    let count: i64 = db
        .query_row("SELECT count(*) FROM tiles", [], |r| r.get(0))
        .unwrap();
    assert_eq!(count as usize, expected.len());
    for (id, bytes) in &expected {
        let gz: Vec<u8> = db
            .query_row(
                "SELECT tile_data FROM tiles WHERE zoom_level = ?1 AND tile_column = ?2 AND tile_row = ?3",
                (id.z, id.x, id.tms_y()),
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(&gunzip(&gz), bytes, "{id}");
    }
    let json: String = db
        .query_row("SELECT value FROM metadata WHERE name = 'json'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert!(
        json.contains("\"cells\"") && json.contains("households"),
        "{json}"
    );
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(json["citygrid_source"], source());
    let version: String = db
        .query_row(
            "SELECT value FROM metadata WHERE name = 'version'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(version, "12");
}

#[test]
fn pmtiles_hold_the_live_tiles() {
    let t = tiler();
    let path = scratch("city.pmtiles");
    let mut calls = 0;
    export(
        &t,
        &meta(&t, 0, 14),
        Format::PmTiles,
        &path,
        |done, total| {
            calls += 1;
            assert!(done <= total);
        },
    )
    .unwrap();
    assert!(calls > 0);
    let expected = live(&t, 0, 14);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let backend = pmtiles::MmapBackend::try_from(&path).await.unwrap();
        let reader = pmtiles::AsyncPmTilesReader::try_from_source(backend)
            .await
            .unwrap();
        let header = reader.get_header();
        assert_eq!((header.min_zoom, header.max_zoom), (0, 14));
        assert!(header.clustered());
        for (id, bytes) in &expected {
            let coord = pmtiles::TileCoord::new(id.z, id.x, id.y).unwrap();
            let got = reader.get_tile_decompressed(coord).await.unwrap().unwrap();
            assert_eq!(&got[..], &bytes[..], "{id}");
        }
        let meta: serde_json::Value =
            serde_json::from_str(&reader.get_metadata().await.unwrap()).unwrap();
        assert!(meta["vector_layers"].is_array());
        assert_eq!(meta["citygrid_source"], source());
    });
}
