// The UI's entry: hash routes (#/dashboard, #/jobs/ID/edit, ...), login state, navigation.
import { resume, logout, currentUser, setLoggedOutHandler } from './api.js';
import { clear, h } from './dom.js';
import { loginView } from './views/login.js';
import { dashboardView } from './views/dashboard.js';
import { jobsView } from './views/jobs.js';
import { jobEditorView } from './views/job_editor.js';
import { runsView, runView } from './views/runs.js';
import { replicasView } from './views/replicas.js';
import { poolsView } from './views/pools.js';

const routes = [
  [/^#\/dashboard$/, dashboardView],
  [/^#\/jobs$/, jobsView],
  [/^#\/jobs\/new$/, (m) => jobEditorView(null)],
  [/^#\/jobs\/([^/]+)\/edit$/, (m) => jobEditorView(decodeURIComponent(m[1]))],
  [/^#\/runs$/, runsView],
  [/^#\/runs\/([^/]+)$/, (m) => runView(decodeURIComponent(m[1]))],
  [/^#\/replicas$/, replicasView],
  [/^#\/pools$/, poolsView],
];

let loggedIn = false;
let cleanup = null;

function setChrome() {
  document.getElementById('nav').hidden = !loggedIn;
  document.getElementById('logout').hidden = !loggedIn;
  document.getElementById('who').textContent = loggedIn ? currentUser : '';
  for (const a of document.querySelectorAll('#nav a')) {
    const here = location.hash.startsWith(a.getAttribute('href'));
    if (here) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  }
}

async function render() {
  if (cleanup) { cleanup(); cleanup = null; }
  const main = clear(document.getElementById('main'));
  if (!loggedIn) {
    setChrome();
    document.title = 'Log in · xcr';
    main.append(loginView(async () => {
      loggedIn = true;
      if (!location.hash || location.hash === '#/login') location.hash = '#/dashboard';
      else render();
    }));
    return;
  }
  if (!location.hash || location.hash === '#/login') { location.hash = '#/dashboard'; return; }
  setChrome();
  for (const [re, view] of routes) {
    const m = location.hash.match(re);
    if (m) {
      const out = await view(m);
      if (out && out.node) {
        main.append(out.node);
        cleanup = out.cleanup || null;
      } else if (out) {
        main.append(out);
      }
      const heading = main.querySelector('h1');
      document.title = `${heading ? heading.textContent : 'xcr'} · xcr`;
      return;
    }
  }
  main.append(h('h1', {}, 'Not found'), h('p', {}, h('a', { href: '#/dashboard' }, 'Back to the dashboard')));
}

setLoggedOutHandler(() => {
  if (!loggedIn) return;
  loggedIn = false;
  render();
});

document.getElementById('logout').addEventListener('click', async () => {
  await logout().catch(() => {});
  loggedIn = false;
  location.hash = '#/login';
  render();
});

window.addEventListener('hashchange', () => render());
loggedIn = await resume().catch(() => false);
render();
