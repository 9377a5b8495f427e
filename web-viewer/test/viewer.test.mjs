// End-to-end tests of the web viewer in headless Chromium (Debian's, driven by
// playwright-core): `citygrid serve` on the bundled Guiyang partition, the built
// viewer at `/`, and what a person does with it. Screenshots go to
// target/viewer-screenshots/ (test artefacts, not committed).
//
// Needs: target/$CITYGRID_PROFILE/citygrid (debug by default; `make test` builds
// it), web-viewer/dist (scripts/viewer.sh) and /usr/bin/chromium (scripts/setup.sh).

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { after, before, test } from 'node:test';

import { BINARY, SHOTS, WORK, idle as idleOf, open, partition, serve } from './harness.mjs';

// A point in the bundled Guiyang and its cell (Nanming district).
const KNOWN = { lon: 106.71, lat: 26.58, cell: '520102019003002', village: '520102019003' };
// The viewer's background colour: a pixel of anything else is something drawn.
const BACKGROUND = [243, 241, 236];

let server;
let browser;
let page;
let base;
let problems;

/** Waits until the map has loaded and drawn everything for its current view. */
const idle = () => idleOf(page);

async function jumpTo(center, zoom) {
  await page.evaluate(([c, z]) => window.citygrid.map.jumpTo({ center: c, zoom: z }), [center, zoom]);
  await idle();
}

const shot = (name) => page.screenshot({ path: `${SHOTS}${name}.png` });

/** Colours on the map canvas, sampled while it is drawn (the WebGL buffer is cleared after). */
function canvasPixels() {
  return page.evaluate((background) => new Promise((resolve) => {
    const { map } = window.citygrid;
    map.once('render', () => {
      const source = map.getCanvas();
      const copy = document.createElement('canvas');
      copy.width = source.width;
      copy.height = source.height;
      const context = copy.getContext('2d', { willReadFrequently: true });
      context.drawImage(source, 0, 0);
      const { data } = context.getImageData(0, 0, copy.width, copy.height);
      const colours = new Set();
      let drawn = 0;
      let samples = 0;
      for (let i = 0; i < data.length; i += 4 * 13) {
        const [r, g, b] = [data[i], data[i + 1], data[i + 2]];
        colours.add((r << 16) | (g << 8) | b);
        samples += 1;
        if (Math.abs(r - background[0]) + Math.abs(g - background[1]) + Math.abs(b - background[2]) > 12) drawn += 1;
      }
      resolve({ distinct: colours.size, drawn: drawn / samples });
    });
    map.triggerRepaint();
  }), BACKGROUND);
}

async function clickAt(lon, lat) {
  const point = await page.evaluate(([x, y]) => window.citygrid.map.project([x, y]), [lon, lat]);
  const box = await page.locator('#map canvas').boundingBox();
  await page.mouse.click(box.x + point.x, box.y + point.y);
}

const shownCode = () => page.locator('#info .unit').getAttribute('data-code');

before(async () => {
  ({ process: server, base } = await serve('server', ['--partition', partition()]));
  ({ browser, page, problems } = await open());
  await page.goto(`${base}/`);
  await idle();
});

after(async () => {
  await browser?.close();
  server?.kill('SIGTERM');
});

test('the page loads with the whole city drawn and no console errors', async () => {
  assert.equal(await page.title(), 'citygrid viewer');
  const pixels = await canvasPixels();
  assert.ok(pixels.drawn > 0.3, `only ${(pixels.drawn * 100).toFixed(1)} % of the map is drawn`);
  assert.ok(pixels.distinct > 20, `only ${pixels.distinct} colours on the map`);
  const colours = await page.locator('#legend').textContent();
  assert.match(colours, /colours; cells sharing an edge never have the same one/);
  await shot('overview');
  // The city centre with its cells (they are in the tiles from zoom 10).
  await jumpTo([106.69, 26.59], 11.5);
  await shot('city-centre');
  assert.deepEqual(problems, []);
});

