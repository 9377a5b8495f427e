//! `citygrid export tiles`: the whole vector-tile pyramid into one archive.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

use citygrid_archive::{Format, export};
use citygrid_crs::Crs;
use citygrid_io::{ReadOptions, read_units};
use citygrid_model::{CodeLayout, Partition};
use citygrid_tiles::{MAX_ZOOM, TILE_BUDGET, TileOptions, Tiler};

/// Write the vector tiles of a partition (layers districts, townships, villages,
/// cells, labels) to a PMTiles or MBTiles archive, for static hosting, a CDN, or
/// martin to serve.
///
/// The tiles are the same, byte for byte, as `citygrid serve` answers at
/// /v1/tiles/{z}/{x}/{y}.mvt (with --maxzoom 16, the server's; a lower --maxzoom
/// simplifies from full detail at that zoom, for clients to overzoom). Prints the
/// tiles written and the largest tile per zoom.
///
/// Examples:
///
///   citygrid export tiles --format pmtiles --minzoom 0 --maxzoom 16 guiyang.pmtiles
///
///   citygrid export tiles --format mbtiles --crs gcj02 --partition city.geojson city-gcj02.mbtiles
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
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
    let loaded = read_units(&args.partition, &ReadOptions::default())?;
    let partition = Partition::new(loaded.units, CodeLayout::default())
        .with_context(|| format!("{}: run `citygrid check` on it", args.partition.display()))?;
    let options = TileOptions::default().crs(crs).max_zoom(args.maxzoom);
    let tiler = Tiler::new(partition, options)?;
    tracing::info!(
        ms = started.elapsed().as_millis() as u64,
        "partition read and prepared"
    );
    let bar = ProgressBar::new(0).with_style(
        ProgressStyle::with_template(
            "{spinner} tiles {bar:40} {pos}/{len} ({per_sec}, {eta} left)",
        )
        .context("progress bar template")?,
    );
    let stats = export(
        &tiler,
        format,
        &args.out,
        args.minzoom,
        args.maxzoom,
        |done, total| {
            bar.set_length(total);
            bar.set_position(done);
        },
    )?;
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
