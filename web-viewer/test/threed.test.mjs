// The 3D view of a cell: a tileset registered in a store (made here, tileset3d.mjs:
// a green slab over cell 520102019003002 and beyond it, an orange box inside the
// cell, a blue box 3 km east) is offered under a clicked cell with the share it
// covers; "Open in 3D" shows the cell's subset in CesiumJS, clipped to the cell,
// its outline draped, the camera on the cell; Back and Escape return to the map.
// A cell the tileset does not reach offers nothing. Screenshots in
// target/viewer-screenshots/threed-*.png.
//
// Needs what viewer.test.mjs needs (see harness.mjs); WebGL 2 through SwiftShader.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { after, before, test } from 'node:test';

import { BINARY, SHOTS, WORK, idle, open, partition, serve } from './harness.mjs';
import { writeTileset } from './tileset3d.mjs';

// A cell of Nanming, a point inside it, and the tileset's origin near its middle
// (Guiyang's ground is about 1,100 m above the ellipsoid).
const CELL = '520102019003002';
const INSIDE = [106.7098, 26.5802];
const ORIGIN = [106.7097, 26.5798, 1100];
// A cell 10 km away, in Guanshanhu: nothing of the tileset reaches it.
const FAR_POINT = [106.63, 26.65];

let server;
let browser;
let page;
let base;
let problems;
const requests = [];

const shot = (target, name) => target.screenshot({ path: `${SHOTS}threed-${name}.png` });

