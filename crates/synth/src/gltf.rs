//! A minimal glTF 2.0 binary (GLB) writer for one mesh of coloured cuboids.
//!
//! One primitive of triangles with `POSITION`, `NORMAL` (flat: four vertices a face) and
//! `COLOR_0` (a flat colour by height), indexed, and one matte material; no textures, no
//! node transform. Each cuboid has its four walls and its roof: the floor is never seen.
//!
//! glTF is y-up and 3D Tiles z-up: a runtime turns glTF content with the standard y-up to
//! z-up rotation (3D Tiles 1.1, "glTF transforms"; b3dm content too unless the tileset
//! says otherwise). So a local point (east, north, up) is written as glTF
//! `(east, up, -north)`, and lands back at (east, north, up) in the tile's frame.
//!
//! Layout (glTF 2.0, sections 4.4 "Binary glTF" and 3.6 "Binary data storage"): a 12-byte
//! header, a JSON chunk padded with spaces, a BIN chunk padded with zeros; one buffer view
//! per attribute, tightly packed, so no `byteStride` (it is only needed for interleaved
//! data); every offset a multiple of 4. The whole file is a multiple of 8 bytes long, as a
//! b3dm needs of the glb it holds (3D Tiles 1.0, b3dm, "Padding").

use serde_json::json;

use crate::buildings::Cuboid;

/// glTF buffer view targets.
const ARRAY_BUFFER: u32 = 34962;
const ELEMENT_ARRAY_BUFFER: u32 = 34963;
/// glTF accessor component types.
const UNSIGNED_BYTE: u32 = 5121;
const UNSIGNED_SHORT: u32 = 5123;
const UNSIGNED_INT: u32 = 5125;
const FLOAT: u32 = 5126;
/// Primitive mode: triangles.
const TRIANGLES: u32 = 4;

/// A face of a cuboid: its outward normal (east, north, up) and its corners
/// counter-clockwise seen from outside, each corner picking the low (0) or high (1) end of
/// east, north and up.
struct Face {
    normal: [i32; 3],
    corners: [[usize; 3]; 4],
}

/// Roof and walls; the floor is left out.
const FACES: [Face; 5] = [
    Face {
        normal: [0, 0, 1],
        corners: [[0, 0, 1], [1, 0, 1], [1, 1, 1], [0, 1, 1]],
    },
    Face {
        normal: [0, -1, 0],
        corners: [[0, 0, 0], [1, 0, 0], [1, 0, 1], [0, 0, 1]],
    },
    Face {
        normal: [1, 0, 0],
        corners: [[1, 0, 0], [1, 1, 0], [1, 1, 1], [1, 0, 1]],
    },
    Face {
        normal: [0, 1, 0],
        corners: [[1, 1, 0], [0, 1, 0], [0, 1, 1], [1, 1, 1]],
    },
    Face {
        normal: [-1, 0, 0],
        corners: [[0, 1, 0], [0, 0, 0], [0, 0, 1], [0, 1, 1]],
    },
];

/// Vertices a cuboid adds.
pub(crate) const VERTICES_PER_CUBOID: usize = 4 * FACES.len();

/// Colours by height, lowest first: up to the height (m, exclusive), the colour as linear
/// RGBA bytes (glTF vertex colours are linear; the sRGB each stands for in the comment).
const COLOURS: [(i32, [u8; 4]); 4] = [
    // #D9C7A7 beige: houses and shops
    (24, [177, 146, 99, 255]),
    // #C9C6BD light grey: mid-rise blocks
    (54, [149, 144, 130, 255]),
    // #8FA3B5 blue-grey: high-rise
    (90, [70, 93, 118, 255]),
    // #5B7FA6 blue: towers
    (i32::MAX, [27, 54, 97, 255]),
];

