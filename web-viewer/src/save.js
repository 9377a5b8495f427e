// Saving an edit: the Save button is enabled only for an edit whose dry run was
// valid, and asks for a message (every version says why it was made). A conflict
// (409: units the edit touches changed since the version it was drawn on) says
// who changed what since, from the versions after the edit's base, and offers to
// reload the latest version and redo: the drawing is kept, to be checked again
// there and saved.

import * as api from './api.js';
import { element } from './dom.js';

/** The versions after `base` up to `head`, newest first (at most 20). */
async function versionsSince(base, head) {
  const answer = await api.versions(Math.min(Math.max(head - base, 1), 20), { brief: false });
  return answer.versions.filter((v) => v.version > base);
}

/**
 * Wires the save form; `onSave(message)` saves the edit with its message. Returns
 * `{enable(on), done(), conflict(error, base, onReload)}`.
 */
export function setUpSave(onSave) {
  const form = document.getElementById('save-form');
  const message = document.getElementById('save-message');
  const button = document.getElementById('save-button');
  const box = document.getElementById('edit-conflict');
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!button.disabled) onSave(message.value.trim());
  });
  return {
    /** Allows saving (a valid edit) or not. */
    enable(on) {
      button.disabled = !on;
      if (on) box.replaceChildren();
    },
    /** Forgets the message of a saved edit. */
    done() {
      message.value = '';
      button.disabled = true;
      box.replaceChildren();
    },
    /**
     * Shows a 409's `error` for an edit made on `base`; "Reload and redo" calls
     * `onReload(head)`.
     */
    async conflict(error, base, onReload) {
      button.disabled = true;
      const redo = element('button', { type: 'button', id: 'reload-and-redo' }, 'Reload and redo');
      redo.addEventListener('click', () => {
        box.replaceChildren();
        onReload(error.head);
      });
      const since = await versionsSince(base, error.head).catch(() => []);
      const who = since.map((v) => {
        const touched = [...v.changed, ...v.created, ...v.retired].filter((code) => error.changed_since.includes(code));
        return element('li', {}, `Version ${v.version}, ${v.created_at.replace('T', ' ').slice(0, 19)} UTC, ${v.author}: `
          + `${v.message}${touched.length ? ` (${touched.join(', ')})` : ''}`);
      });
      box.replaceChildren(
        element('p', {}, `Not saved: since version ${base}, ${error.changed_since.join(', ')} changed (the latest is version ${error.head}).`),
        who.length ? element('ul', { class: 'since' }, ...who) : '',
        element('p', {}, 'Reload the latest version and redo the edit there: your drawing is kept.'),
        redo,
      );
    },
  };
}
