//! Tests of the demo tileset, read back with a small independent b3dm/glb reader, and of
//! placing the reality-mesh sample.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::*;
use crate::matrix::apply;
use crate::place::{LocalUp, Placement, REALITY_MESH_PLACEMENT, place_tileset};

/// The shared reality-mesh sample (3D Tiles 1.0, local metres), beside the repository.
const REALITY_MESH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/data/3dtiles/reality-mesh-sample"
);

/// The target directory holding the test binary (`target/debug/deps/...`).
fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.ancestors().nth(3).unwrap().to_path_buf()
}

/// A fresh folder under the target directory.
fn out_dir(name: &str) -> PathBuf {
    let dir = target_dir().join(name);
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn u32_at(b: &[u8], at: usize) -> usize {
    u32::from_le_bytes(b[at..at + 4].try_into().unwrap()) as usize
}

/// The glb inside a b3dm, checking the header against the file.
fn b3dm_glb<'a>(b: &'a [u8], name: &str) -> &'a [u8] {
    assert_eq!(&b[..4], b"b3dm", "{name}");
    assert_eq!(u32_at(b, 4), 1, "{name}: version");
    assert_eq!(u32_at(b, 8), b.len(), "{name}: byteLength");
    let (fj, fb, bj, bb) = (u32_at(b, 12), u32_at(b, 16), u32_at(b, 20), u32_at(b, 24));
    let table: Value = serde_json::from_slice(&b[28..28 + fj]).unwrap();
    assert_eq!(table["BATCH_LENGTH"], 0, "{name}");
    let start = 28 + fj + fb + bj + bb;
    assert_eq!(start % 8, 0, "{name}: glb on an 8-byte boundary");
    assert_eq!(b.len() % 8, 0, "{name}: file ends on an 8-byte boundary");
    &b[start..]
}

/// What a glb holds: its JSON, and the positions of its meshes turned from glTF's y-up to
/// the tile's z-up frame (`(x, y, z)` -> `(x, -z, y)`).
struct Glb {
    json: Value,
    points: Vec<[f64; 3]>,
}

