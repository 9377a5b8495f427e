// A small georeferenced 3D Tiles 1.1 tileset for the 3D view's test, written from
// scratch (no library): a root tile whose transform is the east-north-up frame at a
// point of Guiyang, holding a flat green slab, with two child tiles each holding a
// box: an orange one in the middle of the slab and a blue one 3 km east.
//
// Not a test file itself: node --test runs it too, and it defines no test.

import { mkdirSync, writeFileSync } from 'node:fs';

// WGS84 (3D Tiles: ECEF on the WGS84 ellipsoid)
const A = 6378137;
const F = 1 / 298.257223563;
const E2 = F * (2 - F);

/**
 * The 4 x 4 matrix (column-major, as 3D Tiles `transform` wants it) taking
 * east-north-up metres at `lon`, `lat` (degrees), `height` (metres above the
 * ellipsoid) to ECEF.
 */
export function enuToEcef(lon, lat, height) {
  const [l, p] = [(lon * Math.PI) / 180, (lat * Math.PI) / 180];
  const n = A / Math.sqrt(1 - E2 * Math.sin(p) ** 2);
  const origin = [
    (n + height) * Math.cos(p) * Math.cos(l),
    (n + height) * Math.cos(p) * Math.sin(l),
    (n * (1 - E2) + height) * Math.sin(p),
  ];
  const east = [-Math.sin(l), Math.cos(l), 0];
  const north = [-Math.sin(p) * Math.cos(l), -Math.sin(p) * Math.sin(l), Math.cos(p)];
  const up = [Math.cos(p) * Math.cos(l), Math.cos(p) * Math.sin(l), Math.sin(p)];
  return [...east, 0, ...north, 0, ...up, 0, ...origin, 1];
}

/**
 * A binary glTF 2.0 of one box standing on the ground: `width` (x, east) by
 * `depth` (z) by `height` (y, up: glTF is y-up, and CesiumJS turns glTF content
 * of 3D Tiles z-up), one colour (`rgba`, 0..1), its sides shaded apart by their normals.
 */
export function boxGlb(width, depth, height, rgba) {
  // each face: its normal and two edges u, v with u x v = normal (counter-clockwise outside)
  const faces = [
    [[1, 0, 0], [0, 1, 0], [0, 0, 1]],
    [[-1, 0, 0], [0, 0, 1], [0, 1, 0]],
    [[0, 1, 0], [0, 0, 1], [1, 0, 0]],
    [[0, -1, 0], [1, 0, 0], [0, 0, 1]],
    [[0, 0, 1], [1, 0, 0], [0, 1, 0]],
    [[0, 0, -1], [0, 1, 0], [1, 0, 0]],
  ];
  const positions = [];
  const normals = [];
  const indices = [];
  const scale = ([x, y, z]) => [x * width, (y + 0.5) * height, z * depth];
  for (const [n, u, v] of faces) {
    const base = positions.length / 3;
    for (const [su, sv] of [[-1, -1], [1, -1], [1, 1], [-1, 1]]) {
      const corner = [0, 1, 2].map((k) => 0.5 * (n[k] + su * u[k] + sv * v[k]));
      positions.push(...scale(corner));
      normals.push(...n);
    }
    indices.push(base, base + 1, base + 2, base, base + 2, base + 3);
  }
  const pos = Buffer.from(new Float32Array(positions).buffer);
  const nor = Buffer.from(new Float32Array(normals).buffer);
  const idx = Buffer.from(new Uint16Array(indices).buffer);
  const bin = Buffer.concat([pos, nor, idx]);
  const gltf = {
    asset: { version: '2.0', generator: 'citygrid viewer test' },
    scene: 0,
    scenes: [{ nodes: [0] }],
    nodes: [{ mesh: 0 }],
    meshes: [{ primitives: [{ attributes: { POSITION: 0, NORMAL: 1 }, indices: 2, material: 0 }] }],
    materials: [{ pbrMetallicRoughness: { baseColorFactor: rgba, metallicFactor: 0, roughnessFactor: 1 } }],
    accessors: [
      { bufferView: 0, componentType: 5126, count: 24, type: 'VEC3',
        min: [-width / 2, 0, -depth / 2], max: [width / 2, height, depth / 2] },
      { bufferView: 1, componentType: 5126, count: 24, type: 'VEC3' },
      { bufferView: 2, componentType: 5123, count: 36, type: 'SCALAR' },
    ],
    bufferViews: [
      { buffer: 0, byteOffset: 0, byteLength: pos.length, target: 34962 },
      { buffer: 0, byteOffset: pos.length, byteLength: nor.length, target: 34962 },
      { buffer: 0, byteOffset: pos.length + nor.length, byteLength: idx.length, target: 34963 },
    ],
    buffers: [{ byteLength: bin.length }],
  };
  const pad = (b, fill) => Buffer.concat([b, Buffer.alloc((4 - (b.length % 4)) % 4, fill)]);
  const json = pad(Buffer.from(JSON.stringify(gltf)), 0x20);
  const data = pad(bin, 0);
  const chunk = (body, type) => {
    const head = Buffer.alloc(8);
    head.writeUInt32LE(body.length, 0);
    head.writeUInt32LE(type, 4);
    return Buffer.concat([head, body]);
  };
  const chunks = Buffer.concat([chunk(json, 0x4e4f534a), chunk(data, 0x004e4942)]);
  const header = Buffer.alloc(12);
  header.writeUInt32LE(0x46546c67, 0); // "glTF"
  header.writeUInt32LE(2, 4);
  header.writeUInt32LE(12 + chunks.length, 8);
  return Buffer.concat([header, chunks]);
}

