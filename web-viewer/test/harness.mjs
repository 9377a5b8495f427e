// What the viewer's end-to-end tests share: where things are, a citygrid server on
// a free port, and headless Chromium (Debian's, driven by playwright-core) with
// every console error, failed request and HTTP error of the page collected.
//
// Not a test file itself: node --test runs it too, and it defines no test.

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { gunzipSync } from 'node:zlib';

import { chromium } from 'playwright-core';

export const ROOT = new URL('../../', import.meta.url).pathname;
const PROFILE = process.env.CITYGRID_PROFILE ?? 'debug';
export const BINARY = `${ROOT}target/${PROFILE}/citygrid`;
export const WORK = `${ROOT}target/viewer-test/`;
export const SHOTS = `${ROOT}target/viewer-screenshots/`;
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

/** A TCP port free on 127.0.0.1 now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** The bundled partition, unzipped once (the server reads plain GeoJSON). */
export function partition() {
  mkdirSync(WORK, { recursive: true });
  const gz = `${ROOT}data/guiyang/partition.geojson.gz`;
  const out = `${WORK}partition.geojson`;
  if (!existsSync(out) || statSync(out).mtimeMs < statSync(gz).mtimeMs) {
    writeFileSync(out, gunzipSync(readFileSync(gz)));
  }
  return out;
}

/** `citygrid ARGS...` on a free port, its log in WORK/`name`.log, ready: `{process, base}`. */
export async function serve(name, args) {
  mkdirSync(WORK, { recursive: true });
  mkdirSync(SHOTS, { recursive: true });
  if (!existsSync(BINARY)) throw new Error(`${BINARY} is missing: cargo build --bins first (make test does)`);
  if (!existsSync(`${ROOT}web-viewer/dist/index.html`)) throw new Error('web-viewer/dist is missing: run scripts/viewer.sh');
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const logPath = `${WORK}${name}.log`;
  const server = spawn(BINARY, ['serve', ...args, '--bind', `127.0.0.1:${port}`],
    { cwd: ROOT, stdio: ['ignore', openSync(logPath, 'w'), openSync(logPath, 'a')] });
  const until = Date.now() + 180_000;
  while (Date.now() < until) {
    if (server.exitCode !== null) throw new Error(`citygrid serve exited with ${server.exitCode}; see ${logPath}`);
    try {
      if ((await fetch(`${base}/readyz`)).ok) return { process: server, base };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`citygrid serve did not get ready in 180 s; see ${logPath}`);
}

/** Chromium with one page at 1280 x 800: `{browser, page, problems}`. */
export async function open() {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    // WebGL without a GPU: SwiftShader through ANGLE. --no-sandbox because tests
    // run as root in CI.
    args: ['--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--ignore-gpu-blocklist', '--no-sandbox'],
  });
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  // MapLibre cancels the tile requests of views it has left: not a failure.
  page.on('requestfailed', (r) => {
    if (r.failure()?.errorText !== 'net::ERR_ABORTED') problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`);
  });
  page.on('response', (r) => { if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`); });
  return { browser, page, problems };
}

/** Waits until the page's map has loaded and drawn everything for its view. */
export async function idle(page) {
  await page.waitForFunction(() => document.body.dataset.map === 'idle' && window.citygrid?.map.loaded(), null, { timeout: 60_000 });
}
