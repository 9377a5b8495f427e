//! Server settings: defaults, a TOML file, and command-line overrides on top.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

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
/// ```
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
    /// slash), for the URLs in TileJSON and the style; by default taken from the
    /// request's Host header over http.
    pub public_url: Option<String>,
    /// The built web viewer, served at `/` (`scripts/viewer.sh` builds
    /// `web-viewer/` into `web-viewer/dist`).
    pub viewer_dir: PathBuf,
    /// A raster basemap under the viewer's cells: an XYZ tile URL template with
    /// `{z}`, `{x}`, `{y}` (WGS84 Web Mercator tiles, 256 pixels). None: no
    /// basemap, which works with no internet.
    pub basemap_url: Option<String>,
    /// The basemap's attribution, shown on the map.
    pub basemap_attribution: Option<String>,
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
        }
    }
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
}
