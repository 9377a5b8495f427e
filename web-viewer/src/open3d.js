// "Open in 3D" from a cell of the side panel: the 3D view (3d.html, view3d.js) in a
// dialog over the map, in a frame of its own. The map keeps its state under it
// (view, selection, colours, the version shown), CesiumJS and its WebGL context
// live only in the frame and go with it when the dialog closes, and the map's
// bundle does not carry CesiumJS. "Back to the map" and Escape close it, whether
// the focus is in the frame (it posts `{citygrid3d: 'close'}`) or on the dialog,
// and the focus returns to the button that opened it.

import { element } from './dom.js';

let open = null;

function close() {
  if (!open) return;
  const { dialog, opener } = open;
  open = null;
  dialog.close();
  dialog.remove();
  document.body.dataset.threed = 'closed';
  if (opener?.isConnected) opener.focus();
}

window.addEventListener('message', (event) => {
  if (event.origin === window.location.origin && event.data?.citygrid3d === 'close') close();
});

/**
 * Shows cell `cell` of tileset `tileset` in 3D (of version `version`, the head's
 * when undefined); `opener` gets the focus back when it closes.
 */
export function openIn3d({ cell, tileset, version, opener }) {
  close();
  const params = new URLSearchParams({ cell, tileset });
  if (version !== undefined) params.set('version', version);
  const frame = element('iframe', { src: `3d.html?${params}`, title: `3D view of cell ${cell}, tileset ${tileset}` });
  const dialog = element('dialog', { id: 'threed', 'aria-label': `Cell ${cell} in 3D` }, frame);
  dialog.addEventListener('cancel', (event) => {
    event.preventDefault();
    close();
  });
  document.body.append(dialog);
  open = { dialog, opener };
  dialog.showModal();
  frame.focus();
  document.body.dataset.threed = 'open';
}

/** An "Open in 3D" button for cell `cell` of tileset `tileset`. */
export function openButton(cell, tileset, version) {
  const button = element('button', { type: 'button', class: 'open-3d', 'data-tileset': tileset, 'aria-label': `Open ${tileset} in 3D` },
    'Open in 3D');
  button.addEventListener('click', () => openIn3d({ cell, tileset, version, opener: button }));
  return button;
}
