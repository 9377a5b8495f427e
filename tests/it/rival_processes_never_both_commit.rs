//! Optimistic commits across processes: several processes commit on the same base
//! at once, each with its own connections; SQLite's write lock and the base check
//! inside the transaction let exactly one win each round.

use std::process::Stdio;

use crate::support::{binary, generated_store};

const PROCESSES: usize = 3;
const ROUNDS: u64 = 4;

#[test]
fn of_processes_committing_on_one_base_exactly_one_wins_each_round() {
    let (location, store) = generated_store("rivals.gpkg", 9, 40);
    let location = location.as_str();
    for base in 1..=ROUNDS {
        let rivals: Vec<_> = (0..PROCESSES)
            .map(|p| {
                binary("store-writer")
                    .args(["once", location, &base.to_string(), &format!("process {p}")])
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .expect("store-writer starts")
            })
            .collect();
        let said: Vec<String> = rivals
            .into_iter()
            .map(|r| {
                let out = r.wait_with_output().unwrap();
                assert!(
                    out.status.success(),
                    "{}",
                    String::from_utf8_lossy(&out.stderr)
                );
                String::from_utf8_lossy(&out.stdout).trim().to_string()
            })
            .collect();
        let next = base + 1;
        let winners: Vec<usize> = (0..PROCESSES)
            .filter(|&p| said[p] == format!("won {next}"))
            .collect();
        assert_eq!(winners.len(), 1, "round {base}: {said:?}");
        for (p, s) in said.iter().enumerate() {
            assert!(
                p == winners[0] || *s == format!("conflict {next}"),
                "round {base}: {said:?}"
            );
        }
        let info = store.version(next).unwrap();
        assert_eq!(
            (info.base, info.author.clone()),
            (Some(base), format!("process {}", winners[0]))
        );
    }
    assert_eq!(store.head().unwrap(), ROUNDS + 1);
}
