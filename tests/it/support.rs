//! Running the `citygrid` binary from the tests: where it is, where to write; a
//! server of a store in a process of its own, spoken to in plain HTTP/1.1 over TCP;
//! two neighbouring cells to edit.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant};

use geo_types::Coord;
use serde_json::{Value, json};

use citygrid_model::Partition;
use citygrid_synth::village_neighbours;

/// The repository root, where the commands run.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A file of the bundled demo city (`data/guiyang/FILE`).
pub fn guiyang(file: &str) -> PathBuf {
    root().join("data/guiyang").join(file)
}

/// The demo city's ten real districts.
pub fn guiyang_districts() -> Vec<citygrid_model::Unit> {
    citygrid_io::read_units(
        &guiyang("districts.geojson"),
        &citygrid_io::ReadOptions::default(),
    )
    .expect("data/guiyang/districts.geojson")
    .units
}

/// The `citygrid` binary next to this test's own (`target/<profile>/citygrid`).
pub fn citygrid() -> Command {
    binary("citygrid")
}

/// A binary of the workspace next to this test's own (`target/<profile>/NAME`).
pub fn binary(name: &str) -> Command {
    let exe = std::env::current_exe().expect("test path");
    let bin = exe
        .parent()
        .and_then(Path::parent)
        .expect("target dir")
        .join(name);
    assert!(
        bin.exists(),
        "{} is missing: run `cargo build --workspace --bins` first (make test does)",
        bin.display()
    );
    Command::new(bin)
}

/// Runs `citygrid ARGS` in the repository root.
pub fn run(args: &[&str]) -> Output {
    citygrid()
        .args(args)
        .current_dir(root())
        .output()
        .expect("citygrid runs")
}

/// A path in this test run's own temporary folder.
pub fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("citygrid-it-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// A new store at `tmp(name)` holding a generated city of about `cells` cells as
/// version 1, and its location.
pub fn generated_store(
    name: &str,
    seed: u64,
    cells: usize,
) -> (String, Box<dyn citygrid_store::Store>) {
    let (at, store) = generated_store_on(Backend::GeoPackage, name, seed, cells)
        .expect("a GeoPackage store needs no database");
    (at.location.clone(), store)
}

/// The store backends a test can run on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// A GeoPackage file in [`tmp`].
    GeoPackage,
    /// A database of its own on the PostgreSQL named by `CITYGRID_TEST_POSTGRES`
    /// (an admin URL, as `scripts/postgres.sh start` exports it).
    Postgis,
}

/// The admin URL of the PostgreSQL with PostGIS the tests may use
/// (`CITYGRID_TEST_POSTGRES`), or `None`, said loudly on standard error, naming
/// the test (the harness names its thread after it): without it, a test of the
/// PostGIS store is not run, and must not look as if it passed quietly.
pub fn postgres_admin() -> Option<String> {
    let admin = std::env::var("CITYGRID_TEST_POSTGRES").ok();
    if admin.is_none() {
        let thread = std::thread::current();
        let test = thread.name().unwrap_or("a test");
        // Straight to standard error: the test harness captures eprintln!.
        let _ = std::io::stderr().write_all(
            format!(
                "*** CITYGRID_TEST_POSTGRES is not set: {test} is NOT tested on PostGIS \
                 (scripts/test.sh sets it) ***\n"
            )
            .as_bytes(),
        );
    }
    admin
}

/// Where a test's store lives: a GeoPackage file, or a PostGIS database of its own
/// made from `citygrid_template` and dropped (with whatever is connected to it)
/// when this is dropped, so keep it until the servers on it are gone.
pub struct TestStore {
    /// The location `citygrid --store` and `citygrid_store::open` take: a path or
    /// a `postgres://` URL with its credentials.
    pub location: String,
    /// The admin URL and the database's name, for a PostGIS store.
    database: Option<(String, String)>,
}

