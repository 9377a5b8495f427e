//! The server against clients that misbehave, over real sockets on 127.0.0.1 with
//! short configured timeouts: slow and silent clients, a flood of connections,
//! a burst of large batches (memory and health-check latency measured), hostile
//! Host headers, broken bodies and the statuses they get, metrics for all of it,
//! single-flight tile renders, and readiness of a partition served though invalid.

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::{Arc, Barrier, OnceLock};
use std::time::{Duration, Instant};

use geo::InteriorPoint;
use serde_json::Value;

use citygrid_model::{Level, Partition};
use citygrid_server::{AppState, Config, Versions};

mod support;

use support::{
    Reply, connect, exchange, generated_partition, read_reply, read_reply_into, start, start_state,
    tile_at,
};

/// A 300-cell generated city, made once.
fn partition() -> Partition {
    static PARTITION: OnceLock<Partition> = OnceLock::new();
    PARTITION.get_or_init(generated_partition).clone()
}

/// A server of its own for `partition()` with these settings.
fn serve(config: Config) -> SocketAddr {
    start(partition(), config).0
}

/// Settings with every timeout short, so that tests of them take a second.
fn quick() -> Config {
    Config {
        header_timeout_s: 0.5,
        send_timeout_s: 3.0,
        body_timeout_s: 0.5,
        min_body_rate: 100,
        body_timeout_max_s: 2.0,
        queue_timeout_s: 2.0,
        max_body_bytes: 64 * 1024,
        max_batch_points: 1_000,
        ..Config::default()
    }
}

/// One server with [`quick`] settings for the tests that need nothing else.
fn shared() -> SocketAddr {
    static ADDR: OnceLock<SocketAddr> = OnceLock::new();
    *ADDR.get_or_init(|| serve(quick()))
}

fn get(addr: SocketAddr, path: &str) -> Reply {
    exchange(
        addr,
        format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").as_bytes(),
    )
}

fn post(addr: SocketAddr, path: &str, body: &[u8]) -> Reply {
    let mut raw = format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    raw.extend_from_slice(body);
    exchange(addr, &raw)
}

/// The value of a metric line (name with its labels, as exposed), 0 when absent.
fn metric(addr: SocketAddr, line: &str) -> f64 {
    let text = String::from_utf8(get(addr, "/metrics").body).unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix(line)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or(0.0)
}

/// Whether the server closes `s` within `limit` (a read answers end of file or
/// a reset), and how long it took.
fn closed_within(s: &mut TcpStream, limit: Duration) -> (bool, Duration) {
    let started = Instant::now();
    s.set_read_timeout(Some(limit)).unwrap();
    let mut buf = [0u8; 1024];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return (true, started.elapsed()),
            Ok(_) => {}
            Err(e) if e.kind() == ErrorKind::WouldBlock || e.kind() == ErrorKind::TimedOut => {
                return (false, started.elapsed());
            }
            Err(_) => return (true, started.elapsed()),
        }
    }
}

/// A point inside a cell of the city, and the cell's code.
fn inside() -> ((f64, f64), String) {
    let partition = partition();
    let id = partition.level_ids(Level::Cell).nth(40).unwrap();
    let u = partition.unit(id);
    let p = u.geometry.interior_point().unwrap();
    ((p.x(), p.y()), u.code.to_string())
}

/// `{"points": [...]}` of about `bytes` bytes, every point inside the city.
fn batch_body(bytes: usize, fields: &str) -> (Vec<u8>, usize) {
    let ((lon, lat), _) = inside();
    let point = format!("[{lon:.7},{lat:.7}]");
    let n = bytes / (point.len() + 1);
    let body = format!(
        r#"{{"fields":"{fields}","points":[{}]}}"#,
        vec![point; n].join(",")
    );
    (body.into_bytes(), n)
}

/// The resident memory of this process, in MiB.
fn rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

