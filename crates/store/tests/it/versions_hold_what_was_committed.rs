use std::time::Duration;

use citygrid_model::{AttrValue, Partition, Unit};
use citygrid_store::{Commit, Lineage, LineageKind, Refusal, Store, StoreError, VersionKind};
use geo_types::MultiPolygon;
use jiff::{SignedDuration, Timestamp};

use crate::support::{Backend, assert_same, backends, cells, city, code, sibling_code};

/// Commits `commit` and keeps `expected` in step by applying the same changes.
fn commit(store: &dyn Store, expected: &mut Vec<Partition>, commit: Commit) {
    let head = expected.last().unwrap();
    let next = head
        .with_changes(commit.upserts.clone(), &commit.removed)
        .unwrap();
    let info = store.commit(commit).unwrap();
    assert_eq!(info.version, next.version());
    expected.push(next);
    // Distinct milliseconds, so each version has its own time.
    std::thread::sleep(Duration::from_millis(3));
}

/// The two halves of a cell: its first polygon twice, as stand-in geometry (the
/// store does not judge geometry; the edit engine does).
fn halves(cell: &Unit, a: u32, b: u32) -> [Unit; 2] {
    [a, b].map(|seq| Unit {
        code: sibling_code(cell, seq),
        geometry: MultiPolygon(vec![cell.geometry.0[0].clone()]),
        ..cell.clone()
    })
}

#[test]
fn every_version_loads_as_committed_and_changes_lead_between_any_two() {
    for backend in backends() {
        every_version(backend);
    }
}

fn every_version(backend: Backend) {
    let partition = city(11, 120);
    let f = backend.fresh(&partition);
    let store = f.store.as_ref();
    let c = cells(&partition);
    let mut expected = vec![partition.clone()];

    // 2: attributes of three cells.
    let mut edit = Commit::new(1, "alice", "households counted");
    for cell in &c[..3] {
        edit = edit.upsert(
            cell.clone()
                .with_attribute("households", AttrValue::Number(999.0))
                .with_attribute("surveyed", AttrValue::Bool(true)),
        );
    }
    commit(store, &mut expected, edit);
    // 3: a split: c[3] becomes two new cells.
    let [a, b] = halves(&c[3], 901, 902);
    commit(
        store,
        &mut expected,
        Commit::new(2, "alice", "split")
            .remove(c[3].code.clone())
            .upsert(a.clone())
            .upsert(b.clone())
            .lineage(Lineage {
                kind: LineageKind::Split,
                from: vec![c[3].code.clone()],
                to: vec![a.code.clone(), b.code.clone()],
            }),
    );
    // 4: a merge: c[5] takes c[6] in (and keeps its code).
    commit(
        store,
        &mut expected,
        Commit::new(3, "bob", "merge")
            .upsert(c[5].clone().with_name("merged"))
            .remove(c[6].code.clone())
            .lineage(Lineage {
                kind: LineageKind::Merge,
                from: vec![c[5].code.clone(), c[6].code.clone()],
                to: vec![c[5].code.clone()],
            }),
    );
    // 5: a revert to 2: the split and merge undone, their codes alive again.
    let back = store.changes(4, 2).unwrap();
    let mut revert = Commit::new(4, "carol", "undo").revert_to(2);
    revert.upserts = back.upserts;
    revert.removed = back.removed;
    commit(store, &mut expected, revert);

    assert_eq!(store.head().unwrap(), 5);
    for (n, want) in expected.iter().enumerate() {
        let v = n as u64 + 1;
        let got = store.load(v).unwrap();
        assert_eq!(got.version(), v);
        assert_same(&got, want);
    }
    assert_same(&store.load(5).unwrap(), &store.load(2).unwrap());
    for from in 1..=5 {
        for to in 1..=5 {
            let changes = store.changes(from, to).unwrap();
            assert_eq!(
                changes.is_empty(),
                from == to || [from, to] == [2, 5] || [from, to] == [5, 2]
            );
            let applied = changes.apply(&store.load(from).unwrap()).unwrap();
            assert_eq!(applied.version(), to);
            assert_same(&applied, &expected[to as usize - 1]);
        }
    }

    // What each version says it did.
    let info: Vec<_> = (1..=5).map(|v| store.version(v).unwrap()).collect();
    let codes = |units: &[&Unit]| {
        let mut c: Vec<_> = units.iter().map(|u| u.code.clone()).collect();
        c.sort();
        c
    };
    assert_eq!(info[1].changed, codes(&[&c[0], &c[1], &c[2]]));
    assert_eq!(
        (info[2].created.clone(), info[2].retired.clone()),
        (codes(&[&a, &b]), codes(&[&c[3]]))
    );
    assert_eq!(
        (info[3].changed.clone(), info[3].retired.clone()),
        (codes(&[&c[5]]), codes(&[&c[6]]))
    );
    assert_eq!(info[4].kind, VersionKind::Revert);
    assert_eq!(info[4].reverted_to, Some(2));
    assert_eq!(info[4].created, codes(&[&c[3], &c[6]]));
    assert_eq!(info[4].retired, codes(&[&a, &b]));
    assert_eq!(info[4].changed, codes(&[&c[5]]));

    // Pages of history, newest first.
    let numbers =
        |page: Vec<citygrid_store::VersionInfo>| page.iter().map(|i| i.version).collect::<Vec<_>>();
    assert_eq!(numbers(store.versions(None, 2).unwrap()), [5, 4]);
    assert_eq!(numbers(store.versions(Some(4), 10).unwrap()), [3, 2, 1]);

    // The version in force at a time.
    let ms = SignedDuration::from_millis(1);
    for i in &info {
        assert_eq!(store.version_at(i.created_at).unwrap(), Some(i.version));
        assert_eq!(
            store.version_at(i.created_at + ms).unwrap(),
            Some(i.version)
        );
    }
    assert_eq!(store.version_at(info[0].created_at - ms).unwrap(), None);
    assert_eq!(store.version_at(Timestamp::MAX).unwrap(), Some(5));
    assert!(info.windows(2).all(|w| w[0].created_at < w[1].created_at));

    // A cell's history, and its lineage.
    let history = store.unit_history(&c[0].code).unwrap();
    let spans: Vec<_> = history.iter().map(|r| (r.valid_from, r.valid_to)).collect();
    assert_eq!(spans, [(1, Some(2)), (2, None)]);
    assert!(history[1].holds_at(5) && !history[0].holds_at(2));
    let split = store.unit_history(&a.code).unwrap();
    assert_eq!(
        split
            .iter()
            .map(|r| (r.valid_from, r.valid_to))
            .collect::<Vec<_>>(),
        [(3, Some(5))]
    );
    let lineage = store.lineage(&c[3].code).unwrap();
    assert_eq!(lineage.len(), 1);
    assert_eq!(
        (lineage[0].version, lineage[0].kind),
        (3, LineageKind::Split)
    );
    assert_eq!(lineage[0].to, codes(&[&a, &b]));
    assert_eq!(
        store.lineage(&c[6].code).unwrap()[0].from,
        codes(&[&c[5], &c[6]])
    );
    assert!(store.lineage(&c[1].code).unwrap().is_empty());
    assert!(store.code_ever_used(&a.code).unwrap());
    assert!(!store.code_ever_used(&sibling_code(&c[0], 999)).unwrap());
}

