//! Layers and the staff registry: what is written reads back exactly, appends get
//! the next ids, a refused write changes nothing (not even the datasets revision),
//! staff revisions read back as they were, and a store of schema 1 or 2 is brought up
//! to date on open.

use citygrid_model::{
    Entity, Field, FieldType, FieldValue, LayerSchema, Level, StaffMember, StaffRole,
};
use citygrid_store::{LayerFile, LayerKind, NewLayer, NewLayerKind, StaffChange, StoreError};

use crate::support::{Backend, backends, city};

fn schema() -> LayerSchema {
    let field = |name: &str, kind| Field {
        name: name.into(),
        kind,
    };
    LayerSchema {
        fields: vec![
            field("kind", FieldType::Text),
            field("persons", FieldType::Integer),
            field("share", FieldType::Real),
            field("received", FieldType::Time),
        ],
        category: Some("kind".into()),
        weight: Some("persons".into()),
        times: vec!["received".into()],
    }
}

fn entity(i: i64) -> Entity {
    Entity {
        id: 0,
        lon: 106.7 + i as f64 * 1e-3,
        lat: 26.5,
        values: vec![
            FieldValue::Text(format!("类 {i}")),
            if i % 2 == 0 {
                FieldValue::Null
            } else {
                FieldValue::Integer(i)
            },
            FieldValue::Real(i as f64 / 3.0),
            FieldValue::Time(1_772_323_200 + i),
        ],
    }
}

fn layer(name: &str, entities: Vec<Entity>, replace: bool) -> NewLayer {
    NewLayer {
        name: name.into(),
        kind: NewLayerKind::Entity {
            schema: schema(),
            entities,
        },
        source: "test.csv".into(),
        author: "tester".into(),
        replace,
    }
}

#[test]
fn entity_layers_read_back_exactly_and_appends_get_the_next_ids() {
    for backend in backends() {
        entity_layers(backend);
    }
}

fn entity_layers(backend: Backend) {
    let f = backend.fresh(&city(1, 20));
    let store = &f.store;
    assert_eq!(store.datasets_revision().unwrap(), 0);
    let info = store
        .add_layer(layer("events", (0..5).map(entity).collect(), false))
        .unwrap();
    assert_eq!(
        info.kind,
        LayerKind::Entity {
            schema: schema(),
            count: 5
        }
    );
    assert_eq!(store.datasets_revision().unwrap(), 1);
    let back = store.entities("events", 0).unwrap();
    for (i, e) in back.iter().enumerate() {
        let want = Entity {
            id: i as u64 + 1,
            ..entity(i as i64)
        };
        assert_eq!(e, &want);
    }
    let (info, ids) = store
        .append_entities("events", vec![entity(5), entity(6)])
        .unwrap();
    assert_eq!(ids, [6, 7]);
    assert_eq!((info.revision, store.datasets_revision().unwrap()), (2, 2));
    assert_eq!(
        store
            .entities("events", 5)
            .unwrap()
            .iter()
            .map(|e| e.id)
            .collect::<Vec<_>>(),
        [6, 7]
    );
    // another handle on the store sees it all
    let other = f.open_again();
    assert_eq!(other.datasets_revision().unwrap(), 2);
    assert_eq!(other.layers().unwrap().len(), 1);
    let replaced = store
        .add_layer(layer("events", vec![entity(9)], true))
        .unwrap();
    assert_eq!(
        replaced.kind,
        LayerKind::Entity {
            schema: schema(),
            count: 1
        }
    );
    assert_eq!(store.entities("events", 0).unwrap()[0].id, 1);
    store.remove_layer("events").unwrap();
    assert!(store.layers().unwrap().is_empty());
    assert!(matches!(
        store.entities("events", 0),
        Err(StoreError::UnknownLayer { .. })
    ));
}

#[test]
fn refused_layer_writes_change_nothing() {
    for backend in backends() {
        refused_layers(backend);
    }
}

