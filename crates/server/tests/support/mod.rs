//! What the server's socket tests share: a generated city, a server of its own on
//! a free port, and a small HTTP/1.1 client that reads heads, Content-Length and
//! chunked bodies itself (so a test sees exactly what went over the wire).

#![allow(dead_code, reason = "each test binary uses a part")]

use std::future::{Future, IntoFuture};
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use serde_json::Value;
use tokio::net::TcpListener;

use geo_types::{LineString, MultiPolygon, Polygon};

use citygrid_model::{CodeLayout, Level, Partition, Unit, UnitCode};
use citygrid_server::{AppState, City, Config, Versions, serve_on};
use citygrid_synth::SynthCity;

/// The hand-made city of the store tests: two villages of two square cells each,
/// 0.01° on a side, in one township of district 520102, and district 520103 of one
/// cell to the east, for scoping.
///
/// ```text
///  26.51 +------+------+------+------+------+
///        |  A1  |  A2  |  B1  |  B2  |  C1  |   villages A: 520102001001, B: ...002;
///  26.50 +------+------+------+------+------+   C1 in district 520103
///     106.70 106.71 106.72 106.73 106.74 106.75
/// ```
pub const X0: f64 = 106.70;
pub const Y0: f64 = 26.50;
pub const D: f64 = 0.01;
pub const A1: &str = "520102001001001";
pub const A2: &str = "520102001001002";
pub const B1: &str = "520102001002001";

/// The rectangle over columns `i0..i1`, with a vertex at every column line between
/// (so that neighbours share vertices exactly).
pub fn rect(i0: u32, i1: u32) -> MultiPolygon<f64> {
    let x = |i: u32| X0 + f64::from(i) * D;
    let mut ring: Vec<(f64, f64)> = (i0..=i1).map(|i| (x(i), Y0)).collect();
    ring.extend((i0..=i1).rev().map(|i| (x(i), Y0 + D)));
    ring.push((x(i0), Y0));
    MultiPolygon(vec![Polygon::new(LineString::from(ring), vec![])])
}

pub fn code(c: &str) -> UnitCode {
    c.parse().unwrap()
}

pub fn city() -> Partition {
    let mut units = vec![
        Unit::new(code("520100"), Level::City, rect(0, 5)),
        Unit::new(code("520103"), Level::District, rect(4, 5)).with_parent(code("520100")),
        Unit::new(code("520103001"), Level::Township, rect(4, 5)).with_parent(code("520103")),
        Unit::new(code("520103001001"), Level::Village, rect(4, 5)).with_parent(code("520103001")),
        Unit::new(code("520102"), Level::District, rect(0, 4)).with_parent(code("520100")),
        Unit::new(code("520102001"), Level::Township, rect(0, 4)).with_parent(code("520102")),
        Unit::new(code("520102001001"), Level::Village, rect(0, 2))
            .with_parent(code("520102001"))
            .with_name("A"),
        Unit::new(code("520102001002"), Level::Village, rect(2, 4))
            .with_parent(code("520102001"))
            .with_name("B"),
    ];
    for (c, v, i) in [
        (A1, "520102001001", 0),
        (A2, "520102001001", 1),
        (B1, "520102001002", 2),
        ("520102001002002", "520102001002", 3),
        ("520103001001001", "520103001001", 4),
    ] {
        units.push(Unit::new(code(c), Level::Cell, rect(i, i + 1)).with_parent(code(v)));
    }
    Partition::new(units, CodeLayout::default()).unwrap()
}

/// Tokens of the five-cell city's store: an editor of district 520102 (`wang`), a
/// viewer (`li`), an admin (`chen`) and an editor of district 520103 (`zhao`).
pub struct Tokens {
    pub editor: String,
    pub viewer: String,
    pub admin: String,
    pub elsewhere: String,
}

impl Tokens {
    /// Creates the four tokens in `store`.
    pub fn create(store: &dyn citygrid_store::Store) -> Tokens {
        use citygrid_store::Role;
        let token = |name: &str, role, district: Option<&str>| {
            store
                .create_token(name, role, district.map(code))
                .unwrap()
                .1
        };
        Tokens {
            editor: token("wang", Role::Editor, Some("520102")),
            viewer: token("li", Role::Viewer, None),
            admin: token("chen", Role::Admin, None),
            elsewhere: token("zhao", Role::Editor, Some("520103")),
        }
    }
}

/// `store` served through the server's routes on a free port, following its head and
/// its layers as `citygrid serve --store` does (`follow`), or reading them once.
pub fn serve_store(store: Arc<dyn citygrid_store::Store>, follow: bool) -> SocketAddr {
    let config = Config::default();
    let versions = Arc::new(Versions::from_store(store, &config).unwrap());
    let following = Arc::clone(&versions);
    let state = AppState::new(versions, config).unwrap();
    serve(citygrid_server::router(state), move || {
        if follow {
            citygrid_server::watch::spawn(&following);
        }
    })
}

/// A 300-cell generated city.
pub fn generated_partition() -> Partition {
    let units = SynthCity::new(3)
        .cells(300)
        .vertices_per_cell(20)
        .extent_km(10.0, 10.0)
        .generate();
    Partition::new(units, CodeLayout::default()).unwrap()
}

/// `partition` served as the only version with these settings, through the whole
/// server (its listener, connection limits and layers), on a free port; with the
/// version it serves.
pub fn start(partition: Partition, config: Config) -> (SocketAddr, Arc<City>) {
    let versions =
        Arc::new(Versions::from_partition(partition, "generated".into(), &config).unwrap());
    let city = Arc::clone(&versions.head().city);
    (
        start_state(AppState::new(versions, config).unwrap(), || {}),
        city,
    )
}

