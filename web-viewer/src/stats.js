// Statistics in the viewer: every number a layer gives per cell (points counted, sums
// of numeric fields, handled rates of events, raster sums and means) as a "Colour
// cells by" choice with quantile classes and a legend, a time window for layers with
// times, and a unit's figures and staff in the side panel. Figures are always of the
// version the map shows (`document.body.dataset.version`, kept by history.js), and
// are asked again when it changes.

import * as api from './api.js';
import { element } from './dom.js';
import { openButton } from './open3d.js';
import { CHOROPLETH_PALETTE, NO_DATA } from './style.js';

const number = (v) => (Number.isInteger(v) ? v.toLocaleString('en') : v.toLocaleString('en', { maximumFractionDigits: 2 }));

/** The version the map shows, as a query parameter (none before history.js knows it). */
export const shownVersion = () => {
  const v = document.body.dataset.version;
  return v && v !== 'null' ? { version: v } : {};
};

/** The figures of a layer that can colour cells: `{layer, label, path, times}`. */
export function measures(layer) {
  const base = { layer: layer.name, times: layer.kind === 'entity' && layer.times.length > 0 };
  if (layer.error || layer.kind === 'tileset') return [];
  if (layer.kind === 'raster') {
    return [
      { ...base, label: `${layer.name}: sum per cell`, path: ['sum'] },
      { ...base, label: `${layer.name}: mean per cell`, path: ['mean'] },
    ];
  }
  const numeric = layer.fields.filter((f) => f.type === 'integer' || f.type === 'real');
  return [
    { ...base, label: `${layer.name}: points per cell`, path: ['count'] },
    ...numeric.map((f) => ({ ...base, label: `${layer.name}: sum of ${f.name}`, path: ['sum', f.name] })),
    ...layer.times.slice(1).map((t) => ({ ...base, label: `${layer.name}: ${t} rate`, path: ['rates', t] })),
  ];
}

const valueAt = (row, path) => path.reduce((v, k) => (v == null ? null : v[k]), row);

/** Up to five classes of about equal counts: the upper bounds of all but the last. */
export function quantileBreaks(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const breaks = [];
  for (let i = 1; i < CHOROPLETH_PALETTE.length; i += 1) {
    const b = sorted[Math.floor((sorted.length * i) / CHOROPLETH_PALETTE.length)];
    if (b !== undefined && (breaks.length === 0 || b > breaks[breaks.length - 1]) && b > sorted[0]) breaks.push(b);
  }
  return breaks;
}

/** `fill-color`: a `match` on the cells' feature ids (their numeric codes), class by class. */
export function statColour(rows, path, breaks) {
  const classes = CHOROPLETH_PALETTE.map(() => []);
  for (const row of rows) {
    const v = valueAt(row, path);
    if (v == null) continue;
    const k = breaks.findIndex((b) => v < b);
    classes[k === -1 ? breaks.length : k].push(Number(row.code));
  }
  const branches = classes.flatMap((ids, k) => (ids.length ? [ids, CHOROPLETH_PALETTE[k]] : []));
  return branches.length ? ['match', ['id'], ...branches, NO_DATA] : NO_DATA;
}

function legendRows(breaks, values) {
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const bounds = [lo, ...breaks, hi];
  return bounds.slice(0, -1).map((low, i) => {
    const high = bounds[i + 1];
    const text = i === bounds.length - 2 ? `${number(low)} to ${number(high)}` : `${number(low)} to under ${number(high)}`;
    return element('div', { class: 'legend-row' },
      element('span', { class: 'swatch', style: `background:${CHOROPLETH_PALETTE[i]}`, 'aria-hidden': 'true' }), text);
  });
}

/** A date input's value as the start of that day in the city (+08:00). */
const day = (value) => (value ? `${value}T00:00:00+08:00` : undefined);

/**
 * A "Colour cells by" choice for one measure: `apply(map, legend)` fetches the
 * figures of the version shown (in the window set in the legend) and colours the
 * cells; it is called again when the version changes.
 */
export function statChoice(measure) {
  const window = { from: '', to: '' };
  const choice = {
    id: `stat-${measure.layer}-${measure.path.join('.')}`,
    label: measure.label,
    async apply(map, legend) {
      const params = { layer: measure.layer, level: 'cell', ...shownVersion() };
      if (measure.times && window.from) params.from = day(window.from);
      if (measure.times && window.to) params.to = day(window.to);
      legend.replaceChildren(element('p', { class: 'status' }, `Loading ${measure.label}…`));
      let table;
      try {
        table = await api.stats(params);
      } catch (error) {
        legend.replaceChildren(element('p', { role: 'alert' }, `${measure.label}: ${error.message}`));
        return;
      }
      const values = table.rows.map((r) => valueAt(r, measure.path)).filter((v) => v != null);
      const breaks = quantileBreaks(values);
      map.setPaintProperty('cells-fill', 'fill-color', statColour(table.rows, measure.path, breaks));
      const parts = [element('p', {}, `${measure.label}, version ${table.version}`
        + `${table.from || table.to ? `, ${table.from ?? 'start'} to ${table.to ?? 'now'}` : ''}`
        + `: ${values.length ? `${CHOROPLETH_PALETTE.length} classes of about equal counts` : 'no values'}:`)];
      if (values.length) parts.push(...legendRows(breaks, values));
      parts.push(element('div', { class: 'legend-row' },
        element('span', { class: 'swatch', style: `background:${NO_DATA}`, 'aria-hidden': 'true' }), 'no value'));
      if (measure.times) parts.push(windowForm(window, () => choice.apply(map, legend)));
      legend.replaceChildren(...parts);
      document.body.dataset.colour = choice.id;
    },
  };
  return choice;
}

