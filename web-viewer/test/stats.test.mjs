// Statistics in the viewer: the layers of a store are choices of "Colour cells by"
// (points per cell, sums, handled rates, raster sums and means) with quantile
// classes and a legend, layers with times take a date window, and a clicked cell
// shows its figures in every layer and its staff. Screenshots in
// target/viewer-screenshots/stats-*.png.
//
// Needs what viewer.test.mjs needs (see harness.mjs).

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { after, before, test } from 'node:test';

import { BINARY, ROOT, SHOTS, WORK, idle, open, partition, serve } from './harness.mjs';

// A cell of Nanming (the history test splits it; here it is only looked at) and a
// point inside it.
const CELL = '520102019003002';
const INSIDE = [106.7098, 26.5802];

let server;
let browser;
let page;
let problems;

const shot = (name) => page.screenshot({ path: `${SHOTS}stats-${name}.png` });

before(async () => {
  const store = `${WORK}stats.gpkg`;
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${store}${suffix}`, { force: true });
  execFileSync(BINARY, ['store', 'init', store, '--from', partition()], { stdio: 'pipe' });
  // 3,000 reports around central Guiyang in March, every fifth not handled, and
  // ten in the cell looked at
  let seed = 7;
  const random = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; };
  const rows = ['lon,lat,category,received,handled'];
  for (let i = 0; i < 3000; i += 1) {
    const [lon, lat] = i < 10 ? [INSIDE[0] + i * 1e-5, INSIDE[1]] : [106.62 + random() * 0.16, 26.52 + random() * 0.12];
    const dayOfMonth = 1 + (i % 28);
    const received = `2026-03-${String(dayOfMonth).padStart(2, '0')}T09:00:00+08:00`;
    const handled = i % 5 === 0 ? '' : `2026-03-${String(dayOfMonth).padStart(2, '0')}T15:00:00+08:00`;
    rows.push(`${lon.toFixed(6)},${lat.toFixed(6)},${['noise', 'litter', 'roads'][i % 3]},${received},${handled}`);
  }
  const csv = `${WORK}stats-events.csv`;
  writeFileSync(csv, `${rows.join('\n')}\n`);
  const citygrid = (...args) => execFileSync(BINARY, args, { stdio: 'pipe' });
  citygrid('layer', 'import', '--store', store, '--name', 'events', csv, '--category', 'category', '--time', 'received', '--time', 'handled');
  citygrid('layer', 'import', '--store', store, '--name', 'population', `${ROOT}data/guiyang/population.tif`);
  const staff = `${WORK}stats-staff.csv`;
  writeFileSync(staff, `id,name,role,phone,cells\nS1,张三,cell_head,19900000001,${CELL}\nW1,李四,cell_worker,19900000002,${CELL}\n`);
  citygrid('staff', 'import', '--store', store, staff);
  let base;
  ({ process: server, base } = await serve('stats', ['--store', store]));
  ({ browser, page, problems } = await open());
  await page.goto(`${base}/`);
  await idle(page);
});

after(async () => {
  await browser?.close();
  server?.kill('SIGTERM');
});

/** The radio button of a "Colour cells by" choice, by its label. */
const choice = (label) => page.locator('#colour-options label', { hasText: label }).locator('input');

test('every figure of every layer can colour the cells, with a legend', async () => {
  const labels = await page.locator('#colour-options label').allTextContents();
  for (const want of ['events: points per cell', 'events: handled rate', 'population: sum per cell', 'population: mean per cell']) {
    assert.ok(labels.some((l) => l.includes(want)), `${want} in ${labels}`);
  }
  await choice('events: points per cell').check();
  await page.waitForFunction(() => document.body.dataset.colour === 'stat-events-count');
  const fill = await page.evaluate(() => window.citygrid.map.getPaintProperty('cells-fill', 'fill-color'));
  assert.equal(fill[0], 'match');
  assert.ok(fill.includes(Number(CELL)) || fill.some((x) => Array.isArray(x) && x.includes(Number(CELL))), 'the cell with ten reports is coloured');
  const legend = await page.locator('#legend').textContent();
  assert.match(legend, /events: points per cell, version 1: 5 classes of about equal counts/);
  assert.match(legend, /no value/);
  await idle(page);
  await shot('events');
  await choice('population: sum per cell').check();
  await page.waitForFunction(() => document.body.dataset.colour === 'stat-population-sum');
  await page.locator('#legend .legend-row').first().waitFor();
  await idle(page);
  await shot('population');
});

test('a layer with times takes a window, and its rate is coloured', async () => {
  await choice('events: handled rate').check();
  await page.waitForFunction(() => document.body.dataset.colour === 'stat-events-rates.handled');
  await page.locator('#stats-from').fill('2026-03-01');
  await page.locator('#stats-to').fill('2026-03-08');
  await page.locator('.stats-window button').click();
  await page.waitForFunction(() => /2026-02-28T16:00:00Z to 2026-03-07T16:00:00Z/.test(document.getElementById('legend').textContent));
  await idle(page);
  await shot('window');
});

test('a raster layer is drawn over the fills and under the lines, with its ramp', async () => {
  const box = page.locator('#overlay-list input[data-layer="population"]');
  await box.check();
  await page.locator('#overlay-list .overlay-legend').waitFor();
  const order = await page.evaluate(() => window.citygrid.map.getStyle().layers.map((l) => l.id));
  assert.ok(order.indexOf('overlay-population') > order.indexOf('cells-fill'));
  assert.ok(order.indexOf('overlay-population') < order.indexOf('cells-line'));
  await idle(page);
  await shot('raster-layer');
  await box.uncheck();
  assert.equal(await page.evaluate(() => window.citygrid.map.getLayer('overlay-population')), undefined);
});

test('a clicked cell shows its figures in every layer and its staff', async () => {
  const map = await page.evaluate(([lon, lat]) => {
    const m = window.citygrid.map;
    m.jumpTo({ center: [lon, lat], zoom: 15 });
    return true;
  }, INSIDE);
  assert.ok(map);
  await idle(page);
  const at = await page.evaluate(([lon, lat]) => window.citygrid.map.project([lon, lat]), INSIDE);
  const box = await page.locator('#map').boundingBox();
  await page.mouse.click(box.x + at.x, box.y + at.y);
  await page.locator(`#info .unit[data-code="${CELL}"]`).waitFor();
  await page.locator('#info .figures').waitFor();
  const figures = await page.locator('#info .figures').textContent();
  assert.match(figures, /events10 points/);
  assert.match(figures, /population.*sum/);
  const staff = await page.locator('#info .staff').textContent();
  assert.match(staff, /Cell head 网格长: 张三, 19900000001/);
  assert.match(staff, /Cell worker 网格员: 李四/);
  await shot('cell');
  assert.deepEqual(problems, []);
});