/// The GLB of one mesh holding `cuboids` (not empty).
pub(crate) fn glb(cuboids: &[Cuboid]) -> Vec<u8> {
    let n = cuboids.len() * VERTICES_PER_CUBOID;
    let mut positions: Vec<[i32; 3]> = Vec::with_capacity(n);
    let mut normals: Vec<[i32; 3]> = Vec::with_capacity(n);
    let mut colours: Vec<[u8; 4]> = Vec::with_capacity(n);
    let mut indices: Vec<u32> = Vec::with_capacity(cuboids.len() * 6 * FACES.len());
    for c in cuboids {
        let ends = [[c.west, c.east], [c.south, c.north], [0, c.height]];
        let colour = COLOURS
            .iter()
            .find(|(below, _)| c.height < *below)
            .map_or([255; 4], |&(_, rgba)| rgba);
        for face in &FACES {
            let first = positions.len() as u32;
            for corner in face.corners {
                let p = [0, 1, 2].map(|axis| ends[axis][corner[axis]]);
                positions.push(y_up(p));
                normals.push(y_up(face.normal));
                colours.push(colour);
            }
            indices.extend([0, 1, 2, 0, 2, 3].map(|k| first + k));
        }
    }
    let mut bin = Vec::new();
    let mut views = Vec::new();
    let mut view = |bin: &mut Vec<u8>, bytes: &[u8], target: u32| {
        views.push(json!({
            "buffer": 0,
            "byteOffset": bin.len(),
            "byteLength": bytes.len(),
            "target": target,
        }));
        bin.extend_from_slice(bytes);
    };
    let floats = |v: &[[i32; 3]]| -> Vec<u8> {
        v.iter()
            .flatten()
            .flat_map(|&x| (x as f32).to_le_bytes())
            .collect()
    };
    view(&mut bin, &floats(&positions), ARRAY_BUFFER);
    view(&mut bin, &floats(&normals), ARRAY_BUFFER);
    view(&mut bin, colours.as_flattened(), ARRAY_BUFFER);
    // 16-bit indices while they fit; 65,535 is the primitive restart value, never an index
    let index_type = if n < usize::from(u16::MAX) {
        let bytes: Vec<u8> = indices
            .iter()
            .flat_map(|&i| (i as u16).to_le_bytes())
            .collect();
        view(&mut bin, &bytes, ELEMENT_ARRAY_BUFFER);
        UNSIGNED_SHORT
    } else {
        let bytes: Vec<u8> = indices.iter().flat_map(|i| i.to_le_bytes()).collect();
        view(&mut bin, &bytes, ELEMENT_ARRAY_BUFFER);
        UNSIGNED_INT
    };
    let bounds = |pick: fn(i32, i32) -> i32| -> [f64; 3] {
        std::array::from_fn(|axis| {
            let v = positions.iter().map(|p| p[axis]).reduce(pick).unwrap_or(0);
            f64::from(v)
        })
    };
    let gltf = json!({
        "asset": { "version": "2.0", "generator": "citygrid-synth (GENERATED demo buildings)" },
        "scene": 0,
        "scenes": [{ "nodes": [0] }],
        "nodes": [{ "mesh": 0 }],
        "meshes": [{
            "primitives": [{
                "attributes": { "POSITION": 0, "NORMAL": 1, "COLOR_0": 2 },
                "indices": 3,
                "material": 0,
                "mode": TRIANGLES,
            }],
        }],
        "materials": [{
            "pbrMetallicRoughness": {
                "baseColorFactor": [1.0, 1.0, 1.0, 1.0],
                "metallicFactor": 0.0,
                "roughnessFactor": 1.0,
            },
        }],
        "accessors": [
            {
                "bufferView": 0, "componentType": FLOAT, "count": n, "type": "VEC3",
                "min": bounds(i32::min), "max": bounds(i32::max),
            },
            { "bufferView": 1, "componentType": FLOAT, "count": n, "type": "VEC3" },
            {
                "bufferView": 2, "componentType": UNSIGNED_BYTE, "normalized": true,
                "count": n, "type": "VEC4",
            },
            { "bufferView": 3, "componentType": index_type, "count": indices.len(), "type": "SCALAR" },
        ],
        "bufferViews": views,
        "buffers": [{ "byteLength": bin.len() }],
    });
    assemble(gltf.to_string().into_bytes(), bin)
}

/// A local (east, north, up) vector as glTF's y-up `(east, up, -north)`.
fn y_up([east, north, up]: [i32; 3]) -> [i32; 3] {
    [east, up, -north]
}