const translate = (x, y, z) => [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, x, y, z, 1];

/** Colours of the test tileset's meshes (glTF base colours, linear 0..1). */
export const COLOURS = { slab: [0.1, 0.6, 0.2, 1], box: [1, 0.45, 0, 1], far: [0.1, 0.2, 1, 1] };

/**
 * Writes the tileset into `dir` (`tileset.json`, `slab.glb`, `box.glb`,
 * `far.glb`) with its root frame at `lon`, `lat`, `height`: a 500 m square slab
 * 1 m thick (the root's content, refined by adding), a 40 x 40 x 60 m box on the
 * frame's origin and another 3 km east. Answers the path of tileset.json.
 */
export function writeTileset(dir, [lon, lat, height]) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}/slab.glb`, boxGlb(500, 500, 1, COLOURS.slab));
  writeFileSync(`${dir}/box.glb`, boxGlb(40, 40, 60, COLOURS.box));
  writeFileSync(`${dir}/far.glb`, boxGlb(40, 40, 60, COLOURS.far));
  // boxes: centre, then half axes (east, north, up) in the tile's frame
  const tileset = {
    asset: { version: '1.1' },
    geometricError: 400,
    root: {
      transform: enuToEcef(lon, lat, height),
      boundingVolume: { box: [1500, 0, 30, 1800, 0, 0, 0, 300, 0, 0, 0, 40] },
      geometricError: 200,
      refine: 'ADD',
      content: { uri: 'slab.glb' },
      children: [
        {
          boundingVolume: { box: [0, 0, 30, 20, 0, 0, 0, 20, 0, 0, 0, 30] },
          geometricError: 0,
          content: { uri: 'box.glb' },
        },
        {
          transform: translate(3000, 0, 0),
          boundingVolume: { box: [0, 0, 30, 20, 0, 0, 0, 20, 0, 0, 0, 30] },
          geometricError: 0,
          content: { uri: 'far.glb' },
        },
      ],
    },
  };
  const path = `${dir}/tileset.json`;
  writeFileSync(path, `${JSON.stringify(tileset, null, 2)}\n`);
  return path;
}
