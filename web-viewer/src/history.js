// Versions in the map: the map follows the head (a new version's tiles replace the
// old ones without a page reload, only the new version's tiles are fetched: their
// URLs carry the version), a History panel lists the versions (who, when, why,
// what changed), one of them shows what it changed on the map (outlines before and
// after, the m² that moved), and any version can be viewed as the city was then.
//
// For the tests: `document.body.dataset.version` is the version the map shows, and
// `window.citygrid.diff` the number of outlines of the diff drawn.
//
// The editing tools build on it: they edit the version shown ([`onShown`]), only
// while it is the latest and the server can commit (not `readOnly`: its store's
// database is out of reach, which the status line says), and after a save ask for
// the new version at once ([`followNow`]) instead of waiting for the next poll.

import * as api from './api.js';
import { element } from './dom.js';
import { signedIn } from './session.js';
import { neighbourColour } from './style.js';

/** How often the viewer asks whether the head moved. */
const POLL_MS = 2000;

const FIT = { padding: 64, maxZoom: 17, duration: 500 };

const number = (v) => v.toLocaleString('en', { maximumFractionDigits: 1 });

/** The versions the map shows and follows, and whether the server takes edits now. */
const shown = { version: null, latest: null, pinned: false, readOnly: false };
/** Since when the server's store has been out of reach, as it said. */
let readOnlySince = null;
const watchers = [];

/** Refills the History list; set once the list exists (a store is served). */
let refreshList = async () => {};

const sleep = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });

/** Calls `listener({version, latest, pinned})` now and whenever the map shows another version. */
export function onShown(listener) {
  watchers.push(listener);
  listener({ ...shown });
}

function status(text, ...extra) {
  document.getElementById('version-status').replaceChildren(text, ...extra);
}

/** Shows version `version` (its TileJSON `tiles`): only its tiles are fetched. */
function showTiles(map, tiles, version) {
  map.getSource('citygrid').setTiles(tiles.tiles);
  shown.version = version;
  document.body.dataset.version = String(version);
  for (const watcher of watchers) watcher({ ...shown });
}

/** The neighbour colours of a version's units, for the fills that use them. */
async function recolour(map) {
  const colours = await api.colours();
  map.setPaintProperty('districts-fill', 'fill-color', neighbourColour(colours.district));
  map.setPaintProperty('townships-fill', 'fill-color', neighbourColour(colours.township));
  const chosen = document.querySelector('input[name="colour-by"]:checked')?.value;
  if (!chosen || chosen === 'neighbours') map.setPaintProperty('cells-fill', 'fill-color', neighbourColour(colours.cell));
}

function latestStatus() {
  if (shown.readOnly) {
    const since = readOnlySince ? ` since ${new Date(readOnlySince).toLocaleTimeString()}` : '';
    status(`Version ${shown.latest}, read only: the server cannot reach its database${since}. `
      + 'The map and lookups go on; edits wait until it is back.');
  } else {
    status(`Version ${shown.latest}, the latest. `);
  }
}

/** Whether the server can commit now, from its `/readyz`; tells the watchers when that changes. */
async function followReadiness() {
  const ready = await api.readiness();
  const readOnly = ready.status === 'read_only';
  readOnlySince = ready.store?.since ?? null;
  if (readOnly === shown.readOnly) return;
  shown.readOnly = readOnly;
  for (const watcher of watchers) watcher({ ...shown });
  if (!shown.pinned) latestStatus();
}

/** Asks for the head's TileJSON; shows a new version when the map follows it. */
async function poll(map, onNew) {
  try {
    await followReadiness();
    const { tiles, version } = await api.tileJsonOf(null);
    if (version === shown.latest) return;
    shown.latest = version;
    if (!shown.pinned) {
      showTiles(map, tiles, version);
      await recolour(map);
      latestStatus();
    }
    await onNew();
  } catch (error) {
    status(`Cannot reach the server: ${error.message}`);
  }
}

/** Draws what version `v` changed (against the version before it). */
async function showDiff(map, v, goToBounds, into) {
  const diff = await api.diff(v - 1, v);
  map.getSource('diff').setData(diff);
  window.citygrid.diff = diff.features.length;
  const boxes = diff.features.flatMap((f) => f.geometry.coordinates.flat(2));
  if (boxes.length) {
    const xs = boxes.map((p) => p[0]);
    const ys = boxes.map((p) => p[1]);
    goToBounds([Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)]);
  }
  const moved = diff.moved.filter((m) => m.level === 'cell')
    .map((m) => element('li', {}, `${number(m.m2)} m² from ${m.from} to ${m.to}`));
  into.replaceChildren(
    element('p', {}, `Red dashed: before; blue: after (${diff.features.length} outlines).`),
    moved.length ? element('ul', { class: 'moved' }, ...moved) : element('p', {}, 'No land moved between cells.'),
  );
}

