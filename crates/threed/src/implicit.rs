//! Implicit tiling (3D Tiles 1.1): a root tile whose descendants are not written out
//! but subdivided from its volume, which of them exist and have content being read
//! from subtree files, level by level.
//!
//! A subtree holds `subtreeLevels` levels below its root tile; its availability
//! bitstreams number the tiles level by level, each level in Morton order, and its
//! child subtree bitstream says which subtrees start one level below its last. Tiles
//! are expanded into the same tree as explicit ones, so subsets, indexes and footprints
//! need not know the difference.

use std::collections::{HashMap, VecDeque};
use std::path::Path;

use serde_json::Value;

use crate::content::{Content, TileId, inside};
use crate::volume::Volume;

/// Most tiles one implicit root expands into: beyond, the rest is left out and said.
const MAX_TILES: usize = 2_000_000;

/// A bitstream or a constant, as availability is written.
enum Bits {
    Constant(bool),
    Stream(Vec<u8>),
}

impl Bits {
    fn get(&self, i: u64) -> bool {
        match self {
            Bits::Constant(b) => *b,
            Bits::Stream(bytes) => bytes
                .get((i / 8) as usize)
                .is_some_and(|b| b >> (i % 8) & 1 == 1),
        }
    }
}

/// One subtree's availability.
struct Subtree {
    tiles: Bits,
    contents: Vec<Bits>,
    children: Bits,
}

/// What expanding needs of the tree being read: the root's volume and error, the
/// folder, and a way to add tiles, contents and problems. The reader implements it, so
/// this module knows nothing of how tilesets are read.
pub(crate) trait Grow {
    /// A tile's bounding volume.
    fn volume_of(&self, id: TileId) -> Volume;
    /// A tile's geometric error.
    fn error_of(&self, id: TileId) -> f64;
    /// The tileset's folder.
    fn folder(&self) -> &Path;
    /// Notes a problem at a place.
    fn problem(&mut self, tile: String, message: String);
    /// Sets a tile's contents.
    fn set_contents(&mut self, id: TileId, contents: Vec<Content>);
    /// Adds a tile under `parent`; returns its id.
    fn implicit_tile(
        &mut self,
        parent: TileId,
        volume: Volume,
        geometric_error: f64,
        contents: Vec<Content>,
        place: String,
    ) -> TileId;
}

