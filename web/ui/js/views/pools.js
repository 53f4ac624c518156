// Pools: the list, and adding one with its certificate's fingerprint shown for confirmation.
import { api, ApiError } from '../api.js';
import { h, field, showFieldErrors, toast, confirmDialog } from '../dom.js';

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
      h('tbody', {}, pools.map((p) => h('tr', { 'data-pool': p.id },
        h('td', {}, p.name), h('td', {}, (p.urls || []).join(', ')),
        h('td', { class: 'optional fingerprint' }, p.insecure ? 'not checked (insecure)' : (p.fingerprint || 'system CAs')),
        h('td', {}, h('button', {
          type: 'button', class: 'danger', 'aria-label': `Remove pool ${p.name}`,
          onclick: async () => {
            if (!await confirmDialog(`Remove pool ${p.name}?`, h('p', {}, 'Jobs that use it must be changed or deleted first.'), 'Remove', { danger: true })) return;
            try { await api('DELETE', `/api/pools/${encodeURIComponent(p.id)}`); reload(); } catch (e) { toast(e.message); }
          },
        }, 'Remove'))))))));
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
