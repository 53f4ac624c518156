// Replicas per VM and target with their age (the recovery point), delta chain length and size;
// verify one (its content re-read and compared, the result shown beside it), clone one for DR
// (with a confirmation), and the orphans a deleted job left.
import { api } from '../api.js';
import { h, fmtTime, fmtBytes, fmtDuration, toast, confirmDialog, field } from '../dom.js';

// Seconds since the recovery point: the daemon's age_s, else from the replica's time.
function ageOf(r) {
  if (typeof r.age_s === 'number' && r.age_s >= 0) return r.age_s;
  const t = r.datetime || r.time || r.last_success;
  if (!t) return null;
  const d = Date.parse(t);
  return isNaN(d) ? null : (Date.now() - d) / 1000;
}

function labelOf(r) { return r.name || r.vm_name || r.uuid; }

// The Verify button and the place its result is shown (ok, or the problem and what to do).
function verifyControls(r) {
  const result = h('p', { class: 'verify-result hint', role: 'status', 'aria-live': 'polite' });
  const button = h('button', {
    type: 'button', 'aria-label': `Verify ${labelOf(r)}`,
    disabled: !(r.uuid && r.pool),
    title: r.uuid && r.pool ? 'Re-read its disks and compare them with its run\'s record and its source'
      : 'The replica VM is not known yet',
    onclick: async () => {
      button.disabled = true;
      result.className = 'verify-result hint';
      result.replaceChildren('Verifying: every disk of the replica is read again, this takes a while…');
      try {
        const res = await api('POST', `/api/replicas/${encodeURIComponent(r.uuid)}/verify`, { pool: r.pool });
        result.className = `verify-result ${res.ok ? 'ok' : 'bad'}`;
        result.replaceChildren(h('span', { class: `badge ${res.ok ? 'green' : 'red'}` }, res.ok ? 'ok' : 'failed'), ' ', res.summary);
      } catch (e) {
        result.className = 'verify-result bad';
        result.replaceChildren(h('span', { class: 'badge red' }, 'not verified'), ' ', e.message);
      } finally {
        button.disabled = false;
      }
    },
  }, 'Verify');
  return [button, result];
}

function cloneButton(r) {
  return h('button', {
    type: 'button', 'aria-label': `Clone ${labelOf(r)}`,
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
  }, 'Clone');
}

function sizeCell(r) {
  if (r.size === null || r.size === undefined) return fmtBytes(r.bytes);
  return [fmtBytes(r.size), typeof r.physical_utilisation === 'number'
    ? h('div', { class: 'hint' }, `${fmtBytes(r.physical_utilisation)} used`) : null];
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
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Replica'), h('th', { scope: 'col' }, 'Age (RPO)'),
      h('th', { scope: 'col', class: 'optional' }, 'Target'), h('th', { scope: 'col', class: 'optional' }, 'Chain length'),
      h('th', { scope: 'col', class: 'optional' }, 'Size'), h('th', { scope: 'col' }, 'Actions'))),
    h('tbody', {}, rows.map((r) => { const [verify, verified] = verifyControls(r); return h('tr', { 'data-replica': r.uuid || r.replica || '' },
      h('td', {}, labelOf(r), h('div', { class: 'hint' }, fmtTime(r.datetime || r.time || r.last_success))),
      h('td', { 'data-age': ageOf(r) ?? '' }, fmtDuration(ageOf(r))),
      h('td', { class: 'optional' }, `${r.pool_name || r.pool || ''} ${r.sr_name || r.sr || ''}`),
      h('td', { class: 'optional', 'data-chain': r.chain_length ?? '' }, r.chain_length ?? r.delta_chain_length ?? '—'),
      h('td', { class: 'optional' }, sizeCell(r)),
      h('td', {}, h('div', { class: 'actions' }, verify, cloneButton(r)), verified)); }))));
  if (!list.length) node.append(h('p', {}, 'No replica yet.'));
  else node.append(table(list, 'Replicas by VM and target'));
  if (orphans.length) node.append(h('h2', {}, 'Orphaned replicas'), table(orphans, 'Replicas of deleted jobs'));
  return node;
}
