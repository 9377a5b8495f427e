//! Editors racing over HTTP (issue 12): several clients, each with a token of its
//! own, post an edit of one and the same cell on the same base version at the same
//! moment, some an attribute, some a boundary. However the server's workers
//! interleave them, exactly one is answered 200 each round and every other 409
//! conflict naming the cell and the new head, so no editor's work is silently
//! replaced by another's; the store then holds one version per round, the
//! winner's, and every version checks clean. `rival_processes_never_both_commit` is
//! the same at the store level; this one goes through tokens, the edit engine's
//! rebase-or-refuse and the server's answers. On PostGIS (issue 18) the writers
//! post through two servers of one database, so that the race is decided by the
//! database, not inside one process, and both servers end serving the same.

use std::sync::Barrier;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use citygrid_check::{CheckOptions, Checker};
use citygrid_model::{AttrValue, UnitCode};

use crate::support::{
    Backend, Neighbours, Server, connect, exchange, generated_store_on, get, token,
};

const WRITERS: usize = 4;
const ROUNDS: u64 = 12;

/// Writer `w`'s edit of round `round`: even writers set `households` of A to
/// `100 round + w`, odd ones move the square from A to B, or back when it is in B.
fn edit(cells: &Neighbours, round: u64, w: usize, square_in_b: bool) -> Value {
    let op = if w.is_multiple_of(2) {
        json!({"op": "set", "cell": cells.a, "attributes": {"households": 100 * round + w as u64}})
    } else {
        let (from, to) = if square_in_b {
            (&cells.b, &cells.a)
        } else {
            (&cells.a, &cells.b)
        };
        json!({"op": "transfer", "from": from, "to": to, "area": cells.square})
    };
    json!({"base_version": round, "message": format!("round {round}, writer {w}"), "ops": [op], "crs": "wgs84"})
}

#[test]
fn of_editors_posting_on_one_base_at_once_exactly_one_wins_each_round() {
    racing(Backend::GeoPackage, 1);
}

#[test]
fn of_editors_posting_through_two_servers_of_one_postgis_database_exactly_one_wins_each_round() {
    racing(Backend::Postgis, 2);
}

/// `WRITERS` writers race for `ROUNDS` rounds through `servers` servers of one
/// store on `backend`, writer `w` through server `w % servers`.
fn racing(backend: Backend, servers: usize) {
    let Some((at, store)) = generated_store_on(backend, "racing.gpkg", 9, 40) else {
        return;
    };
    let location = at.location.as_str();
    let cells = Neighbours::of(&store.load(1).unwrap());
    let secrets: Vec<String> = (0..WRITERS)
        .map(|w| token(location, "editor", &format!("writer {w}")))
        .collect();
    let servers: Vec<Server> = (0..servers).map(|_| Server::start(location)).collect();
    let logs = || -> String {
        servers
            .iter()
            .map(Server::log)
            .collect::<Vec<_>>()
            .join("\n")
    };

    let mut square_in_b = false;
    let mut winners = Vec::new();
    for round in 1..=ROUNDS {
        // The head is `round`: every writer edits on it, all let go at once.
        let start = Barrier::new(WRITERS);
        let answers: Vec<(u16, Value)> = std::thread::scope(|s| {
            let posting: Vec<_> = (0..WRITERS)
                .map(|w| {
                    let (start, cells, secret) = (&start, &cells, &secrets[w]);
                    let port = servers[w % servers.len()].port;
                    s.spawn(move || {
                        let body = edit(cells, round, w, square_in_b);
                        let conn = connect(port).expect("the server takes connections");
                        start.wait();
                        exchange(conn, "POST", "/v1/edits", Some(secret), Some(&body))
                    })
                })
                .collect();
            posting
                .into_iter()
                .enumerate()
                .map(|(w, p)| {
                    p.join()
                        .unwrap()
                        .unwrap_or_else(|| panic!("round {round}: writer {w} got no answer"))
                })
                .collect()
        });
        let won: Vec<usize> = (0..WRITERS).filter(|&w| answers[w].0 == 200).collect();
        assert_eq!(won.len(), 1, "round {round}: {answers:#?}\n{}", logs());
        let w = won[0];
        assert_eq!(answers[w].1["version"], round + 1, "round {round}");
        for (other, (status, answer)) in answers.iter().enumerate() {
            if other == w {
                continue;
            }
            let error = &answer["error"];
            assert_eq!(
                (*status, &error["kind"], &error["head"]),
                (409, &json!("conflict"), &json!(round + 1)),
                "round {round}, writer {other}: {answer}"
            );
            assert!(
                error["changed_since"]
                    .as_array()
                    .is_some_and(|l| l.contains(&json!(cells.a))),
                "round {round}, writer {other}: {answer}"
            );
        }
        println!("round {round}: writer {w} won");
        winners.push(w);
        if !w.is_multiple_of(2) {
            square_in_b = !square_in_b;
        }
    }

    // One version per round, the winner's, served by every server within a
    // second, the same by each, and each checks clean.
    assert_eq!(store.head().unwrap(), ROUNDS + 1);
    let last = Instant::now();
    let mut answers = Vec::new();
    for server in &servers {
        loop {
            let (_, ready) = get(server.port, "/readyz").expect("an answer");
            if ready["version"] == ROUNDS + 1 {
                break;
            }
            assert!(
                last.elapsed() < Duration::from_secs(1),
                "a server still serves {} a second after the last edit: {}",
                ready["version"],
                server.log()
            );
            std::thread::sleep(Duration::from_millis(5));
        }
        let answer = |path: &str| get(server.port, path).expect("an answer");
        answers.push([
            answer("/v1/versions"),
            answer(&format!("/v1/cells/{}", cells.a)),
            answer(&format!("/v1/cells/{}", cells.b)),
        ]);
    }
    for (s, other) in answers.iter().enumerate().skip(1) {
        assert_eq!(
            other, &answers[0],
            "server {s} and server 0 answer differently"
        );
    }
    let a: UnitCode = cells.a.parse().unwrap();
    let mut square_in_b = false;
    for (round, &w) in (1..=ROUNDS).zip(&winners) {
        let v = round + 1;
        let info = store.version(v).unwrap();
        assert_eq!(
            (info.base, info.author.clone(), info.message.clone()),
            (
                Some(round),
                format!("writer {w}"),
                format!("round {round}, writer {w}")
            ),
            "version {v}"
        );
        let p = store.load(v).unwrap();
        if w.is_multiple_of(2) {
            assert_eq!(
                p.get(&a).unwrap().attributes.get("households"),
                Some(&AttrValue::Number((100 * round + w as u64) as f64)),
                "version {v}"
            );
        } else {
            square_in_b = !square_in_b;
            let holder = if square_in_b { &cells.b } else { &cells.a };
            assert_eq!(cells.holder(&p), Some(holder.as_str()), "version {v}");
        }
        let report = Checker::new(CheckOptions::default()).check_partition(&p, None);
        assert!(report.is_valid(), "version {v}: {:#?}", report.violations);
    }
}