test('clicking a known point shows its cell, its parents and the point in WGS84 and GCJ-02', async () => {
  await jumpTo([KNOWN.lon, KNOWN.lat], 14);
  await clickAt(KNOWN.lon, KNOWN.lat);
  await page.waitForFunction((code) => document.querySelector('#info .unit')?.dataset.code === code, KNOWN.cell);
  const info = await page.locator('#info').textContent();
  assert.match(info, new RegExp(`${KNOWN.village}`), 'the village is listed among the ancestors');
  assert.match(info, /households/);
  // The clicked pixel is within a few metres of the point.
  const [, x, y] = info.match(/WGS84(\d+\.\d+), (\d+\.\d+)/).map(Number);
  assert.ok(Math.abs(x - KNOWN.lon) < 1e-4 && Math.abs(y - KNOWN.lat) < 1e-4, `${x} ${y}`);
  // GCJ-02 is about 400 m east and 300 m south of WGS84 here.
  const [, lon, lat] = info.match(/GCJ-02(\d+\.\d+), (\d+\.\d+)/).map(Number);
  assert.ok(lon - x > 0.003 && lon - x < 0.005 && y - lat > 0.002 && y - lat < 0.004, `${lon} ${lat}`);
  const selected = await page.evaluate((id) => window.citygrid.map.getFeatureState({ source: 'citygrid', sourceLayer: 'cells', id }), Number(KNOWN.cell));
  assert.equal(selected.selected, true);
  await idle();
  await shot('clicked-cell');
});

test('hovering highlights the cell under the pointer', async () => {
  const point = await page.evaluate(([x, y]) => window.citygrid.map.project([x, y]), [KNOWN.lon, KNOWN.lat]);
  const box = await page.locator('#map canvas').boundingBox();
  await page.mouse.move(box.x + point.x + 1, box.y + point.y + 1);
  await page.waitForFunction((id) => window.citygrid.map.getFeatureState({ source: 'citygrid', sourceLayer: 'cells', id }).hover === true, Number(KNOWN.cell));
  await page.mouse.move(box.x + 2, box.y + box.height - 2);
});

test('Enter on the focused map looks up the cell at its centre', async () => {
  await jumpTo([KNOWN.lon, KNOWN.lat], 15);
  await page.locator('#map canvas').focus();
  await page.keyboard.press('Enter');
  await page.waitForFunction((code) => document.querySelector('#info .unit')?.dataset.code === code, KNOWN.cell);
});

test('close zooms label cells with their code and name', async () => {
  await jumpTo([KNOWN.lon, KNOWN.lat], 15.5);
  const labels = await page.evaluate(() => window.citygrid.map.queryRenderedFeatures({ layers: ['labels'] })
    .map((f) => `${f.properties.code} ${f.properties.name}`));
  assert.ok(labels.length > 0, 'no labels drawn');
  assert.ok(labels.some((l) => l.startsWith(`${KNOWN.cell} `)), labels.join('; '));
  await shot('labels');
});

test('searching a cell code zooms to that cell', async () => {
  await jumpTo([106.6, 26.8], 9);
  await page.fill('#search-input', KNOWN.cell);
  await page.press('#search-input', 'Enter');
  await page.waitForFunction((code) => document.querySelector('#info .unit')?.dataset.code === code, KNOWN.cell);
  await page.waitForTimeout(700); // the fly-to animation
  await idle();
  const bbox = (await (await fetch(`${base}/v1/search?q=${KNOWN.cell}&limit=1`)).json()).results[0].bbox;
  const view = await page.evaluate(() => {
    const { map } = window.citygrid;
    return { center: map.getCenter(), zoom: map.getZoom() };
  });
  assert.ok(view.zoom >= 13, `zoom ${view.zoom}`);
  assert.ok(view.center.lng > bbox[0] && view.center.lng < bbox[2] && view.center.lat > bbox[1] && view.center.lat < bbox[3],
    `centre ${JSON.stringify(view.center)} is not in ${bbox}`);
  assert.match(await page.locator('#search-status').textContent(), new RegExp(KNOWN.cell));
  await shot('search-code');
});

test('searching a township by name zooms to the township', async () => {
  await page.fill('#search-input', '油榨街道');
  await page.press('#search-input', 'Enter');
  await page.waitForFunction(() => document.querySelector('#info .unit')?.dataset.code === '520102027');
  await page.waitForTimeout(700);
  await idle();
  const zoom = await page.evaluate(() => window.citygrid.map.getZoom());
  assert.ok(zoom > 11 && zoom < 16, `zoom ${zoom}`);
  // Part of a name lists the matches; the arrow key reaches them.
  await page.fill('#search-input', '油榨1');
  await page.press('#search-input', 'Enter');
  await page.locator('#search-results button').first().waitFor();
  await page.press('#search-input', 'ArrowDown');
  const focused = await page.evaluate(() => document.activeElement.dataset.code);
  assert.match(focused, /^520102027/);
  await page.keyboard.press('Enter');
  await page.waitForFunction((code) => document.querySelector('#info .unit')?.dataset.code === code, focused);
});

