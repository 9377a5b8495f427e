//! Prometheus metrics: requests by route, method and status with a latency
//! histogram per route and method, what the HTTP layer refused before any route
//! saw it, connections, the queues of expensive work, lookup points and the tile
//! cache. Counters are atomics; the map of routes takes a read lock per request
//! (a write lock only the first time a route is seen).

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use axum::http::Method;
use rustc_hash::FxHashMap;

use crate::cache::CacheStats;
use crate::limits::GateStats;

/// Upper bounds of the latency buckets, in seconds: single lookups in the first
/// few, batches and cold tiles in the last.
const BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The label of requests no route took that the web viewer's files answered.
pub const VIEWER_FILES: &str = "(viewer files)";
/// The label of requests no route and no file answered.
pub const NO_ROUTE: &str = "(no route)";

/// The route label of an answer no route made (set on the response by the
/// fallback; [`VIEWER_FILES`] when absent).
#[derive(Debug, Clone, Copy)]
pub struct RouteLabel(pub &'static str);

/// Why the HTTP layer ended a connection before (or instead of) a route
/// answering: hyper's own 400/414/431 answers, the timeouts, and broken requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejection {
    /// A request line or header hyper could not parse (hyper answered 400).
    Malformed,
    /// A request target over hyper's limit (414).
    UriTooLong,
    /// Headers over `max_buf_size` or too many (431).
    HeadersTooLarge,
    /// No complete request head within `header_timeout_s` (closed).
    HeaderTimeout,
    /// An answer's write waited over `send_timeout_s` for the client to read
    /// (closed).
    SendTimeout,
    /// An HTTP/2 preface: only HTTP/1.1 is served (closed).
    Http2,
    /// The client closed in the middle of a request.
    Incomplete,
    /// Any other I/O error (reset by the client...).
    Io,
}

impl Rejection {
    /// Every reason, in the order they are reported.
    pub const ALL: [Rejection; 8] = [
        Rejection::Malformed,
        Rejection::UriTooLong,
        Rejection::HeadersTooLarge,
        Rejection::HeaderTimeout,
        Rejection::SendTimeout,
        Rejection::Http2,
        Rejection::Incomplete,
        Rejection::Io,
    ];

    /// The `reason` label.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Rejection::Malformed => "malformed_400",
            Rejection::UriTooLong => "uri_too_long_414",
            Rejection::HeadersTooLarge => "headers_too_large_431",
            Rejection::HeaderTimeout => "header_timeout",
            Rejection::SendTimeout => "send_timeout",
            Rejection::Http2 => "http2_refused",
            Rejection::Incomplete => "incomplete_request",
            Rejection::Io => "io_error",
        }
    }
}

/// Counts of one route and method.
#[derive(Debug)]
struct RouteStats {
    /// By status code, 100 to 599.
    statuses: [AtomicU64; 500],
    buckets: [AtomicU64; BUCKETS.len()],
    count: AtomicU64,
    sum_us: AtomicU64,
}

impl Default for RouteStats {
    fn default() -> Self {
        RouteStats {
            statuses: std::array::from_fn(|_| AtomicU64::new(0)),
            buckets: std::array::from_fn(|_| AtomicU64::new(0)),
            count: AtomicU64::new(0),
            sum_us: AtomicU64::new(0),
        }
    }
}

