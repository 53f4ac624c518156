// Every protected VM and job: last success, lag against its schedule (green / amber / red),
// next run; failing first.
import { api } from '../api.js';
import { h, fmtTime, fmtDuration } from '../dom.js';

// The lag's colour, from the API's lag_state (docs/schedules.md "Lag against the schedule"):
// red when the VM is in error or two or more expected runs are missing (critical), amber when
// one is (late), grey when its job expects nothing (disabled), green otherwise.
export function lagClass(e) {
  if (e.state === 'error' || e.lag_state === 'critical') return 'red';
  if (e.lag_state === 'late') return 'amber';
  if (e.lag_state === 'disabled') return 'grey';
  return 'green';
}
const rank = { red: 0, amber: 1, green: 2, grey: 3 };
const words = { red: 'failing', amber: 'late', green: 'on time', grey: 'disabled' };

// The rows in the dashboard's order: failing first (red, amber, green, grey), then the oldest
// recovery point (never succeeded counts as the oldest).
export function dashboardRows(entries) {
  const age = (e) => (e.lag_s === null || e.lag_s === undefined ? Infinity : e.lag_s);
  return entries.map((e) => ({ e, c: lagClass(e) }))
    .sort((a, b) => rank[a.c] - rank[b.c] || (age(b.e) > age(a.e) ? 1 : age(b.e) < age(a.e) ? -1 : 0));
}

export async function dashboardView() {
  const node = h('section', {}, h('h1', {}, 'Dashboard'));
  let entries;
  try {
    entries = await api('GET', '/api/status');
  } catch (e) {
    node.append(h('p', { class: 'error', role: 'alert' }, e.message));
    return node;
  }
  if (!entries.length) {
    node.append(h('p', {}, 'No VM is protected yet. ', h('a', { href: '#/pools' }, 'Add a pool'),
      ', then ', h('a', { href: '#/jobs/new' }, 'create a job'), '.'));
    return node;
  }
  const rows = dashboardRows(entries);
  const counts = { red: 0, amber: 0, green: 0, grey: 0 };
  for (const r of rows) counts[r.c] += 1;
  node.append(h('p', {}, `${entries.length} protected: `,
    h('span', { class: 'badge green' }, `${counts.green} on time`), ' ',
    h('span', { class: 'badge amber' }, `${counts.amber} late`), ' ',
    h('span', { class: 'badge red' }, `${counts.red} failing`),
    counts.grey ? [' ', h('span', { class: 'badge grey' }, `${counts.grey} disabled`)] : null));
  node.append(h('div', { class: 'table-wrap' }, h('table', {},
    h('caption', { class: 'hint' }, 'Failing VMs first, then the oldest replicas'),
    h('thead', {}, h('tr', {},
      h('th', { scope: 'col' }, 'VM'), h('th', { scope: 'col' }, 'Lag'),
      h('th', { scope: 'col' }, 'Last success'), h('th', { scope: 'col', class: 'optional' }, 'Job'),
      h('th', { scope: 'col', class: 'optional' }, 'Next run'), h('th', { scope: 'col' }, 'State'))),
    h('tbody', {}, rows.map(({ e, c }) => h('tr', { 'data-vm': e.vm, 'data-lag': c },
      h('td', {}, e.vm_name || e.vm),
      h('td', {}, h('span', {
        class: `badge ${c}`,
        title: e.behind_s ? `${words[c]}: ${fmtDuration(e.behind_s)} behind its schedule` : words[c],
      }, `${fmtDuration(e.lag_s)} · ${words[c]}`)),
      h('td', {}, fmtTime(e.last_success)),
      h('td', { class: 'optional' }, h('a', { href: `#/jobs/${encodeURIComponent(e.job)}/edit` }, e.job_name || e.job)),
      h('td', { class: 'optional' }, fmtTime(e.next_run)),
      h('td', {}, e.state, e.error ? h('p', { class: 'field-error' }, e.error) : null)))))));
  node.append(h('div', { class: 'actions' }, h('button', {
    type: 'button', onclick: () => window.dispatchEvent(new HashChangeEvent('hashchange')),
  }, 'Refresh')));
  return node;
}
