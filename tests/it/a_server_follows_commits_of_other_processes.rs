//! `citygrid serve --store` in a process of its own, while this process commits to
//! the same store file: each commit (an attribute, then two cells swapping shapes)
//! is served within a second.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use geo::InteriorPoint;
use serde_json::Value;

use citygrid_model::{AttrValue, CodeLayout, Level, Partition};
use citygrid_store::Commit;
use citygrid_synth::SynthCity;

use crate::support::{citygrid, root, tmp};

/// The server process, killed when dropped.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `GET path` on 127.0.0.1:`port`: the status and the JSON body (null if none).
fn get(port: u16, path: &str) -> Option<(u16, Value)> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut raw = String::new();
    s.read_to_string(&mut raw).ok()?;
    let (head, body) = raw.split_once("\r\n\r\n")?;
    let status = head.split_whitespace().nth(1)?.parse().ok()?;
    Some((status, serde_json::from_str(body).unwrap_or(Value::Null)))
}

/// Polls until `done` holds of the answer to `path`; how long that took.
fn until(port: u16, path: &str, done: impl Fn(&Value) -> bool) -> Duration {
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

#[test]
fn a_server_serves_what_another_process_commits_within_a_second() {
    let path = tmp("followed.gpkg");
    let _ = std::fs::remove_file(&path);
    let units = SynthCity::new(5).cells(60).vertices_per_cell(8).generate();
    let partition = Partition::new(units, CodeLayout::default()).unwrap();
    let location = path.to_string_lossy().into_owned();
    let store = citygrid_store::init(&location, &partition, "tester", "generated").unwrap();
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let _server = Server(
        citygrid()
            .args([
                "serve",
                "--store",
                &location,
                "--bind",
                &format!("127.0.0.1:{port}"),
            ])
            .current_dir(root())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("citygrid serve starts"),
    );
    until(port, "/readyz", |v| v["version"] == 1);

    let cells: Vec<_> = partition
        .level_ids(Level::Cell)
        .map(|id| partition.unit(id).as_ref().clone())
        .collect();
    let (a, b) = (cells[0].clone(), cells[1].clone());
    let inside = a.geometry.interior_point().unwrap();
    let lookup = format!("/v1/lookup?lon={}&lat={}", inside.x(), inside.y());

    let more = a
        .clone()
        .with_attribute("households", AttrValue::Number(4321.0));
    store
        .commit(Commit::new(1, "tester", "more households").upsert(more.clone()))
        .unwrap();
    let took = until(port, &lookup, |v| {
        v["cell"]["attributes"]["households"] == 4321
    });
    assert!(took < Duration::from_secs(1), "an attribute: {took:?}");

    let (mut a2, mut b2) = (more, b.clone());
    std::mem::swap(&mut a2.geometry, &mut b2.geometry);
    store
        .commit(
            Commit::new(2, "tester", "a and b swap")
                .upsert(a2)
                .upsert(b2),
        )
        .unwrap();
    let took = until(port, &lookup, |v| v["cell"]["code"] == b.code.as_str());
    assert!(took < Duration::from_secs(1), "a swap: {took:?}");
    let (_, answer) = get(port, &lookup).unwrap();
    assert_eq!(answer["version"], 3);
}
