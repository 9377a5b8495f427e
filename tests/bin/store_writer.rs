//! A writer for the store's crash and concurrency tests (`tests/it/`): commits to a
//! store and says what it committed, so a test can kill it at any moment and check
//! what survived.
//!
//!   store-writer loop STORE               commits versions until killed, printing
//!                                         each number once its commit has returned
//!   store-writer once STORE BASE NAME     one commit on BASE as NAME; prints
//!                                         "won V" or "conflict H"
//!
//! Version V sets the attribute `round` to V on ten cells, those numbered
//! (10 V + j) mod n for j in 0..10, in code order of version 1's n cells: the
//! content of every version follows from its number alone (see [`touched`]).

use std::io::Write;
use std::process::ExitCode;

use citygrid_model::{AttrValue, Level, Unit};
use citygrid_store::{Commit, Store, StoreError};
use citygrid_tests::store_rounds::touched;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["loop", store] => write_forever(store),
        ["once", store, base, name] => match base.parse() {
            Ok(base) => once(store, base, name),
            Err(_) => Err(format!("BASE {base:?} is not a version number")),
        },
        _ => Err("usage: store-writer loop STORE | store-writer once STORE BASE NAME".into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("store-writer: {e}");
            ExitCode::from(2)
        }
    }
}

/// The cells of version 1, in code order.
fn cells(store: &dyn Store) -> Result<Vec<Unit>, String> {
    let first = store.load(1).map_err(|e| e.to_string())?;
    Ok(first
        .level_ids(Level::Cell)
        .map(|id| first.unit(id).as_ref().clone())
        .collect())
}

/// The commit that makes `version` from the version before it.
fn round(cells: &[Unit], version: u64, author: &str) -> Commit {
    touched(version, cells.len()).into_iter().fold(
        Commit::new(version - 1, author, format!("round {version}")),
        |commit, i| {
            commit.upsert(
                cells[i]
                    .clone()
                    .with_attribute("round", AttrValue::Number(version as f64)),
            )
        },
    )
}

fn write_forever(location: &str) -> Result<(), String> {
    let store = citygrid_store::open(location).map_err(|e| e.to_string())?;
    let cells = cells(store.as_ref())?;
    let mut out = std::io::stdout().lock();
    loop {
        let head = store.head().map_err(|e| e.to_string())?;
        let info = store
            .commit(round(&cells, head + 1, "store-writer"))
            .map_err(|e| e.to_string())?;
        writeln!(out, "{}", info.version)
            .and_then(|()| out.flush())
            .map_err(|e| e.to_string())?;
    }
}

fn once(location: &str, base: u64, name: &str) -> Result<(), String> {
    let store = citygrid_store::open(location).map_err(|e| e.to_string())?;
    let cells = cells(store.as_ref())?;
    match store.commit(round(&cells, base + 1, name)) {
        Ok(info) => println!("won {}", info.version),
        Err(StoreError::Conflict { head, .. }) => println!("conflict {head}"),
        Err(e) => return Err(e.to_string()),
    }
    Ok(())
}
