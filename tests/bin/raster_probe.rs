//! `raster-probe`: reads a GeoTIFF with citygrid-raster and answers questions about it as
//! JSON, for the differential test against GDAL (`tests/python/test_rasters_vs_gdal.py`).
//!
//! Usage: raster-probe FILE [--crs C] [--write OUT] < {"pixels": [[col, row], ...],
//! "points": [[lon, lat], ...]}
//!
//! Prints the size, CRS, geotransform, nodata, total and count of valid pixels, the WGS84
//! extent, each asked pixel's value and WGS84 centre, and the pixel holding each asked
//! point. `--write OUT` also writes the raster back out with `Raster::write`.

use std::io::Read;
use std::path::Path;
use std::process::ExitCode;

use citygrid_crs::Crs;
use citygrid_raster::Raster;
use serde_json::{Value, json};

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("raster-probe: {e}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let (mut file, mut crs, mut out) = (None, None, None);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--crs" => {
                let text = args.next().ok_or("--crs needs a value")?;
                crs = Some(text.parse::<Crs>().map_err(|e| e.to_string())?);
            }
            "--write" => out = Some(args.next().ok_or("--write needs a value")?),
            other if file.is_none() && !other.starts_with('-') => file = Some(other.to_string()),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    let file = file.ok_or("usage: raster-probe FILE [--crs C] [--write OUT] < questions.json")?;
    let raster = Raster::read_with_crs(Path::new(&file), crs).map_err(|e| e.to_string())?;
    if let Some(out) = out {
        raster.write(Path::new(&out)).map_err(|e| e.to_string())?;
    }
    let mut input = String::new();
    std::io::stdin()
        .read_to_string(&mut input)
        .map_err(|e| format!("stdin: {e}"))?;
    let questions: Value = if input.trim().is_empty() {
        json!({})
    } else {
        serde_json::from_str(&input).map_err(|e| format!("stdin: {e}"))?
    };
    let pairs = |key: &str| -> Result<Vec<(f64, f64)>, String> {
        let Some(list) = questions.get(key).and_then(Value::as_array) else {
            return Ok(Vec::new());
        };
        list.iter()
            .map(|p| {
                match (
                    p.get(0).and_then(Value::as_f64),
                    p.get(1).and_then(Value::as_f64),
                ) {
                    (Some(a), Some(b)) => Ok((a, b)),
                    _ => Err(format!("{key}: {p} is not a pair of numbers")),
                }
            })
            .collect()
    };
    let pixels = pairs("pixels")?;
    let points = pairs("points")?;
    let index = |v: f64| v as usize;
    let values: Vec<Option<f64>> = pixels
        .iter()
        .map(|&(c, r)| raster.value(index(c), index(r)))
        .collect();
    let centres: Vec<(f64, f64)> = pixels
        .iter()
        .map(|&(c, r)| raster.pixel_center(index(c), index(r)))
        .collect();
    let pixel_at: Vec<Option<(usize, usize)>> = points
        .iter()
        .map(|&(lon, lat)| raster.pixel_at(lon, lat))
        .collect();
    let b = raster.pixel_bounds_wgs84();
    let answer = json!({
        "width": raster.width(),
        "height": raster.height(),
        "crs": raster.crs().to_string(),
        "epsg": raster.crs().epsg(),
        "geotransform": raster.geo_transform().to_gdal(),
        "nodata": raster.nodata(),
        "total": raster.total(),
        "valid": raster.pixels().count(),
        "bounds": [b.min().x, b.min().y, b.max().x, b.max().y],
        "description": raster.description(),
        "values": values,
        "centres": centres,
        "pixel_at": pixel_at,
    });
    println!("{answer}");
    Ok(())
}
