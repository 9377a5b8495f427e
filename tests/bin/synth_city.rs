//! `synth-city`: writes a generated city as GeoJSON, optionally damaged, for the
//! Python differential tests and the benchmarks. Prints what it did as JSON.
//!
//! Usage: synth-city OUT.geojson [--cells N] [--vertices V] [--seed S]
//!        [--extent-km W] [--damage KIND] [--cells-only]

use std::process::ExitCode;

use citygrid_crs::Crs;
use citygrid_model::Level;
use citygrid_synth::{DamageKind, SynthCity, damage};

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("synth-city: {e}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let mut out = None;
    let (mut cells, mut vertices, mut seed, mut extent) = (500usize, 40usize, 1u64, 30.0f64);
    let mut kind: Option<DamageKind> = None;
    let mut cells_only = false;
    while let Some(a) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        match a.as_str() {
            "--cells" => {
                cells = value("--cells")?
                    .parse()
                    .map_err(|e| format!("--cells: {e}"))?
            }
            "--vertices" => {
                vertices = value("--vertices")?
                    .parse()
                    .map_err(|e| format!("--vertices: {e}"))?
            }
            "--seed" => {
                seed = value("--seed")?
                    .parse()
                    .map_err(|e| format!("--seed: {e}"))?
            }
            "--extent-km" => {
                extent = value("--extent-km")?
                    .parse()
                    .map_err(|e| format!("--extent-km: {e}"))?
            }
            "--damage" => {
                kind = Some(
                    value("--damage")?
                        .parse()
                        .map_err(|e| format!("--damage: {e:?}"))?,
                )
            }
            "--cells-only" => cells_only = true,
            other if out.is_none() && !other.starts_with('-') => out = Some(other.to_string()),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    let out = out.ok_or("usage: synth-city OUT.geojson [--cells N] [--vertices V] [--seed S] [--extent-km W] [--damage KIND] [--cells-only]")?;
    let mut units = SynthCity::new(seed)
        .cells(cells)
        .vertices_per_cell(vertices)
        .extent_km(extent, extent)
        .generate();
    let done = match kind {
        Some(k) => Some(damage(&mut units, k, seed).map_err(|e| format!("{e}"))?),
        None => None,
    };
    if cells_only {
        units.retain(|u| u.level == Level::Cell);
    }
    std::fs::write(&out, citygrid_io::units_geojson(&units, Crs::Wgs84))
        .map_err(|e| format!("{out}: {e}"))?;
    let info = match done {
        Some(d) => serde_json::json!({
            "units": units.len(),
            "damage": d.kind.as_str(),
            "cells": d.cells.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
            "location": [d.location.min().x, d.location.min().y, d.location.max().x, d.location.max().y],
            "size_m": d.size_m,
            "description": d.description,
        }),
        None => serde_json::json!({"units": units.len()}),
    };
    println!("{info}");
    Ok(())
}