/** Shows the city as version `v` was; `null`: follow the latest again. */
export async function view(map, v) {
  if (v === null || v === shown.latest) {
    shown.pinned = false;
    const { tiles, version } = await api.tileJsonOf(null);
    shown.latest = version;
    showTiles(map, tiles, version);
    latestStatus();
    return;
  }
  const { tiles } = await api.tileJsonOf(v);
  shown.pinned = true;
  showTiles(map, tiles, v);
  const back = element('button', { type: 'button', id: 'back-to-latest' }, 'Back to the latest');
  back.addEventListener('click', () => view(map, null));
  status(`Viewing version ${v}; the latest is ${shown.latest}. `, back);
}

/**
 * After this viewer committed `version`: lists it at once, and shows its map as
 * soon as the server has drawn it (until then tiles.json names the previous
 * version's tiles), asking every 300 ms rather than at the next poll.
 */
export async function followNow(map, version) {
  await refreshList();
  const until = Date.now() + 120_000;
  while (shown.latest < version && Date.now() < until) {
    await poll(map, refreshList);
    if (shown.latest < version) await sleep(300);
  }
}

/** For an admin, a form that makes a new version equal to version `v`. */
function revertForm(map, v) {
  const user = signedIn();
  if (user?.role !== 'admin' || v === shown.latest) return [];
  const id = `revert-message-${v}`;
  const message = element('input', { id, type: 'text', required: '', placeholder: 'why' });
  const said = element('p', { class: 'status', role: 'status' });
  const form = element('form', { class: 'revert' },
    element('label', { for: id }, `Revert to version ${v}: why?`), message,
    element('button', { type: 'submit' }, `Revert to version ${v}`), said);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      const done = await api.revert(v, message.value, user.token);
      said.textContent = `Version ${done.version} made, equal to version ${v}.`;
      await followNow(map, done.version);
    } catch (error) {
      said.textContent = `Not reverted: ${error.message}`;
    }
  });
  return [form];
}

function entry(map, v, goToBounds) {
  const details = element('div', { class: 'history-details' });
  const what = `${v.counts.changed} changed, ${v.counts.created} created, ${v.counts.retired} retired`;
  const showButton = element('button', { type: 'button', class: 'history-show', 'data-version': String(v.version) },
    `Version ${v.version}`);
  showButton.addEventListener('click', async () => {
    try {
      const viewButton = element('button', { type: 'button', class: 'history-view' }, `View the city as of version ${v.version}`);
      viewButton.addEventListener('click', () => view(map, v.version));
      const diffBox = element('div');
      details.replaceChildren(viewButton, ...revertForm(map, v.version), diffBox);
      if (v.version > 1) await showDiff(map, v.version, goToBounds, diffBox);
    } catch (error) {
      details.replaceChildren(element('p', {}, `Cannot show version ${v.version}: ${error.message}`));
    }
  });
  return element('li', {},
    showButton,
    element('span', { class: 'history-meta' }, ` ${v.created_at.replace('T', ' ').slice(0, 19)} UTC, ${v.author}: ${v.message} (${what})`),
    details);
}

/** Fills the History list with the newest versions. */
async function list(map, goToBounds) {
  const answer = await api.versions(20);
  document.getElementById('history-list')
    .replaceChildren(...answer.versions.map((v) => entry(map, v, goToBounds)));
}

/** Adds the diff layers, and starts following the head; `hasStore` (the viewer
 * config's `history`): whether the server keeps versions to list. */
export async function setUpHistory(map, goToBounds, version, hasStore) {
  map.addSource('diff', { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
  map.addLayer({ id: 'diff-before', type: 'line', source: 'diff', filter: ['==', ['get', 'side'], 'before'],
    paint: { 'line-color': '#d7191c', 'line-width': 3, 'line-dasharray': [2, 1.5] } });
  map.addLayer({ id: 'diff-after', type: 'line', source: 'diff', filter: ['==', ['get', 'side'], 'after'],
    paint: { 'line-color': '#2c7bb6', 'line-width': 2.5 } });
  shown.latest = version;
  shown.version = version;
  document.body.dataset.version = String(version);
  latestStatus();
  if (!hasStore) {
    document.getElementById('history-list').replaceChildren(
      element('li', {}, 'This server serves a file, its only version: history needs a store (citygrid serve --store).'));
    return;
  }
  refreshList = async () => {
    try {
      await list(map, goToBounds);
    } catch (error) {
      document.getElementById('history-list').replaceChildren(element('li', {}, `Cannot list versions: ${error.message}`));
    }
  };
  await refreshList();
  setInterval(() => poll(map, refreshList), POLL_MS);
}