impl TestStore {
    /// An empty PostGIS database `name` (made anew) on the cluster of `admin`.
    ///
    /// # Panics
    /// When the cluster refuses.
    pub fn database(admin: &str, name: &str) -> TestStore {
        let mut client = postgres::Client::connect(admin, postgres::NoTls)
            .unwrap_or_else(|e| panic!("connecting to {admin}: {e}"));
        client
            .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .unwrap_or_else(|e| panic!("dropping database {name}: {e:?}"));
        // PostgreSQL copies a template nobody else is connected to, and tests
        // running at the same time copy it too: try again while it is in use.
        let started = Instant::now();
        while let Err(e) = client.batch_execute(&format!(
            "CREATE DATABASE {name} TEMPLATE citygrid_template"
        )) {
            let in_use = e.code() == Some(&postgres::error::SqlState::OBJECT_IN_USE);
            assert!(
                in_use && started.elapsed() < Duration::from_secs(30),
                "making database {name}: {e:?}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        let base = admin.rsplit_once('/').expect("a URL with a database").0;
        TestStore {
            location: format!("{base}/{name}"),
            database: Some((admin.to_string(), name.to_string())),
        }
    }
}

impl Drop for TestStore {
    fn drop(&mut self) {
        if let Some((admin, name)) = &self.database
            && let Ok(mut client) = postgres::Client::connect(admin, postgres::NoTls)
        {
            let _ = client.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        }
    }
}

/// A generated city of about `cells` cells (from `seed`) as version 1 of a new
/// store on `backend`: a file `tmp(name)`, or a database named after `name` and
/// this process; `None` (said loudly) for PostGIS when `CITYGRID_TEST_POSTGRES` is
/// not set.
pub fn generated_store_on(
    backend: Backend,
    name: &str,
    seed: u64,
    cells: usize,
) -> Option<(TestStore, Box<dyn citygrid_store::Store>)> {
    let at = match backend {
        Backend::GeoPackage => {
            let path = tmp(name);
            let _ = std::fs::remove_file(&path);
            TestStore {
                location: path.to_str().expect("a UTF-8 path").to_string(),
                database: None,
            }
        }
        Backend::Postgis => {
            let admin = postgres_admin()?;
            TestStore::database(&admin, &database_name(name))
        }
    };
    Some(generated_store_at(at, seed, cells))
}

/// A generated city of about `cells` cells as version 1 of a new store at `at`.
pub fn generated_store_at(
    at: TestStore,
    seed: u64,
    cells: usize,
) -> (TestStore, Box<dyn citygrid_store::Store>) {
    let units = citygrid_synth::SynthCity::new(seed)
        .cells(cells)
        .vertices_per_cell(8)
        .generate();
    let partition = citygrid_model::Partition::new(units, citygrid_model::CodeLayout::default())
        .expect("a generated city is a partition");
    let store = citygrid_store::init(&at.location, &partition, "tests", "generated").expect("init");
    (at, store)
}

/// A database name for a test's store `name` in this process: lowercase letters,
/// digits and underscores, unique across test runs that share a cluster.
pub fn database_name(name: &str) -> String {
    let stem: String = name
        .split('.')
        .next()
        .unwrap_or(name)
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .take(40)
        .collect();
    format!("citygrid_it_{}_{stem}", std::process::id())
}

/// The secret of a new token of the store at `store` (`citygrid token create`).
pub fn token(store: &str, role: &str, name: &str) -> String {
    let out = run(&[
        "token", "create", "--store", store, "--role", role, "--name", name,
    ]);
    assert!(
        out.status.success(),
        "citygrid token create: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("a UTF-8 secret")
        .trim_end()
        .to_string()
}

/// `citygrid serve --store` in a process of its own on a free port of 127.0.0.1,
/// killed with SIGKILL when dropped. Its standard error goes to a file, shown when
/// it fails.
pub struct Server {
    /// Where it listens, on 127.0.0.1.
    pub port: u16,
    child: Child,
    log: PathBuf,
}

impl Server {
    /// Starts `citygrid serve --store STORE` on a free port, without waiting for
    /// anything.
    pub fn launch(store: &str) -> Server {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let log = tmp(&format!("serve-{port}.log"));
        let child = citygrid()
            .args(["serve", "--store", store, "--bind"])
            .arg(format!("127.0.0.1:{port}"))
            .current_dir(root())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("a log file"))
            .spawn()
            .expect("citygrid serve starts");
        Server { port, child, log }
    }

    /// Starts serving `store` and waits until `/readyz` answers 200.
    pub fn start(store: &str) -> Server {
        let mut tries = 0;
        loop {
            let mut server = Server::launch(store);
            let port = server.port;
            let started = Instant::now();
            loop {
                if let Some((200, _)) = get(port, "/readyz") {
                    return server;
                }
                if let Ok(Some(status)) = server.child.try_wait() {
                    // Most likely someone else took the port in the meantime.
                    tries += 1;
                    assert!(
                        tries < 3,
                        "citygrid serve stopped ({status}) before it was ready: {}",
                        server.log()
                    );
                    break;
                }
                assert!(
                    started.elapsed() < Duration::from_secs(60),
                    "citygrid serve not ready after 60 s: {}",
                    server.log()
                );
                std::thread::sleep(Duration::from_millis(10));
            }
        }
    }

    /// Kills it with SIGKILL (`kill -9`), and how it ended: killed by a signal, or
    /// an exit code when it had already stopped by itself.
    pub fn kill(&mut self) -> ExitStatus {
        let _ = self.child.kill();
        self.child.wait().expect("citygrid serve is reaped")
    }

    /// Whether it is still running (it has not stopped by itself, nor been killed).
    pub fn running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// What it wrote on standard error so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A connection to 127.0.0.1:`port`, with generous timeouts (busy CI machines).
pub fn connect(port: u16) -> Option<TcpStream> {
    let s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(120))).ok()?;
    s.set_write_timeout(Some(Duration::from_secs(120))).ok()?;
    Some(s)
}

/// An HTTP answer: its status, head (the status line and headers) and body.
pub struct Answer {
    /// The status code.
    pub status: u16,
    /// The status line and headers, as sent.
    pub head: String,
    /// The body, as sent (no `Accept-Encoding` is sent, so never compressed).
    pub body: Vec<u8>,
}

impl Answer {
    /// The value of header `name` (any case), if sent.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().find_map(|line| {
            let (n, value) = line.split_once(':')?;
            n.trim().eq_ignore_ascii_case(name).then(|| value.trim())
        })
    }

    /// The body as JSON, null when it is not.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

