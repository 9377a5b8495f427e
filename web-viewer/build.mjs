// Builds the viewer into dist/: src/main.js bundled by esbuild (with maplibre-gl)
// into viewer.js, and beside it index.html, viewer.css, MapLibre's stylesheet and
// its web-worker module. `citygrid serve` serves dist/ at `/`.
import { copyFile, mkdir, rm } from 'node:fs/promises';
import { build } from 'esbuild';

const dist = new URL('./dist/', import.meta.url);
const maplibre = new URL('./node_modules/maplibre-gl/dist/', import.meta.url);

await rm(dist, { recursive: true, force: true });
await mkdir(dist, { recursive: true });
await build({
  entryPoints: [new URL('./src/main.js', import.meta.url).pathname],
  bundle: true,
  format: 'esm',
  target: 'es2022',
  minify: true,
  sourcemap: true,
  legalComments: 'linked',
  outfile: new URL('viewer.js', dist).pathname,
  logLevel: 'warning',
});
const copies = [
  [new URL('./index.html', import.meta.url), 'index.html'],
  [new URL('./viewer.css', import.meta.url), 'viewer.css'],
  [new URL('maplibre-gl.css', maplibre), 'maplibre-gl.css'],
  [new URL('maplibre-gl-worker.mjs', maplibre), 'maplibre-gl-worker.mjs'],
];
for (const [from, name] of copies) {
  await copyFile(from, new URL(name, dist));
}
console.log(`web viewer built in ${dist.pathname}`);