test('the households choropleth has a legend of its classes', async () => {
  await jumpTo([106.7, 26.58], 11);
  await page.getByLabel('households').check();
  const rows = await page.locator('#legend .legend-row').allTextContents();
  assert.equal(rows.length, 6, rows.join(' | '));
  assert.equal(rows.at(-1), 'no value');
  const fill = await page.evaluate(() => window.citygrid.map.getPaintProperty('cells-fill', 'fill-color'));
  assert.equal(fill[0], 'case');
  await idle();
  await shot('choropleth-households');
  await page.getByLabel('Neighbours (distinct colours)').check();
  const back = await page.evaluate(() => window.citygrid.map.getPaintProperty('cells-fill', 'fill-color'));
  assert.equal(back[0], 'match');
});

test('the check view lists the problems of a report and zooms to one', async () => {
  // Three cells in a row in a box: the middle one overlaps the first and leaves
  // a gap before the third. `citygrid check` writes the report the viewer loads.
  const square = (w, e) => [[[w, 26.58], [e, 26.58], [e, 26.59], [w, 26.59], [w, 26.58]]];
  const cell = (n, w, e) => ({
    type: 'Feature',
    properties: { code: `52010201900300${n}`, name: `cell ${n}`, level: 'cell' },
    geometry: { type: 'Polygon', coordinates: square(w, e) },
  });
  const cells = `${WORK}broken.geojson`;
  const boundary = `${WORK}broken-boundary.geojson`;
  const report = `${WORK}broken-report.geojson`;
  writeFileSync(cells, JSON.stringify({ type: 'FeatureCollection', features: [cell(1, 106.70, 106.71), cell(2, 106.709, 106.72), cell(3, 106.721, 106.73)] }));
  writeFileSync(boundary, JSON.stringify({ type: 'Feature', properties: {}, geometry: { type: 'Polygon', coordinates: square(106.70, 106.73) } }));
  try {
    execFileSync(BINARY, ['check', cells, '--boundary', boundary, '--format', 'geojson', '-o', report], { stdio: 'pipe' });
    assert.fail('citygrid check passed a broken partition');
  } catch (error) {
    assert.equal(error.status, 1, String(error.stderr));
  }
  const written = JSON.parse(readFileSync(report, 'utf8')).features;
  assert.ok(written.some((f) => f.properties.rule === 'overlap'));
  assert.ok(written.some((f) => f.properties.rule === 'gap'));

  await page.locator('#report-file').setInputFiles(report);
  await page.locator('#report-list li').first().waitFor();
  assert.equal(await page.locator('#report-list li').count(), written.length);
  assert.match(await page.locator('#report-status').textContent(), new RegExp(`${written.length} problems: .*overlap`));
  const overlap = page.locator('#report-list button', { hasText: 'overlap' }).first();
  await overlap.click();
  await page.waitForTimeout(700);
  await idle();
  const view = await page.evaluate(() => {
    const b = window.citygrid.map.getBounds();
    return { w: b.getWest(), e: b.getEast(), zoom: window.citygrid.map.getZoom() };
  });
  assert.ok(view.w < 106.709 && view.e > 106.71 && view.zoom > 14, JSON.stringify(view));
  const drawn = await page.evaluate(() => window.citygrid.map.queryRenderedFeatures({ layers: ['checks-fill', 'checks-line'] }).length);
  assert.ok(drawn > 0, 'the problems are drawn');
  await shot('check-report');

  // A file that is not a report says why.
  const notReport = `${WORK}not-a-report.json`;
  writeFileSync(notReport, '{"hello": 1}');
  await page.locator('#report-file').setInputFiles(notReport);
  await page.waitForFunction(() => document.getElementById('report-status').textContent.includes('cannot be shown'));
});

test('every control has a name and nothing went wrong in the page', async () => {
  const unnamed = await page.evaluate(() => [...document.querySelectorAll('input, button, select')]
    .filter((el) => !(el.labels?.length || el.getAttribute('aria-label') || el.textContent.trim()))
    .map((el) => el.outerHTML));
  assert.deepEqual(unnamed, []);
  // The skip link comes first, then the search box.
  await page.evaluate(() => document.querySelector('.skip').focus());
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'search-input');
  assert.deepEqual(problems, []);
});