fn refused_layers(backend: Backend) {
    let f = backend.fresh(&city(2, 20));
    let store = &f.store;
    let dir = tempfile::tempdir().unwrap();
    store
        .add_layer(layer("events", vec![entity(1)], false))
        .unwrap();
    let revision = store.datasets_revision().unwrap();
    let before = crate::support::content_hash(&f);
    let mut wrong = entity(2);
    wrong.values[1] = FieldValue::Text("many".into());
    let mut far = entity(3);
    far.lat = 91.0;
    let mut short = entity(4);
    short.values.pop();
    let cases: Vec<(NewLayer, &str)> = vec![
        (layer("events", vec![entity(2)], false), "exists"),
        (layer("9lives", vec![], false), "starts with a letter"),
        (layer("has space", vec![], false), "letters, digits"),
        (
            layer("other", vec![entity(1), wrong.clone()], false),
            "point 2 of 2: field \"persons\" is integer",
        ),
        (
            layer("other", vec![far], false),
            "not a longitude and latitude",
        ),
        (layer("other", vec![short], false), "3 values for 4 fields"),
        (
            NewLayer {
                kind: NewLayerKind::Raster {
                    path: dir.path().join("missing.tif"),
                    band: 1,
                    bytes: None,
                },
                ..layer("raster", vec![], false)
            },
            "is not a file",
        ),
    ];
    for (new, names) in cases {
        let e = store.add_layer(new).unwrap_err().to_string();
        assert!(e.contains(names), "{e}");
    }
    let bad_schema = NewLayer {
        kind: NewLayerKind::Entity {
            schema: LayerSchema {
                weight: Some("kind".into()),
                ..schema()
            },
            entities: vec![],
        },
        ..layer("other", vec![], false)
    };
    assert!(
        store
            .add_layer(bad_schema)
            .unwrap_err()
            .to_string()
            .contains("is text, not a number")
    );
    let e = store
        .append_entities("events", vec![entity(5), wrong])
        .unwrap_err()
        .to_string();
    assert!(e.contains("point 2 of 2"), "{e}");
    assert_eq!(store.datasets_revision().unwrap(), revision);
    assert_eq!(store.entities("events", 0).unwrap().len(), 1);
    assert_eq!(store.layers().unwrap().len(), 1);
    assert_eq!(crate::support::content_hash(&f), before, "a refusal wrote");
}

#[test]
fn a_raster_kept_in_the_store_reads_back_byte_for_byte_without_its_file() {
    for backend in backends() {
        raster_kept(backend);
    }
}

fn raster_kept(backend: Backend) {
    let f = backend.fresh(&city(4, 20));
    let store = f.store.as_ref();
    let dir = tempfile::tempdir().unwrap();
    let tif = dir.path().join("population.tif");
    // Every byte value, zeros and a NUL-free text would hide a truncation.
    let bytes: Vec<u8> = (0..70_000u32).map(|i| (i * 7 % 256) as u8).collect();
    std::fs::write(&tif, &bytes).unwrap();
    let raster = |bytes: Option<Vec<u8>>, replace: bool| NewLayer {
        kind: NewLayerKind::Raster {
            path: tif.clone(),
            band: 2,
            bytes,
        },
        ..layer("population", vec![], replace)
    };
    let info = store.add_layer(raster(Some(bytes.clone()), false)).unwrap();
    assert!(
        matches!(
            info.kind,
            LayerKind::Raster {
                band: 2,
                stored: Some(70_000),
                ..
            }
        ),
        "{:?}",
        info.kind
    );
    std::fs::remove_file(&tif).unwrap();
    let again = f.open_again();
    let kept = again.layer_files("population").unwrap();
    assert_eq!(kept.len(), 1);
    assert_eq!(
        (kept[0].path.as_str(), &kept[0].bytes),
        ("population.tif", &bytes),
        "{backend:?}"
    );
    assert_eq!(again.layers().unwrap(), vec![info]);

    // Replaced by a registration by path: the store keeps no file any more.
    std::fs::write(&tif, b"elsewhere").unwrap();
    let by_path = store.add_layer(raster(None, true)).unwrap();
    assert!(matches!(
        by_path.kind,
        LayerKind::Raster { stored: None, .. }
    ));
    let e = store.layer_files("population").unwrap_err();
    assert!(
        matches!(e, StoreError::DatasetRefused { .. }) && e.to_string().contains("by path"),
        "{e}"
    );
    // Kept again, then removed: nothing of it is left.
    store.add_layer(raster(Some(bytes), true)).unwrap();
    store.remove_layer("population").unwrap();
    assert!(matches!(
        store.layer_files("population"),
        Err(StoreError::UnknownLayer { .. })
    ));
    let e = store.layer_files("events").unwrap_err();
    assert!(matches!(e, StoreError::UnknownLayer { .. }), "{e}");

    // A tileset's folder, kept whole; paths that leave the folder are refused.
    let json = dir.path().join("tileset.json");
    std::fs::write(&json, b"{}").unwrap();
    let file = |path: &str, bytes: &[u8]| LayerFile {
        path: path.into(),
        bytes: bytes.to_vec(),
    };
    let tileset = |files: Vec<LayerFile>| NewLayer {
        kind: NewLayerKind::Tileset {
            path: json.clone(),
            files: Some(files),
        },
        ..layer("oblique", vec![], false)
    };
    let folder = vec![
        file("tileset.json", b"{\"asset\": {}}"),
        file("tiles/0/0.b3dm", &[0, 1, 2, 255]),
        file("tiles/1/0.glb", &[]),
    ];
    let revision = store.datasets_revision().unwrap();
    for (bad, says) in [
        (
            vec![file("../x.glb", b"x"), folder[0].clone()],
            "not a plain path",
        ),
        (
            vec![file("/etc/passwd", b"x"), folder[0].clone()],
            "not a plain path",
        ),
        (
            vec![file("a//b", b"x"), folder[0].clone()],
            "not a plain path",
        ),
        (vec![folder[1].clone()], "lack its tileset.json"),
    ] {
        let e = store.add_layer(tileset(bad)).unwrap_err().to_string();
        assert!(e.contains(says), "{e}");
    }
    assert_eq!(
        store.datasets_revision().unwrap(),
        revision,
        "a refusal wrote"
    );
    let info = store.add_layer(tileset(folder.clone())).unwrap();
    assert!(
        matches!(
            info.kind,
            LayerKind::Tileset {
                stored: Some(17),
                ..
            }
        ),
        "{:?}",
        info.kind
    );
    let mut sorted = folder;
    sorted.sort_by(|a, b| a.path.cmp(&b.path));
    assert_eq!(
        f.open_again().layer_files("oblique").unwrap(),
        sorted,
        "{backend:?}"
    );
}

