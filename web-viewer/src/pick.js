// Which cells an edit is about: the cell under a point of the map (a click, the
// middle of a drawn line), and the outlines of the cells a tool has picked, drawn
// from their exact geometry.

import * as api from './api.js';

const SOURCE = 'edit-picked';

/** The cell drawn at pixel `p` of the map: `{code, name}`, or null off the cells. */
function cellAtPixel(map, p) {
  const f = map.queryRenderedFeatures([[p.x - 1, p.y - 1], [p.x + 1, p.y + 1]], { layers: ['cells-fill'] })[0];
  return f ? { code: f.properties.code, name: f.properties.name } : null;
}

/** The cell at WGS84 `[lon, lat]`, as drawn on the map, or null. */
export const cellAt = (map, position) => cellAtPixel(map, map.project(position));

/** The codes of the cells drawn within `px` pixels of WGS84 `[lon, lat]`. */
export function cellsNear(map, position, px) {
  const p = map.project(position);
  const near = map.queryRenderedFeatures([[p.x - px, p.y - px], [p.x + px, p.y + px]], { layers: ['cells-fill'] });
  return [...new Set(near.map((f) => f.properties.code))];
}

/** The point halfway along a line, by length on the screen. */
export function halfway(map, line) {
  const points = line.map((position) => map.project(position));
  const lengths = points.slice(1).map((p, i) => Math.hypot(p.x - points[i].x, p.y - points[i].y));
  let left = lengths.reduce((a, b) => a + b, 0) / 2;
  for (let i = 0; i < lengths.length; i += 1) {
    if (left <= lengths[i] && lengths[i] > 0) {
      const t = left / lengths[i];
      return [line[i][0] + t * (line[i + 1][0] - line[i][0]), line[i][1] + t * (line[i + 1][1] - line[i][1])];
    }
    left -= lengths[i];
  }
  return line[0];
}

/** Adds the layer of picked cells' outlines to `map`. */
export function addPickedLayer(map) {
  map.addSource(SOURCE, { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
  map.addLayer({ id: SOURCE, type: 'line', source: SOURCE, paint: { 'line-color': '#6a1b9a', 'line-width': 4, 'line-dasharray': [2, 1] } });
}

/** Outlines the cells `codes` of version `version` (none: clears). */
export async function showPicked(map, codes, version) {
  const features = await Promise.all(codes.map((code) => api.cell(code, version)));
  map.getSource(SOURCE).setData({ type: 'FeatureCollection', features });
}
