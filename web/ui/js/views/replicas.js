// Replicas per VM and target with their age, chain length and size; clone for DR (with a
// confirmation) and the orphans a deleted job left.
import { api } from '../api.js';
import { h, fmtTime, fmtBytes, fmtDuration, toast, confirmDialog, field } from '../dom.js';

function ageOf(r) {
  const t = r.datetime || r.time || r.last_success;
  if (!t) return null;
  const d = Date.parse(t);
  return isNaN(d) ? null : (Date.now() - d) / 1000;
}

export async function replicasView() {
  const node = h('section', {}, h('h1', {}, 'Replicas'));
  let data;
  try { data = await api('GET', '/api/replicas'); } catch (e) {
    node.append(h('p', { class: 'error', role: 'alert' }, e.message));
    return node;
  }
  const list = Array.isArray(data) ? data : (data.replicas || []);
  const orphans = Array.isArray(data) ? [] : (data.orphans || []);
  const table = (rows, caption) => h('div', { class: 'table-wrap' }, h('table', {},
    h('caption', { class: 'hint' }, caption),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Replica'), h('th', { scope: 'col' }, 'Age'),
      h('th', { scope: 'col', class: 'optional' }, 'Target'), h('th', { scope: 'col', class: 'optional' }, 'Chain'),
      h('th', { scope: 'col', class: 'optional' }, 'Size'), h('th', { scope: 'col' }, 'Actions'))),
    h('tbody', {}, rows.map((r) => h('tr', { 'data-replica': r.uuid || r.replica || '' },
      h('td', {}, r.name || r.vm_name || r.uuid, h('div', { class: 'hint' }, fmtTime(r.datetime || r.time))),
      h('td', {}, fmtDuration(ageOf(r))),
      h('td', { class: 'optional' }, `${r.pool_name || r.pool || ''} ${r.sr_name || r.sr || ''}`),
      h('td', { class: 'optional' }, r.delta_chain_length ?? '—'),
      h('td', { class: 'optional' }, fmtBytes(r.size ?? r.bytes)),
      h('td', {}, h('button', {
        type: 'button', 'aria-label': `Clone ${r.name || r.vm_name || r.uuid}`,
        // The clone needs the replica VM's uuid and its pool; without them the button is off.
        disabled: !(r.uuid && r.pool),
        title: r.uuid && r.pool ? 'A bootable copy of this replica' : 'The replica VM is not known yet',
        onclick: async () => {
          const cloneName = h('input', { name: 'name', value: `${r.vm_name || r.name || 'replica'} (DR)`, required: true });
          const start = h('input', { type: 'checkbox', name: 'start' });
          const ok = await confirmDialog('Clone this replica?', h('div', {},
            h('p', {}, 'A new VM is created from the replica on its target pool; the replica itself stays untouched.'),
            field('Name of the new VM', cloneName), h('label', { class: 'check' }, start, 'Start it')), 'Clone');
          if (!ok) return;
          try {
            const res = await api('POST', `/api/replicas/${encodeURIComponent(r.uuid)}/clone`, { pool: r.pool, name: ok.name, start: !!ok.start });
            toast(`Clone created${res && res.uuid ? `: ${res.name || ''} ${res.uuid}${res.started ? ', started' : ''}` : ''}`);
          } catch (e) { toast(e.message); }
        },
      }, 'Clone')))))));
  if (!list.length) node.append(h('p', {}, 'No replica yet.'));
  else node.append(table(list, 'Replicas by VM and target'));
  if (orphans.length) node.append(h('h2', {}, 'Orphaned replicas'), table(orphans, 'Replicas of deleted jobs'));
  return node;
}
