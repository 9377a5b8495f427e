// The viewer on a server whose PostGIS database goes away and comes back: the map
// and lookups go on, the status line says the server is read only and why, the
// editing tools are disabled meanwhile and enabled again once the database is back.
// A real PostgreSQL cluster of this test's own (scripts/postgres.sh on a free port),
// never a mock; skipped, saying so, without CITYGRID_TEST_POSTGRES (which says the
// machine has PostgreSQL: scripts/test.sh starts one). Screenshot:
// target/viewer-screenshots/outage-read-only.png.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { after, before, test } from 'node:test';

import { BINARY, ROOT, SHOTS, freePort, idle, open, partition, serve } from './harness.mjs';

const skip = process.env.CITYGRID_TEST_POSTGRES ? false
  : 'CITYGRID_TEST_POSTGRES is not set: no PostgreSQL here (scripts/postgres.sh start)';

let cluster;
let server;
let browser;
let page;
let problems;
let editor;

/** `scripts/postgres.sh ACTION` on this test's own cluster; what it printed. */
function postgres(action) {
  return execFileSync(`${ROOT}scripts/postgres.sh`, [action], {
    env: { ...process.env, CITYGRID_PG_PORT: String(cluster.port), CITYGRID_PG_DIR: cluster.dir },
    encoding: 'utf8',
  });
}

before(async () => {
  if (skip) return;
  // In the system's temporary folder: the cluster runs as the postgres user when
  // tests run as root, and may not reach a folder under root's own.
  const dir = mkdtempSync(`${tmpdir()}/citygrid-viewer-pg-`);
  chmodSync(dir, 0o755);
  cluster = { port: await freePort(), dir: `${dir}/pg`, parent: dir };
  const admin = postgres('start').split("'")[1];
  // The template database of a cluster of our own: nothing else uses it.
  const store = admin.replace(/\/postgres$/, '/citygrid_template');
  execFileSync(BINARY, ['store', 'init', store, '--from', partition()], { stdio: 'pipe' });
  editor = execFileSync(BINARY, ['token', 'create', '--store', store, '--role', 'editor', '--name', 'GIS'],
    { encoding: 'utf8' }).trim();
  let base;
  ({ process: server, base } = await serve('outage', ['--store', store]));
  ({ browser, page, problems } = await open());
  await page.goto(`${base}/`);
  await idle(page);
  await page.fill('#token-input', editor);
  await page.click('#sign-in button');
  await page.waitForFunction(() => document.body.dataset.role === 'editor');
});

after(async () => {
  await browser?.close();
  server?.kill('SIGTERM');
  if (cluster) {
    postgres('stop');
    rmSync(cluster.parent, { recursive: true, force: true });
  }
});

const tools = () => page.locator('#edit-tools [data-tool]');
const versionStatus = () => page.locator('#version-status').textContent();

test('while the database is down the viewer says read only, keeps the map and disables editing', { skip }, async () => {
  assert.ok(await tools().count() > 0, 'editing tools for an editor');
  for (const b of await tools().all()) assert.equal(await b.isDisabled(), false);
  assert.match(await versionStatus(), /Version 1, the latest/);

  postgres('halt');
  await page.waitForFunction(() => /read only: the server cannot reach its database/
    .test(document.getElementById('version-status').textContent), null, { timeout: 15_000 });
  for (const b of await tools().all()) assert.equal(await b.isDisabled(), true);
  assert.match(await page.locator('#edit-status').textContent(), /cannot reach its database/);
  // The map and lookups go on from memory: a click names a cell.
  const answer = await page.evaluate(async () => (await fetch('/v1/lookup?lon=106.7097&lat=26.5799')).status);
  assert.equal(answer, 200);
  await page.screenshot({ path: `${SHOTS}outage-read-only.png` });

  postgres('start');
  await page.waitForFunction(() => /Version 1, the latest/
    .test(document.getElementById('version-status').textContent), null, { timeout: 20_000 });
  for (const b of await tools().all()) assert.equal(await b.isDisabled(), false);
  assert.match(await page.locator('#edit-status').textContent(), /reaches its database again/);
  // Nothing failed in the page: read only is not an error.
  assert.deepEqual(problems, []);
});
