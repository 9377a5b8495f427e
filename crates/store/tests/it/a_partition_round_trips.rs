use citygrid_model::CodeLayout;
use citygrid_store::{StoreError, VersionKind};

use crate::support::{Backend, Database, assert_same, backends, city, postgres_url};

#[test]
fn a_generated_city_loads_back_unit_for_unit_bit_for_bit() {
    let partition = city(7, 300);
    for backend in backends() {
        let f = backend.fresh(&partition);
        round_trips(f.store.as_ref(), &partition);
        // Another process's view: the same store opened again.
        let again = f.open_again();
        assert_same(&again.load(1).unwrap(), &partition);
        assert_eq!(again.describe(), citygrid_store::shown(&f.location));
    }
}

fn round_trips(store: &dyn citygrid_store::Store, partition: &citygrid_model::Partition) {
    assert_eq!(store.head().unwrap(), 1);
    let loaded = store.load(1).unwrap();
    assert_eq!(loaded.version(), 1);
    assert_same(&loaded, partition);
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
}

#[test]
fn a_store_is_never_overwritten() {
    let partition = city(3, 20);
    for backend in backends() {
        let f = backend.fresh(&partition);
        let Err(e) = citygrid_store::init(&f.location, &partition, "tests", "again") else {
            panic!("init overwrote a store");
        };
        assert!(matches!(e, StoreError::Exists { .. }), "{e}");
        assert!(
            e.to_string().contains(&citygrid_store::shown(&f.location)),
            "{e}"
        );
        assert_eq!(f.store.head().unwrap(), 1);
        assert_eq!(f.store.versions(None, 10).unwrap().len(), 1);
        if backend == Backend::Postgis {
            continue;
        }
        nothing_beside(&f.path());
    }
}

fn nothing_beside(path: &std::path::Path) {
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
    let f = Backend::Sqlite.fresh(&partition);
    let path = f.path();
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

#[test]
fn databases_that_are_not_stores_are_named_and_schemas_are_checked() {
    if postgres_url().is_none() {
        return;
    }
    let empty = Database::new();
    let shown = citygrid_store::shown(&empty.url);
    let Err(e) = citygrid_store::open(&empty.url) else {
        panic!("an empty database opened")
    };
    assert!(matches!(e, StoreError::Missing { .. }), "{e}");
    assert!(e.to_string().contains(&shown), "{e}");
    assert!(
        !e.to_string().contains("citygrid-test"),
        "the password: {e}"
    );
    assert!(matches!(
        citygrid_store::migrate(&empty.url),
        Err(StoreError::Missing { .. })
    ));

    let partition = city(3, 20);
    let f = Backend::Postgis.fresh(&partition);
    assert_eq!(citygrid_store::migrate(&f.location).unwrap(), (2, 2));
    let mut client = crate::support::sql(&f);
    // A store of schema 1 (before the layer files): refused until migrated, then
    // opened with its versions intact.
    client
        .batch_execute(
            "DROP TABLE citygrid_layer_files; DELETE FROM citygrid_migrations WHERE version = 2",
        )
        .unwrap();
    let Err(e) = citygrid_store::open(&f.location) else {
        panic!("schema 1 opened")
    };
    assert!(matches!(e, StoreError::OlderSchema { found: 1, .. }), "{e}");
    assert_eq!(citygrid_store::migrate(&f.location).unwrap(), (1, 2));
    let migrated = citygrid_store::open(&f.location).unwrap();
    assert_eq!(
        migrated.load(1).unwrap().units().len(),
        partition.units().len()
    );
    drop(migrated);
    client
        .batch_execute(
            "INSERT INTO citygrid_migrations (version, description) VALUES (99, 'future')",
        )
        .unwrap();
    let Err(e) = citygrid_store::open(&f.location) else {
        panic!("a newer schema opened")
    };
    assert!(
        matches!(e, StoreError::NewerSchema { found: 99, .. }),
        "{e}"
    );
    assert!(matches!(
        citygrid_store::migrate(&f.location),
        Err(StoreError::NewerSchema { found: 99, .. })
    ));
    client
        .batch_execute("DELETE FROM citygrid_migrations")
        .unwrap();
    let Err(e) = citygrid_store::open(&f.location) else {
        panic!("an older schema opened")
    };
    assert!(matches!(e, StoreError::OlderSchema { found: 0, .. }), "{e}");
    assert!(e.to_string().contains("citygrid store migrate"), "{e}");
}
