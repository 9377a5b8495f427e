//! `citygrid serve`: the HTTP API on a store (or a partition file).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::Args;

use citygrid_check::CheckOptions;
use citygrid_io::{ReadOptions, read_units};
use citygrid_server::Config;

use crate::commands::check::check_loaded;

/// Serve point-in-cell lookups, cells, units, versions, vector tiles and the web viewer over HTTP.
///
/// With --store it serves a versioned store (citygrid store init): the head, any
/// older version on demand (version=N or at=TIME on every read), and each new
/// version within a second of its commit, by whichever process. With --partition it
/// serves one partition file as the only version. Without either it serves the
/// bundled demo city through a store it makes on first run beside the build output
/// (target/citygrid/guiyang.gpkg for target/release/citygrid), on
/// http://127.0.0.1:8080, with the web viewer at / once it is built
/// (scripts/viewer.sh, run by make demo).
/// Settings come from defaults, then --config FILE (TOML), then the flags here.
/// The API is described at /docs and /openapi.json; limits and timeouts in
/// docs/server.md.
///
/// A partition file is checked first, as `citygrid check` does (a store's versions
/// were checked as they were committed): one it rejects is refused (exit status 2,
/// the first problem named), unless --allow-invalid, which serves it with /readyz
/// answering 503 and the reason.
///
/// Examples:
///
///   citygrid serve
///
///   citygrid serve --store guiyang.gpkg --bind 0.0.0.0:8080
///
///   citygrid serve --store postgres://grid:secret@db.internal/grid --bind 0.0.0.0:8080
///       (the same on every machine: each serves another's commits within
///       milliseconds; while the database is out of reach /readyz says read_only
///       and reads go on from memory)
///
///   citygrid serve --partition my-city.geojson
///
///   curl 'http://127.0.0.1:8080/v1/lookup?lon=106.71&lat=26.58'
///
///   curl 'http://127.0.0.1:8080/v1/lookup?lon=106.71&lat=26.58&at=2026-03-01T00:00:00Z'
///
///   curl 'http://127.0.0.1:8080/v1/tiles.json'   (then /v1/style.json in MapLibre)
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub struct ServeArgs {
    /// The store to serve, made by citygrid store init: a .gpkg file or a
    /// postgres:// URL (several servers may serve one database: docs/scaleout.md).
    #[arg(long, conflicts_with = "partition")]
    pub store: Option<String>,
    /// Or a partition file to serve as its only version (GeoJSON of cells and the
    /// units above them).
    #[arg(long)]
    pub partition: Option<PathBuf>,
    /// Address to listen on.
    #[arg(long)]
    pub bind: Option<SocketAddr>,
    /// A TOML file with any of: bind, store, partition, read_requires_token,
    /// cors_origins, max_batch_points, max_body_bytes, max_near_m,
    /// tile_cache_bytes, tile_max_age_s, public_url, allowed_hosts, viewer_dir,
    /// basemap_url, basemap_attribution, header_timeout_s, send_timeout_s,
    /// body_timeout_s, min_body_rate, body_timeout_max_s, max_connections,
    /// batch_concurrency, batch_queue, render_concurrency, render_queue,
    /// queue_timeout_s (see docs/server.md).
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
    if let Some(s) = &args.store {
        config.store = Some(s.clone());
        config.partition = None;
    }
    if let Some(p) = &args.partition {
        config.partition = Some(p.clone());
        config.store = None;
    }
    if config.store.is_none() && config.partition.is_none() {
        let demo = demo_store()?;
        config.store = Some(demo.to_string_lossy().into_owned());
    }
    if let Some(b) = args.bind {
        config.bind = b;
    }
    // A store's versions were each checked before they were committed; a
    // partition file has had no such gate, so it is checked here.
    let problem = match &config.partition {
        Some(path) if path.exists() => first_problem(path)?,
        // The server says where it looked and what to pass.
        _ => None,
    };
    if let (Some(p), Some(path)) = (&problem, &config.partition)
        && !args.allow_invalid
    {
        bail!(
            "{p}; not serving it: `citygrid check {}` lists every problem, or pass --allow-invalid to serve it anyway (/readyz then says not ready)",
            path.display()
        );
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(citygrid_server::serve(config, problem))?;
    Ok(())
}

/// The demo store beside the build output (`target/citygrid/guiyang.gpkg` for
/// `target/<profile>/citygrid`), made from the bundled Guiyang on first run as
/// `citygrid store init` makes it: outside git, and shared by debug and release.
fn demo_store() -> Result<PathBuf> {
    let exe = std::env::current_exe().context("where is this program?")?;
    let path = exe
        .parent()
        .and_then(Path::parent)
        .map(|dir| dir.join("citygrid").join("guiyang.gpkg"))
        .with_context(|| format!("{} has no folder above its own", exe.display()))?;
    if path.exists() {
        demo_layers(&path);
        return Ok(path);
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    eprintln!(
        "citygrid: making the demo store {} from the bundled Guiyang (first run only)",
        path.display()
    );
    let made = crate::commands::store::init_bundled(&path);
    // Another first run may have made it meanwhile: then serve that one.
    match made {
        Ok(code) if code == ExitCode::SUCCESS => {
            demo_layers(&path);
            Ok(path)
        }
        _ if path.exists() => Ok(path),
        Ok(_) => bail!("the bundled Guiyang did not pass the check; see above"),
        Err(e) => Err(e),
    }
}

/// Gives a demo store without layers the GENERATED demo layers and staff
/// (`citygrid layer demo`, written beside it) and the demo's 3D tilesets
/// (`citygrid tileset demo`, written to `tiles/`). Stores made before layers existed
/// get them on their next start. Serving goes on without them if they cannot be
/// made (no population raster here): the reason is printed.
fn demo_layers(store: &Path) {
    let Some(location) = store.to_str() else {
        return;
    };
    let empty = citygrid_store::open(location)
        .and_then(|s| Ok(s.layers()?.is_empty() && s.staff(None)?.revision == 0));
    if !matches!(empty, Ok(true)) {
        return;
    }
    let population = PathBuf::from(crate::commands::BUNDLED_POPULATION);
    if !population.exists() {
        eprintln!(
            "citygrid: no {} here, so the demo store gets no layers (run from the repository)",
            population.display()
        );
        return;
    }
    eprintln!(
        "citygrid: adding the GENERATED demo layers and staff to {location} (first run only)"
    );
    let args = crate::commands::layer::DemoArgs {
        store: location.to_string(),
        population,
        dir: store.with_file_name("layers"),
        seed: 1,
        replace: false,
    };
    if let Err(e) = crate::commands::layer::demo(&args) {
        eprintln!("citygrid: the demo layers could not be made: {e:#}");
    }
    let tiles = crate::commands::tileset::TilesetDemoArgs {
        store: location.to_string(),
        dir: PathBuf::from("tiles"),
        sample: PathBuf::from("../shared/data/3dtiles/reality-mesh-sample"),
        replace: false,
    };
    if let Err(e) = crate::commands::tileset::demo(&tiles) {
        eprintln!("citygrid: the demo tilesets could not be made: {e:#}");
    }
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
