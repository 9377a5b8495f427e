// The viewer's entry point: reads the server's settings, colours and TileJSON,
// makes the map, and wires the hover, click, search, colour, check and history
// views and the editing tools.
//
// For the end-to-end tests (and a look from the browser console): the map is
// `window.citygrid.map`, and `document.body.dataset.map` is "idle" once the map has
// drawn everything it needs and "moving" while it loads or moves.

import { Map, NavigationControl, ScaleControl, setWorkerUrl } from 'maplibre-gl';

import * as api from './api.js';
import { setUpViewAsOf } from './asof.js';
import { setUpChecks } from './checks.js';
import { setUpColourBy } from './choropleth.js';
import { setUpHistory } from './history.js';
import { setUpOverlays } from './overlays.js';
import { showError, showNothing, showUnit } from './panel.js';
import { setUpSearch } from './search.js';
import { setUpSession } from './session.js';
import { followPointer, select } from './select.js';
import { buildStyle } from './style.js';
import { editing, setUpEditing } from './tools.js';

setWorkerUrl(new URL('maplibre-gl-worker.mjs', import.meta.url).href);

const FIT = { padding: 48, maxZoom: 16.5, duration: 600 };

/** Looks up the cell at a point and shows it with the point in WGS84 and GCJ-02. */
async function lookUp(map, lngLat) {
  const point = { lon: lngLat.lng, lat: lngLat.lat };
  try {
    const [answer, gcj02] = await Promise.all([api.lookup(point.lon, point.lat), api.toGcj02(point.lon, point.lat)]);
    if (!answer) {
      select(map, null, null);
      showNothing(point);
      return;
    }
    select(map, 'cell', answer.cell.code);
    showUnit(answer.cell, { ...point, gcj02 });
  } catch (error) {
    showError(`Lookup failed: ${error.message}`);
  }
}

async function start() {
  setUpSession();
  const [config, colours, { tiles, version }] = await Promise.all([api.viewerConfig(), api.colours(), api.tileJsonOf(null)]);
  const style = buildStyle({ tiles, colours, config });
  const map = new Map({
    container: 'map',
    style,
    bounds: tiles.bounds,
    fitBoundsOptions: { padding: 24 },
    maxZoom: 18,
    attributionControl: { compact: false },
  });
  window.citygrid = { map };
  document.body.dataset.map = 'moving';
  map.on('movestart', () => { document.body.dataset.map = 'moving'; });
  map.on('dataloading', () => { document.body.dataset.map = 'moving'; });
  map.on('idle', () => { document.body.dataset.map = 'idle'; });
  map.addControl(new NavigationControl({ showCompass: false }), 'top-left');
  map.addControl(new ScaleControl(), 'bottom-left');
  map.on('error', (event) => console.error('map:', event.error?.message ?? event.error));

  const goToBounds = ([w, s, e, n]) => map.fitBounds([[w, s], [e, n]], FIT);
  map.on('load', () => {
    followPointer(map);
    setUpColourBy(map, config, colours);
    setUpOverlays(map);
    setUpChecks(map, goToBounds);
    setUpHistory(map, goToBounds, version, config.history);
    setUpViewAsOf(map, config.history);
    setUpEditing(map, config.history);
  });
  // While a tool is in hand, clicks and Enter on the map are the tool's.
  map.on('click', (event) => { if (!editing()) lookUp(map, event.lngLat); });
  // Keyboard users select with Enter: the cell at the centre of the map.
  map.getCanvas().addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !editing()) lookUp(map, map.getCenter());
  });
  setUpSearch(async (result) => {
    if (result.bbox) goToBounds(result.bbox);
    select(map, result.level, result.code);
    try {
      showUnit(await api.unit(result.code));
    } catch (error) {
      showError(`Cannot show ${result.code}: ${error.message}`);
    }
  });
}

start().catch((error) => {
  showError(`The viewer could not start: ${error.message}`);
  console.error(error);
});
