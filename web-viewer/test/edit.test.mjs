// Editing in the viewer: the tools appear for editors only and act only in their
// district; a line drawn with the mouse snaps to the cells' vertices, is checked by
// dry runs as it is drawn (refusals drawn and listed), is saved with a message, and
// the map and the History show the new version without a reload; a conflict says
// who changed what and offers to reload and redo; an admin reverts; the city can be
// viewed as it was on a date; the layout works on a tablet.
// Screenshots in target/viewer-screenshots/edit-*.png.
//
// Needs what viewer.test.mjs needs (see harness.mjs).

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { after, before, test } from 'node:test';

import { BINARY, SHOTS, WORK, idle, open, partition, serve } from './harness.mjs';

// A Nanming cell (district 520102), two of its neighbours, a point inside each
// (/v1/lookup says so) and one in the neighbouring district 520103.
const CELL = '520102019003002';
const EAST = '520102019003003';
const SOUTH_EAST = '520102019003004';
const IN_EAST = [106.7113, 26.5801];
const IN_SOUTH_EAST = [106.7113, 26.5789];
const IN_520103 = [106.7097, 26.5812];
const DISTRICT = '520102';

let server;
let browser;
let page;
let base;
let problems;
const tokens = {};
/** The exact outer ring of CELL in version 1 (`GET /v1/cells/{code}`). */
let ring;

const shot = (name) => page.screenshot({ path: `${SHOTS}edit-${name}.png` });

