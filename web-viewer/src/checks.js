// The check view: a report written by `citygrid check --format geojson`, loaded
// from a file, drawn over the cells and listed in the side panel; choosing a
// problem zooms to it. Reports are drawn in WGS84 (or CGCS2000, the same to
// within centimetres); one in another system is refused with the command that
// converts it.

import * as api from './api.js';
import { element } from './dom.js';

const SOURCE = 'checks';
const RED = '#d7191c';
const WGS84_NAMES = [/crs84/i, /epsg::?4326$/i, /epsg::?4490$/i, /^wgs84$/i, /^cgcs2000$/i];

/** [west, south, east, north] of a GeoJSON geometry, or null when it has none. */
export function geometryBounds(geometry) {
  if (!geometry) return null;
  const box = [Infinity, Infinity, -Infinity, -Infinity];
  const walk = (c) => {
    if (typeof c[0] === 'number') {
      box[0] = Math.min(box[0], c[0]); box[1] = Math.min(box[1], c[1]);
      box[2] = Math.max(box[2], c[0]); box[3] = Math.max(box[3], c[1]);
    } else c.forEach(walk);
  };
  const geometries = geometry.type === 'GeometryCollection' ? geometry.geometries : [geometry];
  geometries.forEach((g) => walk(g.coordinates));
  return Number.isFinite(box[0]) ? box : null;
}

/** The report's problems, or an Error saying why the file is not a report. */
export function parseReport(text) {
  let report;
  try {
    report = JSON.parse(text);
  } catch (error) {
    throw new Error(`not JSON: ${error.message}`);
  }
  if (report?.type !== 'FeatureCollection' || !Array.isArray(report.features)) {
    throw new Error('not a GeoJSON FeatureCollection: expected the output of citygrid check --format geojson');
  }
  const crs = report.crs?.properties?.name;
  if (crs && !WGS84_NAMES.some((re) => re.test(crs))) {
    throw new Error(`its coordinates are in ${crs}; convert it first: citygrid convert report.geojson report-wgs84.geojson --to wgs84`);
  }
  return report.features
    .filter((f) => f?.properties?.rule)
    .map((f, i) => ({ ...f, properties: { ...f.properties, id: f.properties.id ?? i + 1 } }));
}

function summary(problems) {
  const counts = new Map();
  for (const p of problems) counts.set(p.properties.rule, (counts.get(p.properties.rule) ?? 0) + 1);
  const parts = [...counts].map(([rule, n]) => `${n} ${rule}`);
  return problems.length === 0
    ? 'The report lists no problems: the partition is valid.'
    : `${problems.length} problem${problems.length === 1 ? '' : 's'}: ${parts.join(', ')}. Choose one to zoom to it.`;
}

function addLayers(map) {
  const before = map.getLayer('labels') ? 'labels' : undefined;
  const polygons = ['match', ['geometry-type'], ['Polygon', 'MultiPolygon'], true, false];
  const points = ['match', ['geometry-type'], ['Point', 'MultiPoint'], true, false];
  map.addLayer({ id: 'checks-fill', type: 'fill', source: SOURCE, filter: polygons, paint: { 'fill-color': RED, 'fill-opacity': 0.35 } }, before);
  map.addLayer({ id: 'checks-line', type: 'line', source: SOURCE, paint: { 'line-color': RED, 'line-width': 2.5 } }, before);
  map.addLayer({
    id: 'checks-point', type: 'circle', source: SOURCE, filter: points,
    paint: { 'circle-color': RED, 'circle-radius': 6, 'circle-stroke-color': '#fff', 'circle-stroke-width': 1.5 },
  }, before);
  map.addLayer({
    id: 'checks-selected', type: 'line', source: SOURCE, filter: ['==', ['get', 'id'], -1],
    paint: { 'line-color': '#111', 'line-width': 5, 'line-opacity': 0.8 },
  }, before);
}

function describe(p) {
  const { rule, size, size_unit: unit, cells } = p.properties;
  const measure = size === null || size === undefined ? '' : ` ${size.toLocaleString('en')} ${unit === 'm2' ? 'm²' : unit ?? ''}`;
  return [element('span', { class: 'rule' }, rule), measure, cells ? ` — ${cells.split(',').join(', ')}` : ''];
}

/** Wires the file input, the map layers and the list of problems. */
export function setUpChecks(map, goToBounds) {
  const input = document.getElementById('report-file');
  const status = document.getElementById('report-status');
  const list = document.getElementById('report-list');

  const zoomTo = async (p) => {
    map.setFilter('checks-selected', ['==', ['get', 'id'], p.properties.id]);
    let bounds = geometryBounds(p.geometry);
    if (!bounds && p.properties.cells) {
      const first = p.properties.cells.split(',')[0];
      bounds = (await api.search(first, 1)).results[0]?.bbox ?? null;
    }
    if (bounds) goToBounds(bounds);
    status.textContent = `Problem ${p.properties.id}: ${p.properties.message ?? p.properties.rule}`;
  };

  input.addEventListener('change', async () => {
    const file = input.files?.[0];
    if (!file) return;
    let problems;
    try {
      problems = parseReport(await file.text());
    } catch (error) {
      status.textContent = `${file.name} cannot be shown: ${error.message}`;
      return;
    }
    const data = { type: 'FeatureCollection', features: problems.filter((p) => p.geometry) };
    if (map.getSource(SOURCE)) {
      map.getSource(SOURCE).setData(data);
    } else {
      map.addSource(SOURCE, { type: 'geojson', data });
      addLayers(map);
    }
    map.setFilter('checks-selected', ['==', ['get', 'id'], -1]);
    status.textContent = `${file.name}: ${summary(problems)}`;
    list.replaceChildren(...problems.map((p) => {
      const button = element('button', { type: 'button', 'data-id': String(p.properties.id) }, ...describe(p));
      if (p.properties.message) button.append(element('br'), element('small', {}, p.properties.message));
      button.addEventListener('click', () => zoomTo(p));
      return element('li', {}, button);
    }));
  });
}
