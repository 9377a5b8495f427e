//! kill -9 durability: a writer process commits in a loop and is killed at random
//! moments; after each round the store must hold every version it acknowledged,
//! whole, and nothing of a version it did not finish.

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::Duration;

use citygrid_model::{AttrValue, Level};
use citygrid_synth::SplitMix64;
use citygrid_tests::store_rounds::touched;

use crate::support::{binary, generated_store, rows_beyond};

const ROUNDS: usize = 6;

#[test]
fn a_writer_killed_at_random_moments_loses_no_acknowledged_version() {
    let (location, store) = generated_store("killed.gpkg", 8, 60);
    drop(store);
    let location = location.as_str();
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |d| d.as_nanos() as u64);
    let mut rng = SplitMix64::new(seed);
    let mut acknowledged = 1;
    for round in 0..ROUNDS {
        let mut writer = binary("store-writer")
            .args(["loop", location])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("store-writer starts");
        let stdout = writer.stdout.take().expect("stdout");
        let printed = std::thread::spawn(move || {
            BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
                .filter_map(|l| l.parse::<u64>().ok())
                .max()
        });
        let wait = 60 + rng.next_u64() % 240;
        std::thread::sleep(Duration::from_millis(wait));
        writer.kill().expect("SIGKILL");
        let status = writer.wait().unwrap();
        let mut stderr = String::new();
        std::io::Read::read_to_string(&mut writer.stderr.take().unwrap(), &mut stderr).unwrap();
        assert!(
            status.code().is_none(),
            "round {round} (seed {seed}): the writer stopped by itself: {stderr}"
        );
        acknowledged = acknowledged.max(printed.join().unwrap().unwrap_or(0));

        // Reopened as after a crash: sound, and everything acknowledged is there.
        let store = citygrid_store::open(location).unwrap();
        let head = store.head().unwrap();
        assert!(
            head >= acknowledged,
            "round {round} (seed {seed}): head {head} < acknowledged {acknowledged}"
        );
        let beyond = rows_beyond(location, head);
        assert_eq!(
            beyond, 0,
            "round {round} (seed {seed}): rows of a version after the head {head}"
        );
    }
    assert!(
        acknowledged > ROUNDS as u64,
        "the writer committed too little to test anything (seed {seed})"
    );

    // Every version holds exactly what its number says.
    let store = citygrid_store::open(location).unwrap();
    let head = store.head().unwrap();
    let first = store.load(1).unwrap();
    let cells: Vec<_> = first
        .level_ids(Level::Cell)
        .map(|id| first.unit(id).clone())
        .collect();
    let mut last_round = vec![None; cells.len()];
    for v in 2..=head {
        let changed = touched(v, cells.len());
        for &i in &changed {
            last_round[i] = Some(v);
        }
        let p = store.load(v).unwrap();
        assert_eq!(p.units().len(), first.units().len(), "version {v}");
        for (cell, round) in cells.iter().zip(&last_round) {
            let want = match round {
                Some(r) => cell
                    .as_ref()
                    .clone()
                    .with_attribute("round", AttrValue::Number(*r as f64)),
                None => cell.as_ref().clone(),
            };
            assert_eq!(
                **p.get(&cell.code).unwrap(),
                want,
                "version {v}, cell {}",
                cell.code
            );
        }
        let info = store.version(v).unwrap();
        assert_eq!(
            (info.base, info.changed.len()),
            (Some(v - 1), changed.len()),
            "version {v}"
        );
    }
}