/// One HTTP/1.1 request on `s` (`Connection: close`), with a bearer token and a
/// JSON body when given: the whole answer, any body (JSON, tiles). `None` when the
/// connection fails or the answer is cut short (fewer bytes than its
/// `Content-Length`), as when the server is killed while answering.
pub fn request(
    mut s: TcpStream,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> Option<Answer> {
    let body = body.map(Value::to_string).unwrap_or_default();
    let auth = token.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n{auth}\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .ok()?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).ok()?;
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8(raw[..end].to_vec()).ok()?;
    let body = raw.split_off(end + 4);
    let status = head.split_whitespace().nth(1)?.parse().ok()?;
    let answer = Answer { status, head, body };
    let length = answer
        .header("content-length")
        .and_then(|v| v.parse::<usize>().ok());
    if length.is_some_and(|n| answer.body.len() < n) {
        return None;
    }
    Some(answer)
}

/// [`request`]: the status and the JSON body (null if none).
pub fn exchange(
    s: TcpStream,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> Option<(u16, Value)> {
    let answer = request(s, method, path, token, body)?;
    Some((answer.status, answer.json()))
}

/// `GET path` on 127.0.0.1:`port` as a map does without gzip: the status, the
/// response head (status line and headers, as sent) and the body's bytes. `None`
/// when the connection fails or the body is cut short.
pub fn get_bytes(port: u16, path: &str) -> Option<(u16, String, Vec<u8>)> {
    let mut s = connect(port)?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).ok()?;
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8(raw[..end].to_vec()).ok()?;
    let body = raw[end + 4..].to_vec();
    let status = head.split_whitespace().nth(1)?.parse().ok()?;
    let header = |name: &str| {
        head.lines().find_map(|line| {
            let (n, v) = line.split_once(':')?;
            n.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_string())
        })
    };
    // Tiles are sent whole with their length; a chunked body would need decoding.
    assert_ne!(
        header("transfer-encoding").as_deref(),
        Some("chunked"),
        "{head}"
    );
    let length = header("content-length").and_then(|v| v.parse::<usize>().ok());
    if length.is_some_and(|n| body.len() < n) {
        return None;
    }
    Some((status, head, body))
}

