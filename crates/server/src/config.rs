//! Server settings: defaults, a TOML file, and command-line overrides on top.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::error::ServerError;

/// Settings of a running server.
///
/// A TOML file may set any of them; unknown keys are refused so a typo is not
/// silently ignored:
///
/// ```toml
/// bind = "0.0.0.0:8080"
/// store = "/srv/citygrid/guiyang.gpkg"
/// read_requires_token = true
/// cors_origins = ["https://map.example.gov.cn"]
/// max_batch_points = 100000
/// tile_cache_bytes = 268435456
/// tile_max_age_s = 60
/// public_url = "https://grid.example.gov.cn"
/// viewer_dir = "web-viewer/dist"
/// basemap_url = "https://tiles.example.gov.cn/{z}/{x}/{y}.png"
/// basemap_attribution = "© the city's survey office"
/// allowed_hosts = ["grid.example.gov.cn", "10.2.0.15:8080"]
/// header_timeout_s = 10
/// send_timeout_s = 60
/// body_timeout_s = 10
/// body_timeout_max_s = 60
/// min_body_rate = 4096
/// max_connections = 4096
/// batch_concurrency = 1
/// batch_queue = 128
/// render_concurrency = 2
/// render_queue = 256
/// queue_timeout_s = 10
/// ```
///
/// [`Config::check`] refuses values that make no sense (a zero timeout, a body
/// allowance below its start...), naming the key, the value and the limit.
/// docs/server.md explains each limit and what a client sees when it is reached.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address and port to listen on.
    pub bind: SocketAddr,
    /// The store to serve (a GeoPackage path; `citygrid store init` makes one): its
    /// head, every older version on demand, and each new version within a second
    /// of its commit, by whichever process.
    pub store: Option<String>,
    /// Or a partition file to serve as its only version: a GeoJSON
    /// FeatureCollection of cells and the units above them (as `citygrid export`
    /// writes it).
    pub partition: Option<PathBuf>,
    /// Whether every `/v1/` request needs a token (`Authorization: Bearer TOKEN`,
    /// any role; `citygrid token create`). Health, metrics, the API description
    /// and the viewer's files stay open. Needs a store, which holds the tokens.
    pub read_requires_token: bool,
    /// Origins allowed by CORS; `["*"]` allows any (the API is read-only).
    pub cors_origins: Vec<String>,
    /// Most points in one batch lookup; more is refused with 413.
    pub max_batch_points: usize,
    /// Largest request body in bytes.
    pub max_body_bytes: usize,
    /// Largest `near` distance (metres) a lookup may ask for.
    pub max_near_m: f64,
    /// Memory for cached vector tiles, in bytes (raw and gzipped copies count).
    pub tile_cache_bytes: usize,
    /// `Cache-Control: max-age` of tiles, TileJSON and style, in seconds. Short,
    /// so an edit shows soon; revalidation by ETag keeps it cheap.
    pub tile_max_age_s: u32,
    /// The address clients reach the server at (scheme and host, no trailing
    /// slash), for the URLs in TileJSON and the style. Without it they are made
    /// from the request's Host header over http, and only for a host in
    /// `allowed_hosts`: a Host header is the client's text, and a shared cache
    /// would hand URLs made from it to everyone.
    pub public_url: Option<String>,
    /// Host headers the TileJSON and style URLs may be made from when
    /// `public_url` is not set: `name` (any port) or `name:port`, an IPv6 address
    /// in brackets; `"*"` trusts any well-formed host (only behind a proxy that
    /// checks it). Others are answered 400.
    pub allowed_hosts: Vec<String>,
    /// The built web viewer, served at `/` (`scripts/viewer.sh` builds
    /// `web-viewer/` into `web-viewer/dist`).
    pub viewer_dir: PathBuf,
    /// A raster basemap under the viewer's cells: an XYZ tile URL template with
    /// `{z}`, `{x}`, `{y}` (WGS84 Web Mercator tiles, 256 pixels). None: no
    /// basemap, which works with no internet.
    pub basemap_url: Option<String>,
    /// The basemap's attribution, shown on the map.
    pub basemap_attribution: Option<String>,
    /// Seconds a request's head may take to arrive, counted from when the
    /// connection is ready for it: a new connection, or a kept-alive one after its
    /// last answer (hyper starts its timer then), so this also closes idle
    /// keep-alive connections.
    pub header_timeout_s: f64,
    /// Seconds a write of an answer may wait for the client to read: a client that
    /// stops reading loses its connection (and the answer its memory). Also how
    /// long a shutdown waits for requests in flight.
    pub send_timeout_s: f64,
    /// Seconds a request body has before `min_body_rate` applies, counted from when
    /// the server starts reading it (not while the request waits in a queue).
    pub body_timeout_s: f64,
    /// Bytes per second a body must keep up after that: each byte received adds
    /// `1 / min_body_rate` seconds to the body's allowance.
    pub min_body_rate: u64,
    /// The most seconds any body may take, however fast it arrives.
    pub body_timeout_max_s: f64,
    /// Connections open at once; beyond it new ones wait in the kernel's backlog
    /// until one closes. Lowered at start to stay below the open-file limit, so
    /// accepting never fails for want of a file descriptor.
    pub max_connections: usize,
    /// Batch lookups (`POST /v1/lookup`) read and answered at once. Default: half
    /// the cores, so single lookups and health checks always find a free one.
    pub batch_concurrency: usize,
    /// Batch lookups waiting for their turn (each holds only its connection: the
    /// body is read when its turn comes); more are answered 503 with Retry-After.
    pub batch_queue: usize,
    /// Tiles rendered at once (tiles from the cache are not limited). Default: the
    /// number of cores.
    pub render_concurrency: usize,
    /// Requests for uncached tiles waiting for a render; more are answered 503.
    pub render_queue: usize,
    /// Seconds a batch or a tile render waits for its turn before a 503.
    pub queue_timeout_s: f64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            store: None,
            partition: None,
            read_requires_token: false,
            cors_origins: vec!["*".to_string()],
            max_batch_points: 100_000,
            max_body_bytes: 16 * 1024 * 1024,
            max_near_m: 5_000.0,
            tile_cache_bytes: 256 * 1024 * 1024,
            tile_max_age_s: 60,
            public_url: None,
            viewer_dir: PathBuf::from("web-viewer/dist"),
            basemap_url: None,
            basemap_attribution: None,
            allowed_hosts: ["localhost", "127.0.0.1", "[::1]"]
                .map(String::from)
                .to_vec(),
            header_timeout_s: 10.0,
            send_timeout_s: 60.0,
            body_timeout_s: 10.0,
            min_body_rate: 4096,
            body_timeout_max_s: 60.0,
            max_connections: 4096,
            batch_concurrency: (cores() / 2).max(1),
            batch_queue: 128,
            render_concurrency: cores(),
            render_queue: 256,
            queue_timeout_s: 10.0,
        }
    }
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
}

