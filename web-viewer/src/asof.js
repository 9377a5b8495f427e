// "View the city as it was on": a date and time (the browser's own time zone)
// becomes the version in force then, which the server tells (`at=` of any lookup,
// the same rule that assigns past cases to past cells: the last version made at or
// before that instant), and the map shows that version (history.js) until "Back to
// the latest".

import * as api from './api.js';
import { view } from './history.js';

/** `YYYY-MM-DDTHH:MM` of `date` in local time, as datetime-local inputs take it. */
function localInput(date) {
  const pad = (n) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** Wires the date form; `hasStore`: whether the server keeps versions (a file has one). */
export function setUpViewAsOf(map, hasStore) {
  const form = document.getElementById('as-of');
  const input = document.getElementById('as-of-input');
  const status = document.getElementById('as-of-status');
  form.hidden = !hasStore;
  input.value = localInput(new Date());
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const when = new Date(input.value);
    if (Number.isNaN(when.getTime())) {
      status.textContent = 'Choose a date and a time first.';
      return;
    }
    try {
      const version = await api.versionAt(when.toISOString());
      await view(map, version);
      status.textContent = `On ${when.toLocaleString()}, version ${version} was in force.`;
    } catch (error) {
      status.textContent = `Cannot show the city then: ${error.message}`;
    }
  });
}
