// 2D layers on the map: each raster layer of the server (population grids, land use)
// can be drawn over the cells' fills and under their lines, from its PNG map tiles
// (`/v1/layers/{name}/tiles.json`), with the ramp's legend. Layers whose raster
// cannot be read are listed with the reason, not offered.

import * as api from './api.js';
import { element } from './dom.js';

const sourceId = (name) => `overlay-${name}`;

function legend(tilejson) {
  const { lo, hi, colours } = tilejson.legend;
  const ramp = element('span', {
    class: 'ramp',
    style: `background: linear-gradient(to right, ${colours.join(', ')})`,
    'aria-hidden': 'true',
  });
  return element('p', { class: 'overlay-legend' }, `${lo.toLocaleString('en')} `, ramp, ` ${hi.toLocaleString('en')}; zero and no data clear`);
}

async function show(map, name, into) {
  const tilejson = await api.rasterTiles(name);
  map.addSource(sourceId(name), { type: 'raster', tiles: tilejson.tiles, tileSize: 256, bounds: tilejson.bounds, maxzoom: tilejson.maxzoom });
  map.addLayer({ id: sourceId(name), type: 'raster', source: sourceId(name), paint: { 'raster-opacity': 0.85 } }, 'cells-line');
  into.replaceChildren(legend(tilejson));
}

function hide(map, name, into) {
  if (map.getLayer(sourceId(name))) map.removeLayer(sourceId(name));
  if (map.getSource(sourceId(name))) map.removeSource(sourceId(name));
  into.replaceChildren();
}

/** Lists the raster layers in the "Layers" section, each a switch on the map. */
export async function setUpOverlays(map) {
  const list = document.getElementById('overlay-list');
  let layers = [];
  try {
    ({ layers } = await api.layers());
  } catch {
    // a server without a store has no layers
  }
  const rasters = layers.filter((l) => l.kind === 'raster');
  if (!rasters.length) {
    list.replaceChildren(element('p', { class: 'hint' }, 'No raster layers (citygrid layer import ... FILE.tif adds one).'));
    return;
  }
  list.replaceChildren(...rasters.map((layer) => {
    const id = `overlay-${layer.name}-switch`;
    const note = element('div', { class: 'overlay-note', 'aria-live': 'polite' });
    if (layer.error) {
      return element('p', { class: 'overlay' }, `${layer.name}: cannot be drawn (${layer.error})`);
    }
    const box = element('input', { type: 'checkbox', id, 'data-layer': layer.name });
    box.addEventListener('change', async () => {
      try {
        if (box.checked) await show(map, layer.name, note);
        else hide(map, layer.name, note);
      } catch (error) {
        box.checked = false;
        note.replaceChildren(element('span', { role: 'alert' }, `${layer.name}: ${error.message}`));
      }
    });
    return element('div', { class: 'overlay' },
      element('label', { for: id }, box, ` ${layer.name} (${layer.width} x ${layer.height} pixels, ${layer.crs})`), note);
  }));
}