#[test]
fn silent_and_slow_clients_lose_their_connection_within_the_timeouts() {
    let addr = serve(quick());
    let before = metric(
        addr,
        "citygrid_http_rejected_total{reason=\"header_timeout\"}",
    );
    let limit = Duration::from_secs(3);
    let silent = std::thread::spawn(move || closed_within(&mut connect(addr), limit));
    let half_head = std::thread::spawn(move || {
        let mut s = connect(addr);
        s.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            .unwrap();
        closed_within(&mut s, limit)
    });
    let kept_alive = std::thread::spawn(move || {
        let mut s = connect(addr);
        s.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            .unwrap();
        assert_eq!(read_reply(&mut s, 1024).unwrap().status, 200);
        closed_within(&mut s, limit)
    });
    let no_body = std::thread::spawn(move || {
        let mut s = connect(addr);
        s.write_all(b"POST /v1/lookup HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n")
            .unwrap();
        let started = Instant::now();
        (read_reply(&mut s, 4096).unwrap(), started.elapsed())
    });
    let trickle = std::thread::spawn(move || {
        let mut s = connect(addr);
        s.write_all(b"POST /v1/lookup HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\n")
            .unwrap();
        let started = Instant::now();
        for b in br#"{"points": [[106.7, 26.5], [106.7, 26.5]"#.iter().cycle().take(40) {
            if s.write_all(&[*b]).is_err() {
                break;
            }
            std::thread::sleep(Duration::from_millis(200));
            s.set_nonblocking(true).unwrap();
            let answered = s.peek(&mut [0u8; 1]).is_ok_and(|n| n > 0);
            s.set_nonblocking(false).unwrap();
            if answered {
                break;
            }
        }
        (read_reply(&mut s, 4096).unwrap(), started.elapsed())
    });
    for (what, t) in [
        ("silent", silent),
        ("half a head", half_head),
        ("kept alive", kept_alive),
    ] {
        let (closed, took) = t.join().unwrap();
        assert!(closed, "{what}: still open after {took:?}");
        assert!(
            took < Duration::from_millis(1500),
            "{what}: closed after {took:?}"
        );
    }
    for (what, t) in [("no body", no_body), ("trickle", trickle)] {
        let (reply, took) = t.join().unwrap();
        assert_eq!(
            reply.status,
            408,
            "{what}: {}",
            String::from_utf8_lossy(&reply.body)
        );
        assert!(
            took < Duration::from_secs(2),
            "{what}: answered after {took:?}"
        );
        let message = reply.message();
        assert!(
            message.contains("min_body_rate = 100 bytes/s")
                && message.contains("body_timeout_s = 0.5"),
            "{what}: {message}"
        );
    }
    let after = metric(
        addr,
        "citygrid_http_rejected_total{reason=\"header_timeout\"}",
    );
    assert!(after - before >= 3.0, "{before} -> {after}");
}

#[test]
fn a_client_that_stops_reading_its_answer_loses_the_connection() {
    let addr = serve(Config {
        send_timeout_s: 1.0,
        max_batch_points: 100_000,
        max_body_bytes: 4 << 20,
        ..quick()
    });
    // About 40 MB of answers: far more than the sockets' buffers hold.
    let (body, _) = batch_body(2 << 20, "all");
    let mut s = connect(addr);
    s.write_all(
        format!(
            "POST /v1/lookup HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {}\r\n\r\n",
            body.len()
        )
        .as_bytes(),
    )
    .unwrap();
    s.write_all(&body).unwrap();
    std::thread::sleep(Duration::from_secs(4));
    let whole = read_reply(&mut s, 16).is_ok();
    assert!(
        !whole,
        "a 40 MB answer arrived whole to a client that did not read for 4 s"
    );
    assert!(
        metric(
            addr,
            "citygrid_http_rejected_total{reason=\"send_timeout\"}"
        ) >= 1.0
    );
}

#[test]
fn a_flood_of_idle_connections_neither_starves_the_listener_nor_health_checks() {
    let cap = 200;
    let addr = serve(Config {
        max_connections: cap,
        header_timeout_s: 1.0,
        ..quick()
    });
    let mut idle: Vec<TcpStream> = (0..cap - 10).map(|_| connect(addr)).collect();
    let mut slowest = Duration::ZERO;
    for _ in 0..5 {
        let started = Instant::now();
        assert_eq!(get(addr, "/healthz").status, 200);
        slowest = slowest.max(started.elapsed());
    }
    assert!(
        slowest < Duration::from_millis(500),
        "health check took {slowest:?} below the cap"
    );
    // Over the cap: the next connection waits for an idle one to time out.
    idle.extend((0..40).map(|_| connect(addr)));
    let started = Instant::now();
    assert_eq!(get(addr, "/healthz").status, 200);
    let waited = started.elapsed();
    assert!(
        waited < Duration::from_secs(4),
        "waited {waited:?} over the cap"
    );
    assert_eq!(metric(addr, "citygrid_connections_max"), cap as f64);
    assert!(metric(addr, "citygrid_connections_cap_reached_total") >= 1.0);
    assert_eq!(metric(addr, "citygrid_accept_errors_total"), 0.0);
    drop(idle);
}