/// The GLB container: header, JSON chunk, BIN chunk, 8-byte aligned in all.
fn assemble(mut json: Vec<u8>, mut bin: Vec<u8>) -> Vec<u8> {
    bin.resize(bin.len().next_multiple_of(4), 0);
    json.resize(json.len().next_multiple_of(4), b' ');
    // header 12 + two chunk headers 16: the chunks together must be 4 modulo 8
    if (json.len() + bin.len()) % 8 != 4 {
        json.extend_from_slice(b"    ");
    }
    let total = 12 + 8 + json.len() + 8 + bin.len();
    let mut out = Vec::with_capacity(total);
    out.extend_from_slice(b"glTF");
    out.extend_from_slice(&2u32.to_le_bytes());
    for n in [total, json.len()] {
        out.extend_from_slice(&(n as u32).to_le_bytes());
    }
    out.extend_from_slice(b"JSON");
    out.extend_from_slice(&json);
    out.extend_from_slice(&(bin.len() as u32).to_le_bytes());
    out.extend_from_slice(b"BIN\0");
    out.extend_from_slice(&bin);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u32_at(b: &[u8], at: usize) -> usize {
        u32::from_le_bytes(b[at..at + 4].try_into().unwrap()) as usize
    }

    /// The glb's JSON and BIN chunks, checking the container on the way.
    fn chunks(glb: &[u8]) -> (serde_json::Value, &[u8]) {
        assert_eq!(&glb[..4], b"glTF");
        assert_eq!(u32_at(glb, 4), 2);
        assert_eq!(u32_at(glb, 8), glb.len());
        assert_eq!(glb.len() % 8, 0);
        let j = u32_at(glb, 12);
        assert_eq!(&glb[16..20], b"JSON");
        let json = serde_json::from_slice(&glb[20..20 + j]).unwrap();
        let b = u32_at(glb, 20 + j);
        assert_eq!(&glb[24 + j..28 + j], b"BIN\0");
        assert_eq!(28 + j + b, glb.len());
        (json, &glb[28 + j..])
    }

    fn cuboid(west: i32, south: i32, height: i32) -> Cuboid {
        Cuboid {
            west,
            south,
            east: west + 10,
            north: south + 20,
            height,
        }
    }

    #[test]
    fn one_cuboid() {
        let glb = glb(&[cuboid(-5, 100, 30)]);
        let (json, bin) = chunks(&glb);
        let position = &json["accessors"][0];
        assert_eq!(position["count"], 20);
        // x east, y up, z = -north
        assert_eq!(position["min"], json!([-5.0, 0.0, -120.0]));
        assert_eq!(position["max"], json!([5.0, 30.0, -100.0]));
        assert_eq!(json["accessors"][3]["componentType"], UNSIGNED_SHORT);
        assert_eq!(json["accessors"][3]["count"], 30);
        assert_eq!(
            json["buffers"][0]["byteLength"],
            20 * (12 + 12 + 4) + 30 * 2
        );
        assert!(bin.len() >= 20 * 28 + 60 && bin.len() % 4 == 0);
    }

    #[test]
    fn triangles_wind_counter_clockwise_around_their_normals() {
        for face in &FACES {
            let p: Vec<[i32; 3]> = face.corners.iter().map(|c| c.map(|k| k as i32)).collect();
            for [a, b, c] in [[0, 1, 2], [0, 2, 3]] {
                let (u, v) = (
                    [0, 1, 2].map(|k| p[b][k] - p[a][k]),
                    [0, 1, 2].map(|k| p[c][k] - p[a][k]),
                );
                let cross = [
                    u[1] * v[2] - u[2] * v[1],
                    u[2] * v[0] - u[0] * v[2],
                    u[0] * v[1] - u[1] * v[0],
                ];
                let along = (0..3).map(|k| cross[k] * face.normal[k]).sum::<i32>();
                assert!(along > 0, "{:?}", face.normal);
            }
        }
    }

    #[test]
    fn many_cuboids_take_32_bit_indices() {
        let many: Vec<Cuboid> = (0..3_300).map(|i| cuboid(i * 12, 0, 15)).collect();
        let (json, _) = chunks(&glb(&many));
        assert_eq!(json["accessors"][3]["componentType"], UNSIGNED_INT);
        assert_eq!(json["accessors"][0]["count"], 66_000);
    }

    #[test]
    fn colours_follow_height() {
        let glb = glb(&[cuboid(0, 0, 12), cuboid(20, 0, 100)]);
        let (json, bin) = chunks(&glb);
        let view = &json["bufferViews"][2];
        let at = view["byteOffset"].as_u64().unwrap() as usize;
        assert_eq!(bin[at..at + 4], COLOURS[0].1);
        assert_eq!(bin[at + 20 * 4..at + 20 * 4 + 4], COLOURS[3].1);
    }
}