/** The version the map's tiles are of, from their URL. */
const tileVersion = () => page.evaluate(() => window.citygrid.map.getSource('citygrid').tiles[0].match(/\/v\/(\d+)\//)[1]);

async function pixel(position) {
  const p = await page.evaluate((q) => window.citygrid.map.project(q), position);
  const box = await page.locator('#map canvas').boundingBox();
  return { x: box.x + p.x, y: box.y + p.y };
}

/** Clicks the map at WGS84 `position`, `nudge` pixels off it (snapping brings it back). */
async function clickAt(position, nudge = [0, 0]) {
  const p = await pixel(position);
  await page.mouse.click(p.x + nudge[0], p.y + nudge[1]);
}

async function jumpTo(center, zoom) {
  await page.evaluate(([c, z]) => window.citygrid.map.jumpTo({ center: c, zoom: z }), [center, zoom]);
  await idle(page);
}

/** Waits until the tool draws `kind` ("line", "polygon") and the cells in view are loaded to snap to. */
async function drawing(kind) {
  await page.waitForFunction((k) => document.body.dataset.drawing === k
    && document.body.dataset.snapTo === document.body.dataset.version, kind);
}

/** Takes up a tool; one that draws at once is ready to draw when this returns. */
async function choose(tool) {
  await page.click(`#edit-tools [data-tool="${tool}"]`);
  await page.waitForFunction((t) => document.body.dataset.tool === t, tool);
  if (tool === 'split' || tool === 'reshape') await drawing('line');
}

const status = () => page.locator('#edit-status').textContent();

/**
 * Waits until the Edit status matches `pattern`: what the tool expects, or what the
 * dry run of the edit as it stands answered (a dry run of the unfinished drawing may
 * answer before the one of the finished drawing: the status says which).
 */
async function says(pattern, timeout = 30_000) {
  try {
    await page.waitForFunction(([source, flags]) => new RegExp(source, flags).test(document.getElementById('edit-status').textContent),
      [pattern.source, pattern.flags], { timeout });
  } catch {
    throw new Error(`the Edit status does not match ${pattern}: ${await status()}`);
  }
}

/** Waits for `what` (a function of the page, with `arg`), naming it and the Edit's statuses if it does not come. */
async function until(what, fn, arg, timeout = 90_000) {
  try {
    await page.waitForFunction(fn, arg, { timeout });
  } catch {
    const saved = await page.locator('#save-status').textContent();
    throw new Error(`${what} did not happen; version ${await page.evaluate(() => document.body.dataset.version)}, Edit status: ${await status()}; save status: ${saved}`);
  }
}

const drawn = () => page.evaluate(() => window.citygrid.draw.getSnapshot()
  .filter((f) => f.geometry.type !== 'Point').map((f) => f.geometry.coordinates));

async function signIn(token, role) {
  await page.fill('#token-input', token);
  await page.click('#sign-in button');
  await page.waitForFunction((r) => document.body.dataset.role === r, role);
}

async function signOut() {
  await page.click('#sign-out');
  await page.waitForFunction(() => document.body.dataset.role === undefined);
}

before(async () => {
  const store = `${WORK}edit.gpkg`;
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${store}${suffix}`, { force: true });
  execFileSync(BINARY, ['store', 'init', store, '--from', partition()], { stdio: 'pipe' });
  const create = (role, name, ...more) =>
    execFileSync(BINARY, ['token', 'create', '--store', store, '--role', role, '--name', name, ...more], { encoding: 'utf8' }).trim();
  tokens.editor = create('editor', '南明 GIS', '--district', DISTRICT);
  tokens.other = create('editor', '花溪 GIS');
  tokens.admin = create('admin', 'chen');
  tokens.viewer = create('viewer', 'hotline');
  ({ process: server, base } = await serve('edit', ['--store', store]));
  ring = (await (await fetch(`${base}/v1/cells/${CELL}`)).json()).geometry.coordinates[0][0];
  ({ browser, page, problems } = await open());
  await page.goto(`${base}/`);
  await idle(page);
  await jumpTo([106.7097, 26.5799], 16.5);
});

after(async () => {
  await browser?.close();
  server?.kill('SIGTERM');
});

test('a viewer-role token sees no editing tools', async () => {
  await signIn(tokens.viewer, 'viewer');
  assert.equal(await page.locator('#edit').isHidden(), true);
  assert.equal(await page.locator('#edit-tools button:visible').count(), 0);
  await shot('viewer');
  await signOut();
});

test('an editor gets the tools, cells outside the district are greyed, Escape cancels a drawing', async () => {
  await signIn(tokens.editor, 'editor');
  const tools = page.locator('#edit-tools button');
  assert.equal(await tools.count(), 5);
  for (const tool of await tools.all()) {
    assert.equal(await tool.getAttribute('aria-pressed'), 'false');
    assert.ok(await tool.getAttribute('aria-label'));
  }
  await choose('split');
  assert.equal(await page.locator('#edit-tools [data-tool="split"]').getAttribute('aria-pressed'), 'true');
  // The greyed cells are those of the neighbouring district 520103.
  await idle(page);
  const greyed = await page.evaluate(() => window.citygrid.map.queryRenderedFeatures({ layers: ['edit-outside'] }).map((f) => f.properties.code));
  assert.ok(greyed.length > 0, 'no cell outside the district is greyed');
  assert.ok(greyed.every((code) => !code.startsWith('520102')), greyed.join(' '));

  // A point placed, the pointer moving: the drawing is live; Escape drops it.
  await clickAt(ring[1]);
  await page.mouse.move(...Object.values(await pixel(ring[6])), { steps: 4 });
  assert.equal((await drawn()).length, 1);
  await page.keyboard.press('Escape');
  await page.waitForFunction(() => window.citygrid.draw.getSnapshot().every((f) => f.geometry.type === 'Point'));
  assert.match(await status(), /^Cancelled\. Draw a line across one cell/);
  assert.equal(await page.evaluate(() => document.body.dataset.tool), 'split');
  await shot('tools');
  // A second Escape puts the tool down.
  await page.keyboard.press('Escape');
  await page.waitForFunction(() => document.body.dataset.tool === undefined);
  assert.equal(await page.locator('#edit-tools [data-tool="split"]').getAttribute('aria-pressed'), 'false');
});

test('a line that ends inside the cell, or cuts off a sliver, is refused with the dry run\'s reasons', async () => {
  await choose('split');
  // From a vertex to a point inside the cell: not a split.
  const inside = [(ring[1][0] + ring[7][0]) / 2, (ring[1][1] + ring[7][1]) / 2];
  await clickAt(ring[1], [3, -2]);
  await clickAt(inside);
  await page.keyboard.press('Enter');
  await says(/Not allowed: op 0 \(split\): the line's end .* is not on the boundary of cell 520102019003002/);
  assert.equal(await page.locator('#save-button').isDisabled(), true);
  await shot('line-inside');
  await page.keyboard.press('Escape');
  await page.keyboard.press('Escape');

  // Across the corner at vertex 5: from vertex 4 to a point of the edge 5-6 about
  // 9 m from it, a triangle of some 16 m², under the 50 m² a cell must cover.
  await jumpTo(ring[5], 18);
  await choose('split');
  const onEdge = [ring[5][0] + 0.05 * (ring[6][0] - ring[5][0]), ring[5][1] + 0.05 * (ring[6][1] - ring[5][1])];
  await clickAt(ring[4]);
  await clickAt(onEdge);
  await page.keyboard.press('Enter');
  await says(/Not allowed: the edit would break the partition: cell 520102019003006 covers only/);
  assert.match(await page.locator('#edit-problems').textContent(), /sliver.*covers only .* m²/);
  await idle(page);
  const marked = await page.evaluate(() => window.citygrid.map.queryRenderedFeatures({ layers: ['edit-problems-point'] }).length);
  assert.ok(marked > 0, 'the sliver is drawn on the map');
  await shot('sliver');
  await page.keyboard.press('Escape');
  await page.keyboard.press('Escape');
  await jumpTo([106.7097, 26.5799], 16.5);
});

test('merge, transfer, reshape and attributes are checked as they are made; a cell outside the district is refused', async () => {
  await choose('merge');
  await clickAt(IN_520103);
  await says(/Cell 520103033005005 is outside district 520102, the only one your token may edit\./);
  await clickAt(IN_EAST);
  await clickAt(IN_SOUTH_EAST);
  await says(/Allowed: changes 520102019003003; retires 520102019003004\. Say why, then Save\./);
  assert.deepEqual(await page.locator('#edit-picks li').evaluateAll((items) => items.map((li) => li.dataset.code)), [EAST, SOUTH_EAST]);
  await shot('merge');
  await page.keyboard.press('Escape');
  await page.keyboard.press('Escape');

  // Transfer: a triangle of CELL on its edge shared with EAST goes to EAST.
  const [s1, s2] = [ring[11], ring[0]];
  const inward = [(s1[0] + s2[0]) / 2 - 0.0003, (s1[1] + s2[1]) / 2];
  await choose('transfer');
  await clickAt(inward);
  await clickAt(IN_EAST);
  await drawing('polygon');
  await clickAt(s1, [2, 2]);
  await clickAt(s2, [-2, 2]);
  await clickAt(inward);
  await page.keyboard.press('Enter');
  await says(/Allowed: changes 520102019003002, 520102019003003\. Say why, then Save\./);
  await shot('transfer');
  await page.keyboard.press('Escape');
  await page.keyboard.press('Escape');

  // Reshape: the boundary of CELL and EAST bent through the same inner point.
  await choose('reshape');
  await clickAt(s1, [2, 2]);
  await clickAt(inward);
  await clickAt(s2, [-2, 2]);
  await page.keyboard.press('Enter');
  await says(/Allowed: changes 520102019003002, 520102019003003\. Say why, then Save\./);
  assert.deepEqual(await drawn(), [[s1, inward, s2]]);
  await shot('reshape');
  await page.keyboard.press('Escape');
  await page.keyboard.press('Escape');

  await choose('set');
  await clickAt(IN_EAST);
  await page.locator('#attribute-staff').fill('李娜');
  await says(/Allowed: changes 520102019003003\. Say why, then Save\./);
  await shot('attributes');
  await page.click('#edit-tools [data-tool="set"]');
  await page.waitForFunction(() => document.body.dataset.tool === undefined);
});

test('a valid split is saved with a message after a conflict is reloaded and redone; the map and History show it', async () => {
  await page.evaluate(() => { window.notReloaded = true; });
  await choose('split');
  // Clicks a few pixels off two vertices: the line snaps to them exactly.
  await clickAt(ring[1], [4, 3]);
  await clickAt(ring[7], [-3, 4]);
  await page.keyboard.press('Enter');
  await says(/Allowed: changes 520102019003002; creates 520102019003006\. Say why, then Save\./);
  assert.deepEqual(await drawn(), [[ring[1], ring[7]]]);
  assert.equal(await page.locator('#save-button').isDisabled(), false);
  await shot('valid-line');

  // Meanwhile another editor gives the cell its staff: version 2.
  const other = await fetch(`${base}/v1/edits`, {
    method: 'POST',
    headers: { authorization: `Bearer ${tokens.other}`, 'content-type': 'application/json' },
    body: JSON.stringify({ base_version: 1, message: 'staff for the estate', ops: [{ op: 'set', cell: CELL, attributes: { staff: '王芳' } }] }),
  });
  assert.equal(other.status, 200, await other.text());

  await page.fill('#save-message', '花果园: new estate');
  await page.click('#save-button');
  await page.locator('#reload-and-redo').waitFor();
  const conflict = await page.locator('#edit-conflict').textContent();
  assert.match(conflict, /since version 1, 520102019003002 changed \(the latest is version 2\)/);
  assert.match(conflict, /Version 2, .* UTC, 花溪 GIS: staff for the estate \(520102019003002\)/);
  await shot('conflict');
  await page.click('#reload-and-redo');
  await until('the map showing version 2', () => document.body.dataset.version === '2');
  // Checked again on version 2: Save comes back.
  await page.locator('#save-button:enabled').waitFor();
  assert.deepEqual(await drawn(), [[ring[1], ring[7]]], 'the drawing is kept');
  await page.click('#save-button');
  await until('the map showing version 3', () => /Version 3 saved and shown/.test(document.getElementById('save-status').textContent));
  assert.equal(await tileVersion(), '3');
  assert.equal(await page.evaluate(() => window.notReloaded), true);
  const created = await fetch(`${base}/v1/cells/520102019003006`);
  assert.equal(created.headers.get('x-citygrid-version'), '3');
  await page.locator('#history-list [data-version="3"]').waitFor();
  assert.match(await page.locator('#history-list > li').first().textContent(),
    /Version 3 .*南明 GIS: 花果园: new estate \(1 changed, 1 created, 0 retired\)/);
  await idle(page);
  const cells = await page.evaluate(() => window.citygrid.map.queryRenderedFeatures({ layers: ['cells-fill'] }).map((f) => f.properties.code));
  assert.ok(cells.includes('520102019003006'), 'the new cell is on the map');
  await shot('saved');
  await page.keyboard.press('Escape');
});

test('an admin reverts the split from the History panel, and the map follows', async () => {
  await signOut();
  await signIn(tokens.admin, 'admin');
  await page.locator('#history-list [data-version="2"]').click();
  await page.fill('#revert-message-2', 'undo the estate');
  await page.locator('#history-list .revert button').click();
  await until('the map showing version 4', () => document.body.dataset.version === '4');
  await page.locator('#history-list [data-version="4"]').waitFor();
  assert.match(await page.locator('#history-list > li').first().textContent(), /chen: undo the estate \(1 changed, 0 created, 1 retired\)/);
  await idle(page);
  await shot('reverted');
});

test('the city can be viewed as it was on a date', async () => {
  const { versions } = await (await fetch(`${base}/v1/versions?limit=4`)).json();
  const first = versions.find((v) => v.version === 1).created_at;
  // A second after version 1 was made (the others came later, with the browser open).
  const local = await page.evaluate((iso) => {
    const d = new Date(Date.parse(iso) + 1000);
    const pad = (n) => String(n).padStart(2, '0');
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  }, first);
  await page.fill('#as-of-input', local);
  await page.click('#as-of button');
  await page.waitForFunction(() => document.body.dataset.version === '1');
  assert.equal(await tileVersion(), '1');
  assert.match(await page.locator('#as-of-status').textContent(), /version 1 was in force/);
  assert.match(await page.locator('#version-status').textContent(), /Viewing version 1; the latest is 4/);
  // The tools are off while an earlier version is shown.
  assert.equal(await page.locator('#edit-tools [data-tool="split"]').isDisabled(), true);
  await idle(page);
  await shot('as-of');
  await page.click('#back-to-latest');
  await page.waitForFunction(() => document.body.dataset.version === '4');
  assert.equal(await page.locator('#edit-tools [data-tool="split"]').isDisabled(), false);
});

test('on a tablet the panels stack under the map and the tools are big enough for a finger', async () => {
  await page.setViewportSize({ width: 820, height: 1180 });
  await idle(page);
  const map = await page.locator('#map').boundingBox();
  const side = await page.locator('#side').boundingBox();
  assert.ok(side.y >= map.y + map.height - 1, `the side panel (y ${side.y}) is not under the map (ends ${map.y + map.height})`);
  for (const tool of await page.locator('#edit-tools button').all()) {
    const box = await tool.boundingBox();
    assert.ok(box.height >= 44 && box.width >= 44, JSON.stringify(box));
  }
  await page.locator('#edit').scrollIntoViewIfNeeded();
  await shot('tablet');
  await page.setViewportSize({ width: 1280, height: 800 });
  await signOut();
});

test('every new control has a name and nothing else went wrong in the page', async () => {
  const unnamed = await page.evaluate(() => [...document.querySelectorAll('input, button, select')]
    .filter((el) => !(el.labels?.length || el.getAttribute('aria-label') || el.textContent.trim()))
    .map((el) => el.outerHTML));
  assert.deepEqual(unnamed, []);
  // The refusals asked for above (dry runs and the conflicting save), as the page and its console saw them.
  const expected = (p) => /HTTP (409|422): .*\/v1\/edits/.test(p) || /status of (409|422)/.test(p);
  assert.deepEqual(problems.filter((p) => !expected(p)), []);
});
