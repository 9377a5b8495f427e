//! Placing a tileset made in local metres on the globe: a new root `transform`, content
//! copied byte for byte.
//!
//! Reality meshes and oblique-photography tilesets often come in a local frame with an
//! identity transform, such as the reality-mesh sample the demo shows (NASA-AMMOS
//! 3DTilesRendererJS, a y-up mesh made for three.js). 3D Tiles places a tile's content
//! with its `transform` (3D Tiles 1.1, "Tile transforms"), so setting the root's to the
//! east-north-up frame at a point puts the whole tileset there, up the right way, without
//! touching a content file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use citygrid_crs::ecef::enu_to_ecef;
use serde_json::value::{RawValue, to_raw_value};

use crate::matrix::{self, IDENTITY, Matrix, Y_UP_TO_Z_UP};
use crate::tileset::{DemoTilesetError, GROUND_HEIGHT, TilesetReport};

/// Which axis is up in a tileset's local frame (after its root's own transform).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocalUp {
    /// z up, x east, y north: already an east-north-up frame.
    Z,
    /// y up, x east, z south: the glTF and three.js convention. The reality-mesh sample is
    /// so (its 64 m of relief lie along y); its `gltfUpAxis: "Z"` only tells runtimes not
    /// to turn its glTF, whose frame is then the tileset's.
    Y,
}

/// Where a local tileset goes: the middle of its root bounding volume's footprint at
/// (`lon`, `lat`), its local ground (z = 0, or y = 0 when y is up) at `height`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Placement {
    /// Longitude, WGS84 degrees.
    pub lon: f64,
    /// Latitude, WGS84 degrees.
    pub lat: f64,
    /// Height above the WGS84 ellipsoid, m.
    pub height: f64,
    /// The tileset's up axis.
    pub up: LocalUp,
}

/// Where the demo puts the reality-mesh sample: central Guiyang (Yunyan, cell
/// 520103021012004 of the bundled city holds the point), on the ground at
/// [`GROUND_HEIGHT`]; its 323 m x 242 m reach into the neighbouring cells.
pub const REALITY_MESH_PLACEMENT: Placement = Placement {
    lon: 106.700,
    lat: 26.600,
    height: GROUND_HEIGHT,
    up: LocalUp::Y,
};

/// Copies the 3D Tiles tileset in the folder `from` (a `tileset.json` in local metres and
/// its content files) to the folder `to` (created if missing), setting the root's
/// `transform` to the east-north-up frame at `at` (composed with the y-up to z-up
/// rotation for [`LocalUp::Y`], and with the tileset's own root transform); every other
/// file under `from` is copied byte for byte, and the rest of `tileset.json` is kept, every
/// number as written, but for empty `children` arrays, which the 3D Tiles schema forbids
/// and are dropped (members are written in name order, without the original's spacing).
/// Returns what it wrote.
///
/// # Errors
/// [`DemoTilesetError::Placement`] for a point not in WGS84 degrees and metres;
/// [`DemoTilesetError::Io`] when a file cannot be read or written;
/// [`DemoTilesetError::Json`] when `tileset.json` is not JSON;
/// [`DemoTilesetError::Tileset`] when it has no root, a root transform that is not 16
/// numbers, a root bounding volume that is a region (already on the globe) or missing, or
/// a tile that is not an object, or when `to` is `from`.
pub fn place_tileset(
    from: &Path,
    to: &Path,
    at: &Placement,
) -> Result<TilesetReport, DemoTilesetError> {
    let on_earth = at.lon.is_finite()
        && at.height.is_finite()
        && (-180.0..=180.0).contains(&at.lon)
        && (-90.0..=90.0).contains(&at.lat);
    if !on_earth {
        return Err(DemoTilesetError::Placement {
            lon: at.lon,
            lat: at.lat,
            height: at.height,
        });
    }
    let source = from.join("tileset.json");
    let text = std::fs::read(&source).map_err(io(&source))?;
    let mut tileset: Object =
        serde_json::from_slice(&text).map_err(|e| DemoTilesetError::Json {
            path: source.clone(),
            source: e,
        })?;
    let bad = |reason| DemoTilesetError::Tileset {
        path: source.clone(),
        reason,
    };
    let mut root: Object = tileset
        .get("root")
        .and_then(|r| object(r))
        .ok_or_else(|| bad("no root tile"))?;
    let own: Matrix = match root.get("transform") {
        None => IDENTITY,
        Some(t) => numbers(t, 16)
            .and_then(|m| m.try_into().ok())
            .ok_or_else(|| bad("root transform is not 16 numbers"))?,
    };
    let volume = root
        .get("boundingVolume")
        .and_then(|v| object(v))
        .unwrap_or_default();
    if volume.contains_key("region") {
        return Err(bad(
            "root bounding volume is a region: the tileset is already on the globe",
        ));
    }
    let centre = volume
        .get("box")
        .and_then(|b| numbers(b, 12))
        .or_else(|| volume.get("sphere").and_then(|s| numbers(s, 4)))
        .map(|v| [v[0], v[1], v[2]])
        .ok_or_else(|| bad("root has no box or sphere bounding volume"))?;
    let [x, y, z] = matrix::apply(&own, centre);
    let (turn, centring) = match at.up {
        LocalUp::Z => (IDENTITY, matrix::translation(-x, -y, 0.0)),
        LocalUp::Y => (Y_UP_TO_Z_UP, matrix::translation(-x, 0.0, -z)),
    };
    let frame = enu_to_ecef(at.lon, at.lat, at.height);
    let transform = matrix::multiply(
        &matrix::multiply(&frame, &turn),
        &matrix::multiply(&centring, &own),
    );
    let transform_json = to_raw_value(&transform).expect("numbers serialise");
    root.insert("transform".into(), transform_json);
    let (tiles, contents) =
        count_and_prune(&mut root).ok_or_else(|| bad("a tile is not a JSON object"))?;
    let root_json = to_raw_value(&root).expect("raw JSON serialises");
    tileset.insert("root".into(), root_json);

    std::fs::create_dir_all(to).map_err(io(to))?;
    let same = from.canonicalize().map_err(io(from))? == to.canonicalize().map_err(io(to))?;
    if same {
        return Err(DemoTilesetError::Tileset {
            path: to.into(),
            reason: "is the folder being placed; give another",
        });
    }
    let mut bytes = copy_tree(from, to, true)?;
    let out = serde_json::to_vec(&tileset).expect("raw JSON serialises");
    let target = to.join("tileset.json");
    std::fs::write(&target, &out).map_err(io(&target))?;
    bytes += out.len() as u64;
    Ok(TilesetReport {
        tiles,
        contents,
        bytes,
        root_transform: transform,
    })
}