/// Expands the implicit tiling of tile `root` (whose JSON is `json`, in a file in the
/// folder `base`).
pub(crate) fn expand(
    r: &mut impl Grow,
    root: TileId,
    json: &Value,
    implicit: &Value,
    base: &str,
) -> Result<(), String> {
    let scheme = implicit
        .get("subdivisionScheme")
        .and_then(Value::as_str)
        .unwrap_or("");
    let octree = match scheme {
        "QUADTREE" => false,
        "OCTREE" => true,
        other => {
            return Err(format!(
                "implicitTiling.subdivisionScheme {other:?} is neither QUADTREE nor OCTREE"
            ));
        }
    };
    let number = |key: &str| {
        implicit
            .get(key)
            .and_then(Value::as_u64)
            .filter(|&n| (1..=30).contains(&n))
            .map(|n| n as u32)
            .ok_or_else(|| format!("implicitTiling.{key}: a whole number from 1 to 30"))
    };
    let (subtree_levels, available_levels) = (number("subtreeLevels")?, number("availableLevels")?);
    let subtrees = implicit
        .get("subtrees")
        .and_then(|s| s.get("uri"))
        .and_then(Value::as_str)
        .ok_or("implicitTiling.subtrees.uri: missing")?;
    let templates: Vec<(String, serde_json::Map<String, Value>)> =
        match (json.get("content"), json.get("contents")) {
            (Some(c), _) => vec![c],
            (None, Some(Value::Array(cs))) => cs.iter().collect(),
            _ => Vec::new(),
        }
        .into_iter()
        .filter_map(|c| {
            let uri = c.get("uri")?.as_str()?.to_string();
            let mut rest = c.as_object().cloned().unwrap_or_default();
            rest.remove("uri");
            Some((uri, rest))
        })
        .collect();
    let volume = r.volume_of(root);
    let error0 = r.error_of(root);
    let dims = if octree { 3 } else { 2 };
    let branching: u64 = 1 << dims;
    let mut ids: HashMap<(u32, u64, u64, u64), TileId> = HashMap::from([((0, 0, 0, 0), root)]);
    let mut queue = VecDeque::from([(0u32, 0u64, 0u64, 0u64)]);
    let mut made = 0usize;
    while let Some((l0, x0, y0, z0)) = queue.pop_front() {
        let uri = fill(subtrees, l0, x0, y0, octree.then_some(z0));
        let path = match inside(base, &uri) {
            Ok(p) => p,
            Err(e) => {
                r.problem(format!("implicit {l0}/{x0}/{y0}"), e);
                continue;
            }
        };
        let subtree = match read_subtree(&r.folder().join(&path), templates.len()) {
            Ok(s) => s,
            Err(e) => {
                r.problem(format!("subtree {path}"), e);
                continue;
            }
        };
        let mut first = 0u64; // bit index of the first tile of the level
        for l in 0..subtree_levels {
            let level = l0 + l;
            let count = branching.pow(l);
            if level >= available_levels {
                break;
            }
            for m in 0..count {
                if !subtree.tiles.get(first + m) {
                    continue;
                }
                let (mx, my, mz) = deinterleave(m, dims);
                let (x, y, z) = ((x0 << l) + mx, (y0 << l) + my, (z0 << l) + mz);
                let place = if octree {
                    format!("implicit {level}/{x}/{y}/{z}")
                } else {
                    format!("implicit {level}/{x}/{y}")
                };
                let contents: Vec<Content> = templates
                    .iter()
                    .enumerate()
                    .filter(|(j, _)| subtree.contents.get(*j).is_some_and(|b| b.get(first + m)))
                    .filter_map(|(_, (t, rest))| {
                        match inside(base, &fill(t, level, x, y, octree.then_some(z))) {
                            Ok(path) => Some(Content {
                                path,
                                rest: rest.clone(),
                            }),
                            Err(e) => {
                                r.problem(place.clone(), e);
                                None
                            }
                        }
                    })
                    .collect();
                if level == 0 {
                    r.set_contents(root, contents);
                    continue;
                }
                let Some(&parent) = ids.get(&(level - 1, x >> 1, y >> 1, z >> 1)) else {
                    r.problem(place, "available, but its parent is not".into());
                    continue;
                };
                if made >= MAX_TILES {
                    r.problem(
                        place,
                        format!("more than {MAX_TILES} implicit tiles: the rest are left out"),
                    );
                    return Ok(());
                }
                let v = volume.subdivide(level, x, y, octree.then_some(z))?;
                let id = r.implicit_tile(
                    parent,
                    v,
                    error0 / f64::from(1u32 << level.min(31)),
                    contents,
                    place,
                );
                ids.insert((level, x, y, z), id);
                made += 1;
            }
            first += count;
        }
        let below = l0 + subtree_levels;
        if below < available_levels {
            for m in 0..branching.pow(subtree_levels) {
                if subtree.children.get(m) {
                    let (mx, my, mz) = deinterleave(m, dims);
                    queue.push_back((
                        below,
                        (x0 << subtree_levels) + mx,
                        (y0 << subtree_levels) + my,
                        (z0 << subtree_levels) + mz,
                    ));
                }
            }
        }
    }
    Ok(())
}

/// A template URI with `{level}`, `{x}`, `{y}` (and `{z}`) filled in.
fn fill(template: &str, level: u32, x: u64, y: u64, z: Option<u64>) -> String {
    let mut s = template
        .replace("{level}", &level.to_string())
        .replace("{x}", &x.to_string())
        .replace("{y}", &y.to_string());
    if let Some(z) = z {
        s = s.replace("{z}", &z.to_string());
    }
    s
}

