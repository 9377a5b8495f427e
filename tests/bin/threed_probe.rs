//! `threed-probe`: a tileset read by citygrid-threed, as JSON, for the differential
//! test of footprints against pyproj (`tests/python/test_threed_vs_references.py`).
//!
//! Usage: threed-probe TILESET.json
//!
//! Prints `{"tiles": [...], "problems": [...]}`: per tile its place, depth, bounding
//! volume, frame (`world`, column-major), contents and footprint (the WGS84 ring, or
//! null when the volume has no usable one).

use std::path::Path;
use std::process::ExitCode;

use citygrid_threed::Tileset;
use serde_json::json;

fn main() -> ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: threed-probe TILESET.json");
        return ExitCode::from(2);
    };
    match Tileset::load(Path::new(&path)) {
        Ok(t) => {
            let tiles: Vec<_> = t
                .tiles
                .iter()
                .map(|tile| {
                    json!({
                        "place": tile.place,
                        "depth": tile.depth,
                        "volume": tile.volume.to_json(),
                        "world": tile.world.0,
                        "contents": tile.contents.iter().map(|c| c.path.as_str()).collect::<Vec<_>>(),
                        "footprint": tile.footprint.as_ref().map(|f| f.exterior().0.iter().map(|c| [c.x, c.y]).collect::<Vec<_>>()),
                    })
                })
                .collect();
            let problems: Vec<_> = t
                .problems
                .iter()
                .map(|p| json!({"tile": p.tile, "message": p.message}))
                .collect();
            let text = json!({"tiles": tiles, "problems": problems}).to_string();
            // a closed pipe (| head) is not a failure worth a panic
            let _ = std::io::Write::write_all(&mut std::io::stdout(), text.as_bytes());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("threed-probe: {e}");
            ExitCode::from(2)
        }
    }
}