#[test]
fn a_burst_of_large_batches_is_queued_or_shed_keeping_memory_and_health_checks_in_bounds() {
    let addr = serve(Config {
        batch_concurrency: 2,
        batch_queue: 6,
        queue_timeout_s: 2.5,
        max_batch_points: 100_000,
        max_body_bytes: 2 << 20,
        ..quick()
    });
    let (full, n) = batch_body(1 << 20, "all");
    let (codes, _) = batch_body(1 << 20, "code");
    let bodies = Arc::new([full, codes]);
    let baseline = rss_mib();
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let sampler = {
        let done = Arc::clone(&done);
        std::thread::spawn(move || {
            let mut peak = 0f64;
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                peak = peak.max(rss_mib());
                std::thread::sleep(Duration::from_millis(5));
            }
            peak
        })
    };
    let health = {
        let done = Arc::clone(&done);
        std::thread::spawn(move || {
            let mut slowest = Duration::ZERO;
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                let started = Instant::now();
                assert_eq!(get(addr, "/healthz").status, 200);
                slowest = slowest.max(started.elapsed());
                std::thread::sleep(Duration::from_millis(20));
            }
            slowest
        })
    };
    let burst = 40;
    let start_line = Arc::new(Barrier::new(burst));
    let clients: Vec<_> = (0..burst)
        .map(|i| {
            let (bodies, start_line) = (Arc::clone(&bodies), Arc::clone(&start_line));
            std::thread::spawn(move || {
                let body = &bodies[i % 2];
                let mut s = connect(addr);
                start_line.wait();
                let started = Instant::now();
                let head = format!(
                    "POST /v1/lookup HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nAccept-Encoding: identity\r\nContent-Length: {}\r\n\r\n",
                    body.len()
                );
                s.write_all(head.as_bytes()).unwrap();
                // A shed request may be answered before all of its body is sent.
                let _ = s.write_all(body);
                // Answers are counted as they stream by, not kept: this
                // process's memory is the server's.
                let marker = if i % 2 == 1 {
                    format!("\"{}\"", inside().1)
                } else {
                    "\"ancestors\"".to_string()
                };
                let marker = marker.as_bytes();
                let (mut found, mut tail, mut kept) = (0usize, Vec::new(), Vec::new());
                let mut reply = read_reply_into(&mut s, &mut |piece| {
                    tail.extend_from_slice(piece);
                    found += tail.windows(marker.len()).filter(|w| *w == marker).count();
                    let cut = tail.len().saturating_sub(marker.len() - 1);
                    tail.drain(..cut);
                    if kept.len() < 4096 {
                        kept.extend_from_slice(&piece[..piece.len().min(4096)]);
                    }
                })
                .unwrap_or_else(|e| panic!("client {i}: {e} after {:?}, {found} found", started.elapsed()));
                reply.body = kept;
                (found, reply)
            })
        })
        .collect();
    let (mut answered, mut shed) = (0, 0);
    for c in clients {
        let (found, reply) = c.join().unwrap();
        match reply.status {
            200 => {
                answered += 1;
                assert_eq!(found, n, "answers in a batch of {n}");
            }
            503 => {
                shed += 1;
                assert_eq!(reply.header("retry-after").as_deref(), Some("1"));
                assert_eq!(reply.json()["error"]["kind"], "overloaded");
            }
            other => panic!("status {other}: {}", reply.message()),
        }
    }
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    let (peak, slowest) = (sampler.join().unwrap(), health.join().unwrap());
    std::thread::sleep(Duration::from_millis(500));
    let after = rss_mib();
    eprintln!(
        "burst of {burst} x 1 MB: {answered} answered, {shed} shed; RSS {baseline:.0} MiB -> peak {peak:.0} -> {after:.0} MiB; slowest /healthz {slowest:?}"
    );
    assert!(
        answered >= 2 && shed >= 1,
        "{answered} answered, {shed} shed"
    );
    assert!(
        slowest < Duration::from_secs(1),
        "/healthz took {slowest:?}"
    );
    assert!(
        peak - baseline < 150.0,
        "peak {peak:.0} MiB from {baseline:.0}"
    );
    assert!(
        after - baseline < 80.0,
        "{after:.0} MiB after from {baseline:.0}"
    );
    assert!(metric(addr, "citygrid_queue_shed_total{queue=\"batch\"}") >= 1.0);
}

