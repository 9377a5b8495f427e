//! `citygrid export tiles`: the whole vector-tile pyramid into one archive, of a
//! partition file or of a version of a store.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

use citygrid_archive::{Format, Metadata, Origin, export};
use citygrid_crs::Crs;
use citygrid_io::{ReadOptions, read_units};
use citygrid_model::{CodeLayout, Partition};
use citygrid_tiles::{MAX_ZOOM, TILE_BUDGET, TileOptions, Tiler};

use crate::commands::export::store_version::StoreVersion;

/// Write the vector tiles of a partition (layers districts, townships, villages,
/// cells, labels) to a PMTiles or MBTiles archive, for static hosting, a CDN, or
/// martin to serve.
///
/// The tiles are the same, byte for byte, as `citygrid serve` answers at
/// /v1/tiles/{z}/{x}/{y}.mvt (with --maxzoom 16, the server's; a lower --maxzoom
/// simplifies from full detail at that zoom, for clients to overzoom). Prints the
/// tiles written and the largest tile per zoom.
///
/// With --store, the tiles of one version of a store (the head unless --version
/// N): the same bytes a server of that store answers at
/// /v1/v/{N}/tiles/{z}/{x}/{y}.mvt, for good. The archive's metadata records the
/// store (without a password), the version and when it was committed
/// (`citygrid_source`; MBTiles' `version` row is N), so snapshots published side
/// by side can be told apart. See docs/cdn.md.
///
/// Examples:
///
///   citygrid export tiles --format pmtiles --minzoom 0 --maxzoom 16 guiyang.pmtiles
///
///   citygrid export tiles --format mbtiles --crs gcj02 --partition city.geojson city-gcj02.mbtiles
///
///   citygrid export tiles --store postgres://... --version 12 v12.pmtiles
///
///   citygrid export tiles --store guiyang.gpkg head.pmtiles
#[derive(Debug, Args)]
// --version is the store's version here, not citygrid's.
#[command(verbatim_doc_comment, disable_version_flag = true)]
pub struct TilesArgs {
    /// The archive to write (replaced if it exists).
    pub out: PathBuf,
    /// pmtiles or mbtiles.
    #[arg(long, default_value = "pmtiles")]
    pub format: String,
    /// Lowest zoom written.
    #[arg(long, default_value_t = 0)]
    pub minzoom: u8,
    /// Highest zoom written.
    #[arg(long, default_value_t = 16)]
    pub maxzoom: u8,
    /// The partition (GeoJSON of cells and the units above them; .gz is read too).
    #[arg(long, default_value = crate::commands::BUNDLED_PARTITION)]
    pub partition: PathBuf,
    /// Export a version of this store (a .gpkg or a postgres:// URL) instead of a
    /// partition file.
    #[arg(long, conflicts_with = "partition")]
    pub store: Option<String>,
    /// The version of --store to export. Default: the head (the newest).
    #[arg(long, requires = "store")]
    pub version: Option<u64>,
    /// Coordinates of the tiles: wgs84, or gcj02 for AMap and Tencent basemaps.
    #[arg(long, default_value = "wgs84")]
    pub crs: String,
}

/// Reads the partition, renders the pyramid on all cores, writes the archive.
pub fn run(args: &TilesArgs) -> Result<()> {
    let format: Format = args.format.parse()?;
    if args.minzoom > args.maxzoom || args.maxzoom > MAX_ZOOM {
        bail!(
            "--minzoom {} --maxzoom {}: zooms must be ordered and at most {MAX_ZOOM}",
            args.minzoom,
            args.maxzoom
        );
    }
    let crs: Crs = args.crs.parse().context("--crs")?;
    let started = Instant::now();
    let (partition, origin) = match &args.store {
        Some(location) => {
            let loaded = StoreVersion::load(location, args.version)?;
            let origin = Origin {
                store: loaded.store.describe(),
                version: loaded.info.version,
                created_at: loaded.info.created_at.to_string(),
            };
            (loaded.partition, Some(origin))
        }
        None => {
            let loaded = read_units(&args.partition, &ReadOptions::default())?;
            let partition =
                Partition::new(loaded.units, CodeLayout::default()).with_context(|| {
                    format!("{}: run `citygrid check` on it", args.partition.display())
                })?;
            (partition, None)
        }
    };
    let options = TileOptions::default().crs(crs).max_zoom(args.maxzoom);
    let tiler = Tiler::new(partition, options)?;
    tracing::info!(
        ms = started.elapsed().as_millis() as u64,
        "partition read and prepared"
    );
    let name = args.out.file_stem().map_or_else(
        || "citygrid".to_string(),
        |s| s.to_string_lossy().into_owned(),
    );
    let mut meta = Metadata::from_tiler(&tiler, &name, args.minzoom, args.maxzoom);
    if let Some(origin) = origin.clone() {
        meta = meta.origin(origin);
    }
    let bar = ProgressBar::new(0).with_style(
        ProgressStyle::with_template(
            "{spinner} tiles {bar:40} {pos}/{len} ({per_sec}, {eta} left)",
        )
        .context("progress bar template")?,
    );
    let stats = export(&tiler, &meta, format, &args.out, |done, total| {
        bar.set_length(total);
        bar.set_position(done);
    })?;
    bar.finish_and_clear();
    let mut text = format!(
        "{}: {} tiles with content of {} in {:.1} s ({} format, {} coordinates)\n",
        args.out.display(),
        stats.written,
        stats.tiles,
        started.elapsed().as_secs_f64(),
        format,
        crs.name()
    );
    if let Some(o) = &origin {
        text.push_str(&format!(
            "version {} of {}, committed {}\n",
            o.version, o.store, o.created_at
        ));
    }
    text.push_str("zoom  tiles      total kB  largest tile       kB\n");
    for z in &stats.zooms {
        let (largest, size) = z
            .largest
            .map_or(("-".to_string(), 0), |(t, n)| (t.to_string(), n));
        text.push_str(&format!(
            "{:>4} {:>6} {:>13.1}  {:<16} {:>6.1}\n",
            z.z,
            z.tiles,
            z.bytes as f64 / 1024.0,
            largest,
            size as f64 / 1024.0
        ));
    }
    crate::commands::print(&text)?;
    if let Some((t, n)) = stats.largest()
        && n > TILE_BUDGET
    {
        tracing::warn!(tile = %t, bytes = n, "a tile is over the 500 kB budget even without names");
    }
    Ok(())
}
