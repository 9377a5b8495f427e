// The viewer on a living store: a commit made while the map is open is shown
// without a reload (only the new version's tiles are asked for), the History panel
// lists the versions, one of them draws what it changed, and the city can be viewed
// as an earlier version was; an admin signed in with a token reverts to a version.
// Screenshots in target/viewer-screenshots/history-*.png.
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
let admin;

const shot = (name) => page.screenshot({ path: `${SHOTS}history-${name}.png` });

/** The version the map's tiles are of, from their URL. */
const tileVersion = () => page.evaluate(() => window.citygrid.map.getSource('citygrid').tiles[0].match(/\/v\/(\d+)\//)[1]);

before(async () => {
  const store = `${WORK}history.gpkg`;
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${store}${suffix}`, { force: true });
  execFileSync(BINARY, ['store', 'init', store, '--from', partition()], { stdio: 'pipe' });
  const create = (role, name) =>
    execFileSync(BINARY, ['token', 'create', '--store', store, '--role', role, '--name', name], { encoding: 'utf8' }).trim();
  token = create('editor', '南明 GIS');
  admin = create('admin', 'chen');
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
  // Its map is drawn in the background at the lowest priority, resting between
  // maps (crates/server/src/watch.rs): seconds in a debug build.
  await page.evaluate(() => { window.notReloaded = true; });
  await page.waitForFunction(() => document.body.dataset.version === '2', null, { timeout: 90_000 });
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

test('an admin signs in with a token and reverts to a version; others see no revert', async () => {
  // A wrong token is refused with the server's reason.
  await page.fill('#token-input', 'cg_not-a-token');
  await page.click('#sign-in button');
  await page.waitForFunction(() => /Cannot sign in/.test(document.getElementById('session-status').textContent));
  // An editor may not revert: no form.
  await page.fill('#token-input', token);
  await page.click('#sign-in button');
  await page.waitForFunction(() => document.body.dataset.role === 'editor');
  assert.match(await page.locator('#session-status').textContent(), /Signed in as 南明 GIS \(editor\)/);
  await page.locator('#history-list [data-version="1"]').click();
  assert.equal(await page.locator('#history-list .revert').count(), 0);
  await page.click('#sign-out');
  await page.waitForFunction(() => document.body.dataset.role === undefined);
  // An admin may.
  await page.fill('#token-input', admin);
  await page.click('#sign-in button');
  await page.waitForFunction(() => document.body.dataset.role === 'admin');
  await page.locator('#history-list [data-version="1"]').click();
  await page.fill('#revert-message-1', 'undo the estate');
  await page.locator('#history-list .revert button').click();
  // The form says "Version 3 made, equal to version 1" until the list is drawn again
  // with version 3 in it (at once, after a revert), which may be before this looks:
  // the lasting signs are the map and the status line.
  await page.waitForFunction(() => document.body.dataset.version === '3', null, { timeout: 90_000 });
  await page.waitForFunction(() => /Version 3, the latest/.test(document.getElementById('version-status').textContent));
  await page.locator('#history-list [data-version="3"]').waitFor();
  const newest = await page.locator('#history-list > li').first().textContent();
  assert.match(newest, /chen: undo the estate \(1 changed, 0 created, 1 retired\)/);
  await idle(page);
  await shot('reverted');
  await page.click('#sign-out');
  // The one refusal asked for above, as the page and its console saw it.
  const expected = (p) => /HTTP 401: .*\/v1\/whoami/.test(p) || /status of 401/.test(p);
  assert.deepEqual(problems.filter((p) => !expected(p)), []);
});