/// Whether a `Vary` header of the answer names Host.
fn varies_by_host(r: &Reply) -> bool {
    r.headers.lines().any(|l| {
        l.split_once(':').is_some_and(|(k, v)| {
            k.eq_ignore_ascii_case("vary")
                && v.split(',').any(|t| t.trim().eq_ignore_ascii_case("host"))
        })
    })
}

#[test]
fn tile_urls_come_from_allowed_hosts_or_public_url_and_never_from_other_text() {
    let addr = shared();
    let ask = |addr: SocketAddr, host: &str| {
        exchange(
            addr,
            format!("GET /v1/tiles.json HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        )
    };
    let ok = ask(addr, &format!("127.0.0.1:{}", addr.port()));
    assert_eq!(ok.status, 200);
    assert_eq!(
        ok.json()["tiles"][0],
        format!(
            "http://127.0.0.1:{}/v1/v/1/tiles/{{z}}/{{x}}/{{y}}.mvt",
            addr.port()
        )
    );
    assert!(varies_by_host(&ok), "{}", ok.headers);
    for evil in ["evil.example", "127.0.0.1.evil.example", "evil.example/\"}"] {
        let r = ask(addr, evil);
        assert_eq!(r.status, 400, "{evil}");
        assert!(r.message().contains("allowed_hosts"), "{}", r.message());
        assert!(!String::from_utf8_lossy(&r.body).contains("http://evil"));
    }
    let style = exchange(
        addr,
        b"GET /v1/style.json HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(style.status, 400);
    let public = serve(Config {
        public_url: Some("https://grid.example.gov.cn".into()),
        ..quick()
    });
    let r = ask(public, "evil.example");
    assert_eq!(r.status, 200);
    assert_eq!(
        r.json()["tiles"][0],
        "https://grid.example.gov.cn/v1/v/1/tiles/{z}/{x}/{y}.mvt"
    );
    assert!(!varies_by_host(&r), "{}", r.headers);
}

#[test]
fn broken_bodies_are_400_slow_ones_408_and_only_size_is_413() {
    let addr = shared();
    // Truncated: the client ends its half of the connection mid-body.
    let mut s = connect(addr);
    s.write_all(
        b"POST /v1/lookup HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n{\"points\": [",
    )
    .unwrap();
    s.shutdown(Shutdown::Write).unwrap();
    let r = read_reply(&mut s, 4096).unwrap();
    assert_eq!(r.status, 400, "{}", r.message());
    assert!(
        r.message()
            .contains("ended before the body did (Content-Length 100)"),
        "{}",
        r.message()
    );
    // A chunk size that is not hexadecimal.
    let r = exchange(
        addr,
        b"POST /v1/lookup HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n{}\r\n0\r\n\r\n",
    );
    assert_eq!(r.status, 400, "{}", r.message());
    assert!(
        r.message().starts_with("request body is malformed: "),
        "{}",
        r.message()
    );
    // Size: declared, and chunked past the limit.
    let big = 70 * 1024;
    let r = exchange(
        addr,
        format!("POST /v1/lookup HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {big}\r\n\r\n")
            .as_bytes(),
    );
    assert_eq!(r.status, 413);
    assert!(
        r.message()
            .contains("Content-Length 71680 is over max_body_bytes = 65536"),
        "{}",
        r.message()
    );
    let mut chunked =
        b"POST /v1/lookup HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n"
            .to_vec();
    for _ in 0..20 {
        chunked.extend_from_slice(format!("{:x}\r\n{}\r\n", 4096, " ".repeat(4096)).as_bytes());
    }
    chunked.extend_from_slice(b"0\r\n\r\n");
    let r = exchange(addr, &chunked);
    assert_eq!(r.status, 413);
    assert!(
        r.message()
            .contains("a chunked body is over max_body_bytes = 65536"),
        "{}",
        r.message()
    );
    // Too many points is a size too; a bad crs is not.
    let many = format!(r#"{{"points": [{}]}}"#, vec!["[1,2]"; 1001].join(","));
    let r = post(addr, "/v1/lookup", many.as_bytes());
    assert_eq!(r.status, 413);
    assert_eq!(
        r.message(),
        "points: 1001 is over max_batch_points = 1000 per request; split the batch"
    );
    let r = post(addr, "/v1/lookup", br#"{"crs": 5, "points": []}"#);
    assert_eq!(r.status, 400);
    assert_eq!(
        r.message(),
        r#"crs must be a string such as "wgs84" or "epsg:4545", not 5"#
    );
    let r = get(addr, "/v1/lookup?lon=106.7&lat=26.6&near=1e308");
    assert_eq!(r.status, 400);
    assert_eq!(
        r.message(),
        r#"near="1e308" is outside 0..5000 metres (max_near_m)"#
    );
    let digits = "9".repeat(309);
    let r = get(
        addr,
        &format!("/v1/lookup?lon=106.7&lat=26.6&near={digits}"),
    );
    assert!(
        r.message().len() < 120 && r.message().contains("(309 characters)"),
        "{}",
        r.message()
    );
}

#[test]
fn the_http_layer_answers_broken_heads_itself_and_is_counted() {
    let addr = serve(quick());
    let r = exchange(addr, b"NOT A REQUEST\r\n\r\n");
    assert_eq!(r.status, 400);
    let huge = format!(
        "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Filler: {}\r\n\r\n",
        "x".repeat(70 * 1024)
    );
    let mut s = connect(addr);
    let _ = s.write_all(huge.as_bytes());
    assert_eq!(read_reply(&mut s, 1024).unwrap().status, 431);
    // Counted once the connection task has ended.
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(
        metric(
            addr,
            "citygrid_http_rejected_total{reason=\"malformed_400\"}"
        ),
        1.0
    );
    assert_eq!(
        metric(
            addr,
            "citygrid_http_rejected_total{reason=\"headers_too_large_431\"}"
        ),
        1.0
    );
}

#[test]
fn every_route_has_its_own_label_and_latency_histogram() {
    let addr = serve(quick());
    let (_, code) = inside();
    // Every documented path (the OpenAPI test holds the document to the router),
    // asked once with its path parameters filled in, and one path nothing answers.
    let doc = get(addr, "/openapi.json").json();
    let mut routes: Vec<String> = doc["paths"].as_object().unwrap().keys().cloned().collect();
    routes.push("/nowhere".into());
    for route in &routes {
        let path = route
            .replace("{code}", &code)
            .replace("{z}/{x}/{y}", "12/0/0");
        get(addr, &path);
    }
    let text = String::from_utf8(get(addr, "/metrics").body).unwrap();
    for route in routes {
        // The router's template has no extension; the document was asked twice
        // (the /metrics being answered is counted after it is).
        let (label, count) = match route.as_str() {
            "/nowhere" => ("(no route)".to_string(), 1),
            "/openapi.json" => (route.clone(), 2),
            // a content path may hold slashes: the router's template catches them all
            "/v1/3dtiles/{name}/{path}" => ("/v1/3dtiles/{name}/{*path}".to_string(), 1),
            r => (
                r.trim_end_matches(".mvt")
                    .trim_end_matches(".png")
                    .to_string(),
                1,
            ),
        };
        let line = format!(
            "citygrid_http_request_duration_seconds_count{{route=\"{label}\",method=\"GET\"}} {count}"
        );
        assert!(text.contains(&line), "{line} missing from\n{text}");
    }
    assert!(!text.contains("route=\"other\""));
}

/// GETs of `paths`, each on its own connection, sent at the same moment.
fn at_once(addr: SocketAddr, paths: Vec<String>) -> Vec<Reply> {
    let start_line = Arc::new(Barrier::new(paths.len()));
    paths
        .into_iter()
        .map(|path| {
            let start_line = Arc::clone(&start_line);
            std::thread::spawn(move || {
                let mut s = connect(addr);
                start_line.wait();
                let head =
                    format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
                s.write_all(head.as_bytes()).unwrap();
                read_reply(&mut s, usize::MAX).unwrap()
            })
        })
        .collect::<Vec<_>>()
        .into_iter()
        .map(|t| t.join().unwrap())
        .collect()
}

#[test]
fn a_cold_tile_asked_for_at_once_is_rendered_once() {
    let addr = serve(quick());
    let ((lon, lat), _) = inside();
    let path = format!("/v1/tiles/{}.mvt", tile_at(lon, lat, 14));
    let replies = at_once(addr, vec![path; 12]);
    assert!(replies.iter().all(|r| r.status == 200));
    assert!(replies.windows(2).all(|w| w[0].body == w[1].body) && !replies[0].body.is_empty());
    assert_eq!(metric(addr, "citygrid_tile_renders_total"), 1.0);
    assert_eq!(metric(addr, "citygrid_tile_cache_entries"), 1.0);
}

#[test]
fn cold_tiles_beyond_the_render_queue_are_shed_with_retry_after() {
    let addr = serve(Config {
        render_concurrency: 1,
        render_queue: 0,
        ..quick()
    });
    let ((lon, lat), _) = inside();
    // One tile at each zoom over the same point: each needs its zoom simplified first.
    let paths = (8..=16)
        .map(|z| format!("/v1/tiles/{}.mvt", tile_at(lon, lat, z)))
        .collect();
    let statuses: Vec<(u16, Option<String>)> = at_once(addr, paths)
        .into_iter()
        .map(|r| (r.status, r.header("retry-after")))
        .collect();
    assert!(statuses.iter().any(|s| s.0 == 200), "{statuses:?}");
    assert!(
        statuses
            .iter()
            .any(|s| s.0 == 503 && s.1.as_deref() == Some("1")),
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| s.0 == 200 || s.0 == 503),
        "{statuses:?}"
    );
}

#[test]
fn a_partition_served_though_invalid_is_not_ready_and_says_why() {
    let config = quick();
    let versions =
        Arc::new(Versions::from_partition(partition(), "city.geojson".into(), &config).unwrap());
    let state = AppState::new(versions, config).unwrap().with_problem(Some(
        "city.geojson: sliver: cell 520102001001003 is 0.7 m wide".into(),
    ));
    let addr = start_state(state, || {});
    let r = get(addr, "/readyz");
    assert_eq!(r.status, 503);
    let v = r.json();
    assert_eq!(v["status"], "not_ready");
    assert_eq!(
        v["reason"],
        "city.geojson: sliver: cell 520102001001003 is 0.7 m wide"
    );
    assert_eq!(get(addr, "/healthz").status, 200);
    assert_eq!(get(shared(), "/readyz").json()["status"], "ready");
}

#[test]
fn batches_answer_codes_only_when_asked_and_gzip_the_stream() {
    let addr = shared();
    let ((lon, lat), code) = inside();
    let body = format!(r#"{{"points": [[{lon}, {lat}], [100.0, 20.0]]}}"#);
    let r = post(addr, "/v1/lookup?fields=code", body.as_bytes());
    assert_eq!(r.status, 200);
    assert_eq!(
        r.json(),
        serde_json::json!({"results": [code, null], "version": 1})
    );
    let r = post(addr, "/v1/lookup?fields=everything", body.as_bytes());
    assert_eq!(r.status, 400);
    let (big, n) = batch_body(20 * 1024, "all");
    let mut raw = format!(
        "POST /v1/lookup HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nAccept-Encoding: gzip\r\nContent-Length: {}\r\n\r\n",
        big.len()
    )
    .into_bytes();
    raw.extend_from_slice(&big);
    let r = exchange(addr, &raw);
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-encoding").as_deref(), Some("gzip"));
    let mut plain = Vec::new();
    flate2::read::GzDecoder::new(&r.body[..])
        .read_to_end(&mut plain)
        .unwrap();
    let v: Value = serde_json::from_slice(&plain).unwrap();
    assert_eq!(v["results"].as_array().unwrap().len(), n);
    assert!(
        r.body.len() * 20 < plain.len(),
        "{} of {}",
        r.body.len(),
        plain.len()
    );
}