#[test]
fn a_retired_code_is_never_used_again_except_by_a_revert() {
    for backend in backends() {
        never_reused(backend);
    }
}

fn never_reused(backend: Backend) {
    let partition = city(5, 40);
    let f = backend.fresh(&partition);
    let store = &f.store;
    let gone = cells(&partition).remove(4);
    store
        .commit(Commit::new(1, "alice", "retire").remove(gone.code.clone()))
        .unwrap();
    for kind in [VersionKind::Edit, VersionKind::Import] {
        let Err(StoreError::Refused { problems, .. }) = store.commit(
            Commit::new(2, "alice", "reuse")
                .kind(kind)
                .upsert(gone.clone()),
        ) else {
            panic!("a retired code came back in an {kind}");
        };
        assert_eq!(
            problems,
            [Refusal::CodeReused {
                code: gone.code.clone(),
                retired_in: Some(2)
            }]
        );
    }
    let message = store
        .commit(Commit::new(2, "alice", "reuse").upsert(gone.clone()))
        .unwrap_err()
        .to_string();
    assert!(
        message.contains(&format!("{} was retired in version 2", gone.code)),
        "{message}"
    );
    // A revert to 1 brings back the same unit under its code.
    let v3 = store
        .commit(
            Commit::new(2, "alice", "undo")
                .revert_to(1)
                .upsert(gone.clone()),
        )
        .unwrap();
    assert_eq!(v3.created, std::slice::from_ref(&gone.code));
    assert_same(&store.load(3).unwrap(), &store.load(1).unwrap());
    // ... and it may be retired again, and not reused after that.
    store
        .commit(Commit::new(3, "alice", "retire").remove(gone.code.clone()))
        .unwrap();
    assert!(
        store
            .commit(Commit::new(4, "alice", "reuse").upsert(gone))
            .is_err()
    );
}

#[test]
fn a_missing_version_names_itself_and_the_head() {
    for backend in backends() {
        missing_version(backend);
    }
}

fn missing_version(backend: Backend) {
    let f = backend.fresh(&city(2, 10));
    let store = &f.store;
    for v in [0, 2, 99] {
        let e = store.load(v).unwrap_err();
        assert!(matches!(e, StoreError::NotFound { version, head: 1, .. } if version == v));
        assert!(
            e.to_string().contains(&format!(
                "version {v} does not exist (the head is version 1)"
            )),
            "{e}"
        );
        assert!(store.version(v).is_err() && store.changes(1, v).is_err());
    }
    assert!(
        store
            .unit_history(&code("520100999999999"))
            .unwrap()
            .is_empty()
    );
}
