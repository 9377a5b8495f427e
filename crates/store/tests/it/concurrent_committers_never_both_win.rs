use std::sync::{Arc, Barrier};

use citygrid_model::AttrValue;
use citygrid_store::{Commit, Store, StoreError};

use crate::support::{Backend, backends, cells, city};

/// Six writers (four with a connection of their own, as separate processes have, two
/// sharing one store) commit on the same base each round: exactly one wins, the
/// others meet a conflict naming the new head, and versions stay gap-free.
#[test]
fn exactly_one_commit_wins_each_round() {
    for backend in backends() {
        one_wins_each_round(backend);
    }
}

fn one_wins_each_round(backend: Backend) {
    const WRITERS: usize = 6;
    const ROUNDS: u64 = 8;
    let partition = city(21, 30);
    let f = backend.fresh(&partition);
    let shared: Arc<dyn Store> = Arc::from(f.open_again());
    let cell = cells(&partition).remove(0);
    let barrier = Arc::new(Barrier::new(WRITERS));
    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let store: Arc<dyn Store> = if w < 4 {
                Arc::from(f.open_again())
            } else {
                Arc::clone(&shared)
            };
            let (barrier, cell) = (Arc::clone(&barrier), cell.clone());
            std::thread::spawn(move || {
                let mut wins = Vec::new();
                for round in 1..=ROUNDS {
                    barrier.wait();
                    let unit = cell
                        .clone()
                        .with_attribute("writer", AttrValue::Number(w as f64))
                        .with_attribute("round", AttrValue::Number(round as f64));
                    match store
                        .commit(Commit::new(round, format!("writer {w}"), "race").upsert(unit))
                    {
                        Ok(info) => wins.push(info.version),
                        Err(StoreError::Conflict { head, .. }) => assert_eq!(head, round + 1),
                        Err(e) => panic!("writer {w}: {e}"),
                    }
                    barrier.wait();
                }
                wins
            })
        })
        .collect();
    let mut wins: Vec<u64> = writers
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    wins.sort_unstable();
    assert_eq!(
        wins,
        (2..=ROUNDS + 1).collect::<Vec<_>>(),
        "one winner per round"
    );
    assert_eq!(shared.head().unwrap(), ROUNDS + 1);
    for v in 2..=ROUNDS + 1 {
        let info = shared.version(v).unwrap();
        assert_eq!(info.base, Some(v - 1));
        let winner = shared.load(v).unwrap();
        let unit = winner.get(&cell.code).unwrap();
        assert_eq!(unit.attributes["round"], AttrValue::Number((v - 1) as f64));
        assert_eq!(
            format!(
                "writer {}",
                match unit.attributes["writer"] {
                    AttrValue::Number(x) => x,
                    _ => -1.0,
                }
            ),
            info.author
        );
    }
}

/// Readers on other threads keep reading whole versions while a writer commits.
#[test]
fn readers_see_whole_versions_while_a_writer_commits() {
    for backend in backends() {
        whole_versions(backend);
    }
}

fn whole_versions(backend: Backend) {
    let partition = city(22, 40);
    let f = backend.fresh(&partition);
    let store = &f.store;
    let again = f.open_again();
    let cell_codes: Vec<_> = cells(&partition)
        .iter()
        .take(10)
        .map(|c| c.code.clone())
        .collect();
    let reader = std::thread::spawn(move || {
        let store = again;
        let mut seen = 0;
        while seen < 12 {
            let head = store.head().unwrap();
            let p = store.load(head).unwrap();
            // Every commit sets "round" on ten cells at once: a version is all or none.
            let rounds: Vec<_> = cell_codes
                .iter()
                .map(|c| p.get(c).unwrap().attributes.get("round").cloned())
                .collect();
            assert!(
                rounds.windows(2).all(|w| w[0] == w[1]),
                "version {head} is half written: {rounds:?}"
            );
            seen = head;
        }
    });
    let mut base = 1;
    while base < 12 {
        let mut commit = Commit::new(base, "writer", "ten cells");
        for cell in cells(&store.load(base).unwrap()).into_iter().take(10) {
            commit = commit.upsert(cell.with_attribute("round", AttrValue::Number(base as f64)));
        }
        base = store.commit(commit).unwrap().version;
    }
    reader.join().unwrap();
}
