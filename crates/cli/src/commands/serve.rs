//! `citygrid serve`: the HTTP API on a partition.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::Args;

use citygrid_check::CheckOptions;
use citygrid_io::{ReadOptions, read_units};
use citygrid_server::Config;

use crate::commands::check::check_loaded;

/// Serve point-in-cell lookups, cells, units, vector tiles and the web viewer over HTTP.
///
/// Without arguments it serves the bundled demo city on http://127.0.0.1:8080, with
/// the web viewer at / once it is built (scripts/viewer.sh, run by make demo).
/// Settings come from defaults, then --config FILE (TOML), then the flags here.
/// The API is described at /docs and /openapi.json; limits and timeouts in
/// docs/server.md.
///
/// The partition is checked first, as `citygrid check` does: one it rejects is
/// refused (exit status 2, the first problem named), unless --allow-invalid, which
/// serves it with /readyz answering 503 and the reason.
///
/// Examples:
///
///   citygrid serve
///
///   citygrid serve --partition my-city.geojson --bind 0.0.0.0:8080
///
///   curl 'http://127.0.0.1:8080/v1/lookup?lon=106.71&lat=26.58'
///
///   curl 'http://127.0.0.1:8080/v1/tiles.json'   (then /v1/style.json in MapLibre)
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub struct ServeArgs {
    /// The partition to serve (GeoJSON of cells and the units above them).
    #[arg(long)]
    pub partition: Option<PathBuf>,
    /// Address to listen on.
    #[arg(long)]
    pub bind: Option<SocketAddr>,
    /// A TOML file with any of: bind, partition, cors_origins, max_batch_points,
    /// max_body_bytes, max_near_m, tile_cache_bytes, tile_max_age_s, public_url,
    /// allowed_hosts, viewer_dir, basemap_url, basemap_attribution,
    /// header_timeout_s, send_timeout_s, body_timeout_s, min_body_rate,
    /// body_timeout_max_s, max_connections, batch_concurrency, batch_queue,
    /// render_concurrency, render_queue, queue_timeout_s (see docs/server.md).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Serve a partition `citygrid check` rejects; /readyz then answers 503 with
    /// the first problem, so a load balancer keeps traffic away until it is fixed.
    #[arg(long)]
    pub allow_invalid: bool,
}

/// Starts the server and runs until SIGINT or SIGTERM.
pub fn run(args: &ServeArgs) -> Result<()> {
    let mut config = match &args.config {
        Some(path) => Config::from_toml_file(path)?,
        None => Config::default(),
    };
    if let Some(p) = &args.partition {
        config.partition.clone_from(p);
    }
    if let Some(b) = args.bind {
        config.bind = b;
    }
    let problem = if config.partition.exists() {
        first_problem(&config.partition)?
    } else {
        // The server says where it looked and what to pass.
        None
    };
    if let Some(p) = &problem
        && !args.allow_invalid
    {
        bail!(
            "{p}; not serving it: `citygrid check {}` lists every problem, or pass --allow-invalid to serve it anyway (/readyz then says not ready)",
            config.partition.display()
        );
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(citygrid_server::serve(config, problem))?;
    Ok(())
}

/// The first problem `citygrid check` finds in a partition file, on one line:
/// the file, the rule and the message (which names the unit and the place), and
/// how many more there are.
fn first_problem(path: &Path) -> Result<Option<String>> {
    let started = Instant::now();
    let loaded = read_units(path, &ReadOptions::default())?;
    let report = check_loaded(loaded, None, CheckOptions::default());
    tracing::info!(
        violations = report.violations.len(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "partition checked"
    );
    Ok(report.violations.first().map(|v| {
        let more = match report.violations.len() - 1 {
            0 => String::new(),
            n => format!(" (and {n} more)"),
        };
        format!(
            "{}: {}: {}{more}",
            path.display(),
            v.rule,
            v.message.replace('\n', " ")
        )
    }))
}
