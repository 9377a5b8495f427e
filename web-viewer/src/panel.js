// The side panel's "Cell" section: what the map's selection is, with its figures in
// every layer and its staff (stats.js). Its section is an aria-live region, so a
// screen reader reads the new content after each click.

import { element } from './dom.js';
import { showFigures } from './stats.js';

const LEVEL_NAMES = { city: 'City', district: 'District', township: 'Township', village: 'Village', cell: 'Cell' };

const section = () => document.getElementById('info');


function list(rows) {
  const dl = element('dl');
  for (const [term, value, className] of rows) {
    dl.append(element('dt', {}, term), element('dd', className ? { class: className } : {}, value));
  }
  return dl;
}

const degrees = (v) => v.toFixed(6);

const formatValue = (v) => (typeof v === 'number' ? v.toLocaleString('en') : String(v));

function render(title, ...children) {
  const s = section();
  s.replaceChildren(element('h2', { id: 'info-title' }, title), ...children);
}

/**
 * Shows a unit: a lookup answer's `cell` or a `/v1/units/{code}` answer, with the
 * clicked point (`point`: WGS84, `gcj02`) when there is one.
 */
export function showUnit(unit, point) {
  const level = LEVEL_NAMES[unit.level] ?? unit.level;
  const heading = element('p', { class: 'unit', 'data-code': unit.code },
    element('strong', { class: 'code' }, unit.code), ' ', unit.name);
  const attributes = Object.entries(unit.attributes ?? {}).map(([k, v]) => [k, formatValue(v)]);
  if (unit.area_m2 !== undefined && !('area_m2' in (unit.attributes ?? {}))) {
    attributes.push(['area_m2', formatValue(Math.round(unit.area_m2))]);
  }
  const parts = [heading];
  if (attributes.length) parts.push(element('h3', {}, 'Attributes'), list(attributes));
  if (unit.ancestors?.length) {
    parts.push(element('h3', {}, 'Within'),
      list(unit.ancestors.map((a) => [LEVEL_NAMES[a.level] ?? a.level, `${a.name} (${a.code})`])));
  }
  if (unit.children?.length) parts.push(element('p', {}, `${unit.children.length} units below it.`));
  if (point) {
    const rows = [['WGS84', `${degrees(point.lon)}, ${degrees(point.lat)}`, 'code']];
    if (point.gcj02) rows.push(['GCJ-02', `${degrees(point.gcj02.lon)}, ${degrees(point.gcj02.lat)}`, 'code']);
    parts.push(element('h3', {}, 'Point (longitude, latitude)'), list(rows));
  }
  render(level, ...parts);
  showFigures(unit.code, section());
}

/** Says there is no cell at a point. */
export function showNothing(point) {
  render('Cell', element('p', {}, `No cell at ${degrees(point.lon)}, ${degrees(point.lat)}: outside the city.`));
}

/** Says something went wrong. */
export function showError(message) {
  render('Cell', element('p', { role: 'alert' }, message));
}

