//! Several stateless `citygrid serve` processes over one PostGIS database (issue 18):
//! an edit through any of three servers is served by the other two within a
//! second; and when the database restarts, or is down for a few seconds, the
//! servers keep answering every read from memory (no 5xx, no crash), say so in
//! `/readyz` (`read_only`) and `/metrics`, refuse edits meanwhile with a 503
//! `store_unreachable`, and take edits again once it is back, served by the others
//! within a second. A server started before its database answers `starting` and
//! serves once the database is up. Racing editors through two servers and kill -9 of a server mid-commit
//! are `editors_racing_over_http_never_both_win` and
//! `a_killed_server_loses_no_acknowledged_edit` on PostGIS.
//!
//! The outage tests stop and start a PostgreSQL cluster of their own
//! ([`Cluster`]): the shared one of `CITYGRID_TEST_POSTGRES` serves other tests at
//! the same time. Without `CITYGRID_TEST_POSTGRES` every test here says loudly
//! that it does not run.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use geo::InteriorPoint;
use serde_json::{Value, json};

use citygrid_model::{Level, Partition};

use crate::support::{
    Backend, Cluster, Server, TestStore, connect, database_name, generated_store_at,
    generated_store_on, get, post, postgres_admin, request, token, until,
};

/// How soon every server must serve a version another server committed.
const PROPAGATION: Duration = Duration::from_secs(1);

/// The first `n` cells of `p`, by code.
fn cell_codes(p: &Partition, n: usize) -> Vec<String> {
    p.level_ids(Level::Cell)
        .take(n)
        .map(|id| p.unit(id).code.to_string())
        .collect()
}

/// The edit setting `households` of `code` to `households`, on version `base`.
fn set(code: &str, households: u64, base: u64) -> Value {
    json!({"base_version": base, "message": format!("{code}: {households} households"),
        "ops": [{"op": "set", "cell": code, "attributes": {"households": households}}]})
}