before(async () => {
  const store = `${WORK}threed.gpkg`;
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${store}${suffix}`, { force: true });
  const dir = `${WORK}threed-tileset`;
  rmSync(dir, { recursive: true, force: true });
  const tileset = writeTileset(dir, ORIGIN);
  execFileSync(BINARY, ['store', 'init', store, '--from', partition()], { stdio: 'pipe' });
  execFileSync(BINARY, ['tileset', 'add', '--store', store, '--name', 'oblique', tileset], { stdio: 'pipe' });
  ({ process: server, base } = await serve('threed', ['--store', store]));
  ({ browser, page, problems } = await open());
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(`${base}/`);
  await idle(page);
});

after(async () => {
  await browser?.close();
  server?.kill('SIGTERM');
});

/** Clicks the map at `[lon, lat]` (zoomed in there) and waits for the cell's figures. */
async function clickCell([lon, lat], code) {
  await page.evaluate(([x, y]) => window.citygrid.map.jumpTo({ center: [x, y], zoom: 15 }), [lon, lat]);
  await idle(page);
  const at = await page.evaluate(([x, y]) => window.citygrid.map.project([x, y]), [lon, lat]);
  const box = await page.locator('#map').boundingBox();
  await page.mouse.click(box.x + at.x, box.y + at.y);
  await page.locator(`#info .unit[data-code="${code}"]`).waitFor();
  await page.locator('#info .figures').waitFor();
}

/** The 3D view's frame, once its tiles and ground are loaded and drawn. */
async function threeD() {
  const frame = await (await page.waitForSelector('#threed iframe')).contentFrame();
  await frame.waitForFunction(() => document.body.dataset.tiles === 'loaded', null, { timeout: 120_000 });
  return frame;
}

// What the 3D view draws, by colour: the test tileset's glTF colours (lit, so
// judged by hue), the outline, and the page's ground and sky.
const CLASSES = `({
  box: (r, g, b) => r > 140 && r - g > 40 && g - b > 30,
  slab: (r, g, b) => g > r + 40 && g > b + 20,
  outline: (r, g, b) => b > r + 80 && b > g + 30,
  ground: (r, g, b) => Math.abs(r - 217) + Math.abs(g - 211) + Math.abs(b - 199) < 16,
  sky: (r, g, b) => Math.abs(r - 238) + Math.abs(g - 241) + Math.abs(b - 244) < 16,
})`;

/** Shares of the 3D view's canvas in each class, read while a frame is drawn, and its distinct colours. */
function pixels(frame) {
  return frame.evaluate((classes) => new Promise((resolve) => {
    const kinds = new Function(`return ${classes}`)();
    const { scene } = window.citygrid3d.viewer;
    const read = () => {
      scene.postRender.removeEventListener(read);
      const copy = document.createElement('canvas');
      copy.width = scene.canvas.width;
      copy.height = scene.canvas.height;
      const context = copy.getContext('2d', { willReadFrequently: true });
      context.drawImage(scene.canvas, 0, 0);
      const { data } = context.getImageData(0, 0, copy.width, copy.height);
      const counts = Object.fromEntries(Object.keys(kinds).map((k) => [k, 0]));
      const colours = new Set();
      let samples = 0;
      for (let i = 0; i < data.length; i += 4 * 7) {
        const [r, g, b] = [data[i], data[i + 1], data[i + 2]];
        colours.add((r << 16) | (g << 8) | b);
        samples += 1;
        for (const [k, is] of Object.entries(kinds)) if (is(r, g, b)) counts[k] += 1;
      }
      resolve({ ...Object.fromEntries(Object.entries(counts).map(([k, n]) => [k, n / samples])), distinct: colours.size });
    };
    scene.postRender.addEventListener(read);
    scene.requestRender();
  }), CLASSES);
}

test('a cell under the tileset offers "Open in 3D" with the share of it covered', async () => {
  await clickCell(INSIDE, CELL);
  const row = page.locator('#info .figures .tileset');
  await row.waitFor();
  // the finest content over the cell is the 40 x 40 m box: 1,600 m² of the cell's 34,600
  assert.match(await row.textContent(), /^4\.6 % covered, 2 tiles Open in 3D$/);
  assert.equal(await page.getByRole('button', { name: 'Open oblique in 3D' }).count(), 1);
  await shot(page, 'panel');
});

test('"Open in 3D" draws the cell\'s tiles in CesiumJS, clipped to the cell, the camera on it', async () => {
  const opener = page.getByRole('button', { name: 'Open oblique in 3D' });
  await opener.click();
  assert.equal(await page.evaluate(() => document.body.dataset.threed), 'open');
  const frame = await threeD();
  assert.match(frame.url(), new RegExp(`/3d\\.html\\?cell=${CELL}&tileset=oblique&version=1$`));
  assert.equal(await frame.evaluate(() => document.activeElement.id), 'back', 'the focus is on Back to the map');

  const seen = await frame.evaluate(() => {
    const { viewer, tileset, clipping, ground } = window.citygrid3d;
    const { camera, scene } = viewer;
    const degrees = (p) => {
      const c = window.citygrid3d.viewer.scene.globe.ellipsoid.cartesianToCartographic(p);
      return [(c.longitude * 180) / Math.PI, (c.latitude * 180) / Math.PI, c.height];
    };
    const polygon = clipping.get(0);
    return {
      webgl2: scene.context.webgl2,
      code: tileset.metadata.getProperty('code'),
      version: Number(tileset.metadata.getProperty('version')),
      selected: tileset.statistics.selected,
      commands: tileset.statistics.numberOfCommands,
      loaded: tileset.statistics.numberOfLoadedTilesTotal,
      polygons: clipping.length,
      inverse: clipping.inverse,
      enabled: clipping.enabled,
      ring: polygon.positions.map(degrees),
      ground,
      pitch: (camera.pitch * 180) / Math.PI,
      heading: (camera.heading * 180) / Math.PI,
      camera: degrees(camera.positionWC),
      // where the box (its middle) is on the canvas
      box: scene.cartesianToCanvasCoordinates(tileset.root.children[0].boundingSphere.center),
      canvas: [scene.canvas.clientWidth, scene.canvas.clientHeight],
      title: document.getElementById('title').textContent,
      about: document.getElementById('about').textContent,
    };
  });
  assert.ok(seen.webgl2, 'WebGL 2 (clipping polygons need it)');
  // Cesium read the subset's metadata: the cell class of its schema
  assert.equal(seen.code, CELL);
  assert.equal(seen.version, 1);
  // the slab and the box are drawn; the far box is not in the subset and never asked for
  assert.equal(seen.loaded, 2);
  assert.ok(seen.selected >= 2 && seen.commands >= 2, `${seen.selected} tiles selected, ${seen.commands} draw commands`);
  assert.ok(requests.some((u) => u.includes('/v1/3dtiles/oblique/box.glb')));
  assert.ok(requests.some((u) => u.includes('/v1/3dtiles/oblique/slab.glb')));
  assert.ok(!requests.some((u) => u.includes('far.glb')));
  // clipped to the cell's outline: every vertex of it, nothing outside hidden only
  // when the switch is off
  const cell = await (await fetch(`${base}/v1/cells/${CELL}`)).json();
  const outline = cell.geometry.coordinates[0][0].slice(0, -1);
  assert.equal(seen.polygons, 1);
  assert.equal(seen.inverse, true);
  assert.equal(seen.enabled, true);
  assert.equal(seen.ring.length, outline.length);
  seen.ring.forEach(([lon, lat], i) => {
    assert.ok(Math.abs(lon - outline[i][0]) < 1e-9 && Math.abs(lat - outline[i][1]) < 1e-9, `vertex ${i}: ${lon}, ${lat}`);
  });
  // the ground under the cell is the bottom of the finest tiles: the box's foot
  assert.ok(Math.abs(seen.ground - 1100) < 0.5, `ground at ${seen.ground} m`);
  // the camera looks north and 45° down on the cell, from a few hundred metres
  assert.ok(Math.abs(seen.pitch + 45) < 1, `pitch ${seen.pitch}°`);
  assert.ok(Math.abs(seen.heading) < 1 || Math.abs(seen.heading - 360) < 1, `heading ${seen.heading}°`);
  assert.ok(seen.camera[2] > 1200 && seen.camera[2] < 1800, `camera at ${seen.camera[2]} m`);
  assert.ok(seen.box.x > 0 && seen.box.x < seen.canvas[0] && seen.box.y > 0 && seen.box.y < seen.canvas[1],
    `the box at ${seen.box.x}, ${seen.box.y} of ${seen.canvas}`);
  assert.match(seen.title, new RegExp(`3D: ${CELL} 中华南路3社区第2网格`));
  for (const want of ['Village520102019003', 'Township520102019', 'District520102', 'Partition version1', 'Tilesetoblique', 'Tiles over the cell2']) {
    assert.ok(seen.about.includes(want), `${want} in ${seen.about}`);
  }

  // what is drawn: the box, the slab inside the cell and the outline over the ground
  const clipped = await pixels(frame);
  assert.ok(clipped.box > 0.005, `box: ${JSON.stringify(clipped)}`);
  assert.ok(clipped.slab > 0.05, `slab: ${JSON.stringify(clipped)}`);
  assert.ok(clipped.outline > 0.001, `outline: ${JSON.stringify(clipped)}`);
  assert.ok(clipped.ground > 0.1, `ground: ${JSON.stringify(clipped)}`);
  assert.ok(clipped.distinct > 20, `${clipped.distinct} colours`);
  await shot(page, 'view');

  // the clipping hides the slab beyond the cell: unclipped, much more of it shows
  await frame.getByLabel('Clip to the cell').uncheck();
  await frame.waitForFunction(() => !window.citygrid3d.clipping.enabled && document.body.dataset.tiles === 'loaded');
  const whole = await pixels(frame);
  assert.ok(whole.slab > clipped.slab * 1.5, `slab ${(whole.slab * 100).toFixed(1)} % unclipped, ${(clipped.slab * 100).toFixed(1)} % clipped`);
  await shot(page, 'unclipped');
  await frame.getByLabel('Clip to the cell').check();
  assert.deepEqual(problems, []);
});

test('Back to the map and Escape close the 3D view and give the focus back', async () => {
  const opener = page.getByRole('button', { name: 'Open oblique in 3D' });
  let frame = await (await page.waitForSelector('#threed iframe')).contentFrame();
  await frame.getByRole('button', { name: 'Back to the map' }).click();
  await page.waitForFunction(() => document.body.dataset.threed === 'closed' && !document.getElementById('threed'));
  assert.equal(await opener.evaluate((b) => b === document.activeElement), true, 'the focus is back on Open in 3D');

  await page.keyboard.press('Enter'); // the focused "Open in 3D"
  frame = await threeD();
  await frame.locator('#scene canvas').click(); // the focus in the 3D scene
  await page.keyboard.press('Escape');
  await page.waitForFunction(() => document.body.dataset.threed === 'closed' && !document.getElementById('threed'));
  assert.equal(await opener.evaluate((b) => b === document.activeElement), true, 'the focus is back on Open in 3D');
  await idle(page);
  assert.deepEqual(problems, []);
});

test('a cell the tileset does not reach offers no 3D view, and its 3D page says why', async () => {
  const far = await (await fetch(`${base}/v1/lookup?lon=${FAR_POINT[0]}&lat=${FAR_POINT[1]}`)).json();
  await clickCell(FAR_POINT, far.cell.code);
  assert.match(await page.locator('#info .figures').textContent(), /oblique\s*no 3D tiles over this cell/);
  assert.equal(await page.locator('#info .open-3d').count(), 0);
  await shot(page, 'far-cell');

  // opened by its address anyway: the server's reason, and nothing drawn
  const direct = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const messages = [];
  direct.on('console', (m) => messages.push(`${m.type()}: ${m.text()}`));
  await direct.goto(`${base}/3d.html?cell=${far.cell.code}&tileset=oblique`);
  await direct.waitForFunction(() => document.body.dataset.tiles === 'none');
  assert.match(await direct.getByRole('alert').textContent(),
    new RegExp(`tileset "oblique" does not reach cell ${far.cell.code}: it has no photography there`));
  // the one console message: the browser's own line about the 404 the page asked for
  assert.deepEqual(messages, ['error: Failed to load resource: the server responded with a status of 404 (Not Found)']);
  await shot(direct, 'far-page');
  await direct.close();
  assert.deepEqual(problems, []);
});
