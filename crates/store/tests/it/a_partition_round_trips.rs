use citygrid_model::CodeLayout;
use citygrid_store::{StoreError, VersionKind};

use crate::support::{assert_same, city, fresh};

#[test]
fn a_generated_city_loads_back_unit_for_unit_bit_for_bit() {
    let partition = city(7, 300);
    let (_dir, path, store) = fresh(&partition);
    assert_eq!(store.head().unwrap(), 1);
    let loaded = store.load(1).unwrap();
    assert_eq!(loaded.version(), 1);
    assert_same(&loaded, &partition);
    assert_eq!(store.layout().unwrap(), CodeLayout::default());

    let v1 = store.version(1).unwrap();
    assert_eq!(
        (v1.kind, v1.base, v1.author.as_str()),
        (VersionKind::Init, None, "tests")
    );
    let mut codes: Vec<_> = partition.units().iter().map(|u| u.code.clone()).collect();
    codes.sort();
    assert_eq!(v1.created, codes);
    assert!(v1.changed.is_empty() && v1.retired.is_empty());

    // Another process's view: the same file opened again.
    let again = citygrid_store::open(path.to_str().unwrap()).unwrap();
    assert_same(&again.load(1).unwrap(), &partition);
    assert_eq!(again.describe(), path.display().to_string());
}

#[test]
fn a_store_is_never_overwritten() {
    let partition = city(3, 20);
    let (_dir, path, store) = fresh(&partition);
    let Err(e) = citygrid_store::init(path.to_str().unwrap(), &partition, "tests", "again") else {
        panic!("init overwrote a store");
    };
    assert!(matches!(e, StoreError::Exists { .. }), "{e}");
    assert!(e.to_string().contains(&path.display().to_string()), "{e}");
    assert_eq!(store.head().unwrap(), 1);
    // Nothing was left behind beside it.
    let mut names: Vec<String> = std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.ends_with("-wal") && !n.ends_with("-shm"))
        .collect();
    names.sort();
    assert_eq!(names, ["city.gpkg"]);
}

#[test]
fn files_that_are_not_stores_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let open = |name: &str| {
        let path = dir.path().join(name);
        let error = citygrid_store::open(path.to_str().unwrap())
            .err()
            .expect("not a store");
        let message = error.to_string();
        assert!(message.contains(&path.display().to_string()), "{message}");
        (error, message)
    };
    let (missing, _) = open("missing.gpkg");
    assert!(matches!(missing, StoreError::Missing { .. }));

    std::fs::write(
        dir.path().join("notes.gpkg"),
        "not a database at all, just text",
    )
    .unwrap();
    let (e, message) = open("notes.gpkg");
    assert!(matches!(e, StoreError::NotAStore { .. }), "{message}");

    geopackage::GeoPackage::create(dir.path().join("plain.gpkg"))
        .unwrap()
        .close()
        .unwrap();
    let (e, message) = open("plain.gpkg");
    assert!(matches!(e, StoreError::NotAStore { .. }), "{message}");
    assert!(message.contains("without the citygrid tables"), "{message}");

    let partition = city(3, 20);
    let (_store_dir, path, store) = fresh(&partition);
    drop(store);
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute(
            "UPDATE citygrid_meta SET value = '99' WHERE key = 'schema_version'",
            [],
        )
        .unwrap();
    let Err(e) = citygrid_store::open(path.to_str().unwrap()) else {
        panic!("a newer schema opened")
    };
    assert!(
        matches!(e, StoreError::NewerSchema { found: 99, .. }),
        "{e}"
    );
    assert!(e.to_string().contains(&path.display().to_string()), "{e}");
}