/// How long after `since` `server` answers `/v1/cells/{code}` as of version `v`
/// (the body's `version` and the `X-Citygrid-Version` header) with `households`;
/// polls for up to 10 s, so that a slow server is reported with its figure.
fn served(server: &Server, code: &str, v: u64, households: u64, since: Instant) -> Duration {
    let path = format!("/v1/cells/{code}");
    loop {
        if let Some(answer) =
            connect(server.port).and_then(|c| request(c, "GET", &path, None, None))
        {
            let body = answer.json();
            if answer.status == 200 && body["version"] == v {
                assert_eq!(
                    answer.header("x-citygrid-version"),
                    Some(v.to_string().as_str()),
                    "{path} of version {v}: the header"
                );
                assert_eq!(
                    body["properties"]["attributes"]["households"], households,
                    "{path} of version {v}: {body}"
                );
                return since.elapsed();
            }
        }
        assert!(
            since.elapsed() < Duration::from_secs(10),
            "{path}: version {v} not served after 10 s: {}",
            server.log()
        );
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// The median and the largest of `times`, in milliseconds.
fn median_max(times: &mut [Duration]) -> (f64, f64) {
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    (ms(times[times.len() / 2]), ms(times[times.len() - 1]))
}

#[test]
fn an_edit_through_any_of_three_servers_is_served_by_the_other_two_within_a_second() {
    const EDITS: u64 = 12;
    let Some((at, store)) = generated_store_on(Backend::Postgis, "three-servers", 6, 80) else {
        return;
    };
    let codes = cell_codes(&store.load(1).unwrap(), 3);
    drop(store);
    let secret = token(&at.location, "editor", "three servers");
    let servers: Vec<Server> = (0..3).map(|_| Server::start(&at.location)).collect();

    let mut times = Vec::new();
    for k in 0..EDITS {
        let (v, through) = (k + 2, (k % 3) as usize);
        let (code, households) = (&codes[k as usize % codes.len()], 1000 + k);
        let (status, answer) = post(
            servers[through].port,
            "/v1/edits",
            &secret,
            &set(code, households, v - 1),
        )
        .expect("an answer to the edit");
        assert_eq!(
            (status, &answer["version"]),
            (200, &json!(v)),
            "the edit making version {v}: {answer}\n{}",
            servers[through].log()
        );
        let acknowledged = Instant::now();
        let others: Vec<(usize, Duration)> = std::thread::scope(|s| {
            let polls: Vec<_> = (0..3)
                .filter(|&o| o != through)
                .map(|o| {
                    let server = &servers[o];
                    (
                        o,
                        s.spawn(move || served(server, code, v, households, acknowledged)),
                    )
                })
                .collect();
            polls
                .into_iter()
                .map(|(o, p)| (o, p.join().unwrap()))
                .collect()
        });
        let figures: Vec<String> = others
            .iter()
            .map(|(o, t)| format!("server {o} {:.1} ms", t.as_secs_f64() * 1e3))
            .collect();
        println!(
            "version {v} through server {through}: {}",
            figures.join(", ")
        );
        for (o, took) in others {
            assert!(
                took < PROPAGATION,
                "version {v}, committed through server {through}, served by server {o} only \
                 after {took:?}: {}",
                servers[o].log()
            );
            times.push(took);
        }
    }
    let (median, max) = median_max(&mut times);
    println!(
        "propagation to the other two servers over {EDITS} edits: median {median:.1} ms, max {max:.1} ms"
    );
    // Every server's metrics say the same version, and that notices arrive.
    for (i, server) in servers.iter().enumerate() {
        let metrics = metrics(server);
        assert!(
            metrics.contains(&format!("\ncitygrid_version_served {}\n", EDITS + 1))
                && metrics.contains("\ncitygrid_store_listening 1\n"),
            "server {i}:\n{metrics}"
        );
    }
    drop(servers);
    drop(at);
}

/// A server's `/metrics`, as text.
fn metrics(server: &Server) -> String {
    let answer = request(connect(server.port).unwrap(), "GET", "/metrics", None, None);
    String::from_utf8(answer.expect("metrics").body).expect("UTF-8 metrics")
}

/// What happens to the database while the servers read.
#[derive(Clone, Copy, Debug)]
enum Outage {
    /// `scripts/postgres.sh restart`: down for the moment of a restart.
    Restart,
    /// `scripts/postgres.sh halt`, three seconds with no database, then `start`.
    Halt,
}

/// The slippy-map tile of zoom `z` holding lon/lat `(x, y)`.
fn tile_of(z: u32, x: f64, y: f64) -> String {
    let n = f64::from(1u32 << z);
    let tx = ((x + 180.0) / 360.0 * n).floor();
    let lat = y.to_radians();
    let ty = ((1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / std::f64::consts::PI) / 2.0 * n).floor();
    format!("/v1/tiles/{z}/{tx}/{ty}.mvt")
}

/// One read a client does over and over: its path and the cell a lookup must find.
struct Read {
    path: String,
    cell: Option<String>,
}

/// Whether `answer` to `read` is right: 200, a lookup finding its cell, `/readyz`
/// naming a version.
fn read_ok(read: &Read, answer: Option<(u16, Value)>) -> Result<(), String> {
    let Some((status, body)) = answer else {
        return Err("no answer".into());
    };
    if status != 200 {
        return Err(format!("{status} {body}"));
    }
    if let Some(cell) = &read.cell
        && body["cell"]["code"] != cell.as_str()
    {
        return Err(format!("not cell {cell}: {body}"));
    }
    if read.path == "/readyz" && body.get("version").is_none() {
        return Err(format!("no version: {body}"));
    }
    Ok(())
}

/// Two servers on a database of a cluster of this test's own, clients reading
/// from both all along while the database goes through `outage`: every read is
/// answered right at all times, the servers live on, an edit posted while the
/// database is down is refused with a 503 saying the store cannot be reached, and
/// once the database is back an edit through one server succeeds within 10 s and
/// is served by the other within a second.
fn reads_through(outage: Outage) {
    if postgres_admin().is_none() {
        return;
    }
    let cluster = Cluster::start(&format!("pg-{outage:?}").to_lowercase());
    let at = TestStore::database(&cluster.admin, &database_name("outage"));
    let (at, store) = generated_store_at(at, 7, 80);
    let first = store.load(1).unwrap();
    drop(store);
    let secret = token(&at.location, "editor", "through an outage");
    let mut servers = [Server::start(&at.location), Server::start(&at.location)];
    let logs = |servers: &[Server]| -> String {
        servers
            .iter()
            .enumerate()
            .map(|(i, s)| format!("server {i}:\n{}", s.log()))
            .collect::<Vec<_>>()
            .join("\n")
    };

    let codes = cell_codes(&first, 4);
    let mut reads: Vec<Read> = codes
        .iter()
        .map(|code| {
            let unit = first.get(&code.parse().unwrap()).unwrap();
            let p = unit.geometry.interior_point().expect("a point in the cell");
            Read {
                path: format!("/v1/lookup?lon={}&lat={}", p.x(), p.y()),
                cell: Some(code.clone()),
            }
        })
        .collect();
    let p = first
        .get(&codes[0].parse().unwrap())
        .unwrap()
        .geometry
        .interior_point()
        .unwrap();
    for path in [
        tile_of(12, p.x(), p.y()),
        "/healthz".into(),
        "/readyz".into(),
    ] {
        reads.push(Read { path, cell: None });
    }

    // An edit before the outage: the setup works, and the editor's token is known.
    let (status, answer) = post(
        servers[0].port,
        "/v1/edits",
        &secret,
        &set(&codes[0], 500, 1),
    )
    .expect("an answer");
    assert_eq!(status, 200, "the first edit: {answer}\n{}", logs(&servers));

    let stop = AtomicBool::new(false);
    let done = AtomicUsize::new(0);
    let wrong: Mutex<Vec<String>> = Mutex::new(Vec::new());
    let started = Instant::now();
    let (down, refused) = std::thread::scope(|s| {
        for (i, server) in servers.iter().enumerate() {
            let (stop, done, wrong, reads) = (&stop, &done, &wrong, &reads);
            let port = server.port;
            s.spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    for read in reads {
                        if let Err(e) = read_ok(read, get(port, &read.path)) {
                            wrong.lock().unwrap().push(format!(
                                "{:.2} s, server {i}, {}: {e}",
                                started.elapsed().as_secs_f64(),
                                read.path
                            ));
                        }
                        done.fetch_add(1, Ordering::Relaxed);
                    }
                    // A pace, not a wait: thousands of reads without running
                    // out of ports.
                    std::thread::sleep(Duration::from_millis(2));
                }
            });
        }
        // Reading is under way before the database goes.
        while done.load(Ordering::Relaxed) < 50 {
            assert!(started.elapsed() < Duration::from_secs(30), "no reads");
            std::thread::sleep(Duration::from_millis(5));
        }
        let went = Instant::now();
        let mut refused = Vec::new();
        match outage {
            Outage::Restart => {
                cluster.script("restart");
            }
            Outage::Halt => {
                cluster.script("halt");
                let down = Instant::now();
                // Once while the token is still remembered (the commit meets the
                // outage), once after (its verification does).
                for when in [Duration::ZERO, Duration::from_millis(2500)] {
                    if let Some(wait) = when.checked_sub(down.elapsed()) {
                        std::thread::sleep(wait);
                    }
                    let answer = post(
                        servers[0].port,
                        "/v1/edits",
                        &secret,
                        &set(&codes[1], 600, 2),
                    );
                    refused.push(answer);
                }
                // Both servers say they serve read only, in /readyz and /metrics.
                for server in &servers {
                    let (status, ready) = get(server.port, "/readyz").expect("an answer");
                    assert!(
                        status == 200
                            && ready["status"] == "read_only"
                            && ready["store"]["reachable"] == false,
                        "{outage:?}: /readyz with the database down: {status} {ready}"
                    );
                    let metrics = metrics(server);
                    assert!(
                        metrics.contains("\ncitygrid_store_reachable 0\n")
                            && metrics.contains("\ncitygrid_store_outages_total 1\n"),
                        "{outage:?}: /metrics with the database down:\n{metrics}"
                    );
                }
                // The rest of three seconds without a database, reads going on.
                if let Some(wait) = Duration::from_secs(3).checked_sub(down.elapsed()) {
                    std::thread::sleep(wait);
                }
                cluster.script("start");
            }
        }
        let down = went.elapsed();
        // A little reading with the database back, then stop.
        let now = done.load(Ordering::Relaxed);
        while done.load(Ordering::Relaxed) < now + 50 {
            std::thread::sleep(Duration::from_millis(5));
        }
        stop.store(true, Ordering::Relaxed);
        (down, refused)
    });
    let reads_done = done.load(Ordering::Relaxed);
    println!(
        "{outage:?}: the database was away for {:.2} s; {reads_done} reads in {:.2} s",
        down.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
    let wrong = wrong.into_inner().unwrap();
    assert!(
        wrong.is_empty(),
        "{outage:?}: {} of {reads_done} reads answered wrong:\n{}\n{}",
        wrong.len(),
        wrong.join("\n"),
        logs(&servers)
    );
    for (i, server) in servers.iter_mut().enumerate() {
        assert!(
            server.running(),
            "{outage:?}: server {i} stopped: {}",
            server.log()
        );
    }

    // Edits while the database was down: refused, saying why, and the client may
    // come back.
    for answer in &refused {
        println!("{outage:?}: an edit while the database was down: {answer:?}");
        let (status, body) = answer.as_ref().unwrap_or_else(|| {
            panic!(
                "{outage:?}: an edit while the database was down got no answer: {}",
                logs(&servers)
            )
        });
        let message = body["error"]["message"].as_str().unwrap_or_default();
        let says = ["unreachable", "cannot be reached"]
            .iter()
            .any(|s| message.contains(s));
        assert!(
            *status == 503 && body["error"]["kind"] == "store_unreachable" && says,
            "{outage:?}: an edit while the database was down: {status} {body}, not a 503 \
             saying the store is unreachable\n{}",
            logs(&servers)
        );
    }

    // Back: an edit through one server succeeds once the pool has reconnected, and
    // the other serves it within a second.
    let back = Instant::now();
    let (v, tries) = {
        let mut tries = 0;
        loop {
            tries += 1;
            match post(
                servers[0].port,
                "/v1/edits",
                &secret,
                &set(&codes[2], 700, 2),
            ) {
                Some((200, answer)) => break (answer["version"].as_u64().unwrap(), tries),
                answer => assert!(
                    back.elapsed() < Duration::from_secs(10),
                    "{outage:?}: no edit accepted 10 s after the database came back; the last \
                     answer: {answer:?}\n{}",
                    logs(&servers)
                ),
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    };
    let accepted = back.elapsed();
    assert_eq!(v, 3, "{outage:?}: the edit after the outage");
    let took = served(&servers[1], &codes[2], v, 700, Instant::now());
    println!(
        "{outage:?}: the first edit after the database came back accepted after {:.0} ms \
         ({tries} tries), served by the other server {:.1} ms later",
        accepted.as_secs_f64() * 1e3,
        took.as_secs_f64() * 1e3
    );
    assert!(
        took < PROPAGATION,
        "{outage:?}: version {v} served by the other server only after {took:?}: {}",
        servers[1].log()
    );
    for server in &servers {
        let (status, ready) = get(server.port, "/readyz").expect("an answer");
        assert!(
            status == 200
                && ready["status"] == "ready"
                && ready["store"]["reachable"] == true
                && ready["version"] == v,
            "{outage:?}: /readyz after the outage: {status} {ready}"
        );
    }
    drop(servers);
    drop(at);
    drop(cluster);
}

#[test]
fn reads_never_fail_while_the_database_restarts_and_edits_resume_after() {
    reads_through(Outage::Restart);
}

#[test]
fn reads_never_fail_while_the_database_is_down_edits_get_503_and_resume_after() {
    reads_through(Outage::Halt);
}

/// A server started while its database is down listens at once, says it is
/// starting and what it waits for (`/readyz` 503, other routes 503 with
/// `Retry-After`, `/healthz` 200), and serves once the database is up.
#[test]
fn a_server_started_before_its_database_waits_for_it() {
    if postgres_admin().is_none() {
        return;
    }
    let cluster = Cluster::start("pg-late");
    let at = TestStore::database(&cluster.admin, &database_name("late"));
    let (at, store) = generated_store_at(at, 8, 40);
    let cell = cell_codes(&store.load(1).unwrap(), 1).remove(0);
    drop(store);
    cluster.script("halt");
    let mut server = Server::launch(&at.location);
    let (status, health) = wait_for(|| get(server.port, "/healthz"), "/healthz");
    assert_eq!(
        (status, &health["status"]),
        (200, &json!("starting")),
        "{health}"
    );
    let (status, ready) = get(server.port, "/readyz").expect("an answer");
    assert!(
        status == 503
            && ready["status"] == "starting"
            && ready["reason"].as_str().is_some_and(
                |r| r.contains("waiting for the store") && !r.contains("citygrid-test")
            ),
        "{status} {ready}"
    );
    let refused = request(
        connect(server.port).unwrap(),
        "GET",
        &format!("/v1/cells/{cell}"),
        None,
        None,
    )
    .expect("an answer");
    assert_eq!(refused.status, 503, "{}", refused.head);
    assert_eq!(refused.json()["error"]["kind"], "starting");
    assert!(refused.header("retry-after").is_some(), "{}", refused.head);
    // A browser opening the map meanwhile gets a page that says why and reloads.
    let page = request(connect(server.port).unwrap(), "GET", "/", None, None).expect("an answer");
    let html = String::from_utf8_lossy(&page.body);
    assert_eq!(page.status, 503, "{}", page.head);
    assert!(
        page.header("content-type")
            .is_some_and(|t| t.starts_with("text/html"))
            && html.contains("citygrid is starting")
            && html.contains("waiting for the store")
            && html.contains("http-equiv=\"refresh\""),
        "{html}"
    );
    assert!(server.running(), "{}", server.log());

    cluster.script("start");
    let took = until(server.port, "/readyz", |r| r["status"] == "ready");
    println!(
        "served {:.2} s after the database started",
        took.as_secs_f64()
    );
    let (status, answer) = get(server.port, &format!("/v1/cells/{cell}")).expect("an answer");
    assert_eq!(status, 200, "{answer}");
    drop(server);
    drop(at);
    drop(cluster);
}

/// What `ask` answers once it answers at all (within 30 s).
fn wait_for<T>(ask: impl Fn() -> Option<T>, what: &str) -> T {
    let started = Instant::now();
    loop {
        if let Some(answer) = ask() {
            return answer;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "{what}: no answer in 30 s"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}