/** From and to dates for a layer with times; applying them colours again. */
function windowForm(window, again) {
  const from = element('input', { type: 'date', id: 'stats-from', value: window.from });
  const to = element('input', { type: 'date', id: 'stats-to', value: window.to });
  const form = element('form', { class: 'stats-window', 'aria-label': 'Time window' },
    element('label', { for: 'stats-from' }, 'From '), from,
    element('label', { for: 'stats-to' }, ' to (excluded) '), to,
    element('button', { type: 'submit' }, 'Apply'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    window.from = from.value;
    window.to = to.value;
    again();
  });
  return form;
}

/** The stat choices of the server's layers (none without a store or layers). */
export async function statChoices() {
  try {
    const { layers } = await api.layers();
    return layers.flatMap(measures).map(statChoice);
  } catch {
    return [];
  }
}

/** Calls `changed` whenever the map shows another version. */
export function onVersionChange(changed) {
  let last = document.body.dataset.version;
  new MutationObserver(() => {
    if (document.body.dataset.version !== last) {
      last = document.body.dataset.version;
      changed();
    }
  }).observe(document.body, { attributes: true, attributeFilter: ['data-version'] });
}

const ROLE_NAMES = { cell_head: 'Cell head 网格长', cell_worker: 'Cell worker 网格员', cell_police: 'Cell police 网格警员', department_contact: 'Department contact' };

/**
 * A tileset's row: for a cell, the share of it its finest tiles cover and "Open in
 * 3D" when they cover any of it; for a larger unit, where to open it.
 */
function tilesetFigures(name, row, code) {
  if (row.covered === undefined) return [name, '3D tiles: open one of its cells in 3D'];
  if (!(row.covered > 0)) return [name, 'no 3D tiles over this cell'];
  const percent = row.covered >= 0.995 ? '100' : (row.covered * 100).toFixed(row.covered < 0.1 ? 1 : 0);
  return [name, element('span', { class: 'tileset' },
    `${percent} % covered, ${number(row.tiles)} tiles `, openButton(code, name, shownVersion().version))];
}

function layerFigures(name, row, code) {
  if (row?.kind === 'tileset') return tilesetFigures(name, row, code);
  if (row === null) return [name, 'no data'];
  if (row.error) return [name, row.error];
  if (row.kind === 'raster') {
    return [name, row.count > 0 ? `sum ${number(row.sum)}, mean ${number(row.mean)} (${number(row.coverage_m2 / 1e6)} km² covered)` : 'no data'];
  }
  const parts = [`${number(row.count)} points`];
  for (const [field, v] of Object.entries(row.sum ?? {})) parts.push(`${field} ${number(v)}`);
  for (const [t, rate] of Object.entries(row.rates ?? {})) {
    if (rate != null) parts.push(`${t} ${(rate * 100).toFixed(2)}%`);
  }
  const groups = Object.entries(row.groups ?? {}).sort((a, b) => b[1] - a[1]).slice(0, 4)
    .map(([g, c]) => `${g} ${number(c)}`);
  if (groups.length) parts.push(`(${groups.join(', ')}${Object.keys(row.groups).length > 4 ? ', …' : ''})`);
  return [name, parts.join('; ')];
}

/**
 * Appends a unit's figures in every layer, and a cell's staff, to the panel's
 * section `into` (nothing when the server has no layers).
 */
export async function showFigures(code, into) {
  let answer;
  try {
    answer = await api.unitStats(code, shownVersion());
  } catch {
    return;
  }
  const title = document.querySelector('#info .unit');
  if (!title || title.dataset.code !== code) return; // another unit was chosen meanwhile
  const rows = Object.entries(answer.layers).map(([name, row]) => layerFigures(name, row, code));
  if (rows.length) {
    const dl = element('dl', { class: 'figures' });
    for (const [term, value] of rows) dl.append(element('dt', {}, term), element('dd', {}, value));
    into.append(element('h3', {}, `Figures (version ${answer.version})`), dl);
  }
  if (answer.staff?.length) {
    const ul = element('ul', { class: 'staff' });
    for (const p of answer.staff) ul.append(element('li', {}, `${ROLE_NAMES[p.role] ?? p.role}: ${p.name}, ${p.phone}`));
    into.append(element('h3', {}, 'Staff'), ul);
  }
}