/// A JSON object whose members are kept as they were written, so that every number
/// the placement does not change keeps its text to the last digit.
type Object = BTreeMap<String, Box<RawValue>>;

/// `value` as an object, None when it is not one.
fn object(value: &RawValue) -> Option<Object> {
    serde_json::from_str(value.get()).ok()
}

/// `value` as an array of `n` numbers, None when it is not one.
fn numbers(value: &RawValue, n: usize) -> Option<Vec<f64>> {
    serde_json::from_str::<Vec<f64>>(value.get())
        .ok()
        .filter(|a| a.len() == n)
}

/// Tiles and contents (`content`, or each of 1.1's `contents`) in a subtree, dropping
/// empty `children` arrays on the way: the schema wants at least one child when the
/// property is there (3D Tiles 1.1, `tile.schema.json`, `minItems`), and the reality-mesh
/// sample writes `[]` at its 220 leaves. None when a tile is not an object.
fn count_and_prune(tile: &mut Object) -> Option<(usize, usize)> {
    let contents = match tile.get("contents") {
        Some(c) => serde_json::from_str::<Vec<Box<RawValue>>>(c.get())
            .ok()?
            .len(),
        None => 0,
    };
    let mut found = (1, usize::from(tile.contains_key("content")) + contents);
    if let Some(children) = tile.remove("children") {
        let mut children: Vec<Object> = serde_json::from_str(children.get()).ok()?;
        if !children.is_empty() {
            for child in &mut children {
                let (t, c) = count_and_prune(child)?;
                found = (found.0 + t, found.1 + c);
            }
            let children = to_raw_value(&children).expect("raw JSON serialises");
            tile.insert("children".into(), children);
        }
    }
    Some(found)
}

/// Copies every file under `from` to the same place under `to`, except the top folder's
/// `tileset.json`; returns the bytes copied. New files get default permissions (the
/// shared samples are read-only, and a second placement must be able to overwrite).
fn copy_tree(from: &Path, to: &Path, top: bool) -> Result<u64, DemoTilesetError> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(from)
        .map_err(io(from))?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()
        .map_err(io(from))?;
    entries.sort();
    let mut bytes = 0;
    for path in entries {
        let name = path.file_name().expect("read_dir gives named entries");
        let target = to.join(name);
        if path.is_dir() {
            std::fs::create_dir_all(&target).map_err(io(&target))?;
            bytes += copy_tree(&path, &target, false)?;
        } else if !(top && name == "tileset.json") {
            let mut reader = std::fs::File::open(&path).map_err(io(&path))?;
            let mut writer = std::fs::File::create(&target).map_err(io(&target))?;
            bytes += std::io::copy(&mut reader, &mut writer).map_err(io(&target))?;
        }
    }
    Ok(bytes)
}

/// An I/O error at `path`.
fn io(path: &Path) -> impl Fn(std::io::Error) -> DemoTilesetError + '_ {
    move |source| DemoTilesetError::Io {
        path: path.into(),
        source,
    }
}
