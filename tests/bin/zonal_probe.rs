//! `zonal-probe`: zonal statistics of a GeoTIFF over GeoJSON polygons with
//! citygrid-zonal, as JSON, for the differential test against exactextract
//! (`tests/python/test_zonal_vs_exactextract.py`).
//!
//! Usage: zonal-probe RASTER.tif POLYGONS.geojson [--crs C] [--level L] [--f32]
//!
//! `--f32` rounds each coverage fraction to `f32` first, as exactextract stores them.
//! The polygons are in the raster's CRS. `--level L` keeps only features whose
//! `level` property is `L` (e.g. `cell` in a citygrid partition). Prints one JSON
//! object per kept feature, in file order, in a list: its index in the file, its
//! `code` (or `id`) property, count, sum, mean, min, max, stddev (null when no valid
//! pixel is covered), coverage_m2 and the number of pixels with a fraction.

use std::path::Path;
use std::process::ExitCode;

use citygrid_crs::Crs;
use citygrid_raster::Raster;
use citygrid_zonal::{Coverage, PixelGrid, Summarizer};
use geo_types::{Coord, LineString, MultiPolygon, Polygon};
use serde_json::{Value, json};

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("zonal-probe: {e}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let (mut files, mut crs, mut level, mut f32) = (Vec::new(), None, None, false);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--crs" => {
                let text = args.next().ok_or("--crs needs a value")?;
                crs = Some(text.parse::<Crs>().map_err(|e| e.to_string())?);
            }
            "--level" => level = Some(args.next().ok_or("--level needs a value")?),
            "--f32" => f32 = true,
            other if !other.starts_with('-') => files.push(other.to_string()),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    let [raster, polygons] = files.as_slice() else {
        return Err(
            "usage: zonal-probe RASTER.tif POLYGONS.geojson [--crs C] [--level L] [--f32]".into(),
        );
    };
    let raster = Raster::read_with_crs(Path::new(raster), crs).map_err(|e| e.to_string())?;
    let text = std::fs::read_to_string(polygons).map_err(|e| format!("{polygons}: {e}"))?;
    let doc: Value = serde_json::from_str(&text).map_err(|e| format!("{polygons}: {e}"))?;
    let features = doc["features"]
        .as_array()
        .ok_or(format!("{polygons}: no features"))?;
    let grid = PixelGrid::of(&raster);
    let summarizer = Summarizer::new(&raster);
    let mut out = Vec::new();
    for (index, f) in features.iter().enumerate() {
        let props = &f["properties"];
        if let Some(l) = &level
            && props["level"].as_str() != Some(l)
        {
            continue;
        }
        let shape =
            multipolygon(&f["geometry"]).ok_or(format!("feature {index}: not a polygon"))?;
        let coverage = Coverage::new(&grid, &shape).map_err(|e| format!("feature {index}: {e}"))?;
        let coverage = if f32 {
            coverage.rounded_to_f32()
        } else {
            coverage
        };
        let s = summarizer.stats(&coverage);
        let id = props
            .get("code")
            .or_else(|| props.get("id"))
            .or_else(|| f.get("id"))
            .cloned()
            .unwrap_or(Value::Null);
        out.push(json!({
            "index": index,
            "id": id,
            "count": s.count,
            "sum": s.sum,
            "mean": s.mean,
            "min": s.min,
            "max": s.max,
            "stddev": s.stddev,
            "coverage_m2": s.coverage_m2,
            "pixels": coverage.len(),
        }));
    }
    println!("{}", Value::Array(out));
    Ok(())
}

/// A GeoJSON Polygon or MultiPolygon geometry.
fn multipolygon(g: &Value) -> Option<MultiPolygon<f64>> {
    let ring = |r: &Value| -> Option<LineString<f64>> {
        r.as_array()?
            .iter()
            .map(|p| {
                Some(Coord {
                    x: p.get(0)?.as_f64()?,
                    y: p.get(1)?.as_f64()?,
                })
            })
            .collect::<Option<Vec<_>>>()
            .map(LineString)
    };
    let polygon = |p: &Value| -> Option<Polygon<f64>> {
        let mut rings = p.as_array()?.iter().map(ring);
        let exterior = rings.next()??;
        Some(Polygon::new(exterior, rings.collect::<Option<Vec<_>>>()?))
    };
    let coords = &g["coordinates"];
    match g["type"].as_str()? {
        "Polygon" => Some(MultiPolygon(vec![polygon(coords)?])),
        "MultiPolygon" => coords
            .as_array()?
            .iter()
            .map(polygon)
            .collect::<Option<Vec<_>>>()
            .map(MultiPolygon),
        _ => None,
    }
}
