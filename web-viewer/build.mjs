// Builds the viewer into dist/, which `citygrid serve` serves at `/`:
// - the map: src/main.js bundled by esbuild (with maplibre-gl) into viewer.js, and
//   beside it index.html, viewer.css, MapLibre's stylesheet and its web-worker module;
// - the 3D view of a cell: src/view3d.js bundled (with CesiumJS) into 3d.js, a page
//   of its own (3d.html) so that CesiumJS stays out of the map's bundle and is
//   loaded only when a cell is opened in 3D, and CesiumJS's static files (its
//   Workers, Assets, ThirdParty and Widgets, which it fetches at run time from
//   CESIUM_BASE_URL) copied into cesium/.
import { copyFile, cp, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const dist = new URL('./dist/', import.meta.url);
const maplibre = new URL('./node_modules/maplibre-gl/dist/', import.meta.url);
const cesium = new URL('./node_modules/cesium/Build/Cesium/', import.meta.url);

const bundle = (entry, out) => build({
  entryPoints: [new URL(entry, import.meta.url).pathname],
  bundle: true,
  format: 'esm',
  target: 'es2022',
  minify: true,
  sourcemap: true,
  legalComments: 'linked',
  outfile: new URL(out, dist).pathname,
  logLevel: 'warning',
});

const started = performance.now();
await rm(dist, { recursive: true, force: true });
await mkdir(dist, { recursive: true });
await Promise.all([bundle('./src/main.js', 'viewer.js'), bundle('./src/view3d.js', '3d.js')]);
const copies = [
  [new URL('./index.html', import.meta.url), 'index.html'],
  [new URL('./3d.html', import.meta.url), '3d.html'],
  [new URL('./viewer.css', import.meta.url), 'viewer.css'],
  [new URL('maplibre-gl.css', maplibre), 'maplibre-gl.css'],
  [new URL('maplibre-gl-worker.mjs', maplibre), 'maplibre-gl-worker.mjs'],
];
for (const [from, name] of copies) {
  await copyFile(from, new URL(name, dist));
}
for (const folder of ['Workers', 'Assets', 'ThirdParty', 'Widgets']) {
  await cp(new URL(folder, cesium), new URL(`cesium/${folder}`, dist), { recursive: true });
}
// Gzipped beside each text file the server sends (`citygrid serve` answers a client
// that accepts gzip with the .gz file instead of compressing the same bytes per request).
const gzipAll = async (dir) => {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await gzipAll(path);
    else if (/\.(js|mjs|css|html|json|map)$/.test(entry.name)) {
      const bytes = await readFile(path);
      if (bytes.length > 1024) await writeFile(`${path}.gz`, gzipSync(bytes, { level: 9 }));
    }
  }
};
await gzipAll(dist.pathname);
console.log(`web viewer built in ${dist.pathname} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