/// A duration in seconds from a setting (checked finite and positive by
/// [`Config::check`]).
#[must_use]
pub fn seconds(s: f64) -> Duration {
    Duration::try_from_secs_f64(s).unwrap_or(Duration::MAX)
}

impl Config {
    /// Reads settings from a TOML file; absent keys keep their defaults.
    ///
    /// # Errors
    /// [`ServerError::Config`] naming the file and the problem (unreadable, not
    /// TOML, unknown key, wrong type).
    pub fn from_toml_file(path: &Path) -> Result<Config, ServerError> {
        let text = std::fs::read_to_string(path).map_err(|e| ServerError::Config {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        toml::from_str(&text).map_err(|e| ServerError::Config {
            path: path.to_path_buf(),
            message: e.to_string().trim().to_string(),
        })
    }

    /// Refuses settings that cannot work, each named with its value and the rule
    /// it breaks.
    ///
    /// # Errors
    /// [`ServerError::Setting`] for the first bad value.
    pub fn check(&self) -> Result<(), ServerError> {
        let bad = |key: &'static str, value: String, rule: &str| {
            Err(ServerError::Setting {
                key,
                value,
                rule: rule.to_string(),
            })
        };
        for (key, v) in [
            ("header_timeout_s", self.header_timeout_s),
            ("send_timeout_s", self.send_timeout_s),
            ("body_timeout_s", self.body_timeout_s),
            ("body_timeout_max_s", self.body_timeout_max_s),
            ("queue_timeout_s", self.queue_timeout_s),
        ] {
            if !(v.is_finite() && v > 0.0 && v <= 86_400.0) {
                return bad(
                    key,
                    v.to_string(),
                    "must be more than 0 and at most 86400 seconds",
                );
            }
        }
        if self.body_timeout_max_s < self.body_timeout_s {
            return bad(
                "body_timeout_max_s",
                self.body_timeout_max_s.to_string(),
                &format!("must be at least body_timeout_s = {}", self.body_timeout_s),
            );
        }
        for (key, v) in [
            ("min_body_rate", self.min_body_rate as usize),
            ("max_connections", self.max_connections),
            ("batch_concurrency", self.batch_concurrency),
            ("render_concurrency", self.render_concurrency),
            ("max_batch_points", self.max_batch_points),
            ("max_body_bytes", self.max_body_bytes),
        ] {
            if v == 0 {
                return bad(key, "0".into(), "must be at least 1");
            }
        }
        if let Some(url) = &self.public_url
            && !((url.starts_with("http://") || url.starts_with("https://"))
                && url.bytes().all(|b| b.is_ascii_graphic()))
        {
            return bad(
                "public_url",
                format!("{url:?}"),
                "must be an http:// or https:// URL without spaces",
            );
        }
        if let Some(host) = self
            .allowed_hosts
            .iter()
            .find(|h| *h != "*" && crate::hosts::parse_host(h).is_none())
        {
            return bad(
                "allowed_hosts",
                format!("{host:?}"),
                "entries are a host name, an IPv4 address or a bracketed IPv6 address, with an optional :port, or \"*\"",
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_sets_some_keys_and_refuses_unknown_ones() {
        let dir = std::env::temp_dir().join(format!("citygrid-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let good = dir.join("good.toml");
        std::fs::write(&good, "bind = \"0.0.0.0:9000\"\nmax_batch_points = 10\n").unwrap();
        let c = Config::from_toml_file(&good).unwrap();
        assert_eq!(c.bind.port(), 9000);
        assert_eq!(c.max_batch_points, 10);
        assert_eq!(c.cors_origins, vec!["*"]);
        let bad = dir.join("bad.toml");
        std::fs::write(&bad, "bnd = \"0.0.0.0:9000\"\n").unwrap();
        let msg = Config::from_toml_file(&bad).unwrap_err().to_string();
        assert!(
            msg.contains("bad.toml") && msg.contains("unknown field `bnd`"),
            "{msg}"
        );
    }

    #[test]
    fn defaults_pass_and_nonsense_is_named_with_its_limit() {
        Config::default().check().unwrap();
        let d = Config::default;
        for (config, message) in [
            (
                Config {
                    header_timeout_s: 0.0,
                    ..d()
                },
                "header_timeout_s = 0: must be more than 0 and at most 86400 seconds",
            ),
            (
                Config {
                    allowed_hosts: vec!["evil.example/x".into()],
                    ..d()
                },
                "allowed_hosts = \"evil.example/x\": entries are",
            ),
            (
                Config {
                    body_timeout_max_s: 5.0,
                    ..d()
                },
                "body_timeout_max_s = 5: must be at least body_timeout_s = 10",
            ),
        ] {
            let e = config.check().unwrap_err().to_string();
            assert!(e.starts_with(message), "{e}");
        }
    }
}
