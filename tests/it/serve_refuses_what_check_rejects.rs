//! `citygrid serve` checks its partition as `citygrid check` does: one it rejects
//! is refused with exit status 2 and one line naming the file, the rule and the
//! cell, unless `--allow-invalid`, which serves it with `/readyz` answering 503 and
//! the reason. And an address in use is named.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use citygrid_crs::Crs;
use citygrid_synth::{DamageKind, SynthCity, damage};

use crate::support::{citygrid, root, run, tmp};

/// A generated city with one defect of `kind` (none when `None`), written to
/// `name`; the damaged cells' codes.
fn city(name: &str, kind: Option<DamageKind>) -> (String, Vec<String>) {
    let mut units = SynthCity::new(21)
        .cells(60)
        .vertices_per_cell(8)
        .extent_km(4.0, 4.0)
        .generate();
    let cells = match kind {
        Some(k) => damage(&mut units, k, 21)
            .expect("damage applies")
            .cells
            .iter()
            .map(|c| c.as_str().to_string())
            .collect(),
        None => Vec::new(),
    };
    let path = tmp(name);
    std::fs::write(&path, citygrid_io::units_geojson(&units, Crs::Wgs84)).unwrap();
    (path.to_str().unwrap().to_string(), cells)
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Kills the server when the test ends, passed or not.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Status and body of `GET path`, or None while nothing listens.
fn get(addr: SocketAddr, path: &str) -> Option<(u16, serde_json::Value)> {
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(1)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    s.write_all(
        format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").as_bytes(),
    )
    .ok()?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).ok()?;
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text.split_once("\r\n\r\n")?;
    let status = head.split_whitespace().nth(1)?.parse().ok()?;
    Some((status, serde_json::from_str(body).ok()?))
}

#[test]
fn a_self_intersecting_cell_is_refused_on_one_line() {
    let (path, cells) = city("serve-bowtie.geojson", Some(DamageKind::BowTie));
    let port = free_port().to_string();
    let out = run(&[
        "serve",
        "--partition",
        &path,
        "--bind",
        &format!("127.0.0.1:{port}"),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    let line = lines[0];
    assert!(
        line.starts_with(&format!(
            "citygrid: error: {path}: invalid_geometry: cell {}",
            cells[0]
        )),
        "{line}"
    );
    assert!(
        line.contains("self-intersects at") && line.contains("--allow-invalid"),
        "{line}"
    );
}

#[test]
fn allow_invalid_serves_it_with_readyz_not_ready_and_the_reason() {
    // A missing cell leaves a gap: wrong, but it can be indexed and tiled.
    let (path, _) = city("serve-gap.geojson", Some(DamageKind::RemoveCell));
    let addr: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let _server = Server(
        citygrid()
            .args([
                "serve",
                "--allow-invalid",
                "--partition",
                &path,
                "--bind",
                &addr.to_string(),
            ])
            .current_dir(root())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("citygrid serve starts"),
    );
    let started = Instant::now();
    let (status, ready) = loop {
        if let Some(answer) = get(addr, "/readyz") {
            break answer;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no answer on {addr}"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(status, 503, "{ready}");
    assert_eq!(ready["status"], "not_ready");
    let reason = ready["reason"].as_str().unwrap();
    assert!(reason.starts_with(&format!("{path}: gap: ")), "{reason}");
    assert_eq!(get(addr, "/healthz").map(|r| r.0), Some(200));
}

#[test]
fn an_address_in_use_is_named() {
    let (path, _) = city("serve-clean.geojson", None);
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let out = run(&["serve", "--partition", &path, "--bind", &addr]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("cannot listen on {addr}: ")) && stderr.contains("--bind"),
        "{stderr}"
    );
}
