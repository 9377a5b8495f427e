//! Public 3D Tiles samples (tests/data/3dtiles; the reality mesh from ../shared) read into trees: implicit
//! tiling expands to exactly the content files the sample ships, external tilesets are
//! grafted with their transforms, tiles in local metres are reported, not placed, and
//! the reality-mesh sample placed over Guiyang lies there.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use citygrid_crs::ecef::enu_to_ecef;
use citygrid_threed::{Mat4, Tileset, Volume};
use geo::{BoundingRect, Contains};
use geo_types::Point;

/// The samples the repository keeps (tests/data/3dtiles, see its SOURCE.md).
fn samples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/3dtiles")
}

/// The reality-mesh sample (11 MB) lives in the team's shared data only.
fn shared_mesh() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/3dtiles/reality-mesh-sample");
    if dir.exists() {
        Some(dir)
    } else {
        eprintln!(
            "{} is missing: the reality-mesh test is skipped",
            dir.display()
        );
        None
    }
}

fn files_under(dir: &Path, ext: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == ext) {
                out.insert(
                    p.strip_prefix(dir)
                        .unwrap()
                        .to_string_lossy()
                        .replace('\\', "/"),
                );
            }
        }
    }
    out
}

#[test]
fn implicit_tiling_expands_to_exactly_the_shipped_contents() {
    let dir = samples().join("SparseImplicitQuadtree");
    let t = Tileset::load(&dir.join("tileset.json")).unwrap();
    let contents: BTreeSet<String> = t.content_paths().map(str::to_string).collect();
    assert_eq!(contents, files_under(&dir, "glb"));
    assert!(
        t.tiles.len() > contents.len(),
        "inner tiles without content are tiles too"
    );
    // local coordinates: no tile is on the ground, and each says so
    assert!(t.tiles.iter().all(|t| t.footprint.is_none()));
    assert!(
        t.problems
            .iter()
            .all(|p| p.message.contains("not georeferenced")),
        "{:?}",
        t.problems.first()
    );
    // children halve their parent's box and error
    let child = t.tile(t.root().children[0]);
    let (Volume::Box(root), Volume::Box(b)) = (&t.root().volume, &child.volume) else {
        panic!()
    };
    assert_eq!(b[3] * 2.0, root[3]);
    assert_eq!(child.geometric_error * 2.0, t.root().geometric_error);
}

#[test]
fn external_tilesets_are_grafted_with_their_transforms() {
    let dir = samples().join("TilesetWithRequestVolume");
    let t = Tileset::load(&dir.join("tileset.json")).unwrap();
    assert!(t.problems.is_empty(), "{:?}", t.problems);
    let contents: BTreeSet<String> = t.content_paths().map(str::to_string).collect();
    assert!(
        contents.contains("city/lr.b3dm") || contents.iter().any(|c| c.starts_with("city/")),
        "{contents:?}"
    );
    assert!(
        contents.contains("points.pnts") && contents.contains("building.b3dm"),
        "{contents:?}"
    );
    // every footprint lies over Philadelphia, inside the root region
    let root = t.root().footprint.clone().unwrap();
    let r = root.bounding_rect().unwrap();
    assert!(
        (r.min().x + 75.62).abs() < 0.1 && (r.min().y - 40.04).abs() < 0.1,
        "{r:?}"
    );
    for tile in &t.tiles {
        let f = tile.footprint.as_ref().unwrap();
        let b = f.bounding_rect().unwrap();
        assert!(
            b.min().x > r.min().x - 0.01 && b.max().x < r.max().x + 0.01,
            "{}: {b:?}",
            tile.place
        );
    }
}

#[test]
fn multiple_contents_are_kept_and_the_reality_mesh_is_placed_where_its_transform_says() {
    let t = Tileset::load(&samples().join("MultipleContents/tileset.json")).unwrap();
    assert_eq!(t.root().contents.len(), 2);
    let i3dm = Tileset::load(&samples().join("TilesetWithTreeBillboards/tileset.json")).unwrap();
    assert!(i3dm.problems.is_empty() && i3dm.content_paths().any(|c| c.ends_with(".i3dm")));
    let Some(mesh) = shared_mesh() else { return };
    let raw = Tileset::load(&mesh.join("tileset.json")).unwrap();
    assert_eq!(
        raw.content_paths().count(),
        files_under(&mesh, "b3dm").len()
    );
    assert!(
        raw.tiles.iter().all(|t| t.footprint.is_none()),
        "identity transform: local metres"
    );
    // the same tileset in the ENU frame at 106.70, 26.60, 1,100 m; its boxes are y-up
    // (64 m of relief along y, 242 m along z), so the frame turns y up and z south
    let mut json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(mesh.join("tileset.json")).unwrap()).unwrap();
    let y_up = Mat4([
        1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, -1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0,
    ]);
    json["root"]["transform"] =
        serde_json::json!(Mat4(enu_to_ecef(106.70, 26.60, 1_100.0)).mul(&y_up).0);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("tileset.json"), json.to_string()).unwrap();
    let placed = Tileset::load(&dir.path().join("tileset.json")).unwrap();
    assert!(placed.problems.is_empty(), "{:?}", placed.problems.first());
    let root = placed.root().footprint.clone().unwrap();
    let r = root.bounding_rect().unwrap();
    // about 323 m x 242 m east and south of the frame's origin
    let (w, h) = (
        (r.max().x - r.min().x) * 111_320.0 * 26.6f64.to_radians().cos(),
        (r.max().y - r.min().y) * 110_800.0,
    );
    assert!(
        (w - 323.0).abs() < 25.0 && (h - 242.0).abs() < 25.0,
        "{w} x {h}"
    );
    assert!(root.contains(&Point::new(106.7015, 26.5990)), "{r:?}");
}
