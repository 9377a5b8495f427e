// The form of the "Rename, set staff" tool: a cell's name, its `staff` (the people
// responsible for it; the attribute the API's examples use) and its other
// attributes, as the `attributes` of a `set` operation: only what differs from the
// cell, an emptied value as null (the API removes the attribute). `area_m2` is
// shown but not editable: it is measured from the geometry.

import { element } from './dom.js';

/** Attributes computed from the geometry, not typed. */
const MEASURED = new Set(['area_m2']);

/** What was typed, in the type of the value it replaces (a number stays a number). */
function typed(text, before) {
  const t = text.trim();
  if (t === '') return null;
  if (typeof before === 'number' && Number.isFinite(Number(t))) return Number(t);
  if (typeof before === 'boolean' && (t === 'true' || t === 'false')) return t === 'true';
  return t;
}

/**
 * The form for `unit` (a `/v1/units/{code}` answer); `onChange(changes)` hears the
 * `set` attributes after each keystroke (an empty object: nothing changed).
 */
export function attributesForm(unit, onChange) {
  const before = { name: unit.name, staff: null, ...unit.attributes };
  const inputs = new Map();
  const row = (key, label) => {
    const id = `attribute-${key}`;
    const value = before[key];
    const input = element('input', { id, type: 'text', value: value === null || value === undefined ? '' : String(value) });
    if (MEASURED.has(key)) input.readOnly = true;
    else inputs.set(key, input);
    return element('div', { class: 'attribute' }, element('label', { for: id }, label), input);
  };
  const newKey = element('input', { id: 'attribute-new-key', type: 'text', placeholder: 'e.g. police' });
  const newValue = element('input', { id: 'attribute-new-value', type: 'text' });
  const changes = () => {
    const out = {};
    for (const [key, input] of inputs) {
      const value = typed(input.value, before[key]);
      if (value !== (before[key] ?? null) && !(value === null && key === 'name')) out[key] = value;
    }
    const key = newKey.value.trim();
    const value = typed(newValue.value, null);
    if (key && value !== null && !(key in out) && !MEASURED.has(key)) out[key] = value;
    return out;
  };
  const form = element('fieldset', { class: 'attributes' },
    element('legend', {}, `${unit.code} ${unit.name}`),
    row('name', 'Name'),
    row('staff', 'Staff'),
    ...Object.keys(unit.attributes ?? {}).filter((k) => k !== 'staff').map((k) => row(k, k)),
    element('div', { class: 'attribute' }, element('label', { for: 'attribute-new-key' }, 'New attribute'), newKey),
    element('div', { class: 'attribute' }, element('label', { for: 'attribute-new-value' }, 'Its value'), newValue));
  form.addEventListener('input', () => onChange(changes()));
  return form;
}
