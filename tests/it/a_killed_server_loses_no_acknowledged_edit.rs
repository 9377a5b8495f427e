//! kill -9 durability through the server (issue 12): a client posts edits to
//! `citygrid serve --store` one after another, an attribute and a boundary in
//! turn, and the server is killed with SIGKILL at a random moment, often in the
//! middle of a commit. A 200 is the server's word that an edit is kept, so after
//! each kill the store must hold every version answered 200, exactly as answered;
//! at most the one edit in flight may have been committed without its answer, and
//! then whole; nothing of a later version; and the restarted server serves the
//! head, which checks clean. `a_killed_store_writer_loses_nothing` is the same at
//! the store level; this one goes through the edit engine, the server's refresh of
//! what it serves and its answer, which is where a client learns "done". A
//! second server of the same store, never killed, must serve each head the kills
//! leave; on PostGIS (issue 18) that is the database several servers share.
//!
//! The seed of the kill moments is printed; `CITYGRID_KILL_SEED=N` replays it.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use citygrid_check::{CheckOptions, Checker};
use citygrid_model::{AttrValue, Partition, UnitCode};
use citygrid_synth::SplitMix64;

use crate::support::{
    Backend, Neighbours, Server, generated_store_on, get, post, rows_beyond, run, token,
};

const ROUNDS: usize = 6;
/// The latest a kill comes after the round's first acknowledged edit.
const KILL_WITHIN_MS: u64 = 300;
/// The client's token name, which every version records as its author.
const CLIENT: &str = "kill-9 client";

/// What version `v` (from 2) is made by: even versions set `households` of A to
/// `v`; odd ones move the square between A and B, to B first, then back to A, and
/// so on. Every version's content follows from its number, whichever round made it
/// and whether or not its answer arrived.
fn op(cells: &Neighbours, v: u64) -> Value {
    if v.is_multiple_of(2) {
        json!({"op": "set", "cell": cells.a, "attributes": {"households": v}})
    } else {
        let (from, to) = if to_b(v) {
            (&cells.a, &cells.b)
        } else {
            (&cells.b, &cells.a)
        };
        json!({"op": "transfer", "from": from, "to": to, "area": cells.square})
    }
}

/// Whether the transfer making odd version `v` moves the square to B.
fn to_b(v: u64) -> bool {
    !((v - 1) / 2).is_multiple_of(2)
}

/// The edit making version `v`, on version `v - 1`.
fn request(cells: &Neighbours, v: u64) -> Value {
    json!({"base_version": v - 1, "message": format!("version {v}"), "ops": [op(cells, v)], "crs": "wgs84"})
}

/// The codes version `v` changes.
fn changes(cells: &Neighbours, v: u64) -> Vec<String> {
    let mut codes = vec![cells.a.clone()];
    if !v.is_multiple_of(2) {
        codes.push(cells.b.clone());
    }
    codes.sort();
    codes
}

/// The versions answered 200 so far, each with the codes the answer says changed.
type Answered = Arc<Mutex<Vec<(u64, Vec<String>)>>>;

/// Posts the edits making versions `head + 1`, `head + 2`, ... one after another,
/// adding each version answered 200 (and the codes the answer says changed) to
/// `acked`, until the server is gone. Any other answer is an error.
fn client(
    port: u16,
    secret: String,
    cells: Arc<Neighbours>,
    head: u64,
    acked: Answered,
) -> JoinHandle<Result<(), String>> {
    std::thread::spawn(move || {
        for v in head + 1.. {
            let Some((status, answer)) = post(port, "/v1/edits", &secret, &request(&cells, v))
            else {
                return Ok(());
            };
            if status != 200 || answer["version"] != v {
                return Err(format!("the edit making version {v}: {status} {answer}"));
            }
            let changed = answer["changed"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(String::from)
                .collect();
            acked.lock().unwrap().push((v, changed));
        }
        Ok(())
    })
}

/// The seed of the kill moments: `CITYGRID_KILL_SEED`, or the clock.
fn seed() -> u64 {
    std::env::var("CITYGRID_KILL_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(1, |d| d.as_nanos() as u64)
        })
}

