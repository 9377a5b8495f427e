//! The PostGIS store on a real cluster: a writer killed mid-commit leaves nothing,
//! a database restart is an error and then nothing, commits are announced, and the
//! head costs one round trip. (Racing committers: concurrent_committers_never_both_win,
//! which runs on both backends.)

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use citygrid_model::AttrValue;
use citygrid_store::{CHANNEL, Commit, Notice, Store, StoreError};
use postgres::fallible_iterator::FallibleIterator;

use crate::support::{Backend, cells, city, postgres_url, rows_hash, sql};

/// A writer whose connection is killed while its commit waits half-written leaves
/// the store as it was; the store's next commit (on a new connection) succeeds.
#[test]
fn a_writer_killed_mid_commit_leaves_nothing_half_written() {
    if postgres_url().is_none() {
        return;
    }
    let partition = city(31, 30);
    let f = Backend::Postgis.fresh(&partition);
    let c = cells(&partition);
    let before = rows_hash(&f);
    // Hold the row of the code the commit retires: it writes its unit rows, then
    // waits at that row with half its writes done.
    let mut blocker = sql(&f);
    let mut hold = blocker.transaction().unwrap();
    hold.execute(
        "SELECT 1 FROM citygrid_codes WHERE code = $1 FOR UPDATE",
        &[&c[1].code.as_str()],
    )
    .unwrap();
    let commit = Commit::new(1, "alice", "half")
        .upsert(
            c[0].clone()
                .with_attribute("households", AttrValue::Number(7.0)),
        )
        .remove(c[1].code.clone());
    let store = f.open_again();
    let writer = std::thread::spawn(move || {
        let out = store.commit(commit);
        (out, store)
    });
    let mut watcher = sql(&f);
    let started = Instant::now();
    let pid: i32 = loop {
        let waiting = watcher
            .query_opt(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() \
                 AND application_name = 'citygrid' AND wait_event_type = 'Lock'",
                &[],
            )
            .unwrap();
        if let Some(row) = waiting {
            break row.get(0);
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the commit never waited"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    // It has written its unit rows (invisible to others) and waits on the code row.
    watcher
        .execute("SELECT pg_terminate_backend($1)", &[&pid])
        .unwrap();
    let (out, store) = writer.join().unwrap();
    let e = out.expect_err("a killed commit succeeded");
    assert!(matches!(e, StoreError::Unreachable { .. }), "{e}");
    hold.rollback().unwrap();
    assert_eq!(rows_hash(&f), before, "a killed commit left rows");
    assert_eq!(store.head().unwrap(), 1);
    let again = store
        .commit(
            Commit::new(1, "alice", "whole").upsert(
                c[0].clone()
                    .with_attribute("households", AttrValue::Number(8.0)),
            ),
        )
        .unwrap();
    assert_eq!(again.version, 2);
}

/// A private cluster of this test's own (others keep theirs running), stopped and
/// removed on drop.
struct Cluster {
    script: PathBuf,
    port: String,
    dir: tempfile::TempDir,
}

impl Cluster {
    fn start() -> (Self, String) {
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scripts/postgres.sh");
        let dir = tempfile::tempdir().unwrap();
        let port = (56000 + std::process::id() % 1000).to_string();
        let cluster = Cluster { script, port, dir };
        let out = cluster.run("start");
        let line = String::from_utf8(out.stdout).unwrap();
        let url = line
            .split('\'')
            .nth(1)
            .expect("the script prints the URL")
            .to_string();
        (cluster, url)
    }

    fn run(&self, what: &str) -> std::process::Output {
        let data = self.dir.path().join("pg");
        let out = Command::new("bash")
            .arg(&self.script)
            .arg(what)
            .env("CITYGRID_PG_PORT", &self.port)
            .env("CITYGRID_PG_DIR", &data)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "postgres.sh {what}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        self.run("stop");
    }
}

/// A database that goes away and comes back: each call meanwhile fails with an
/// error (no panic, no hang), and the calls after it is back succeed on new
/// connections.
#[test]
fn a_database_restart_is_an_error_then_nothing() {
    if postgres_url().is_none() {
        return;
    }
    let (cluster, admin) = Cluster::start();
    let url = admin.replace("/postgres", "/citygrid_template");
    let partition = city(32, 20);
    let store = citygrid_store::init(&url, &partition, "tests", "generated").unwrap();
    assert_eq!(store.head().unwrap(), 1);
    let cell = cells(&partition).remove(0);
    let mut listener = store.listen().unwrap().expect("PostGIS pushes notices");

    cluster.run("halt");
    let e = listener.wait(Duration::from_secs(5)).unwrap_err();
    assert!(matches!(e, StoreError::Unreachable { .. }), "{e}");
    assert!(matches!(
        store.listen().map(|_| ()),
        Err(StoreError::Unreachable { .. })
    ));
    for _ in 0..2 {
        let e = store.head().unwrap_err();
        assert!(matches!(e, StoreError::Unreachable { .. }), "{e}");
        assert!(
            !e.to_string().contains("citygrid-test"),
            "the password: {e}"
        );
        assert!(store.load(1).is_err());
        assert!(
            store
                .commit(Commit::new(1, "alice", "down").upsert(cell.clone().with_name("down")))
                .is_err()
        );
    }
    cluster.run("start");
    assert_eq!(store.head().unwrap(), 1);
    let mut listener = store.listen().unwrap().expect("PostGIS pushes notices");
    let v2 = store
        .commit(Commit::new(1, "alice", "back").upsert(cell.clone().with_name("back")))
        .unwrap();
    assert_eq!(v2.version, 2);
    assert_eq!(
        listener.wait(Duration::from_secs(5)).unwrap(),
        Some(Notice::Version(2))
    );

    // A restart between calls, the pool full of connections it broke: the next
    // read reconnects (a pooled connection that broke meanwhile is retried once).
    cluster.run("restart");
    assert_eq!(store.head().unwrap(), 2);
    assert_eq!(store.load(2).unwrap().get(&cell.code).unwrap().name, "back");
}

/// A commit is announced on the channel with its version, a datasets change with
/// its revision, only once they commit; refusals say nothing.
#[test]
fn commits_are_announced_to_listeners() {
    if postgres_url().is_none() {
        return;
    }
    let partition = city(33, 20);
    let f = Backend::Postgis.fresh(&partition);
    let mut listener = sql(&f);
    listener
        .batch_execute(&format!("LISTEN {CHANNEL}"))
        .unwrap();
    let mut ours = f.store.listen().unwrap().expect("PostGIS pushes notices");
    let c = cells(&partition);
    f.store
        .commit(Commit::new(1, "alice", "named").upsert(c[0].clone().with_name("named")))
        .unwrap();
    assert!(
        f.store
            .commit(Commit::new(1, "alice", "stale").upsert(c[1].clone().with_name("x")))
            .is_err()
    );
    f.store
        .commit_staff(citygrid_store::StaffChange {
            author: "a".into(),
            message: "roster".into(),
            ..Default::default()
        })
        .unwrap();
    let mut notes = listener.notifications();
    let got: Vec<(String, String)> = notes
        .timeout_iter(Duration::from_secs(5))
        .take(2)
        .map(|n| Ok((n.channel().to_string(), n.payload().to_string())))
        .collect()
        .unwrap();
    assert_eq!(
        got,
        [
            (CHANNEL.to_string(), r#"{"version": 2}"#.to_string()),
            (CHANNEL.to_string(), r#"{"datasets": 1}"#.to_string())
        ]
    );
    assert_eq!(
        notes
            .timeout_iter(Duration::from_millis(200))
            .count()
            .unwrap(),
        0
    );
    // The store's own listener reads the same notices.
    let wait = |l: &mut Box<dyn citygrid_store::Listener>, ms| l.wait(Duration::from_millis(ms));
    assert_eq!(wait(&mut ours, 5000).unwrap(), Some(Notice::Version(2)));
    assert_eq!(wait(&mut ours, 5000).unwrap(), Some(Notice::Datasets(1)));
    assert_eq!(wait(&mut ours, 200).unwrap(), None);
}

/// Many threads reading at once share at most the pool's cap of connections: the
/// others wait their turn, and every read succeeds.
#[test]
fn many_readers_share_a_few_connections() {
    if postgres_url().is_none() {
        return;
    }
    let partition = city(35, 40);
    let f = Backend::Postgis.fresh(&partition);
    let store: std::sync::Arc<dyn Store> = std::sync::Arc::from(f.open_again());
    let busiest = std::thread::scope(|s| {
        let readers: Vec<_> = (0..48)
            .map(|_| {
                let store = std::sync::Arc::clone(&store);
                s.spawn(move || {
                    for _ in 0..5 {
                        assert_eq!(store.load(1).unwrap().version(), 1);
                    }
                })
            })
            .collect();
        let mut watcher = sql(&f);
        let mut busiest = 0;
        while readers.iter().any(|r| !r.is_finished()) {
            let row = watcher
                .query_one(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() \
                     AND application_name = 'citygrid'",
                    &[],
                )
                .unwrap();
            busiest = busiest.max(row.get::<_, i64>(0));
        }
        busiest
    });
    eprintln!("at most {busiest} connections for 48 readers");
    assert!(busiest >= 2, "the readers never ran at once: {busiest}");
    // The cap, and the first store's own idle connection.
    assert!(busiest <= 16 + 1, "{busiest} connections open at once");
}

/// `head()` is polled several times a second by every server: one round trip.
#[test]
fn the_head_is_cheap() {
    if postgres_url().is_none() {
        return;
    }
    let f = Backend::Postgis.fresh(&city(34, 10));
    let store: &dyn Store = f.store.as_ref();
    store.head().unwrap();
    let started = Instant::now();
    for _ in 0..200 {
        assert_eq!(store.head().unwrap(), 1);
    }
    let each = started.elapsed() / 200;
    eprintln!("head() on PostGIS: {each:?} per call");
    assert!(each < Duration::from_millis(5), "head() took {each:?}");
}
