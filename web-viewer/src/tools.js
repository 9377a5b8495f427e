// The editing tools, for editors and admins signed in (session.js): one button per
// edit operation of the API (ops.js), and the state of the edit being made: the
// cells picked (pick.js), the shape drawn (draw.js), its live dry run (validate.js)
// and its save (save.js). While a tool is in hand the cells outside the token's
// district are greyed. Edits are made on the latest version: while the map shows an
// older one, the tools are off.
//
// Keyboard: the tools are buttons (arrow keys move between them, aria-pressed says
// which is in hand); Escape, from anywhere but a text field, cancels what is drawn
// or picked, and a second Escape puts the tool down; Enter on the map finishes a
// drawing (terra-draw). What the tool expects next is said in an aria-live status.
//
// For the tests: `document.body.dataset.tool` is the tool in hand, if any.

import * as api from './api.js';
import { attributesForm } from './attributes.js';
import { setUpDrawing } from './draw.js';
import { followNow, onShown } from './history.js';
import { element } from './dom.js';
import { TOOLS, operation, outside } from './ops.js';
import { addPickedLayer, cellAt, showPicked } from './pick.js';
import { setUpSave } from './save.js';
import { onSession } from './session.js';
import { createValidator } from './validate.js';

const edit = {
  tool: null,
  /** The version the edit is made on. */
  base: null,
  picked: [],
  shape: null,
  /** The `set` form's changes. */
  changes: {},
  /** Whether village, township and district boundaries may move (transfer, reshape). */
  moveParents: false,
  user: null,
  shown: { version: null, latest: null, pinned: false, readOnly: false },
};

/** Whether a tool is in hand: the map's clicks and Enter are the tool's then, not lookups. */
export const editing = () => edit.tool !== null;

const started = () => edit.picked.length > 0 || edit.shape !== null;

/** Says what the tool expects next, or what its dry run answered. */
function say(text) {
  const status = document.getElementById('edit-status');
  if (status.textContent !== text) status.textContent = text;
}

/** Says what became of a save (its own live region: the next edit's hints do not hide it). */
const told = (text) => { document.getElementById('save-status').textContent = text; };

function summary(answer) {
  const parts = [['changes', answer.changed], ['creates', answer.created], ['retires', answer.retired]]
    .filter(([, codes]) => codes.length).map(([verb, codes]) => `${verb} ${codes.join(', ')}`);
  return parts.join('; ') || 'changes nothing';
}

const request = (op, message) => ({ base_version: edit.base, message, crs: 'wgs84', ops: [op] });