/// Reads a glb, checking its container, that accessors fit their buffer views and views
/// their buffer, and that `POSITION` min/max are those of the data.
fn read_glb(g: &[u8], name: &str) -> Glb {
    assert_eq!(&g[..4], b"glTF", "{name}");
    assert_eq!(u32_at(g, 4), 2, "{name}: version");
    assert_eq!(u32_at(g, 8), g.len(), "{name}: length");
    let j = u32_at(g, 12);
    assert_eq!(&g[16..20], b"JSON", "{name}");
    assert_eq!(j % 4, 0, "{name}");
    let json: Value = serde_json::from_slice(&g[20..20 + j]).unwrap();
    let b = u32_at(g, 20 + j);
    assert_eq!(&g[24 + j..28 + j], b"BIN\0", "{name}");
    assert_eq!(b % 4, 0, "{name}");
    assert_eq!(28 + j + b, g.len(), "{name}: chunks fill the file");
    let bin = &g[28 + j..];
    let buffer = json["buffers"][0]["byteLength"].as_u64().unwrap() as usize;
    assert!(
        buffer <= bin.len() && bin.len() - buffer < 4,
        "{name}: buffer"
    );
    let size = |component: u64| match component {
        5120 | 5121 => 1,
        5122 | 5123 => 2,
        5125 | 5126 => 4,
        other => panic!("{name}: component type {other}"),
    };
    let width = |t: &str| match t {
        "SCALAR" => 1,
        "VEC2" => 2,
        "VEC3" => 3,
        "VEC4" => 4,
        other => panic!("{name}: accessor type {other}"),
    };
    let views = json["bufferViews"].as_array().unwrap();
    for v in views {
        let (offset, length) = (
            v["byteOffset"].as_u64().unwrap_or(0),
            v["byteLength"].as_u64(),
        );
        assert!(
            offset as usize + length.unwrap() as usize <= buffer,
            "{name}: view"
        );
        assert_eq!(offset % 4, 0, "{name}: view offset");
        assert!(v.get("byteStride").is_none(), "{name}: tightly packed");
    }
    let accessors = json["accessors"].as_array().unwrap();
    for a in accessors {
        let v = &views[a["bufferView"].as_u64().unwrap() as usize];
        let bytes = a["count"].as_u64().unwrap()
            * size(a["componentType"].as_u64().unwrap())
            * width(a["type"].as_str().unwrap());
        let offset = a["byteOffset"].as_u64().unwrap_or(0);
        assert!(
            offset + bytes <= v["byteLength"].as_u64().unwrap(),
            "{name}: accessor"
        );
    }
    let mut points = Vec::new();
    for mesh in json["meshes"].as_array().unwrap() {
        for p in mesh["primitives"].as_array().unwrap() {
            let a = &accessors[p["attributes"]["POSITION"].as_u64().unwrap() as usize];
            assert_eq!(a["componentType"], 5126, "{name}");
            let v = &views[a["bufferView"].as_u64().unwrap() as usize];
            let start = (v["byteOffset"].as_u64().unwrap_or(0)
                + a["byteOffset"].as_u64().unwrap_or(0)) as usize;
            let n = a["count"].as_u64().unwrap() as usize;
            let f = |i: usize| {
                f64::from(f32::from_le_bytes(
                    bin[start + 4 * i..start + 4 * i + 4].try_into().unwrap(),
                ))
            };
            let data: Vec<[f64; 3]> = (0..n)
                .map(|i| [f(3 * i), f(3 * i + 1), f(3 * i + 2)])
                .collect();
            for k in 0..3 {
                let lo = data.iter().map(|d| d[k]).fold(f64::INFINITY, f64::min);
                let hi = data.iter().map(|d| d[k]).fold(f64::NEG_INFINITY, f64::max);
                assert_eq!(a["min"][k].as_f64().unwrap(), lo, "{name}: min {k}");
                assert_eq!(a["max"][k].as_f64().unwrap(), hi, "{name}: max {k}");
            }
            // indices in range
            let ia = &accessors[p["indices"].as_u64().unwrap() as usize];
            let iv = &views[ia["bufferView"].as_u64().unwrap() as usize];
            let istart = iv["byteOffset"].as_u64().unwrap() as usize;
            let count = ia["count"].as_u64().unwrap() as usize;
            assert_eq!(count % 3, 0, "{name}");
            let index = |i: usize| match ia["componentType"].as_u64().unwrap() {
                5123 => u16::from_le_bytes(bin[istart + 2 * i..][..2].try_into().unwrap()) as usize,
                _ => u32_at(bin, istart + 4 * i),
            };
            assert!(
                (0..count).all(|i| index(i) < n),
                "{name}: index out of range"
            );
            points.extend(data.iter().map(|&[x, y, z]| [x, -z, y]));
        }
    }
    Glb { json, points }
}

/// What the walk over a generated tileset found.
#[derive(Default)]
struct Seen {
    /// Per level: tiles, bytes of content, boxes (cuboids) in the content.
    levels: BTreeMap<u64, (usize, u64, usize)>,
    contents: usize,
}

