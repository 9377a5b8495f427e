// Live validation of the edit being made: the edit is sent as a dry run
// (`POST /v1/edits` with `"dry_run": true`) 250 ms after it last changed, so the
// answer follows the pointer without a request per pixel; an older answer arriving
// late is dropped (its request is aborted). A refusal's located problems (gap,
// overlap, sliver, outside parent: the checker's objects, docs/edits.md) are drawn
// on the map in red and listed with the check's message.

import * as api from './api.js';
import { element } from './dom.js';

const SOURCE = 'edit-problems';
const RED = '#d7191c';
const DEBOUNCE_MS = 250;

const EMPTY = { type: 'FeatureCollection', features: [] };

function addLayers(map) {
  map.addSource(SOURCE, { type: 'geojson', data: EMPTY });
  const is = (...types) => ['match', ['geometry-type'], types, true, false];
  map.addLayer({ id: `${SOURCE}-fill`, type: 'fill', source: SOURCE, filter: is('Polygon', 'MultiPolygon'), paint: { 'fill-color': RED, 'fill-opacity': 0.4 } });
  map.addLayer({ id: `${SOURCE}-line`, type: 'line', source: SOURCE, paint: { 'line-color': RED, 'line-width': 3 } });
  map.addLayer({
    id: `${SOURCE}-point`, type: 'circle', source: SOURCE, filter: is('Point', 'MultiPoint'),
    paint: { 'circle-color': RED, 'circle-radius': 8, 'circle-stroke-color': '#fff', 'circle-stroke-width': 2 },
  });
}

function describe(problem) {
  const size = problem.size ? ` (${problem.size.value.toLocaleString('en')} ${problem.size.unit === 'm2' ? 'm²' : problem.size.unit})` : '';
  const where = problem.location ? '' : ' (no place given)';
  return element('li', {}, element('span', { class: 'rule' }, problem.rule), `${size}: ${problem.message}${where}`);
}

/**
 * A dry-run answer as what the tools need: `{state: 'valid', answer}`, `{state:
 * 'invalid', message, problems}`, `{state: 'conflict', error}` or `{state:
 * 'refused', message}` (403, 400: nothing to draw).
 */
function verdict({ status, body }) {
  if (status === 200) return { state: 'valid', answer: body };
  const error = body?.error ?? { message: `HTTP ${status}` };
  if (status === 422) return { state: 'invalid', message: error.message, problems: error.problems ?? [] };
  if (status === 409) return { state: 'conflict', error };
  return { state: 'refused', message: error.message };
}

/**
 * Sets up the problem layers on `map` and the list `list`; `onVerdict(verdict)`
 * hears each dry run's answer. Returns `{check(body, token), show(verdict), clear()}`.
 */
export function createValidator(map, list, onVerdict) {
  addLayers(map);
  let timer = null;
  let controller = null;

  const show = (v) => {
    const problems = v.state === 'invalid' ? v.problems : [];
    map.getSource(SOURCE).setData({
      type: 'FeatureCollection',
      features: problems.filter((p) => p.location)
        .map((p) => ({ type: 'Feature', geometry: p.location, properties: { rule: p.rule, message: p.message } })),
    });
    list.replaceChildren(...problems.map(describe));
  };

  const clear = () => {
    clearTimeout(timer);
    controller?.abort();
    controller = null;
    map.getSource(SOURCE).setData(EMPTY);
    list.replaceChildren();
  };

  const run = async (body, token) => {
    controller?.abort();
    const mine = new AbortController();
    controller = mine;
    let v;
    try {
      v = verdict(await api.edit({ ...body, dry_run: true }, token, mine.signal));
    } catch (error) {
      if (mine.signal.aborted) return;
      v = { state: 'refused', message: `the server did not answer: ${error.message}` };
    }
    if (controller !== mine) return;
    controller = null;
    show(v);
    onVerdict(v);
  };

  return {
    /** Dry-runs `body` (an edit request) for `token` once it stops changing. */
    check(body, token) {
      clearTimeout(timer);
      controller?.abort();
      controller = null;
      timer = setTimeout(() => run(body, token), DEBOUNCE_MS);
    },
    /** Shows a real save's refusal like a dry run's. */
    show: (answer) => {
      const v = verdict(answer);
      show(v);
      return v;
    },
    clear,
  };
}