/// Serves `state` through the whole server on a free port, with `before` run
/// first inside its runtime (to spawn tasks such as the watcher).
pub fn start_state(state: AppState, before: impl FnOnce() + Send + 'static) -> SocketAddr {
    on_thread(move |listener| {
        before();
        serve_on(listener, state, std::future::pending())
    })
}

/// Serves `app` alone (the server's routes, perhaps with a test's own beside
/// them, without the listener's limits) on a free port, with `before` run first
/// inside its runtime.
pub fn serve(app: Router, before: impl FnOnce() + Send + 'static) -> SocketAddr {
    on_thread(move |listener| {
        before();
        axum::serve(listener, app).into_future()
    })
}

/// Runs what `serve` makes of a listener on a free port of 127.0.0.1, on a runtime
/// of two workers (as on the CI machine) in a thread of its own.
fn on_thread<F>(serve: impl FnOnce(TcpListener) -> F + Send + 'static) -> SocketAddr
where
    F: Future<Output = std::io::Result<()>>,
{
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = citygrid_server::listener::bind(([127, 0, 0, 1], 0).into()).unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            serve(listener).await.unwrap();
        });
    });
    rx.recv().unwrap()
}

/// A connection that gives up reading after 20 s rather than hang a test.
pub fn connect(addr: SocketAddr) -> TcpStream {
    let s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    s
}

/// A response as it came.
pub struct Reply {
    pub status: u16,
    pub headers: String,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&self.body)))
    }

    /// The first header of that name.
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case(name).then(|| v.trim().to_string())
        })
    }

    /// The error message of a JSON error answer.
    pub fn message(&self) -> String {
        self.json()["error"]["message"]
            .as_str()
            .unwrap_or_else(|| panic!("not an error: {}", String::from_utf8_lossy(&self.body)))
            .to_string()
    }

    /// The `X-Citygrid-Version` header as a number.
    pub fn version(&self) -> u64 {
        self.header("x-citygrid-version")
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("no version header in {}", self.headers))
    }
}

/// Reads one response: its head, then a body of Content-Length bytes, chunks, or
/// everything to the end, handing the body to `sink` piece by piece.
pub fn read_reply_into(s: &mut TcpStream, sink: &mut dyn FnMut(&[u8])) -> std::io::Result<Reply> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if s.read(&mut byte)? == 0 {
            return Err(ErrorKind::UnexpectedEof.into());
        }
        head.push(byte[0]);
    }
    let headers = String::from_utf8_lossy(&head).to_string();
    let status = headers
        .split_whitespace()
        .nth(1)
        .and_then(|t| t.parse().ok())
        .unwrap_or(0);
    let reply = Reply {
        status,
        headers,
        body: Vec::new(),
    };
    let mut buf = vec![0u8; 64 * 1024];
    if let Some(n) = reply.header("content-length") {
        let mut left: usize = n.parse().unwrap();
        while left > 0 {
            let got = s.read(&mut buf[..left.min(64 * 1024)])?;
            if got == 0 {
                return Err(ErrorKind::UnexpectedEof.into());
            }
            sink(&buf[..got]);
            left -= got;
        }
    } else if reply
        .header("transfer-encoding")
        .is_some_and(|t| t.contains("chunked"))
    {
        loop {
            let mut line = Vec::new();
            while !line.ends_with(b"\r\n") {
                if s.read(&mut byte)? == 0 {
                    return Err(ErrorKind::UnexpectedEof.into());
                }
                line.push(byte[0]);
            }
            let size = usize::from_str_radix(String::from_utf8_lossy(&line).trim(), 16).unwrap();
            let mut chunk = vec![0u8; size + 2];
            s.read_exact(&mut chunk)?;
            if size == 0 {
                break;
            }
            sink(&chunk[..size]);
        }
    } else if !(reply.status == 204 || reply.status == 304) {
        loop {
            let got = s.read(&mut buf)?;
            if got == 0 {
                break;
            }
            sink(&buf[..got]);
        }
    }
    Ok(reply)
}

/// [`read_reply_into`] keeping the first `keep` bytes of the body.
pub fn read_reply(s: &mut TcpStream, keep: usize) -> std::io::Result<Reply> {
    let mut body = Vec::new();
    let mut reply = read_reply_into(s, &mut |piece| {
        let room = keep.saturating_sub(body.len()).min(piece.len());
        body.extend_from_slice(&piece[..room]);
    })?;
    reply.body = body;
    Ok(reply)
}

/// One request (raw bytes) on a new connection, and its whole answer.
pub fn exchange(addr: SocketAddr, raw: &[u8]) -> Reply {
    let mut s = connect(addr);
    s.write_all(raw).unwrap();
    read_reply(&mut s, usize::MAX).unwrap()
}

/// One request with `Host: test` on a connection of its own, and its whole answer.
pub fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Reply {
    let mut raw = format!(
        "{method} {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        raw.push_str(&format!("{k}: {v}\r\n"));
    }
    raw.push_str("\r\n");
    let mut raw = raw.into_bytes();
    raw.extend_from_slice(body);
    exchange(addr, &raw)
}

/// `z/x/y` of the Web Mercator tile holding a WGS84 point.
pub fn tile_at(lon: f64, lat: f64, z: u32) -> String {
    let n = f64::from(1u32 << z);
    let x = ((lon + 180.0) / 360.0 * n) as u32;
    let r = lat.to_radians();
    let y = ((1.0 - (r.tan() + 1.0 / r.cos()).ln() / std::f64::consts::PI) / 2.0 * n) as u32;
    format!("{z}/{x}/{y}")
}
