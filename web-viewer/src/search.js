// The search box: a cell code, or part of a township or village name. An exact
// code or name goes straight to its unit; otherwise the matches are listed (arrow
// down from the box reaches them) and choosing one goes there.

import * as api from './api.js';
import { element } from './dom.js';

const LEVEL_NAMES = { district: 'district', township: 'township', village: 'village', cell: 'cell' };

function resultButton(result, goTo) {
  const within = result.ancestors.filter((a) => a.level !== 'city').map((a) => a.name).join(' · ');
  const button = element('button', { type: 'button', 'data-code': result.code },
    `${result.name} `, element('small', {}, `${LEVEL_NAMES[result.level] ?? result.level} ${result.code}${within ? ` — ${within}` : ''}`));
  button.addEventListener('click', () => goTo(result));
  return element('li', {}, button);
}

/** Wires the search form; `goTo(result)` zooms to and selects a search result. */
export function setUpSearch(goTo) {
  const form = document.getElementById('search');
  const input = document.getElementById('search-input');
  const status = document.getElementById('search-status');
  const results = document.getElementById('search-results');
  const close = () => results.replaceChildren();

  const choose = (result) => {
    close();
    status.textContent = `Showing ${LEVEL_NAMES[result.level] ?? result.level} ${result.code} ${result.name}.`;
    goTo(result);
  };

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const q = input.value.trim();
    close();
    if (!q) {
      status.textContent = 'Type a code or a name first.';
      return;
    }
    status.textContent = 'Searching…';
    try {
      const answer = await api.search(q);
      const found = answer.results;
      const exact = found.find((r) => r.code === q || r.name === q);
      if (exact || found.length === 1) {
        choose(exact ?? found[0]);
      } else if (found.length === 0) {
        status.textContent = `Nothing matches “${q}”.`;
      } else {
        status.textContent = `${found.length} matches for “${q}”: arrow down to choose one.`;
        results.replaceChildren(...found.map((r) => resultButton(r, choose)));
      }
    } catch (error) {
      status.textContent = `Search failed: ${error.message}`;
    }
  });

  input.addEventListener('keydown', (event) => {
    if (event.key === 'ArrowDown') {
      results.querySelector('button')?.focus();
      event.preventDefault();
    } else if (event.key === 'Escape') {
      close();
    }
  });
  results.addEventListener('keydown', (event) => {
    const buttons = [...results.querySelectorAll('button')];
    const i = buttons.indexOf(document.activeElement);
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      const next = event.key === 'ArrowDown' ? Math.min(i + 1, buttons.length - 1) : i - 1;
      (next < 0 ? input : buttons[next]).focus();
      event.preventDefault();
    } else if (event.key === 'Escape') {
      close();
      input.focus();
    }
  });
}
