//! What the server's socket tests share: a generated city, a server of its own on
//! a free port, and a small HTTP/1.1 client that reads heads, Content-Length and
//! chunked bodies itself (so a test sees exactly what went over the wire).

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use citygrid_model::{CodeLayout, Partition};
use citygrid_server::{AppState, City, Config, TileService, Viewer, serve_on};
use citygrid_synth::SynthCity;

/// A 300-cell generated city.
pub fn generated_city() -> City {
    let units = SynthCity::new(3)
        .cells(300)
        .vertices_per_cell(20)
        .extent_km(10.0, 10.0)
        .generate();
    City::new(
        Partition::new(units, CodeLayout::default()).unwrap(),
        "generated".into(),
    )
    .unwrap()
}

/// A server of its own on a free port of 127.0.0.1, with these settings, on a
/// runtime of two workers (as on the CI machine).
pub fn start(city: Arc<City>, config: Config) -> SocketAddr {
    let tiles = Arc::new(TileService::new(&city.partition, &config).unwrap());
    let viewer = Arc::new(Viewer::new(&city, &config).unwrap());
    let state = AppState::new(city, config, tiles, viewer);
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
            serve_on(listener, state, std::future::pending())
                .await
                .unwrap();
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
            .unwrap_or_default()
            .to_string()
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

/// `z/x/y` of the Web Mercator tile holding a WGS84 point.
pub fn tile_at(lon: f64, lat: f64, z: u32) -> String {
    let n = f64::from(1u32 << z);
    let x = ((lon + 180.0) / 360.0 * n) as u32;
    let r = lat.to_radians();
    let y = ((1.0 - (r.tan() + 1.0 / r.cos()).ln() / std::f64::consts::PI) / 2.0 * n) as u32;
    format!("{z}/{x}/{y}")
}
