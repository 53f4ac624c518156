// Every protected VM and job: last success, lag (green / amber / red), next run; failing first.
import { api } from '../api.js';
import { h, fmtTime, fmtDuration } from '../dom.js';

// The lag's colour, from the scheduler's own view: red when the VM is in error or its replica
// is more than twice its schedule's interval old; amber when it never succeeded yet or is late
// by more than 5 minutes past its interval; green otherwise. The interval is estimated as the
// time from the last success to the planned next run.
export function lagClass(e, nowMs = Date.now()) {
  if (e.state === 'error') return 'red';
  if (!e.last_success) return 'amber';
  const last = Date.parse(e.last_success);
  const lag = e.lag_s !== null && e.lag_s !== undefined ? e.lag_s : (nowMs - last) / 1000;
  if (e.next_run) {
    const interval = (Date.parse(e.next_run) - last) / 1000;
    if (interval > 0 && lag > 2 * interval) return 'red';
    if (interval > 0 && lag > interval + 300) return 'amber';
  }
  return 'green';
}
const rank = { red: 0, amber: 1, green: 2 };
const words = { red: 'failing', amber: 'late', green: 'on time' };

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
  const rows = entries.map((e) => ({ e, c: lagClass(e) }))
    .sort((a, b) => rank[a.c] - rank[b.c] || (b.e.lag_s || 0) - (a.e.lag_s || 0));
  const counts = { red: 0, amber: 0, green: 0 };
  for (const r of rows) counts[r.c] += 1;
  node.append(h('p', {}, `${entries.length} protected: `,
    h('span', { class: 'badge green' }, `${counts.green} on time`), ' ',
    h('span', { class: 'badge amber' }, `${counts.amber} late`), ' ',
    h('span', { class: 'badge red' }, `${counts.red} failing`)));
  node.append(h('div', { class: 'table-wrap' }, h('table', {},
    h('caption', { class: 'hint' }, 'Failing VMs first, then the oldest replicas'),
    h('thead', {}, h('tr', {},
      h('th', { scope: 'col' }, 'VM'), h('th', { scope: 'col' }, 'Lag'),
      h('th', { scope: 'col' }, 'Last success'), h('th', { scope: 'col', class: 'optional' }, 'Job'),
      h('th', { scope: 'col', class: 'optional' }, 'Next run'), h('th', { scope: 'col' }, 'State'))),
    h('tbody', {}, rows.map(({ e, c }) => h('tr', { 'data-vm': e.vm, 'data-lag': c },
      h('td', {}, e.vm_name || e.vm),
      h('td', {}, h('span', { class: `badge ${c}`, title: words[c] }, `${fmtDuration(e.lag_s)} · ${words[c]}`)),
      h('td', {}, fmtTime(e.last_success)),
      h('td', { class: 'optional' }, h('a', { href: `#/jobs/${encodeURIComponent(e.job)}/edit` }, e.job_name || e.job)),
      h('td', { class: 'optional' }, fmtTime(e.next_run)),
      h('td', {}, e.state, e.error ? h('p', { class: 'field-error' }, e.error) : null)))))));
  node.append(h('div', { class: 'actions' }, h('button', {
    type: 'button', onclick: () => window.dispatchEvent(new HashChangeEvent('hashchange')),
  }, 'Refresh')));
  return node;
}
