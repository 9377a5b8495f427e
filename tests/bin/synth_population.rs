//! `synth-population`: writes the GENERATED population raster of the demo city (people
//! per pixel, EPSG:4326 GeoTIFF; not real data) over its district polygons, and prints
//! what each district got as JSON.
//!
//! Usage: synth-population DISTRICTS.geojson OUT.tif [--seed N] [--pixel-deg D]

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use citygrid_io::{ReadOptions, read_units};
use citygrid_synth::{DEFAULT_PIXEL_DEG, SynthPopulation};

const USAGE: &str = "usage: synth-population DISTRICTS.geojson OUT.tif [--seed N] [--pixel-deg D]";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("synth-population: {e}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let mut paths = Vec::new();
    let (mut seed, mut pixel_deg) = (1u64, DEFAULT_PIXEL_DEG);
    while let Some(a) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        match a.as_str() {
            "--seed" => {
                seed = value("--seed")?
                    .parse()
                    .map_err(|e| format!("--seed: {e}"))?
            }
            "--pixel-deg" => {
                pixel_deg = value("--pixel-deg")?
                    .parse()
                    .map_err(|e| format!("--pixel-deg: {e}"))?
            }
            other if !other.starts_with('-') && paths.len() < 2 => paths.push(other.to_string()),
            other => return Err(format!("unknown argument {other}; {USAGE}")),
        }
    }
    let [districts, out] = paths.as_slice() else {
        return Err(USAGE.into());
    };
    let started = Instant::now();
    let loaded =
        read_units(Path::new(districts), &ReadOptions::default()).map_err(|e| e.to_string())?;
    let population = SynthPopulation::guiyang(seed)
        .pixel_deg(pixel_deg)
        .generate(&loaded.units)
        .map_err(|e| e.to_string())?;
    population
        .raster
        .write(Path::new(out))
        .map_err(|e| e.to_string())?;
    let seconds = started.elapsed().as_secs_f64();
    let r = &population.raster;
    let info = serde_json::json!({
        "out": out,
        "seed": seed,
        "pixel_deg": pixel_deg,
        "width": r.width(),
        "height": r.height(),
        "people": r.total(),
        "bytes": std::fs::metadata(out).map(|m| m.len()).unwrap_or(0),
        "seconds": seconds,
        "districts": population.districts.iter().map(|d| serde_json::json!({
            "code": d.code,
            "name": d.name,
            "target": d.target,
            "people": d.people,
            "pixels": d.pixels,
            "peak_per_km2": d.peak_per_km2.round(),
        })).collect::<Vec<_>>(),
    });
    println!("{info}");
    Ok(())
}