/// Checks a tile and its subtree; `parent`: the parent's box as (min, max).
fn walk(
    dir: &Path,
    tile: &Value,
    level: u64,
    parent: Option<([f64; 3], [f64; 3])>,
    seen: &mut Seen,
) {
    let b: Vec<f64> = tile["boundingVolume"]["box"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert_eq!(b.len(), 12);
    // axis-aligned in the local frame
    assert_eq!([b[4], b[5], b[6], b[8], b[9], b[10]], [0.0; 6]);
    let (lo, hi) = (
        [b[0] - b[3], b[1] - b[7], b[2] - b[11]],
        [b[0] + b[3], b[1] + b[7], b[2] + b[11]],
    );
    assert_eq!(lo[2], 0.0, "boxes stand on the ground");
    if let Some((plo, phi)) = parent {
        for k in 0..3 {
            assert!(
                lo[k] >= plo[k] && hi[k] <= phi[k],
                "level {level}: child box outside its parent's"
            );
        }
    }
    assert_eq!(tile["refine"], "REPLACE");
    let uri = tile["content"]["uri"].as_str().unwrap();
    let children = tile["children"].as_array().map_or(&[][..], Vec::as_slice);
    // geometric error: 200 / 2^level, 0 at the leaves
    let error = tile["geometricError"].as_f64().unwrap();
    if children.is_empty() {
        assert_eq!(error, 0.0, "{uri}");
    } else {
        assert_eq!(error, ROOT_ERROR / f64::from(1u32 << level), "{uri}");
    }
    let (lx, ly) = {
        let name = uri.rsplit('/').next().unwrap();
        let stem = name.split('.').next().unwrap();
        let (x, y) = stem.split_once('_').unwrap();
        (x.parse::<u64>().unwrap(), y.parse::<u64>().unwrap())
    };
    assert!(lx < 1 << level && ly < 1 << level, "{uri}");
    let ext = if level < 2 { "b3dm" } else { "glb" };
    assert_eq!(uri, format!("content/{level}/{lx}_{ly}.{ext}"));
    let bytes = std::fs::read(dir.join(uri)).unwrap();
    let glb = read_glb(
        if level < 2 {
            b3dm_glb(&bytes, uri)
        } else {
            &bytes
        },
        uri,
    );
    assert_eq!(glb.json["asset"]["version"], "2.0");
    assert!(!glb.points.is_empty());
    for p in &glb.points {
        for k in 0..3 {
            assert!(
                lo[k] <= p[k] && p[k] <= hi[k],
                "{uri}: {p:?} outside its box"
            );
        }
    }
    let e = seen.levels.entry(level).or_default();
    e.0 += 1;
    e.1 += bytes.len() as u64;
    e.2 += glb.points.len() / crate::gltf::VERTICES_PER_CUBOID;
    seen.contents += 1;
    for c in children {
        walk(dir, c, level + 1, Some((lo, hi)), seen);
    }
}

/// Reads `dir/tileset.json` and walks it.
fn check(dir: &Path) -> (Value, Seen) {
    let tileset: Value =
        serde_json::from_slice(&std::fs::read(dir.join("tileset.json")).unwrap()).unwrap();
    assert_eq!(tileset["asset"]["version"], "1.1");
    assert_eq!(tileset["geometricError"], 2.0 * ROOT_ERROR);
    let mut seen = Seen::default();
    walk(dir, &tileset["root"], 0, None, &mut seen);
    (tileset, seen)
}

/// Every file under `dir`, by path relative to it, with its bytes.
fn files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(
                    p.strip_prefix(dir).unwrap().to_path_buf(),
                    std::fs::read(&p).unwrap(),
                );
            }
        }
    }
    out
}

