//! `citygrid convert`: move a GeoJSON file between coordinate systems.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::Args;
use geo::MapCoordsInPlace;
use geojson::GeoJson;

use citygrid_crs::{Crs, Transform};
use citygrid_io::{declared_crs, replace_file, set_crs_member};

/// Convert a GeoJSON file from one coordinate system to another.
///
/// Every geometry of a FeatureCollection, Feature or bare geometry is converted;
/// properties are kept. Web maps in China (AMap, Tencent, WeChat) give GCJ-02,
/// Baidu gives BD-09; survey data comes in CGCS2000 Gauss-Kruger zones. Output in
/// anything but WGS84 carries a `crs` member that QGIS reads.
///
/// Example:
///
///   citygrid convert amap-districts.geojson districts.geojson --from gcj02 --to wgs84
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub struct ConvertArgs {
    /// Input GeoJSON.
    pub input: PathBuf,
    /// Output GeoJSON.
    pub output: PathBuf,
    /// Coordinate system of the input (default: its crs member, else wgs84).
    #[arg(long)]
    pub from: Option<Crs>,
    /// Coordinate system to write.
    #[arg(long, default_value = "wgs84")]
    pub to: Crs,
}

/// Converts the file.
pub fn run(args: &ConvertArgs) -> Result<()> {
    let text = std::fs::read_to_string(&args.input)
        .with_context(|| format!("cannot read {}", args.input.display()))?;
    let mut gj: GeoJson = serde_json::from_str(&text)
        .with_context(|| format!("{} is not valid GeoJSON", args.input.display()))?;
    let foreign = match &gj {
        GeoJson::FeatureCollection(fc) => fc.foreign_members.as_ref(),
        GeoJson::Geometry(g) => g.foreign_members.as_ref(),
        GeoJson::Feature(f) => f.foreign_members.as_ref(),
    };
    let from = match (args.from, declared_crs(foreign)) {
        (Some(c), _) => c,
        (None, Some(name)) => name.parse()?,
        (None, None) => Crs::Wgs84,
    };
    let (src, dst) = (Transform::new(from)?, Transform::new(args.to)?);
    let failure: std::cell::RefCell<Option<String>> = std::cell::RefCell::new(None);
    let (src, dst, fail) = (&src, &dst, &failure);
    let convert = |g: &mut geojson::Geometry| {
        let Ok(mut geom) = geo_types::Geometry::<f64>::try_from(g.value.clone()) else {
            return;
        };
        geom.map_coords_in_place(|c| {
            let moved = src
                .to_wgs84(c.x, c.y)
                .and_then(|(lon, lat)| dst.from_wgs84(lon, lat));
            match moved {
                Ok((x, y)) => geo_types::Coord { x, y },
                Err(e) => {
                    fail.borrow_mut().get_or_insert_with(|| e.to_string());
                    c
                }
            }
        });
        g.value = geojson::GeometryValue::from(&geom);
    };
    match &mut gj {
        GeoJson::FeatureCollection(fc) => {
            for f in &mut fc.features {
                if let Some(g) = &mut f.geometry {
                    convert(g);
                }
            }
            set_crs_member(&mut fc.foreign_members, args.to);
        }
        GeoJson::Feature(f) => {
            if let Some(g) = &mut f.geometry {
                convert(g);
            }
            set_crs_member(&mut f.foreign_members, args.to);
        }
        GeoJson::Geometry(g) => {
            convert(g);
            set_crs_member(&mut g.foreign_members, args.to);
        }
    }
    if let Some(e) = failure.into_inner() {
        bail!("{}: {e}", args.input.display());
    }
    replace_file(&args.output, (gj.to_string() + "\n").as_bytes())?;
    Ok(())
}
