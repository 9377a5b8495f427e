//! Helpers shared by the benchmarks (the benchmarks themselves are the bench
//! targets beside this file): timing by median, the scratch folder for data handed
//! to peer tools, the Guiyang-sized generated city every benchmark uses, and the
//! bundled Guiyang itself.

use std::ffi::OsStr;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use citygrid_io::{ReadOptions, read_units};
use citygrid_model::{CodeLayout, Partition, Unit};
use citygrid_synth::SynthCity;

/// Cells of the benchmark city: Guiyang has 5,906.
pub const CELLS: usize = 5_900;
/// Vertices per cell ring: about 1.1 M vertices in all, as Guiyang's cells have.
pub const VERTICES_PER_CELL: usize = 186;

/// The benchmark city (seed 42), all levels.
#[must_use]
pub fn city() -> Vec<Unit> {
    SynthCity::new(42)
        .cells(CELLS)
        .vertices_per_cell(VERTICES_PER_CELL)
        .generate()
}

/// The bundled Guiyang (`data/guiyang/partition.geojson.gz`: 5,906 cells and the
/// 1,498 units above them).
///
/// # Panics
/// When the file cannot be read or is not a partition.
#[must_use]
pub fn guiyang() -> Partition {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../data/guiyang/partition.geojson.gz"
    );
    let units = read_units(path.as_ref(), &ReadOptions::default())
        .expect("data/guiyang/partition.geojson.gz")
        .units;
    Partition::new(units, CodeLayout::default()).expect("Guiyang is a partition")
}

/// The median wall time of `runs` calls.
pub fn median(mut f: impl FnMut(), runs: usize) -> Duration {
    let mut t: Vec<Duration> = (0..runs)
        .map(|_| {
            let s = Instant::now();
            f();
            s.elapsed()
        })
        .collect();
    t.sort();
    t[runs / 2]
}

/// `target/bench-data`, created if needed: where files for peer tools go.
///
/// # Panics
/// When the folder cannot be created.
#[must_use]
pub fn data_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/bench-data");
    std::fs::create_dir_all(&dir).expect("target/bench-data");
    dir
}

/// Vertices of the units' outer rings, closing repeats not counted.
pub fn shell_vertices<'a>(units: impl IntoIterator<Item = &'a Unit>) -> usize {
    units
        .into_iter()
        .flat_map(|u| u.geometry.0.iter())
        .map(|p| p.exterior().0.len().saturating_sub(1))
        .sum()
}

/// Runs a peer tool's timing script (`benches/geos/SCRIPT`) with `python3` and parses
/// the JSON it prints; `None`, said on stderr, when Python or the peer library is
/// missing or the script fails (the comparison is then skipped, loudly).
pub fn run_peer<I, S>(script: &str, args: I) -> Option<serde_json::Value>
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    run_python(&format!("geos/{script}"), args)
}

/// Runs `benches/PATH` with `python3` and parses the JSON it prints; `None`, said
/// on stderr, when it cannot run or fails.
pub fn run_python<I, S>(path: &str, args: I) -> Option<serde_json::Value>
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(path);
    let out = match Command::new("python3").arg(&script).args(args).output() {
        Ok(out) => out,
        Err(e) => {
            eprintln!("{path}: cannot run python3: {e}");
            return None;
        }
    };
    if !out.status.success() {
        eprintln!("{path} failed: {}", String::from_utf8_lossy(&out.stderr));
        return None;
    }
    serde_json::from_slice(&out.stdout).ok()
}
