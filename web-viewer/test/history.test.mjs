// The viewer on a living store: a commit made while the map is open is shown
// without a reload (only the new version's tiles are asked for), the History panel
// lists the versions, one of them draws what it changed, and the city can be viewed
// as an earlier version was. Screenshots in target/viewer-screenshots/history-*.png.
//
// Needs what viewer.test.mjs needs (see harness.mjs).

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { after, before, test } from 'node:test';

import { BINARY, SHOTS, WORK, idle, open, partition, serve } from './harness.mjs';

// A split of a Nanming cell between two of its vertices: the larger part keeps the
// code, the smaller becomes 520102019003006.
const CELL = '520102019003002';
const LINE = [[106.710569942, 26.580822384], [106.708628867, 26.579290621]];

let server;
let browser;
let page;
let base;
let problems;
let token;

const shot = (name) => page.screenshot({ path: `${SHOTS}history-${name}.png` });

/** The version the map's tiles are of, from their URL. */
const tileVersion = () => page.evaluate(() => window.citygrid.map.getSource('citygrid').tiles[0].match(/\/v\/(\d+)\//)[1]);

before(async () => {
  const store = `${WORK}history.gpkg`;
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${store}${suffix}`, { force: true });
  execFileSync(BINARY, ['store', 'init', store, '--from', partition()], { stdio: 'pipe' });
  token = execFileSync(BINARY, ['token', 'create', '--store', store, '--role', 'editor', '--name', '南明 GIS'], { encoding: 'utf8' }).trim();
  ({ process: server, base } = await serve('history', ['--store', store]));
  ({ browser, page, problems } = await open());
  await page.goto(`${base}/`);
  await idle(page);
});

after(async () => {
  await browser?.close();
  server?.kill('SIGTERM');
});

test('a commit made while the map is open is shown without a reload, and listed', async () => {
  assert.equal(await page.locator('#version-status').textContent(), 'Version 1, the latest. ');
  assert.equal(await tileVersion(), '1');
  await page.locator('#history-list .history-show').first().waitFor();
  const response = await fetch(`${base}/v1/edits`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      base_version: 1,
      message: '花果园: new estate',
      ops: [{ op: 'split', cell: CELL, line: { type: 'LineString', coordinates: LINE } }],
    }),
  });
  assert.equal(response.status, 200, await response.text());
  // The map follows: version 2's tiles, no reload (the page's own state survives).
  await page.evaluate(() => { window.notReloaded = true; });
  await page.waitForFunction(() => document.body.dataset.version === '2', null, { timeout: 20_000 });
  assert.equal(await tileVersion(), '2');
  assert.equal(await page.evaluate(() => window.notReloaded), true);
  await page.locator('#history-list [data-version="2"]').waitFor();
  const entries = await page.locator('#history-list > li').allTextContents();
  assert.equal(entries.length, 2);
  assert.match(entries[0], /Version 2 .*南明 GIS: 花果园: new estate \(1 changed, 1 created, 0 retired\)/);
  assert.match(entries[1], /Version 1 /);
  await idle(page);
  await shot('followed');
});

test('a version of the history draws what it changed, and the city can be viewed as it was', async () => {
  await page.locator('#history-list [data-version="2"]').click();
  await page.waitForFunction(() => (window.citygrid.diff ?? 0) > 0);
  // Before: the cell whole; after: its two parts.
  assert.equal(await page.evaluate(() => window.citygrid.diff), 3);
  const details = await page.locator('#history-list .history-details').first().textContent();
  assert.match(details, /m² from 520102019003002 to 520102019003006/);
  await idle(page);
  await shot('diff');

  await page.locator('#history-list .history-view').first().click();
  // Version 2 is the latest: viewing it follows the latest.
  assert.equal(await tileVersion(), '2');
  await page.locator('#history-list [data-version="1"]').click();
  await page.locator('#history-list .history-view').last().click();
  await page.waitForFunction(() => document.body.dataset.version === '1');
  assert.equal(await tileVersion(), '1');
  assert.match(await page.locator('#version-status').textContent(), /Viewing version 1; the latest is 2/);
  await idle(page);
  await shot('version-1');
  await page.locator('#back-to-latest').click();
  await page.waitForFunction(() => document.body.dataset.version === '2');
  assert.equal(await tileVersion(), '2');
  assert.deepEqual(problems, []);
});