/// Waits until `server` serves version `v`, for at most a second.
fn serves(server: &Server, v: u64, at: &str) {
    let started = Instant::now();
    loop {
        let (_, ready) = get(server.port, "/readyz").expect("the witness answers");
        if ready["version"] == v {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "{at}: the witness still serves {} a second after version {v} was found: {}",
            ready["version"],
            server.log()
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn a_server_killed_at_random_moments_loses_no_acknowledged_edit() {
    killed(Backend::GeoPackage);
}

#[test]
fn a_server_of_a_postgis_database_killed_at_random_moments_loses_no_acknowledged_edit() {
    killed(Backend::Postgis);
}

fn killed(backend: Backend) {
    let Some((at, store)) = generated_store_on(backend, "killed-server.gpkg", 8, 60) else {
        return;
    };
    let location = at.location.as_str();
    let first = store.load(1).unwrap();
    drop(store);
    let cells = Arc::new(Neighbours::of(&first));
    let secret = token(location, "editor", CLIENT);
    let seed = seed();
    println!("seed {seed} (CITYGRID_KILL_SEED={seed} replays the kill moments)");
    let mut rng = SplitMix64::new(seed);
    let witness = Server::start(location);

    let mut acknowledged: BTreeMap<u64, Vec<String>> = BTreeMap::new();
    let mut unanswered = Vec::new();
    let mut head = 1;
    for round in 0..ROUNDS {
        let at = format!("round {round} (seed {seed})");
        let mut server = Server::start(location);
        let (_, ready) = get(server.port, "/readyz").unwrap();
        assert_eq!(
            (&ready["status"], &ready["version"]),
            (&json!("ready"), &json!(head)),
            "{at}: {ready}"
        );

        let acked = Arc::new(Mutex::new(Vec::new()));
        let posting = client(
            server.port,
            secret.clone(),
            Arc::clone(&cells),
            head,
            Arc::clone(&acked),
        );
        // Kill once the round has got somewhere, a random moment later.
        let started = Instant::now();
        while acked.lock().unwrap().is_empty() && !posting.is_finished() {
            assert!(
                started.elapsed() < Duration::from_secs(120),
                "{at}: no edit answered in 120 s: {}",
                server.log()
            );
            std::thread::sleep(Duration::from_millis(1));
        }
        let wait = rng.next_u64() % KILL_WITHIN_MS;
        std::thread::sleep(Duration::from_millis(wait));
        let status = server.kill();
        assert!(
            status.code().is_none(),
            "{at}: the server stopped by itself ({status}): {}",
            server.log()
        );
        if let Err(e) = posting.join().unwrap() {
            panic!("{at}: {e}\n{}", server.log());
        }
        let acked = std::mem::take(&mut *acked.lock().unwrap());
        let last = acked.last().map_or(head, |(v, _)| *v);

        // The store as the kill left it: the last version answered is there, and at
        // most the one in flight after it, and the head checks clean.
        let store = citygrid_store::open(location).unwrap();
        let now = store.head().unwrap();
        assert!(
            now == last || now == last + 1,
            "{at}: head {now} after version {last} was the last answered"
        );
        assert_eq!(
            rows_beyond(location, now),
            0,
            "{at}: rows of a version after the head {now}"
        );
        let report =
            Checker::new(CheckOptions::default()).check_partition(&store.load(now).unwrap(), None);
        assert!(
            report.is_valid(),
            "{at}: the head, version {now}: {:#?}",
            report.violations
        );
        if now > last {
            unanswered.push(now);
        }
        serves(&witness, now, &at);
        println!(
            "{at}: killed {wait} ms after the first answer; versions {}..={last} answered, head {now}",
            head + 1
        );
        acknowledged.extend(acked);
        head = now;
    }
    println!("committed but never answered: {unanswered:?}");

    // Restarted: the head is served, ready, with every version listed.
    let server = Server::start(location);
    let (status, ready) = get(server.port, "/readyz").unwrap();
    assert_eq!(
        (status, &ready["status"], &ready["version"]),
        (200, &json!("ready"), &json!(head)),
        "{ready}"
    );
    let (_, listed) = get(server.port, "/v1/versions?limit=1000").unwrap();
    assert_eq!(listed["head"], head);
    assert_eq!(
        listed["versions"].as_array().map(Vec::len),
        Some(head as usize)
    );

    // The command line agrees, and so does the witness, which never stopped.
    let history = run(&[
        "history", "--store", location, "--format", "json", "--limit", "1000",
    ]);
    let history: Value = serde_json::from_slice(&history.stdout).unwrap_or_else(|e| {
        panic!(
            "citygrid history: {e}: {}",
            String::from_utf8_lossy(&history.stderr)
        )
    });
    assert_eq!(history["head"], head, "citygrid history");
    assert_eq!(
        history["versions"].as_array().map(Vec::len),
        Some(head as usize),
        "citygrid history"
    );
    let (_, answer) = get(server.port, &format!("/v1/cells/{}", cells.a)).unwrap();
    let (_, witnessed) = get(witness.port, &format!("/v1/cells/{}", cells.a)).unwrap();
    assert_eq!(answer, witnessed, "the restarted server and the witness");
    assert_eq!(witnessed["version"], head, "{}", witness.log());

    // Every version holds exactly what its number says, the answered ones as
    // answered, each record agreeing with the units it changed.
    let store = citygrid_store::open(location).unwrap();
    let a: UnitCode = cells.a.parse().unwrap();
    for v in 2..=head {
        let want = changes(&cells, v);
        let info = store.version(v).unwrap();
        let recorded =
            |codes: &[UnitCode]| -> Vec<String> { codes.iter().map(ToString::to_string).collect() };
        assert_eq!(
            (
                info.base,
                info.author.as_str(),
                info.message.clone(),
                recorded(&info.changed),
                info.created.len() + info.retired.len()
            ),
            (Some(v - 1), CLIENT, format!("version {v}"), want.clone(), 0),
            "version {v} (seed {seed})"
        );
        if let Some(answered) = acknowledged.get(&v) {
            assert_eq!(answered, &want, "version {v} was answered (seed {seed})");
        }
        let diff = store.changes(v - 1, v).unwrap();
        let upserted: Vec<String> = diff.upserts.iter().map(|u| u.code.to_string()).collect();
        assert_eq!(
            (upserted, diff.removed.len()),
            (want, 0),
            "version {v}'s units (seed {seed})"
        );

        let p: Partition = store.load(v).unwrap();
        let households = (2..=v).rev().find(|n| n.is_multiple_of(2));
        assert_eq!(
            p.get(&a).unwrap().attributes.get("households"),
            households.map(|n| AttrValue::Number(n as f64)).as_ref(),
            "version {v} (seed {seed})"
        );
        if let Some(t) = (3..=v).rev().find(|n| !n.is_multiple_of(2)) {
            let holder = if to_b(t) { &cells.b } else { &cells.a };
            assert_eq!(
                cells.holder(&p),
                Some(holder.as_str()),
                "version {v}: the square (seed {seed})"
            );
        }
    }
}
