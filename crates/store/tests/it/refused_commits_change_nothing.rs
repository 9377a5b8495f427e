use citygrid_model::{AttrValue, Level, Unit};
use citygrid_store::{Commit, Lineage, LineageKind, Refusal, StoreError};

use crate::support::{Backend, backends, cells, city, content_hash, sibling_code};

#[test]
fn structural_nonsense_is_refused_with_every_problem_and_the_store_unchanged() {
    for backend in backends() {
        nonsense_is_refused(backend);
    }
}

fn nonsense_is_refused(backend: Backend) {
    let partition = city(9, 60);
    let f = backend.fresh(&partition);
    let store = &f.store;
    let c = cells(&partition);
    // A first real commit, so the layers and history are not just version 1.
    store
        .commit(
            Commit::new(1, "alice", "count").upsert(
                c[0].clone()
                    .with_attribute("households", AttrValue::Number(5.5)),
            ),
        )
        .unwrap();
    let before = content_hash(&f);
    let village = c[1].parent.clone().unwrap();
    let new_cell = Unit {
        code: sibling_code(&c[1], 950),
        ..c[1].clone()
    };
    let refused = |commit: Commit| -> Vec<Refusal> {
        match store.commit(commit) {
            Err(StoreError::Refused {
                problems, base: 2, ..
            }) => problems,
            other => panic!("not refused: {other:?}"),
        }
    };

    assert_eq!(
        refused(
            Commit::new(2, "x", "twice")
                .upsert(c[1].clone())
                .remove(c[1].code.clone())
        ),
        [Refusal::DuplicateCode {
            code: c[1].code.clone()
        }]
    );
    let ghost = sibling_code(&c[1], 951);
    assert_eq!(
        refused(Commit::new(2, "x", "ghost").remove(ghost.clone())),
        [Refusal::NotAlive {
            code: ghost.clone()
        }]
    );
    let orphan = Unit {
        parent: Some(sibling_code(&c[1], 952)),
        ..new_cell.clone()
    };
    assert_eq!(
        refused(Commit::new(2, "x", "no parent").upsert(orphan)),
        [Refusal::MissingParent {
            code: new_cell.code.clone(),
            parent: sibling_code(&c[1], 952)
        }]
    );
    let under_a_cell = Unit {
        parent: Some(c[2].code.clone()),
        ..new_cell.clone()
    };
    assert!(matches!(
        &refused(Commit::new(2, "x", "under a cell").upsert(under_a_cell))[..],
        [Refusal::ParentLevel {
            parent_level: Level::Cell,
            ..
        }]
    ));
    let promoted = Unit {
        level: Level::Village,
        ..c[2].clone()
    };
    assert!(
        refused(Commit::new(2, "x", "promoted").upsert(promoted))
            .iter()
            .any(|p| matches!(
                p,
                Refusal::LevelChanged {
                    was: Level::Cell,
                    now: Level::Village,
                    ..
                }
            ))
    );
    // Removing a village whose cells stay; a new cell under the village removed.
    let problems = refused(
        Commit::new(2, "x", "village gone")
            .remove(village.clone())
            .upsert(new_cell.clone()),
    );
    assert!(problems.contains(&Refusal::MissingParent {
        code: new_cell.code.clone(),
        parent: village.clone()
    }));
    assert!(problems.iter().any(|p| matches!(p, Refusal::Orphans { parent, children } if *parent == village && children.contains(&c[1].code))));
    // A lineage that does not match the commit, and one that names a code not there.
    let problems = refused(
        Commit::new(2, "x", "split")
            .upsert(new_cell.clone())
            .lineage(Lineage {
                kind: LineageKind::Split,
                from: vec![ghost.clone()],
                to: vec![ghost.clone(), new_cell.code.clone()],
            }),
    );
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0]
            .to_string()
            .contains(&format!("{ghost} is not in the base version"))
    );
    // An upsert equal to what is there changes nothing.
    assert_eq!(
        refused(Commit::new(2, "x", "same").upsert(c[3].clone())),
        [Refusal::Empty]
    );
    let nan = c[3]
        .clone()
        .with_attribute("density", AttrValue::Number(f64::NAN));
    assert!(matches!(
        &refused(Commit::new(2, "x", "nan").upsert(nan))[..],
        [Refusal::NonFinite { .. }]
    ));

    // A stale base is a conflict, not a refusal.
    let Err(StoreError::Conflict {
        base: 1, head: 2, ..
    }) = store.commit(Commit::new(1, "x", "stale").upsert(c[4].clone().with_name("late")))
    else {
        panic!("a stale base was not a conflict");
    };
    assert_eq!(
        content_hash(&f),
        before,
        "a refused commit changed the file"
    );
    assert_eq!(store.head().unwrap(), 2);
}

#[test]
fn the_last_cell_cannot_go() {
    for backend in backends() {
        last_cell(backend);
    }
}

fn last_cell(backend: Backend) {
    let partition = city(4, 4);
    let f = backend.fresh(&partition);
    let store = &f.store;
    let before = content_hash(&f);
    let mut all = Commit::new(1, "x", "everything");
    for unit in partition.units().iter().rev() {
        all = all.remove(unit.code.clone());
    }
    let Err(StoreError::Refused { problems, .. }) = store.commit(all) else {
        panic!("every unit removed")
    };
    assert_eq!(problems, [Refusal::NoCells]);
    assert_eq!(content_hash(&f), before);
}