/// A Morton index's coordinates: bit `k * dims + d` is bit `k` of coordinate `d`.
fn deinterleave(m: u64, dims: u32) -> (u64, u64, u64) {
    let mut c = [0u64; 3];
    for bit in 0..(64 / dims) {
        for (d, v) in c.iter_mut().enumerate().take(dims as usize) {
            *v |= (m >> (bit * dims + d as u32) & 1) << bit;
        }
    }
    (c[0], c[1], c[2])
}

/// Reads a subtree file: binary (`subt`, version 1) or JSON.
fn read_subtree(path: &Path, contents: usize) -> Result<Subtree, String> {
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    let (json, binary): (Value, &[u8]) = if bytes.starts_with(b"subt") {
        if bytes.len() < 24 {
            return Err("a subtree header is 24 bytes".into());
        }
        let u64_at =
            |i: usize| u64::from_le_bytes(bytes[i..i + 8].try_into().unwrap_or([0; 8])) as usize;
        let (json_len, bin_len) = (u64_at(8), u64_at(16));
        if 24 + json_len + bin_len > bytes.len() {
            return Err(format!(
                "the subtree says {json_len} + {bin_len} bytes, the file has {}",
                bytes.len() - 24
            ));
        }
        let json = serde_json::from_slice(&bytes[24..24 + json_len])
            .map_err(|e| format!("its JSON: {e}"))?;
        (json, &bytes[24 + json_len..24 + json_len + bin_len])
    } else {
        (
            serde_json::from_slice(&bytes)
                .map_err(|e| format!("not a subtree (binary or JSON): {e}"))?,
            &[],
        )
    };
    let buffers: Vec<Vec<u8>> = json
        .get("buffers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|b| match b.get("uri").and_then(Value::as_str) {
            None => Ok(binary.to_vec()),
            Some(uri) => {
                let rel = inside("", uri)?;
                std::fs::read(path.parent().unwrap_or(Path::new(".")).join(rel))
                    .map_err(|e| format!("buffer {uri}: {e}"))
            }
        })
        .collect::<Result<_, String>>()?;
    let view = |i: u64| -> Result<Vec<u8>, String> {
        let v = json
            .get("bufferViews")
            .and_then(|v| v.get(i as usize))
            .ok_or(format!("no bufferView {i}"))?;
        let buffer = v.get("buffer").and_then(Value::as_u64).unwrap_or(0) as usize;
        let offset = v.get("byteOffset").and_then(Value::as_u64).unwrap_or(0) as usize;
        let length = v.get("byteLength").and_then(Value::as_u64).unwrap_or(0) as usize;
        buffers
            .get(buffer)
            .and_then(|b| b.get(offset..offset + length))
            .map(<[u8]>::to_vec)
            .ok_or(format!("bufferView {i} is outside its buffer"))
    };
    let bits = |v: Option<&Value>| -> Result<Bits, String> {
        let Some(v) = v else {
            return Ok(Bits::Constant(false));
        };
        match (
            v.get("bitstream").and_then(Value::as_u64),
            v.get("constant").and_then(Value::as_u64),
        ) {
            (Some(i), _) => Ok(Bits::Stream(view(i)?)),
            (None, Some(c)) => Ok(Bits::Constant(c == 1)),
            _ => Err("an availability with neither bitstream nor constant".into()),
        }
    };
    let content_json: Vec<&Value> = json
        .get("contentAvailability")
        .and_then(Value::as_array)
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    Ok(Subtree {
        tiles: bits(json.get("tileAvailability"))?,
        contents: (0..contents)
            .map(|j| bits(content_json.get(j).copied()))
            .collect::<Result<_, _>>()?,
        children: bits(json.get("childSubtreeAvailability"))?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn morton_indices_and_templates() {
        assert_eq!(deinterleave(0b1110, 2), (0b10, 0b11, 0));
        assert_eq!(deinterleave(0b101_011, 3), (0b11, 0b01, 0b10));
        assert_eq!(fill("c/{level}/{x}/{y}.glb", 3, 5, 7, None), "c/3/5/7.glb");
        assert_eq!(fill("{level}.{x}.{y}.{z}", 1, 0, 1, Some(1)), "1.0.1.1");
    }
}
