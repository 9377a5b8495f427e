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
    let location = tmp(name).to_str().expect("a UTF-8 path").to_string();
    let units = citygrid_synth::SynthCity::new(seed)
        .cells(cells)
        .vertices_per_cell(8)
        .generate();
    let partition = citygrid_model::Partition::new(units, citygrid_model::CodeLayout::default())
        .expect("a generated city is a partition");
    let store = citygrid_store::init(&location, &partition, "tests", "generated").expect("init");
    (location, store)
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
    /// Starts serving `store` and waits until `/readyz` answers 200.
    pub fn start(store: &str) -> Server {
        let mut tries = 0;
        loop {
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
            let mut server = Server { port, child, log };
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

/// One HTTP/1.1 request on `s` (`Connection: close`), with a bearer token and a
/// JSON body when given: the status and the JSON body (null if none). `None` when
/// the connection fails or the answer is cut short (fewer bytes than its
/// `Content-Length`), as when the server is killed while answering.
pub fn exchange(
    mut s: TcpStream,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> Option<(u16, Value)> {
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
    let raw = String::from_utf8(raw).ok()?;
    let (head, body) = raw.split_once("\r\n\r\n")?;
    let status = head.split_whitespace().nth(1)?.parse().ok()?;
    let length = head.lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.trim()
            .eq_ignore_ascii_case("content-length")
            .then(|| value.trim().parse::<usize>().ok())?
    });
    if length.is_some_and(|n| body.len() < n) {
        return None;
    }
    Some((status, serde_json::from_str(body).unwrap_or(Value::Null)))
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

/// Rows of a GeoPackage store's tables that belong to a version after `head`, or a
/// gap in the version records up to it: what a half-applied commit would leave
/// (after SQLite's integrity check, which must pass).
pub fn rows_beyond(location: &str, head: u64) -> i64 {
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
