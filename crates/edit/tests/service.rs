//! Edits committed to a real store: versions, dry runs, rebasing an edit made on an
//! older version, conflicts, refusals that leave the file as it was, district
//! scope, reverts, and rival editors of the same cells.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use citygrid_check::{CheckOptions, Checker};
use citygrid_edit::{Author, EditError, EditOptions, EditRequest, Editor, Op};
use citygrid_model::{AttrValue, CodeLayout, Level, Partition, RingSet, UnitCode};
use citygrid_store::Store;
use citygrid_synth::{SynthCity, square, village_neighbours};
use geo_types::{Coord, LineString};

fn city() -> Partition {
    let units = SynthCity::new(3)
        .cells(40)
        .vertices_per_cell(8)
        .extent_km(4.0, 4.0)
        .generate();
    Partition::new(units, CodeLayout::default()).unwrap()
}

fn store(dir: &Path) -> (Arc<dyn Store>, Partition) {
    let p = city();
    let path = dir.join("city.gpkg");
    let store = citygrid_store::init(path.to_str().unwrap(), &p, "test", "generated").unwrap();
    (Arc::from(store), p)
}

fn alice() -> Author {
    Author {
        name: "alice".to_string(),
        districts: None,
    }
}

fn request(base: u64, ops: Vec<Op>) -> EditRequest {
    EditRequest {
        base_version: base,
        message: "test".to_string(),
        ops,
        dry_run: false,
        log: None,
    }
}

/// Two cells of one village sharing a segment (the `skip`-th such pair), the
/// segment's middle and its length.
fn neighbours(p: &Partition, skip: usize) -> (UnitCode, UnitCode, Coord<f64>, f64) {
    let s = village_neighbours(p).nth(skip).expect("neighbours");
    let code = |id| p.unit(id).code.clone();
    (code(s.a), code(s.b), s.at(0.5), s.length())
}

fn transfer(p: &Partition, skip: usize) -> Op {
    let (a, b, m, len) = neighbours(p, skip);
    Op::Transfer {
        from: a,
        to: b,
        area: square(m, len * 0.3),
        move_parents: false,
    }
}

fn set(code: UnitCode, households: f64) -> Op {
    let mut attributes = BTreeMap::new();
    attributes.insert(
        "households".to_string(),
        Some(AttrValue::Number(households)),
    );
    Op::Set {
        cell: code,
        attributes,
    }
}

/// Every byte of the store's files.
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| (p.display().to_string(), std::fs::read(&p).unwrap()))
        .collect();
    out.sort();
    out
}

#[test]
fn an_edit_becomes_the_next_version_and_checks_clean() {
    let dir = tempfile::tempdir().unwrap();
    let (store, p) = store(dir.path());
    let editor = Editor::new(Arc::clone(&store), EditOptions::default());
    let out = editor
        .submit(&p, &request(1, vec![transfer(&p, 0)]), &alice())
        .unwrap();
    assert_eq!(out.version, 2);
    assert!(out.changed.len() >= 2);
    let stored = store.load(2).unwrap();
    let report = Checker::new(CheckOptions::default()).check_partition(&stored, None);
    assert!(report.is_valid(), "{:#?}", report.violations);
    for code in &out.changed {
        assert_eq!(stored.get(code).unwrap(), out.partition.get(code).unwrap());
    }
    let info = store.version(2).unwrap();
    assert_eq!(info.author, "alice");
    assert_eq!(info.changed, out.changed);
}

#[test]
fn an_edit_asking_for_what_the_head_is_makes_no_version() {
    let dir = tempfile::tempdir().unwrap();
    let (store, p) = store(dir.path());
    let editor = Editor::new(Arc::clone(&store), EditOptions::default());
    let cell = p
        .units()
        .iter()
        .find(|u| u.level == Level::Cell)
        .unwrap()
        .code
        .clone();
    let once = editor
        .submit(&p, &request(1, vec![set(cell.clone(), 77.0)]), &alice())
        .unwrap();
    assert_eq!(once.version, 2);
    let again = editor.submit(
        &once.partition,
        &request(2, vec![set(cell, 77.0)]),
        &alice(),
    );
    assert!(
        matches!(again, Err(EditError::Unchanged { head: 2 })),
        "{again:?}"
    );
    assert_eq!(store.head().unwrap(), 2);
}

