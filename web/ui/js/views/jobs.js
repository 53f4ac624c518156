// The jobs: state, next run; run now, enable/disable, edit, delete (with or without purge).
import { api } from '../api.js';
import { h, fmtTime, toast, confirmDialog } from '../dom.js';

export async function jobsView() {
  const node = h('section', {}, h('h1', {}, 'Jobs'),
    h('div', { class: 'actions' }, h('a', { class: 'button', href: '#/jobs/new' }, 'New job')));
  let jobs;
  try {
    jobs = await api('GET', '/api/jobs');
  } catch (e) {
    node.append(h('p', { class: 'error', role: 'alert' }, e.message));
    return node;
  }
  if (!jobs.length) { node.append(h('p', {}, 'No job yet.')); return node; }
  const reload = () => window.dispatchEvent(new HashChangeEvent('hashchange'));
  node.append(h('div', { class: 'table-wrap' }, h('table', {},
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Job'), h('th', { scope: 'col' }, 'State'),
      h('th', { scope: 'col', class: 'optional' }, 'Last success'),
      h('th', { scope: 'col', class: 'optional' }, 'Next run'), h('th', { scope: 'col' }, 'Actions'))),
    h('tbody', {}, jobs.map((j) => {
      const st = j.status || {};
      return h('tr', { 'data-job': j.id },
        h('td', {}, h('a', { href: `#/jobs/${encodeURIComponent(j.id)}/edit` }, j.name),
          j.enabled === false ? h('span', { class: 'badge grey' }, ' disabled') : null),
        h('td', {}, st.state || '—'),
        h('td', { class: 'optional' }, fmtTime(st.last_success)),
        h('td', { class: 'optional' }, fmtTime(st.next_run)),
        h('td', {}, h('div', { class: 'actions' },
          h('button', {
            type: 'button', 'aria-label': `Run ${j.name} now`,
            onclick: async () => {
              try {
                const r = await api('POST', `/api/jobs/${encodeURIComponent(j.id)}/run`, {});
                location.hash = `#/runs/${encodeURIComponent(r.run)}`;
              } catch (e) { toast(e.message); }
            },
          }, 'Run now'),
          h('button', {
            type: 'button', 'aria-label': `${j.enabled === false ? 'Enable' : 'Disable'} ${j.name}`,
            onclick: async () => {
              try {
                await api('PATCH', `/api/jobs/${encodeURIComponent(j.id)}`, { enabled: j.enabled === false });
                reload();
              } catch (e) { toast(e.message); }
            },
          }, j.enabled === false ? 'Enable' : 'Disable'),
          h('button', {
            type: 'button', class: 'danger', 'aria-label': `Delete ${j.name}`,
            onclick: async () => {
              const purge = h('input', { type: 'checkbox', name: 'purge' });
              const ok = await confirmDialog(`Delete job ${j.name}?`, h('div', {},
                h('p', {}, 'Its schedules stop. Without purge, its replicas stay and are listed as orphaned.'),
                h('label', { class: 'check' }, purge, 'Also remove its replicas and source snapshots (purge)')),
              'Delete', { danger: true });
              if (!ok) return;
              try {
                await api('DELETE', `/api/jobs/${encodeURIComponent(j.id)}${ok.purge ? '?purge=1' : ''}`);
                toast(`Job ${j.name} deleted`);
                reload();
              } catch (e) { toast(e.message); }
            },
          }, 'Delete'))));
    })))));
  return node;
}