/// `GET path` on 127.0.0.1:`port`: the status and the JSON body (null if none).
pub fn get(port: u16, path: &str) -> Option<(u16, Value)> {
    exchange(connect(port)?, "GET", path, None, None)
}

/// `POST path` of `body` with a bearer `token` on 127.0.0.1:`port`.
pub fn post(port: u16, path: &str, token: &str, body: &Value) -> Option<(u16, Value)> {
    exchange(connect(port)?, "POST", path, Some(token), Some(body))
}

/// Polls until `done` holds of the answer to `path`; how long that took.
pub fn until(port: u16, path: &str, done: impl Fn(&Value) -> bool) -> Duration {
    let started = Instant::now();
    loop {
        if let Some((200, v)) = get(port, path)
            && done(&v)
        {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "{path} never answered as expected"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Two cells of one village sharing a boundary segment, and a square over the
/// segment's middle, 0.6 of its length on a side: a transfer of the square from
/// one to the other and back is a valid boundary edit, as often as wanted.
pub struct Neighbours {
    /// The first cell, by code.
    pub a: String,
    /// The second.
    pub b: String,
    /// The square, a GeoJSON Polygon in the partition's lon/lat.
    pub square: Value,
    /// Two points in the square a tenth of the segment's length either side of
    /// it: both in A or both in B once the whole square has moved to one of them.
    pub probes: [Coord<f64>; 2],
}

impl Neighbours {
    /// The first such pair of `p`, in unit order.
    pub fn of(p: &Partition) -> Neighbours {
        let s = village_neighbours(p)
            .next()
            .expect("two cells of one village that share a segment");
        let (m, r) = (s.at(0.5), s.length() * 0.3);
        let corner = |sx: f64, sy: f64| json!([m.x + sx * r, m.y + sy * r]);
        let (nx, ny) = ((s.from.y - s.to.y) * 0.1, (s.to.x - s.from.x) * 0.1);
        Neighbours {
            a: p.unit(s.a).code.to_string(),
            b: p.unit(s.b).code.to_string(),
            square: json!({"type": "Polygon", "coordinates": [[
                corner(-1.0, -1.0), corner(1.0, -1.0), corner(1.0, 1.0),
                corner(-1.0, 1.0), corner(-1.0, -1.0)
            ]]}),
            probes: [
                Coord {
                    x: m.x + nx,
                    y: m.y + ny,
                },
                Coord {
                    x: m.x - nx,
                    y: m.y - ny,
                },
            ],
        }
    }

    /// The one of A and B holding both probes in `p`, if one does.
    pub fn holder(&self, p: &Partition) -> Option<&str> {
        [&self.a, &self.b]
            .into_iter()
            .find(|code| {
                let unit = p.get(&code.parse().expect("a code")).expect("the cell");
                self.probes
                    .iter()
                    .all(|&c| citygrid_planar::contains(&unit.geometry, c))
            })
            .map(String::as_str)
    }
}

/// Rows of a store's tables that belong to a version after `head`, or a gap in the
/// version records up to it: what a half-applied commit would leave. A GeoPackage
/// file must pass SQLite's integrity check first; a PostGIS database must name
/// `head` as its head.
pub fn rows_beyond(location: &str, head: u64) -> i64 {
    if location.starts_with("postgres://") {
        let mut client = postgres::Client::connect(location, postgres::NoTls).unwrap();
        let head = head as i64;
        let recorded: i64 = client
            .query_one("SELECT version FROM citygrid_head", &[])
            .unwrap()
            .get(0);
        assert_eq!(recorded, head, "citygrid_head of {location}");
        return client
            .query_one(
                "SELECT (SELECT count(*) FROM citygrid_units WHERE valid_from > $1 OR valid_to > $1) \
                 + (SELECT count(*) FROM citygrid_versions WHERE version > $1) \
                 + (SELECT count(*) FROM citygrid_lineage WHERE version > $1) \
                 + (SELECT count(*) FROM citygrid_codes WHERE first_version > $1 OR retired_in > $1) \
                 + (SELECT $1 - count(*) FROM citygrid_versions)",
                &[&head],
            )
            .unwrap()
            .get(0);
    }
    let conn = rusqlite::Connection::open(location).unwrap();
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(integrity, "ok");
    conn.query_row(
        "SELECT (SELECT count(*) FROM citygrid_units WHERE valid_from > ?1 OR valid_to > ?1) \
         + (SELECT count(*) FROM cells WHERE version > ?1) \
         + (SELECT count(*) FROM citygrid_versions WHERE version > ?1) \
         + (SELECT ?1 - count(*) FROM citygrid_versions)",
        [head as i64],
        |r| r.get(0),
    )
    .unwrap()
}

/// A PostgreSQL cluster with PostGIS of one test's own, for a test that stops and
/// starts its database (the shared cluster of `CITYGRID_TEST_POSTGRES` serves other
/// tests at the same time): `scripts/postgres.sh` on a free port and a folder in
/// [`tmp`]. Stopped, and its folder removed, when dropped.
pub struct Cluster {
    /// Its admin URL (the `postgres` database of its superuser).
    pub admin: String,
    port: u16,
    dir: PathBuf,
}

impl Cluster {
    /// Makes and starts a cluster in `tmp(name)` (a few seconds: `initdb`).
    ///
    /// # Panics
    /// When `scripts/postgres.sh start` fails.
    pub fn start(name: &str) -> Cluster {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let dir = tmp(&format!("{name}-{port}"));
        let mut cluster = Cluster {
            admin: String::new(),
            port,
            dir,
        };
        let out = cluster.script("start");
        let said = String::from_utf8_lossy(&out.stdout);
        cluster.admin = said
            .split('\'')
            .nth(1)
            .unwrap_or_else(|| panic!("scripts/postgres.sh start printed {said}"))
            .to_string();
        cluster
    }

    /// Runs `scripts/postgres.sh ACTION` (`restart`, `halt`, `start`) on it.
    ///
    /// # Panics
    /// When the script fails.
    pub fn script(&self, action: &str) -> Output {
        let out = Command::new(root().join("scripts/postgres.sh"))
            .arg(action)
            .env("CITYGRID_PG_PORT", self.port.to_string())
            .env("CITYGRID_PG_DIR", &self.dir)
            .output()
            .expect("scripts/postgres.sh runs");
        assert!(
            out.status.success(),
            "scripts/postgres.sh {action} on port {}: {}",
            self.port,
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = Command::new(root().join("scripts/postgres.sh"))
            .arg("stop")
            .env("CITYGRID_PG_PORT", self.port.to_string())
            .env("CITYGRID_PG_DIR", &self.dir)
            .output();
    }
}
