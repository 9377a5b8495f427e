// Signing in with a token (`citygrid token create`), kept for this browser tab only
// (sessionStorage): the header shows who is signed in, with role and district, and
// what needs a role (reverting a version, for admins) appears only for it.
//
// For the tests: `document.body.dataset.role` is the signed-in role, or absent.

import { element } from './dom.js';

const KEY = 'citygrid-token';

/** Who is signed in: `{token, name, role, district}`, or null. */
let current = null;
const listeners = [];

/** The signed-in user, or null. */
export const signedIn = () => current;

/** Calls `listener(user)` now and whenever someone signs in or out. */
export function onSession(listener) {
  listeners.push(listener);
  listener(current);
}

function announce() {
  if (current) document.body.dataset.role = current.role;
  else delete document.body.dataset.role;
  for (const listener of listeners) listener(current);
}

/** `GET /v1/whoami` with `token`: the user, or an Error with the server's message. */
async function whoami(token) {
  const response = await fetch('/v1/whoami', { headers: { authorization: `Bearer ${token}`, accept: 'application/json' } });
  const body = await response.json().catch(() => null);
  if (!response.ok) throw new Error(body?.error?.message ?? `${response.status} ${response.statusText}`);
  return { token, ...body };
}

function render(form) {
  const status = document.getElementById('session-status');
  if (current) {
    const where = current.district ? `, district ${current.district}` : '';
    const out = element('button', { type: 'button', id: 'sign-out' }, 'Sign out');
    out.addEventListener('click', () => {
      sessionStorage.removeItem(KEY);
      current = null;
      announce();
      render(form);
    });
    form.hidden = true;
    status.replaceChildren(`Signed in as ${current.name} (${current.role}${where}). `, out);
  } else {
    form.hidden = false;
    status.replaceChildren();
  }
}

/** Wires the sign-in form; signs in again with this tab's token, if any. */
export async function setUpSession() {
  const form = document.getElementById('sign-in');
  const input = document.getElementById('token-input');
  const status = document.getElementById('session-status');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      current = await whoami(input.value.trim());
      sessionStorage.setItem(KEY, current.token);
      input.value = '';
      announce();
      render(form);
    } catch (error) {
      status.textContent = `Cannot sign in: ${error.message}`;
    }
  });
  const kept = sessionStorage.getItem(KEY);
  if (kept) {
    try {
      current = await whoami(kept);
      announce();
    } catch {
      sessionStorage.removeItem(KEY);
    }
  }
  render(form);
}
