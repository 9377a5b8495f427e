//! An archive appears whole or not at all: written beside its destination and
//! renamed over it when finished, so a failure leaves nothing behind and an old
//! archive stays as it was until the new one is complete.

use std::path::{Path, PathBuf};

use citygrid_archive::mbtiles::MbTilesArchive;
use citygrid_archive::pmtiles::PmTilesArchive;
use citygrid_archive::{Format, Metadata, export};
use citygrid_model::{CodeLayout, Partition};
use citygrid_synth::SynthCity;
use citygrid_tiles::{TileOptions, Tiler};

fn tiler() -> Tiler {
    let units = SynthCity::new(2).cells(30).extent_km(4.0, 4.0).generate();
    Tiler::new(
        Partition::new(units, CodeLayout::default()).unwrap(),
        TileOptions::default(),
    )
    .unwrap()
}

/// An empty folder of its own for each test.
fn folder(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "citygrid-archive-replacing-{}-{name}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn an_export_replaces_an_old_archive_only_once_complete() {
    let t = tiler();
    let meta = Metadata::from_tiler(&t, "city", 0, 12);
    for (format, name, magic) in [
        (Format::MbTiles, "city.mbtiles", &b"SQLite format 3\0"[..]),
        (Format::PmTiles, "city.pmtiles", &b"PMTiles"[..]),
    ] {
        let dir = folder(name);
        let dest = dir.join(name);
        std::fs::write(&dest, "old").unwrap();
        let mut seen = 0;
        export(&t, &meta, format, &dest, |_, _| {
            // Half-way: the old archive is untouched, the new one is beside it.
            assert_eq!(std::fs::read(&dest).unwrap(), b"old");
            assert_eq!(entries(&dir).len(), 2, "{:?}", entries(&dir));
            seen += 1;
        })
        .unwrap();
        assert!(seen > 0);
        assert!(std::fs::read(&dest).unwrap().starts_with(magic), "{name}");
        assert_eq!(entries(&dir), [name]);
    }
}

#[test]
fn an_archive_given_up_half_way_leaves_nothing_and_the_old_one_as_it_was() {
    let t = tiler();
    let meta = Metadata::from_tiler(&t, "city", 0, 12);
    let tile = t.tiles(0, 12).find(|&id| !t.tile(id).is_empty()).unwrap();
    let gz = citygrid_tiles::mvt::gzip(&t.tile(tile)).unwrap();

    let dir = folder("given-up");
    let (mb, pm) = (dir.join("city.mbtiles"), dir.join("city.pmtiles"));
    std::fs::write(&mb, "old").unwrap();
    let mut a = MbTilesArchive::create(&mb, &meta).unwrap();
    a.add(tile, &gz).unwrap();
    let mut b = PmTilesArchive::create(&pm, &meta).unwrap();
    b.add(tile, &gz).unwrap();
    assert_eq!(entries(&dir).len(), 3);
    drop((a, b));
    assert_eq!(entries(&dir), ["city.mbtiles"]);
    assert_eq!(std::fs::read(&mb).unwrap(), b"old");
}

#[test]
fn an_archive_that_cannot_be_written_fails_before_rendering_and_leaves_nothing() {
    let t = tiler();
    let meta = Metadata::from_tiler(&t, "city", 0, 12);
    let dir = folder("unwritable");
    for format in [Format::MbTiles, Format::PmTiles] {
        let missing = dir.join("no/such/city.pmtiles");
        let err = export(&t, &meta, format, &missing, |_, _| {
            panic!("nothing is rendered for an archive that cannot be written")
        })
        .unwrap_err()
        .to_string();
        assert!(err.contains("no/such does not exist"), "{err}");
        // A folder where the archive should go.
        let err = export(&t, &meta, format, &dir, |_, _| panic!("rendered"))
            .unwrap_err()
            .to_string();
        assert!(err.ends_with("is a folder; give a file name"), "{err}");
        assert!(entries(&dir).is_empty(), "{:?}", entries(&dir));
    }
}