/// A JSON array of numbers.
fn transform(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

/// Numbers read back from JSON equal to those written: serde_json's default parser may be
/// a unit in the last place off for 17-digit numbers.
fn assert_read_back(read: &[f64], written: &[f64]) {
    assert_eq!(read.len(), written.len());
    for (r, w) in read.iter().zip(written) {
        assert!(
            (r - w).abs() <= 1e-15 * w.abs().max(1.0),
            "{read:?} != {written:?}"
        );
    }
}

/// The demo tileset over the demo bounds, written where `tests/gltf/validate.mjs` can be
/// run on it: `node tests/gltf/validate.mjs target/demo-tileset-test`.
#[test]
fn writes_the_demo_tileset_and_every_file_reads_back() {
    let dir = out_dir("demo-tileset-test");
    let report = DemoTileset::default().write(DEMO_BOUNDS, &dir).unwrap();
    let (tileset, seen) = check(&dir);
    println!("written to {}", dir.display());
    for (level, (tiles, bytes, boxes)) in &seen.levels {
        println!("level {level}: {tiles} tiles, {boxes} boxes, {bytes} bytes");
    }
    println!(
        "{} tiles, {} contents, {} bytes in all",
        report.tiles, report.contents, report.bytes
    );
    assert_eq!(report.tiles, seen.contents);
    assert_eq!(report.contents, seen.contents);
    let on_disk: u64 = files(&dir).values().map(|b| b.len() as u64).sum();
    assert_eq!(report.bytes, on_disk);
    assert!(report.bytes < 5_000_000, "{}", report.bytes);
    // four levels, full or nearly: buildings everywhere in a city centre
    assert_eq!(seen.levels.len(), 4);
    assert_eq!(seen.levels[&0].0, 1);
    assert_eq!(seen.levels[&1].0, 4);
    assert!(seen.levels[&3].0 > 56, "{}", seen.levels[&3].0);
    // each level is coarser than the one below, and leaves hold at most a few hundred
    let boxes: Vec<usize> = seen.levels.values().map(|l| l.2).collect();
    assert!(boxes.windows(2).all(|w| w[0] < w[1]), "{boxes:?}");
    assert!((800..1500).contains(&boxes[3]), "{boxes:?}");
    // the root is placed at the middle of the bounds, on the ground
    let [w, s, e, n] = DEMO_BOUNDS;
    let frame = enu_to_ecef((w + e) / 2.0, (s + n) / 2.0, GROUND_HEIGHT);
    assert_eq!(report.root_transform, frame);
    assert_read_back(&transform(&tileset["root"]["transform"]), &frame);
    // the root box covers the bounds, within a block's setback of the edges
    let b = transform(&tileset["root"]["boundingVolume"]["box"]);
    let (per_lon, per_lat) = metres_per_degree((s + n) / 2.0);
    assert!((2.0 * b[3] - (e - w) * per_lon).abs() < 60.0, "{b:?}");
    assert!((2.0 * b[7] - (n - s) * per_lat).abs() < 60.0, "{b:?}");
    assert!(b[2] + b[11] <= 120.0);
}

#[test]
fn the_same_seed_gives_the_same_bytes() {
    let bounds = [106.708, 26.575, 106.716, 26.582];
    let (a, b, c) = (
        out_dir("demo-tileset-tests/a"),
        out_dir("demo-tileset-tests/b"),
        out_dir("demo-tileset-tests/c"),
    );
    DemoTileset::new(9).write(bounds, &a).unwrap();
    DemoTileset::new(9).write(bounds, &b).unwrap();
    DemoTileset::new(10).write(bounds, &c).unwrap();
    let (fa, fb, fc) = (files(&a), files(&b), files(&c));
    assert!(fa.len() > 20);
    assert_eq!(fa.keys().collect::<Vec<_>>(), fb.keys().collect::<Vec<_>>());
    for (path, bytes) in &fa {
        assert!(fb[path] == *bytes, "{} differs", path.display());
    }
    assert_ne!(fa, fc, "another seed, another city");
}

#[test]
fn the_root_transform_matches_the_readme_example() {
    // shared/data/README.md: the ENU frame at lon 106.70, lat 26.60, h 1,100 m
    let readme = [
        -0.957822,
        -0.287361,
        0.0,
        0.0,
        0.128668,
        -0.428874,
        0.894154,
        0.0,
        -0.256945,
        0.856441,
        0.447759,
        0.0,
        -1640211.547,
        5467109.807,
        2839148.652,
        1.0,
    ];
    let dir = out_dir("demo-tileset-tests/readme");
    let bounds = [106.698, 26.598, 106.702, 26.602];
    let report = DemoTileset::new(1).write(bounds, &dir).unwrap();
    for (i, (got, want)) in report.root_transform.iter().zip(readme).enumerate() {
        let tolerance = if i >= 12 { 1e-3 } else { 1e-6 };
        assert!(
            (got - want).abs() < tolerance,
            "element {i}: {got} != {want}"
        );
    }
}

#[test]
fn any_depth_from_the_root_alone_to_five_levels() {
    let bounds = [106.708, 26.575, 106.716, 26.582];
    let mut buildings = Vec::new();
    for levels in [0, 1, 5] {
        let dir = out_dir(&format!("demo-tileset-tests/levels-{levels}"));
        let tileset = DemoTileset {
            levels,
            ..DemoTileset::default()
        };
        let report = tileset.write(bounds, &dir).unwrap();
        let (_, seen) = check(&dir);
        assert_eq!(seen.levels.len(), usize::from(levels) + 1);
        assert_eq!(report.tiles, seen.contents);
        buildings.push(seen.levels.values().last().unwrap().2);
    }
    // the same buildings at the leaves whatever the depth
    assert!(buildings[0] > 100, "{buildings:?}");
    assert!(
        buildings.iter().all(|&b| b == buildings[0]),
        "{buildings:?}"
    );
}

#[test]
fn metres_per_degree_near_guiyang() {
    let (lon, lat) = metres_per_degree(26.578);
    // a degree of longitude is about 99.6 km there, of latitude about 110.8 km
    assert!((lon - 99_640.0).abs() < 100.0, "{lon}");
    assert!((lat - 110_800.0).abs() < 100.0, "{lat}");
    // against ECEF: 0.001° east and north are a thousandth of them (the chords are
    // shorter than the arcs by a few nanometres)
    let distance = |a: [f64; 3], b: [f64; 3]| {
        ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2) + (a[2] - b[2]).powi(2)).sqrt()
    };
    let to_ecef = citygrid_crs::ecef::to_ecef;
    let here = to_ecef(106.712, 26.578, 0.0);
    assert!((distance(here, to_ecef(106.713, 26.578, 0.0)) - lon / 1000.0).abs() < 1e-3);
    assert!((distance(here, to_ecef(106.712, 26.579, 0.0)) - lat / 1000.0).abs() < 1e-3);
}