#[test]
fn staff_revisions_read_back_as_they_were() {
    for backend in backends() {
        staff_revisions(backend);
    }
}

fn staff_revisions(backend: Backend) {
    let partition = city(3, 20);
    let f = backend.fresh(&partition);
    let store = &f.store;
    let cells: Vec<_> = partition
        .level_ids(Level::Cell)
        .map(|id| partition.unit(id).code.clone())
        .collect();
    let person = |id: &str, role, cells: &[citygrid_model::UnitCode]| StaffMember {
        id: id.into(),
        name: format!("name {id}"),
        role,
        phone: "1990".into(),
        cells: cells.to_vec(),
    };
    let first = store
        .commit_staff(StaffChange {
            author: "a".into(),
            message: "roster".into(),
            upsert: vec![
                person("S1", StaffRole::CellHead, &cells[..3]),
                person("W1", StaffRole::CellWorker, &cells[..1]),
            ],
            ..StaffChange::default()
        })
        .unwrap();
    assert_eq!((first.revision, first.members.len()), (1, 2));
    let second = store
        .commit_staff(StaffChange {
            author: "a".into(),
            message: "W1 moves, P1 joins".into(),
            upsert: vec![
                person("W1", StaffRole::CellWorker, &cells[1..2]),
                person("P1", StaffRole::CellPolice, &cells),
            ],
            remove: vec!["S1".into()],
            replace_all: false,
        })
        .unwrap();
    assert_eq!(second.revision, 2);
    assert_eq!(
        second
            .members
            .iter()
            .map(|m| m.id.as_str())
            .collect::<Vec<_>>(),
        ["P1", "W1"]
    );
    assert_eq!(store.staff(Some(1)).unwrap(), first);
    assert_eq!(store.staff(None).unwrap(), second);
    let refused = [
        StaffChange {
            remove: vec!["nobody".into()],
            ..StaffChange::default()
        },
        StaffChange {
            upsert: vec![person(
                "X",
                StaffRole::CellHead,
                &[partition.unit(0).code.clone()],
            )],
            ..StaffChange::default()
        },
        StaffChange {
            upsert: vec![
                person("X", StaffRole::CellHead, &[]),
                person("X", StaffRole::CellHead, &[]),
            ],
            ..StaffChange::default()
        },
    ];
    for change in refused {
        assert!(matches!(
            store.commit_staff(change),
            Err(StoreError::DatasetRefused { .. })
        ));
    }
    assert_eq!(store.staff(None).unwrap(), second);
    assert!(matches!(
        store.staff(Some(3)),
        Err(StoreError::DatasetRefused { .. })
    ));
    let all = store
        .commit_staff(StaffChange {
            upsert: vec![person("Z", StaffRole::DepartmentContact, &cells[..1])],
            replace_all: true,
            ..StaffChange::default()
        })
        .unwrap();
    assert_eq!(
        all.members
            .iter()
            .map(|m| m.id.as_str())
            .collect::<Vec<_>>(),
        ["Z"]
    );
}

#[test]
fn stores_of_schemas_1_and_2_are_brought_up_to_date_on_open() {
    // What each older schema lacked.
    let older = [
        (
            "1",
            "DROP TABLE citygrid_layers; DROP TABLE citygrid_entities; DROP TABLE citygrid_staff;
             DROP TABLE citygrid_staff_revisions; DROP TABLE citygrid_layer_files;",
        ),
        ("2", "DROP TABLE citygrid_layer_files;"),
    ];
    for (schema, lacked) in older {
        let f = Backend::Sqlite.fresh(&city(4, 10));
        let path = f.path();
        {
            let conn = rusqlite::Connection::open(&path).unwrap();
            conn.execute_batch(&format!(
                "{lacked} UPDATE citygrid_meta SET value = '{schema}' WHERE key = 'schema_version';"
            ))
            .unwrap();
        }
        let store = citygrid_store::open(path.to_str().unwrap()).unwrap();
        assert!(store.layers().unwrap().is_empty());
        assert_eq!(store.staff(None).unwrap().revision, 0);
        store
            .add_layer(layer("events", vec![entity(1)], false))
            .unwrap();
        assert!(matches!(
            store.layer_files("events"),
            Err(StoreError::DatasetRefused { .. })
        ));
        assert_eq!(store.head().unwrap(), 1);
        let conn = rusqlite::Connection::open(&path).unwrap();
        let version: String = conn
            .query_row(
                "SELECT value FROM citygrid_meta WHERE key = 'schema_version'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(version, "3", "from schema {schema}");
    }
}
