//! Prometheus metrics: requests by route and status class, lookup points, and a
//! latency histogram, kept in atomics (no lock on the request path).

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::cache::CacheStats;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 10] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 2.5,
];

/// Routes counted separately (anything else counts as "other").
pub const ROUTES: [&str; 12] = [
    "/v1/lookup",
    "/v1/cells",
    "/v1/cells/{code}",
    "/v1/units/{code}",
    "/v1/tiles/{z}/{x}/{y}",
    "/v1/tiles.json",
    "/v1/style.json",
    "/healthz",
    "/readyz",
    "/metrics",
    "/openapi.json",
    "other",
];

/// The server's counters.
#[derive(Debug, Default)]
pub struct Metrics {
    requests: [[AtomicU64; 5]; ROUTES.len()],
    buckets: [AtomicU64; BUCKETS.len()],
    latency_count: AtomicU64,
    latency_sum_us: AtomicU64,
    points: AtomicU64,
    points_outside: AtomicU64,
}

impl Metrics {
    /// Counts one finished request.
    pub fn request(&self, route: &str, status: u16, took: Duration) {
        let r = ROUTES
            .iter()
            .position(|&x| x == route)
            .unwrap_or(ROUTES.len() - 1);
        let class = usize::from((status / 100).clamp(1, 5)) - 1;
        self.requests[r][class].fetch_add(1, Ordering::Relaxed);
        let secs = took.as_secs_f64();
        for (b, bound) in self.buckets.iter().zip(BUCKETS) {
            if secs <= bound {
                b.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.latency_count.fetch_add(1, Ordering::Relaxed);
        self.latency_sum_us
            .fetch_add(took.as_micros() as u64, Ordering::Relaxed);
    }

    /// Counts looked-up points, and how many fell outside the city.
    pub fn points(&self, total: u64, outside: u64) {
        self.points.fetch_add(total, Ordering::Relaxed);
        self.points_outside.fetch_add(outside, Ordering::Relaxed);
    }

    /// The Prometheus text exposition (format 0.0.4).
    #[must_use]
    pub fn render(&self, cells: usize, tiles: CacheStats) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "# HELP citygrid_http_requests_total Requests answered, by route and status class."
        );
        let _ = writeln!(s, "# TYPE citygrid_http_requests_total counter");
        for (route, classes) in ROUTES.iter().zip(&self.requests) {
            for (i, c) in classes.iter().enumerate() {
                let n = c.load(Ordering::Relaxed);
                if n > 0 {
                    let _ = writeln!(
                        s,
                        "citygrid_http_requests_total{{route=\"{route}\",status=\"{}xx\"}} {n}",
                        i + 1
                    );
                }
            }
        }
        let _ = writeln!(
            s,
            "# HELP citygrid_http_request_duration_seconds Time to answer a request."
        );
        let _ = writeln!(s, "# TYPE citygrid_http_request_duration_seconds histogram");
        for (b, bound) in self.buckets.iter().zip(BUCKETS) {
            let _ = writeln!(
                s,
                "citygrid_http_request_duration_seconds_bucket{{le=\"{bound}\"}} {}",
                b.load(Ordering::Relaxed)
            );
        }
        let count = self.latency_count.load(Ordering::Relaxed);
        let _ = writeln!(
            s,
            "citygrid_http_request_duration_seconds_bucket{{le=\"+Inf\"}} {count}"
        );
        let _ = writeln!(
            s,
            "citygrid_http_request_duration_seconds_sum {}",
            self.latency_sum_us.load(Ordering::Relaxed) as f64 / 1e6
        );
        let _ = writeln!(s, "citygrid_http_request_duration_seconds_count {count}");
        let _ = writeln!(s, "# HELP citygrid_lookup_points_total Points looked up.");
        let _ = writeln!(s, "# TYPE citygrid_lookup_points_total counter");
        let _ = writeln!(
            s,
            "citygrid_lookup_points_total {}",
            self.points.load(Ordering::Relaxed)
        );
        let _ = writeln!(
            s,
            "# HELP citygrid_lookup_points_outside_total Points that fell outside the city."
        );
        let _ = writeln!(s, "# TYPE citygrid_lookup_points_outside_total counter");
        let _ = writeln!(
            s,
            "citygrid_lookup_points_outside_total {}",
            self.points_outside.load(Ordering::Relaxed)
        );
        let _ = writeln!(s, "# HELP citygrid_cells Cells in the partition served.");
        let _ = writeln!(s, "# TYPE citygrid_cells gauge");
        let _ = writeln!(s, "citygrid_cells {cells}");
        for (name, help, kind, v) in [
            (
                "citygrid_tile_cache_bytes",
                "Bytes of tiles held in memory.",
                "gauge",
                tiles.bytes as u64,
            ),
            (
                "citygrid_tile_cache_entries",
                "Tiles held in memory.",
                "gauge",
                tiles.entries as u64,
            ),
            (
                "citygrid_tile_cache_hits_total",
                "Tile requests answered from memory.",
                "counter",
                tiles.hits,
            ),
            (
                "citygrid_tile_cache_misses_total",
                "Tile requests rendered.",
                "counter",
                tiles.misses,
            ),
        ] {
            let _ = writeln!(s, "# HELP {name} {help}");
            let _ = writeln!(s, "# TYPE {name} {kind}");
            let _ = writeln!(s, "{name} {v}");
        }
        s
    }
}