type RouteKey = (Box<str>, &'static str);

/// The server's counters.
#[derive(Debug, Default)]
pub struct Metrics {
    routes: RwLock<FxHashMap<RouteKey, Arc<RouteStats>>>,
    rejected: [AtomicU64; Rejection::ALL.len()],
    connections_open: AtomicU64,
    connections_max: AtomicU64,
    connections_total: AtomicU64,
    connections_waited: AtomicU64,
    accept_errors: AtomicU64,
    points: AtomicU64,
    points_outside: AtomicU64,
}

/// What the rest of the server reports alongside the counters.
#[derive(Debug, Clone)]
pub struct Gauges {
    /// Cells in the partition served.
    pub cells: usize,
    /// The tile cache.
    pub tiles: CacheStats,
    /// Tiles rendered since start.
    pub renders: u64,
    /// Each queue of expensive work by name, and what it is doing.
    pub gates: Vec<(&'static str, GateStats)>,
}

/// A method as a label: the standard ones by name, anything else as one value
/// (a client may send any token as a method).
fn method_label(method: &Method) -> &'static str {
    [
        Method::GET,
        Method::HEAD,
        Method::POST,
        Method::PUT,
        Method::DELETE,
        Method::PATCH,
        Method::OPTIONS,
        Method::CONNECT,
        Method::TRACE,
    ]
    .iter()
    .zip([
        "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "CONNECT", "TRACE",
    ])
    .find_map(|(m, name)| (m == method).then_some(name))
    .unwrap_or("(nonstandard)")
}

impl Metrics {
    fn route(&self, route: &str, method: &'static str) -> Arc<RouteStats> {
        // A poisoned lock still holds a consistent map (inserts are whole).
        let read = self
            .routes
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(s) = read.get(&(Box::from(route), method)) {
            return Arc::clone(s);
        }
        drop(read);
        let mut write = self
            .routes
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        Arc::clone(write.entry((Box::from(route), method)).or_default())
    }

    /// Counts one finished request under its route template (or [`VIEWER_FILES`],
    /// [`NO_ROUTE`]).
    pub fn request(&self, route: &str, method: &Method, status: u16, took: Duration) {
        let s = self.route(route, method_label(method));
        let i = usize::from(status.clamp(100, 599) - 100);
        s.statuses[i].fetch_add(1, Ordering::Relaxed);
        let secs = took.as_secs_f64();
        for (b, bound) in s.buckets.iter().zip(BUCKETS) {
            if secs <= bound {
                b.fetch_add(1, Ordering::Relaxed);
            }
        }
        s.count.fetch_add(1, Ordering::Relaxed);
        s.sum_us
            .fetch_add(took.as_micros() as u64, Ordering::Relaxed);
    }

    /// Counts a connection the HTTP layer ended, and why.
    pub fn rejected(&self, why: Rejection) {
        let i = Rejection::ALL.iter().position(|&r| r == why).unwrap_or(0);
        self.rejected[i].fetch_add(1, Ordering::Relaxed);
    }

    /// The connection cap the listener keeps.
    pub fn connection_cap(&self, cap: usize) {
        self.connections_max.store(cap as u64, Ordering::Relaxed);
    }

    /// A connection accepted.
    pub fn connection_opened(&self) {
        self.connections_open.fetch_add(1, Ordering::Relaxed);
        self.connections_total.fetch_add(1, Ordering::Relaxed);
    }

    /// A connection closed.
    pub fn connection_closed(&self) {
        self.connections_open.fetch_sub(1, Ordering::Relaxed);
    }

    /// The connection cap was reached: the listener waits for one to close.
    pub fn connections_waited(&self) {
        self.connections_waited.fetch_add(1, Ordering::Relaxed);
    }

    /// `accept` failed.
    pub fn accept_error(&self) {
        self.accept_errors.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts looked-up points, and how many fell outside the city.
    pub fn points(&self, total: u64, outside: u64) {
        self.points.fetch_add(total, Ordering::Relaxed);
        self.points_outside.fetch_add(outside, Ordering::Relaxed);
    }

    /// The Prometheus text exposition (format 0.0.4).
    #[must_use]
    pub fn render(&self, gauges: &Gauges) -> String {
        let mut s = String::new();
        let mut routes: Vec<(RouteKey, Arc<RouteStats>)> = self
            .routes
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter()
            .map(|(k, v)| (k.clone(), Arc::clone(v)))
            .collect();
        routes.sort_by(|a, b| a.0.cmp(&b.0));
        head(
            &mut s,
            "citygrid_http_requests_total",
            "Requests answered, by route template, method and status.",
            "counter",
        );
        for ((route, method), stats) in &routes {
            for (i, c) in stats.statuses.iter().enumerate() {
                let n = c.load(Ordering::Relaxed);
                if n > 0 {
                    let _ = writeln!(
                        s,
                        "citygrid_http_requests_total{{route=\"{route}\",method=\"{method}\",status=\"{}\"}} {n}",
                        i + 100
                    );
                }
            }
        }
        head(
            &mut s,
            "citygrid_http_request_duration_seconds",
            "Time to answer a request (to its first byte: a streamed body goes on after), by route template and method.",
            "histogram",
        );
        for ((route, method), stats) in &routes {
            let labels = format!("route=\"{route}\",method=\"{method}\"");
            for (b, bound) in stats.buckets.iter().zip(BUCKETS) {
                let _ = writeln!(
                    s,
                    "citygrid_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {}",
                    b.load(Ordering::Relaxed)
                );
            }
            let count = stats.count.load(Ordering::Relaxed);
            let _ = writeln!(
                s,
                "citygrid_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {count}"
            );
            let _ = writeln!(
                s,
                "citygrid_http_request_duration_seconds_sum{{{labels}}} {}",
                stats.sum_us.load(Ordering::Relaxed) as f64 / 1e6
            );
            let _ = writeln!(
                s,
                "citygrid_http_request_duration_seconds_count{{{labels}}} {count}"
            );
        }
        head(
            &mut s,
            "citygrid_http_rejected_total",
            "Connections the HTTP layer ended before a route answered, by reason.",
            "counter",
        );
        for (why, c) in Rejection::ALL.iter().zip(&self.rejected) {
            let _ = writeln!(
                s,
                "citygrid_http_rejected_total{{reason=\"{}\"}} {}",
                why.as_str(),
                c.load(Ordering::Relaxed)
            );
        }
        type Read = fn(&GateStats) -> u64;
        let queues: [(&str, &str, &str, Read); 3] = [
            (
                "citygrid_queue_running",
                "Expensive requests running, by queue.",
                "gauge",
                |g| g.running as u64,
            ),
            (
                "citygrid_queue_waiting",
                "Expensive requests waiting for their turn, by queue.",
                "gauge",
                |g| g.waiting as u64,
            ),
            (
                "citygrid_queue_shed_total",
                "Expensive requests answered 503 (queue full or wait over), by queue.",
                "counter",
                |g| g.shed,
            ),
        ];
        for (name, help, kind, read) in queues {
            head(&mut s, name, help, kind);
            for (queue, g) in &gauges.gates {
                let _ = writeln!(s, "{name}{{queue=\"{queue}\"}} {}", read(g));
            }
        }
        let load = |a: &AtomicU64| a.load(Ordering::Relaxed);
        for (name, help, kind, v) in [
            (
                "citygrid_connections_open",
                "Connections open now.",
                "gauge",
                load(&self.connections_open),
            ),
            (
                "citygrid_connections_max",
                "The connection cap in force (max_connections, below the open-file limit).",
                "gauge",
                load(&self.connections_max),
            ),
            (
                "citygrid_connections_total",
                "Connections accepted.",
                "counter",
                load(&self.connections_total),
            ),
            (
                "citygrid_connections_cap_reached_total",
                "Times the listener waited for a connection to close before accepting.",
                "counter",
                load(&self.connections_waited),
            ),
            (
                "citygrid_accept_errors_total",
                "Failed accepts.",
                "counter",
                load(&self.accept_errors),
            ),
            (
                "citygrid_lookup_points_total",
                "Points looked up.",
                "counter",
                load(&self.points),
            ),
            (
                "citygrid_lookup_points_outside_total",
                "Points that fell outside the city.",
                "counter",
                load(&self.points_outside),
            ),
            (
                "citygrid_cells",
                "Cells in the partition served.",
                "gauge",
                gauges.cells as u64,
            ),
            (
                "citygrid_tile_cache_bytes",
                "Bytes of tiles held in memory.",
                "gauge",
                gauges.tiles.bytes as u64,
            ),
            (
                "citygrid_tile_cache_entries",
                "Tiles held in memory.",
                "gauge",
                gauges.tiles.entries as u64,
            ),
            (
                "citygrid_tile_cache_hits_total",
                "Tile requests answered from memory.",
                "counter",
                gauges.tiles.hits,
            ),
            (
                "citygrid_tile_cache_misses_total",
                "Tile requests not in memory (waiting for another's render counts too).",
                "counter",
                gauges.tiles.misses,
            ),
            (
                "citygrid_tile_renders_total",
                "Tiles rendered: one per tile however many asked for it at once.",
                "counter",
                gauges.renders,
            ),
        ] {
            head(&mut s, name, help, kind);
            let _ = writeln!(s, "{name} {v}");
        }
        s
    }
}

pub(crate) fn head(s: &mut String, name: &str, help: &str, kind: &str) {
    let _ = writeln!(s, "# HELP {name} {help}");
    let _ = writeln!(s, "# TYPE {name} {kind}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_methods_and_statuses_are_labelled_and_durations_bucketed() {
        let m = Metrics::default();
        m.request("/v1/lookup", &Method::POST, 503, Duration::from_millis(3));
        m.request("/v1/lookup", &Method::GET, 200, Duration::from_micros(300));
        m.request(
            NO_ROUTE,
            &Method::from_bytes(b"BREW").unwrap(),
            404,
            Duration::ZERO,
        );
        m.rejected(Rejection::HeaderTimeout);
        m.connection_cap(10);
        let text = m.render(&Gauges {
            cells: 3,
            tiles: CacheStats {
                entries: 0,
                bytes: 0,
                hits: 0,
                misses: 0,
            },
            renders: 0,
            gates: vec![(
                "batch",
                GateStats {
                    running: 1,
                    waiting: 2,
                    shed: 3,
                },
            )],
        });
        for line in [
            "citygrid_http_requests_total{route=\"/v1/lookup\",method=\"POST\",status=\"503\"} 1",
            "citygrid_http_requests_total{route=\"(no route)\",method=\"(nonstandard)\",status=\"404\"} 1",
            "citygrid_http_request_duration_seconds_bucket{route=\"/v1/lookup\",method=\"POST\",le=\"0.0025\"} 0",
            "citygrid_http_request_duration_seconds_bucket{route=\"/v1/lookup\",method=\"POST\",le=\"0.005\"} 1",
            "citygrid_http_request_duration_seconds_bucket{route=\"/v1/lookup\",method=\"GET\",le=\"0.0005\"} 1",
            "citygrid_http_rejected_total{reason=\"header_timeout\"} 1",
            "citygrid_queue_shed_total{queue=\"batch\"} 3",
            "citygrid_connections_max 10",
        ] {
            assert!(text.contains(line), "{line} missing from\n{text}");
        }
    }
}
