//! Running the `citygrid` binary from the tests: where it is, where to write.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root, where the commands run.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A file of the bundled demo city (`data/guiyang/FILE`).
pub fn guiyang(file: &str) -> PathBuf {
    root().join("data/guiyang").join(file)
}

/// The demo city's ten real districts.
pub fn guiyang_districts() -> Vec<citygrid_model::Unit> {
    citygrid_io::read_units(
        &guiyang("districts.geojson"),
        &citygrid_io::ReadOptions::default(),
    )
    .expect("data/guiyang/districts.geojson")
    .units
}

/// The `citygrid` binary next to this test's own (`target/<profile>/citygrid`).
pub fn citygrid() -> Command {
    binary("citygrid")
}

/// A binary of the workspace next to this test's own (`target/<profile>/NAME`).
pub fn binary(name: &str) -> Command {
    let exe = std::env::current_exe().expect("test path");
    let bin = exe
        .parent()
        .and_then(Path::parent)
        .expect("target dir")
        .join(name);
    assert!(
        bin.exists(),
        "{} is missing: run `cargo build --workspace --bins` first (make test does)",
        bin.display()
    );
    Command::new(bin)
}

/// Runs `citygrid ARGS` in the repository root.
pub fn run(args: &[&str]) -> Output {
    citygrid()
        .args(args)
        .current_dir(root())
        .output()
        .expect("citygrid runs")
}

/// A path in this test run's own temporary folder.
pub fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("citygrid-it-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// A new store at `tmp(name)` holding a generated city of about `cells` cells as
/// version 1, and its location.
pub fn generated_store(
    name: &str,
    seed: u64,
    cells: usize,
) -> (String, Box<dyn citygrid_store::Store>) {
    let location = tmp(name).to_str().expect("a UTF-8 path").to_string();
    let units = citygrid_synth::SynthCity::new(seed)
        .cells(cells)
        .vertices_per_cell(8)
        .generate();
    let partition = citygrid_model::Partition::new(units, citygrid_model::CodeLayout::default())
        .expect("a generated city is a partition");
    let store = citygrid_store::init(&location, &partition, "tests", "generated").expect("init");
    (location, store)
}