#[test]
fn arguments_out_of_range_are_refused_and_nothing_is_written() {
    let dir = out_dir("demo-tileset-tests/refused");
    let t = DemoTileset::default();
    let e = t.write([106.72, 26.57, 106.71, 26.58], &dir).unwrap_err();
    assert_eq!(
        e.to_string(),
        "bounds 106.72 26.57 106.71 26.58 are not west < east, south < north in WGS84 degrees"
    );
    assert!(matches!(
        t.write([f64::NAN, 26.57, 106.71, 26.58], &dir),
        Err(DemoTilesetError::Bounds { .. })
    ));
    let e = t.write([106.6, 26.5, 106.7, 26.6], &dir).unwrap_err();
    assert_eq!(
        e.to_string(),
        "the area is 9965 m x 11080 m; a demo tileset is at most 5000 m a side"
    );
    let e = t.write([106.7, 26.5, 106.7001, 26.5001], &dir).unwrap_err();
    assert!(matches!(e, DemoTilesetError::NoBuildings { .. }), "{e}");
    let deep = DemoTileset { levels: 6, ..t };
    assert_eq!(
        deep.write(DEMO_BOUNDS, &dir).unwrap_err().to_string(),
        "6 levels is more than the 5 a demo tileset may have"
    );
    let floating = DemoTileset {
        height: f64::INFINITY,
        ..t
    };
    assert!(matches!(
        floating.write(DEMO_BOUNDS, &dir),
        Err(DemoTilesetError::Height(_))
    ));
    assert!(!dir.exists());
}

#[test]
fn places_the_reality_mesh_sample_over_guiyang() {
    let from = Path::new(REALITY_MESH);
    if !from.join("tileset.json").exists() {
        eprintln!("skipped: the reality-mesh sample is not at {REALITY_MESH}");
        return;
    }
    let to = out_dir("demo-tileset-tests/reality-mesh");
    let report = place_tileset(from, &to, &REALITY_MESH_PLACEMENT).unwrap();
    let (source, placed) = (files(from), files(&to));
    assert_eq!(
        source.keys().collect::<Vec<_>>(),
        placed.keys().collect::<Vec<_>>()
    );
    let b3dm = source
        .keys()
        .filter(|p| p.extension().is_some_and(|e| e == "b3dm"))
        .count();
    assert_eq!(b3dm, 293);
    for (path, bytes) in &source {
        if path != Path::new("tileset.json") {
            assert!(
                placed[path] == *bytes,
                "{} not copied byte for byte",
                path.display()
            );
        }
    }
    assert_eq!((report.tiles, report.contents), (293, 293));
    assert_eq!(
        report.bytes,
        placed.values().map(|b| b.len() as u64).sum::<u64>()
    );

    // only the root transform changed, and the leaves' empty `children` arrays are gone
    let mut old: Value = serde_json::from_slice(&source[Path::new("tileset.json")]).unwrap();
    fn prune(tile: &mut Value) -> usize {
        let children = tile["children"].as_array_mut().unwrap();
        if children.is_empty() {
            tile.as_object_mut().unwrap().remove("children");
            return 1;
        }
        children.iter_mut().map(prune).sum()
    }
    assert_eq!(prune(&mut old["root"]), 220);
    let new: Value = serde_json::from_slice(&placed[Path::new("tileset.json")]).unwrap();
    let t = transform(&new["root"]["transform"]);
    assert_read_back(&t, &report.root_transform);
    let t = report.root_transform;
    old["root"]["transform"] = new["root"]["transform"].clone();
    assert_eq!(old, new);
    // numbers as written, to the last digit
    let text = String::from_utf8(placed[Path::new("tileset.json")].clone()).unwrap();
    assert!(text.contains(
        "[216.2268255,32.299595,90.715517,161.5749625,0.0,0.0,0.0,32.170338,0.0,0.0,0.0,\
         120.94498999999999]"
    ));

    // the ENU frame at the placement, the sample's y (its up) turned to up, its z to south
    let p = REALITY_MESH_PLACEMENT;
    let frame = enu_to_ecef(p.lon, p.lat, p.height);
    let column = |m: &[f64], c: usize| [m[4 * c], m[4 * c + 1], m[4 * c + 2]];
    assert_eq!(column(&t, 0), column(&frame, 0), "x: east");
    assert_eq!(column(&t, 1), column(&frame, 2), "y: up");
    assert_eq!(column(&t, 2), column(&frame, 1).map(|v| -v), "z: south");
    // the root box's centre lands above the placement, at its height in the sample
    let b = transform(&new["root"]["boundingVolume"]["box"]);
    let centre = apply(&t, [b[0], b[1], b[2]]);
    let want = citygrid_crs::ecef::to_ecef(p.lon, p.lat, p.height + b[1]);
    for k in 0..3 {
        assert!((centre[k] - want[k]).abs() < 1e-6, "{centre:?} {want:?}");
    }
    // placing again over the first copy works (the sample's files are read-only)
    place_tileset(from, &to, &REALITY_MESH_PLACEMENT).unwrap();
}

