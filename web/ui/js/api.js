// The daemon's JSON API (docs/api.md) from the browser: the session cookie goes by itself; the
// CSRF token (from /api/login or /api/session) goes in X-CSRF-Token on every state change.
let csrf = '';
export let currentUser = '';

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.error) || `HTTP ${status}`);
    this.status = status;
    this.fields = (body && body.fields) || [];
  }
}

export async function api(method, path, body) {
  const headers = {};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && method !== 'HEAD') headers['X-CSRF-Token'] = csrf;
  const res = await fetch(path, {
    method, headers, credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status === 204) return null;
  let data = null;
  const text = await res.text();
  if (text) {
    try { data = JSON.parse(text); } catch { data = { error: text }; }
  }
  if (!res.ok) {
    if (res.status === 401 && path !== '/api/login') onLoggedOut();
    throw new ApiError(res.status, data);
  }
  return data;
}

let loggedOutHandler = () => {};
export function setLoggedOutHandler(fn) { loggedOutHandler = fn; }
function onLoggedOut() { csrf = ''; currentUser = ''; loggedOutHandler(); }

export async function login(user, password) {
  const r = await api('POST', '/api/login', { user, password });
  csrf = r.csrf;
  currentUser = r.user;
}

// Restores the token of an existing session (a reloaded page); false if not logged in.
export async function resume() {
  const res = await fetch('/api/session', { credentials: 'same-origin' });
  if (!res.ok) return false;
  const r = await res.json();
  if (!r.user) return false;
  csrf = r.csrf;
  currentUser = r.user;
  return true;
}

export async function logout() {
  try { await api('POST', '/api/logout'); } finally { csrf = ''; currentUser = ''; }
}