/** Sets up the Edit section and the tools on `map`; `hasStore`: whether the server takes edits. */
export function setUpEditing(map, hasStore) {
  const section = document.getElementById('edit');
  const toolbar = document.getElementById('edit-tools');
  const picks = document.getElementById('edit-picks');
  const formBox = document.getElementById('edit-form');
  const moveParents = document.getElementById('move-parents');
  addPickedLayer(map);
  map.addLayer({
    id: 'edit-outside', type: 'fill', source: 'citygrid', 'source-layer': 'cells', minzoom: map.getLayer('cells-fill').minzoom,
    layout: { visibility: 'none' }, filter: ['boolean', false], paint: { 'fill-color': '#3b3b3b', 'fill-opacity': 0.45 },
  }, 'cells-line');

  let save = null;
  let validator = null;
  const update = () => {
    if (!edit.tool) return;
    const next = operation(map, edit);
    if (next.wait) {
      validator.clear();
      save.enable(false);
      say(next.wait);
      return;
    }
    // a dry run needs no message
    validator.check(request(next.op), edit.user.token);
  };
  const drawing = setUpDrawing(map, {
    onChange: (shape) => {
      edit.shape = shape;
      update();
    },
    onError: say,
  });

  const reset = () => {
    edit.picked = [];
    edit.shape = null;
    edit.changes = {};
    edit.base = edit.shown.version;
    drawing.end();
    picks.replaceChildren();
    formBox.replaceChildren();
    showPicked(map, [], edit.shown.version);
    validator.clear();
    save.enable(false);
  };
  /** Starts a new edit with the tool in hand. */
  const start = () => {
    if (edit.tool.draws && edit.tool.picks === 0) drawing.begin(edit.tool.draws);
    update();
  };
  const buttons = TOOLS.map((tool) => {
    const button = element('button', { type: 'button', class: 'tool', 'data-tool': tool.id, 'aria-pressed': 'false', 'aria-label': tool.label, title: tool.help }, tool.label);
    button.addEventListener('click', () => choose(edit.tool === tool ? null : tool));
    return button;
  });
  const choose = (tool) => {
    reset();
    told('');
    edit.tool = tool;
    for (const b of buttons) b.setAttribute('aria-pressed', String(b.dataset.tool === tool?.id));
    map.setLayoutProperty('edit-outside', 'visibility', tool ? 'visible' : 'none');
    document.getElementById('move-parents-row').hidden = !tool?.moves;
    moveParents.checked = false;
    edit.moveParents = false;
    if (tool) {
      document.body.dataset.tool = tool.id;
      start();
    } else {
      delete document.body.dataset.tool;
      say('Choose a tool to edit the cells.');
    }
  };
  const cancel = () => {
    reset();
    start();
    say(`Cancelled. ${operation(map, edit).wait}`);
  };

  const pick = async (cell) => {
    const { tool, picked } = edit;
    if (!cell) return say('There is no cell there.');
    if (outside(cell.code, edit.user)) return say(outside(cell.code, edit.user));
    if (picked.includes(cell.code)) return say(`Cell ${cell.code} is picked already.`);
    picked.push(cell.code);
    picks.append(element('li', { 'data-code': cell.code }, `${tool.pickNames[picked.length - 1]}: ${cell.code} ${cell.name}`));
    await showPicked(map, picked, edit.shown.version);
    if (picked.length === tool.picks && tool.draws) drawing.begin(tool.draws);
    if (picked.length === tool.picks && tool.id === 'set') {
      formBox.replaceChildren(attributesForm(await api.unit(cell.code), (changes) => {
        edit.changes = changes;
        update();
      }));
    }
    return update();
  };
  map.on('click', (event) => {
    if (edit.tool && edit.picked.length < edit.tool.picks) {
      pick(cellAt(map, [event.lngLat.lng, event.lngLat.lat])).catch((error) => say(`Cannot pick that cell: ${error.message}`));
    }
  });

  const reloadAndRedo = async (head) => {
    say(`Loading version ${head}…`);
    await followNow(map, head);
    edit.base = Math.max(head, edit.shown.version);
    await showPicked(map, edit.picked, edit.shown.version);
    update();
  };
  const saveEdit = async (message) => {
    const next = operation(map, edit);
    if (!next.op) return;
    save.enable(false);
    told('Saving…');
    let answer;
    try {
      answer = await api.edit(request(next.op, message), edit.user.token);
    } catch (error) {
      told(`Not saved: the server did not answer (${error.message}). Look for your message in the History before saving again.`);
      return;
    }
    if (answer.status === 200) {
      const { version } = answer.body;
      const what = summary(answer.body);
      save.done();
      reset();
      if (edit.tool) start();
      told(`Saved as version ${version}: ${what}. Its map follows in a moment.`);
      await followNow(map, version);
      told(edit.shown.version >= version ? `Version ${version} saved and shown: ${what}.`
        : `Version ${version} saved: ${what}. The server has not drawn its map yet; the map follows when it has.`);
      return;
    }
    const verdict = validator.show(answer);
    if (verdict.state === 'conflict') {
      told('Not saved: someone changed these cells since you began.');
      await save.conflict(verdict.error, edit.base, reloadAndRedo);
    } else {
      told(`Not saved: ${verdict.message}`);
    }
  };
  save = setUpSave(saveEdit);
  validator = createValidator(map, document.getElementById('edit-problems'), (verdict) => {
    const complete = !edit.tool.draws || edit.shape?.finished;
    if (verdict.state === 'valid') {
      say(`Allowed: ${summary(verdict.answer)}.${complete ? ' Say why, then Save.' : ' Finish the drawing (Enter, or a click on its last point) to save it.'}`);
      save.enable(complete);
    } else if (verdict.state === 'conflict') {
      say('Someone changed these cells since you began.');
      save.conflict(verdict.error, edit.base, reloadAndRedo);
    } else {
      say(`Not allowed: ${verdict.message}`);
      save.enable(false);
    }
  });

  toolbar.replaceChildren(...buttons);
  toolbar.addEventListener('keydown', (event) => {
    if (event.key !== 'ArrowRight' && event.key !== 'ArrowLeft') return;
    const i = buttons.indexOf(document.activeElement);
    buttons[(i + (event.key === 'ArrowRight' ? 1 : buttons.length - 1)) % buttons.length].focus();
    event.preventDefault();
  });
  document.addEventListener('keydown', (event) => {
    if (event.key !== 'Escape' || !edit.tool || event.target.closest?.('input, textarea, select')) return;
    if (started()) cancel();
    else choose(null);
  });
  moveParents.addEventListener('change', () => {
    edit.moveParents = moveParents.checked;
    update();
  });

  onShown((shown) => {
    const wasReadOnly = edit.shown.readOnly;
    edit.shown = shown;
    drawing.follow(shown.version);
    if (!started()) edit.base = shown.version;
    for (const b of buttons) b.disabled = shown.pinned || shown.readOnly || !hasStore;
    if (shown.pinned && edit.tool) {
      choose(null);
      say(`The map shows version ${shown.version}: edits are made on the latest, go back to it to edit.`);
    } else if (shown.readOnly) {
      // A drawing in hand is kept: Save answers 503 until the database is back.
      say('The server cannot reach its database: edits wait until it is back (the map and lookups go on).');
    } else if (wasReadOnly) {
      say('The server reaches its database again: edits are taken.');
    }
  });
  onSession((user) => {
    edit.user = user;
    const may = Boolean(user && (user.role === 'editor' || user.role === 'admin'));
    section.hidden = !may;
    if (edit.tool && !may) choose(null);
    map.setFilter('edit-outside', user?.district
      ? ['!=', ['slice', ['get', 'code'], 0, user.district.length], user.district] : ['boolean', false]);
    if (!may) return;
    if (!hasStore) {
      for (const b of buttons) b.disabled = true;
      say('This server serves a file, which takes no edits: editing needs a store (citygrid serve --store).');
    } else {
      say(`Choose a tool to edit the cells${user.district ? ` of district ${user.district}` : ''}.`);
    }
  });
}