#[test]
fn placing_refuses_what_it_cannot_place() {
    let dir = out_dir("demo-tileset-tests/place-refused");
    let write = |name: &str, text: &str| {
        let d = dir.join(name);
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join("tileset.json"), text).unwrap();
        d
    };
    let at = Placement {
        lon: 106.7,
        lat: 26.6,
        height: 0.0,
        up: LocalUp::Z,
    };
    let to = dir.join("out");
    let region = write(
        "region",
        r#"{"asset":{"version":"1.0"},"geometricError":1,"root":{"geometricError":0,
            "boundingVolume":{"region":[1.8,0.46,1.9,0.47,0,10]}}}"#,
    );
    let e = place_tileset(&region, &to, &at).unwrap_err();
    assert!(
        e.to_string()
            .ends_with("root bounding volume is a region: the tileset is already on the globe"),
        "{e}"
    );
    let bad = write("bad", "{not json");
    assert!(matches!(
        place_tileset(&bad, &to, &at),
        Err(DemoTilesetError::Json { .. })
    ));
    let rootless = write("rootless", r#"{"asset":{"version":"1.0"}}"#);
    let e = place_tileset(&rootless, &to, &at).unwrap_err();
    assert!(e.to_string().ends_with("no root tile"), "{e}");
    let odd = write(
        "odd",
        r#"{"asset":{"version":"1.0"},"geometricError":1,"root":{"geometricError":0,
            "transform":[1,0,0,1],"boundingVolume":{"sphere":[0,0,0,5]}}}"#,
    );
    let e = place_tileset(&odd, &to, &at).unwrap_err();
    assert!(
        e.to_string().ends_with("root transform is not 16 numbers"),
        "{e}"
    );
    let nowhere = Placement { lat: 95.0, ..at };
    assert!(matches!(
        place_tileset(&odd, &to, &nowhere),
        Err(DemoTilesetError::Placement { .. })
    ));
    assert!(!to.exists(), "nothing written");
    // a sphere, z up: its centre's footprint goes to the point, and it may not overwrite
    // itself
    let sphere = write(
        "sphere",
        r#"{"asset":{"version":"1.1"},"geometricError":1,"root":{"geometricError":0,
            "boundingVolume":{"sphere":[10,20,3,5]}}}"#,
    );
    let r = place_tileset(&sphere, &to, &at).unwrap();
    let moved = apply(&r.root_transform, [10.0, 20.0, 3.0]);
    let want = citygrid_crs::ecef::to_ecef(106.7, 26.6, 3.0);
    assert!((0..3).all(|k| (moved[k] - want[k]).abs() < 1e-6));
    assert_eq!((r.tiles, r.contents), (1, 0));
    let e = place_tileset(&sphere, &sphere, &at).unwrap_err();
    assert!(
        e.to_string()
            .ends_with("is the folder being placed; give another"),
        "{e}"
    );
}
