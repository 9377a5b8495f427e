//! Helpers shared by the benchmarks (the benchmarks themselves are the bench
//! targets beside this file, and the `edit-stream` driver of
//! `benches/edits_load.sh`): timing by median and by quantile, the scratch folder
//! for data handed to peer tools, the Guiyang-sized generated city every benchmark
//! uses, the bundled Guiyang itself, and valid edits to make on it.

use std::ffi::OsStr;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use citygrid_edit::{EditOptions, Op, propose};
use citygrid_io::{ReadOptions, read_units};
use citygrid_model::{CodeLayout, Level, Partition, Unit, UnitCode, UnitId};
use citygrid_synth::{SharedSegment, SynthCity, shared_segments, square};

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

/// The nearest-rank quantile `q` (0 to 1: 0.5 the median, 1 the maximum) of
/// `sorted`, which is in ascending order.
///
/// # Panics
/// When `sorted` is empty.
#[must_use]
pub fn quantile(sorted: &[Duration], q: f64) -> Duration {
    let rank = ((sorted.len() - 1) as f64 * q).round() as usize;
    sorted[rank]
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

/// What GEOS answered for points against cells: per point, the feature (in file
/// order) whose interior holds it, -1 for none, -2 for several; and its timings.
pub struct Geos {
    /// One answer per point.
    pub answers: Vec<i32>,
    /// `benches/geos/contains.py`'s report: versions, method, build_s, lookup_s.
    pub report: serde_json::Value,
}

/// Runs GEOS through shapely (`benches/geos/contains.py`) on the cells of the
/// GeoJSON file `cells` and `points`, its files named after `label` in
/// [`data_dir`]; `None` when Python or shapely is missing (the comparison is then
/// skipped, loudly).
pub fn geos_contains(cells: &std::path::Path, points: &[(f64, f64)], label: &str) -> Option<Geos> {
    let dir = data_dir();
    let points_path = dir.join(format!("{label}-points.bin"));
    let answers_path = dir.join(format!("{label}-geos-answers.bin"));
    let bytes: Vec<u8> = points
        .iter()
        .flat_map(|&(x, y)| x.to_le_bytes().into_iter().chain(y.to_le_bytes()))
        .collect();
    std::fs::write(&points_path, bytes).ok()?;
    let report = run_peer(
        "contains.py",
        [
            cells.as_os_str(),
            points_path.as_os_str(),
            "--out".as_ref(),
            answers_path.as_os_str(),
        ],
    )?;
    let answers = std::fs::read(&answers_path)
        .ok()?
        .chunks_exact(4)
        .map(|b| i32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    Some(Geos { answers, report })
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

/// Up to `n` pairs of transfers spread over the city `p`: each moves a small square
/// straddling a boundary segment two cells of one village share from the first
/// cell to the second (go), then back (back).
///
/// Staying inside one village keeps every parent's boundary where it is, so no
/// edit needs `move_parents`; a pair is kept only when the edit engine accepts its
/// go on `p` and its back after that (a square can cut a thin cell in two). After
/// a go and its back the square lies wholly in the first cell, so making the pairs
/// again and again only moves it between the two, through the same two states:
/// the city stays alike and every edit stays valid. The in-process bench
/// (`benches/edits.rs`) and the HTTP one (`edit-stream`, run by
/// `benches/edits_load.sh`) make these same edits.
#[must_use]
pub fn transfers(p: &Partition, n: usize) -> Vec<(Op, Op)> {
    let cells: Vec<UnitId> = p.level_ids(Level::Cell).collect();
    let step = (cells.len() / n.max(1)).max(1);
    cells
        .iter()
        .step_by(step)
        .filter_map(|&a| {
            let parent = &p.unit(a).parent;
            shared_segments(p, a)
                .into_iter()
                .find(|s| &p.unit(s.b).parent == parent)
                .map(|s| transfer_pair(p, &s))
        })
        .filter(|pair| accepted(p, pair))
        .take(n)
        .collect()
}

/// Whether the edit engine accepts `go` on `p`, then `back` on the result.
fn accepted(p: &Partition, (go, back): &(Op, Op)) -> bool {
    let none = |_: &UnitCode| false;
    let options = EditOptions::default();
    propose(p, std::slice::from_ref(go), &none, &options)
        .is_ok_and(|went| propose(&went.after, std::slice::from_ref(back), &none, &options).is_ok())
}

/// The transfers from the segment's first cell to its second and back of the
/// square centred on the segment's middle, 0.4 of its length across: small enough
/// to stay clear of the segment's ends.
fn transfer_pair(p: &Partition, s: &SharedSegment) -> (Op, Op) {
    let square = square(s.at(0.5), s.length() * 0.2);
    let (ca, cb) = (p.unit(s.a).code.clone(), p.unit(s.b).code.clone());
    let go = Op::Transfer {
        from: ca.clone(),
        to: cb.clone(),
        area: square.clone(),
        move_parents: false,
    };
    let back = Op::Transfer {
        from: cb,
        to: ca,
        area: square,
        move_parents: false,
    };
    (go, back)
}
