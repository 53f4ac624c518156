// Pools: the list, and adding one with its certificate's fingerprint shown for confirmation.
import { api, ApiError } from '../api.js';
import { h, clear, field, showFieldErrors, toast, confirmDialog, fmtBytes } from '../dom.js';

// What a pool holds, as `POST /api/pools/ID/test` lists it: SRs, networks and VMs.
function contentsTable(caption, headers, rows) {
  return h('div', { class: 'table-wrap' }, h('table', {},
    h('caption', {}, `${caption} (${rows.length})`),
    h('thead', {}, h('tr', {}, headers.map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', {}, rows.map((r) => h('tr', {}, r.map((c) => h('td', {}, c)))))));
}

async function showContents(pool, row, panel, button) {
  if (!row.hidden) { row.hidden = true; button.setAttribute('aria-expanded', 'false'); return; }
  clear(panel).append(h('p', { role: 'status' }, `Connecting to ${pool.name}…`));
  row.hidden = false;
  button.setAttribute('aria-expanded', 'true');
  let test;
  try { test = await api('POST', `/api/pools/${encodeURIComponent(pool.id)}/test`); } catch (e) { test = { ok: false, error: e.message }; }
  clear(panel);
  if (!test.ok) { panel.append(h('p', { class: 'error', role: 'alert' }, `${pool.name}: ${test.error}`)); return; }
  panel.append(
    contentsTable(`Storage repositories of ${pool.name}`, ['SR', 'Free', 'Size'],
      test.srs.map((sr) => [sr.name, fmtBytes(sr.free), fmtBytes(sr.size)])),
    contentsTable(`Networks of ${pool.name}`, ['Network', 'Bridge'],
      (test.networks || []).map((n) => [n.name, n.bridge])),
    contentsTable(`VMs of ${pool.name}`, ['VM', 'Tags'],
      test.vms.map((vm) => [vm.name, (vm.tags || []).join(', ')])));
}

export async function poolsView() {
  const node = h('section', {}, h('h1', {}, 'Pools'));
  const reload = () => window.dispatchEvent(new HashChangeEvent('hashchange'));
  let pools = [];
  try { pools = await api('GET', '/api/pools'); } catch (e) {
    node.append(h('p', { class: 'error', role: 'alert' }, e.message));
  }
  if (pools.length) {
    node.append(h('div', { class: 'table-wrap' }, h('table', {},
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Pool'), h('th', { scope: 'col' }, 'URLs'),
        h('th', { scope: 'col', class: 'optional' }, 'Certificate'), h('th', { scope: 'col' }, 'Actions'))),
      h('tbody', {}, pools.flatMap((p) => {
        const panel = h('div', { id: `pool-contents-${p.id}`, class: 'pool-contents' });
        const row = h('tr', { class: 'pool-contents-row', hidden: true }, h('td', { colspan: 4 }, panel));
        const contents = h('button', {
          type: 'button', 'aria-expanded': 'false', 'aria-controls': panel.id,
          'aria-label': `Show the SRs, networks and VMs of pool ${p.name}`,
        }, 'Contents');
        contents.addEventListener('click', () => showContents(p, row, panel, contents));
        return [h('tr', { 'data-pool': p.id },
        h('td', {}, p.name), h('td', {}, (p.urls || []).join(', ')),
        h('td', { class: 'optional fingerprint' }, p.insecure ? 'not checked (insecure)' : (p.fingerprint || 'system CAs')),
        h('td', {}, contents, ' ', h('button', {
          type: 'button', class: 'danger', 'aria-label': `Remove pool ${p.name}`,
          onclick: async () => {
            if (!await confirmDialog(`Remove pool ${p.name}?`, h('p', {}, 'Jobs that use it must be changed or deleted first.'), 'Remove', { danger: true })) return;
            try { await api('DELETE', `/api/pools/${encodeURIComponent(p.id)}`); reload(); } catch (e) { toast(e.message); }
          },
        }, 'Remove'))),
        row];
      })))));
  } else {
    node.append(h('p', {}, 'No pool yet.'));
  }

  const name = h('input', { name: 'name', required: true });
  const url = h('input', { name: 'url', type: 'url', placeholder: 'https://pool-master', required: true });
  const user = h('input', { name: 'user', value: 'root', autocomplete: 'off', required: true });
  const password = h('input', { name: 'password', type: 'password', autocomplete: 'new-password', required: true });
  const error = h('p', { class: 'error', role: 'alert', hidden: true });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Add pool');
  const form = h('form', { class: 'card', novalidate: true },
    h('h2', {}, 'Add a pool'),
    field('Name', name, { field: 'name' }),
    field('Master URL', url, { field: 'urls', hint: 'The pool master; members are found by the daemon' }),
    field('User', user, { field: 'user' }),
    field('Password', password, { field: 'password' }),
    error, h('div', { class: 'actions' }, submit));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    error.hidden = true;
    submit.disabled = true;
    try {
      const probe = await api('POST', '/api/pools/probe', { url: url.value.trim() });
      const ok = await confirmDialog('Trust this certificate?', h('div', {},
        h('p', {}, `${probe.url} presents a certificate with the SHA-256 fingerprint:`),
        h('p', { class: 'fingerprint', id: 'probe-fingerprint' }, probe.fingerprint),
        h('p', {}, 'Compare it with the one the host shows (xe host-cert-info, or its console). Only trust it if they match.')),
      'Trust and add');
      if (!ok) { toast('Pool not added'); return; }
      const pool = await api('POST', '/api/pools', {
        name: name.value.trim(), urls: [url.value.trim()], user: user.value, password: password.value,
        fingerprint: probe.fingerprint,
      });
      toast(`Pool ${pool.name} added`);
      reload();
    } catch (e) {
      const rest = e instanceof ApiError ? showFieldErrors(form, e.fields) : [e];
      if (!(e instanceof ApiError) || !e.fields.length || rest.length) {
        error.textContent = e.message;
        error.hidden = false;
      }
    } finally {
      submit.disabled = false;
    }
  });
  node.append(form);
  return node;
}