#[test]
fn a_dry_run_and_a_refused_edit_leave_the_store_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let (store, p) = store(dir.path());
    let editor = Editor::new(Arc::clone(&store), EditOptions::default());
    let before = files(dir.path());
    let mut dry = request(1, vec![transfer(&p, 0)]);
    dry.dry_run = true;
    let out = editor.submit(&p, &dry, &alice()).unwrap();
    assert!(out.dry_run && out.version == 2 && !out.changed.is_empty());
    let (a, _, _, _) = neighbours(&p, 0);
    let refused = [
        request(
            1,
            vec![Op::Merge {
                cells: [a.clone(), a.clone()],
            }],
        ),
        request(
            1,
            vec![Op::Split {
                cell: a.clone(),
                line: LineString(vec![Coord { x: 0.0, y: 0.0 }, Coord { x: 1.0, y: 1.0 }]),
            }],
        ),
        request(7, vec![set(a.clone(), 1.0)]),
    ];
    for r in &refused {
        assert!(editor.submit(&p, r, &alice()).is_err());
    }
    assert_eq!(store.head().unwrap(), 1);
    assert!(
        before == files(dir.path()),
        "a refused edit changed the store's files"
    );
}

#[test]
fn an_edit_on_an_older_version_is_applied_unless_what_it_touches_changed() {
    let dir = tempfile::tempdir().unwrap();
    let (store, p) = store(dir.path());
    let editor = Editor::new(Arc::clone(&store), EditOptions::default());
    let (a, _, _, _) = neighbours(&p, 0);
    editor
        .submit(&p, &request(1, vec![set(a.clone(), 10.0)]), &alice())
        .unwrap();
    // Far from `a`: made on version 1, applied on version 2.
    let cells: Vec<UnitCode> = p
        .level_ids(Level::Cell)
        .map(|id| p.unit(id).code.clone())
        .collect();
    let far = cells
        .into_iter()
        .rev()
        .find(|c| !citygrid_edit_touches(&p, &a, c))
        .unwrap();
    let out = editor
        .submit(&p, &request(1, vec![set(far, 20.0)]), &alice())
        .unwrap();
    assert_eq!((out.applied_on, out.version), (2, 3));
    // On `a` itself: a conflict naming it.
    match editor.submit(&p, &request(1, vec![set(a.clone(), 30.0)]), &alice()) {
        Err(EditError::Conflict {
            head,
            changed_since,
            ..
        }) => {
            assert_eq!(head, 3);
            assert!(changed_since.contains(&a));
        }
        other => panic!("{other:?}"),
    }
}

/// Whether `b` is `a` or shares a vertex with it.
fn citygrid_edit_touches(p: &Partition, a: &UnitCode, b: &UnitCode) -> bool {
    if a == b {
        return true;
    }
    let keys = |c: &UnitCode| -> Vec<[u64; 2]> {
        let rings = RingSet::build([&p.get(c).unwrap().geometry]);
        rings
            .segment_ids()
            .map(|s| citygrid_planar::coord_key(rings.segment(s).0))
            .collect()
    };
    let ka = keys(a);
    keys(b).iter().any(|k| ka.contains(k))
}

#[test]
fn a_scoped_editor_cannot_touch_another_district() {
    let dir = tempfile::tempdir().unwrap();
    let (store, p) = store(dir.path());
    let editor = Editor::new(Arc::clone(&store), EditOptions::default());
    let (a, _, _, _) = neighbours(&p, 0);
    let bob = Author {
        name: "bob".to_string(),
        districts: Some(vec!["520199".parse().unwrap()]),
    };
    match editor.submit(&p, &request(1, vec![set(a, 1.0)]), &bob) {
        Err(EditError::Forbidden { message }) => assert!(message.contains("bob"), "{message}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_revert_makes_a_new_version_equal_to_an_old_one() {
    let dir = tempfile::tempdir().unwrap();
    let (store, p) = store(dir.path());
    let editor = Editor::new(Arc::clone(&store), EditOptions::default());
    let v2 = editor
        .submit(&p, &request(1, vec![transfer(&p, 0)]), &alice())
        .unwrap();
    let v3 = editor.revert(&v2.partition, 1, "undo", &alice()).unwrap();
    assert_eq!(v3.version, 3);
    let (one, three) = (store.load(1).unwrap(), store.load(3).unwrap());
    for u in one.units() {
        assert_eq!(three.get(&u.code).unwrap().as_ref(), u.as_ref());
    }
    assert_eq!(store.version(3).unwrap().reverted_to, Some(1));
}

#[test]
fn rival_editors_of_the_same_cells_never_both_win() {
    let dir = tempfile::tempdir().unwrap();
    let (store, p) = store(dir.path());
    let (a, _, _, _) = neighbours(&p, 0);
    let won = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|k| {
                let store = Arc::clone(&store);
                let (p, a) = (&p, a.clone());
                s.spawn(move || {
                    let editor = Editor::new(store, EditOptions::default());
                    editor
                        .submit(p, &request(1, vec![set(a, f64::from(k))]), &alice())
                        .is_ok()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().is_ok_and(|won| won))
            .filter(|&won| won)
            .count()
    });
    assert_eq!(won, 1);
    assert_eq!(store.head().unwrap(), 2);
}
