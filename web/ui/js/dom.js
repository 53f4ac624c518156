// Tiny DOM helpers: elements are built with h(), never from HTML strings, so text from the
// daemon (VM names, errors) is always text.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'value') el.value = v;
    else if (k === 'checked') el.checked = !!v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export function clear(el) { while (el.firstChild) el.removeChild(el.firstChild); return el; }

let nextId = 0;
export function uid(prefix) { nextId += 1; return `${prefix}-${nextId}`; }

// A labelled input with a place for its error. `field` is the API's JSON path of the value.
export function field(label, input, { hint, field: path } = {}) {
  const id = input.id || uid('f');
  input.id = id;
  const err = h('p', { class: 'field-error', id: `${id}-err`, hidden: true });
  const hintEl = hint ? h('p', { class: 'hint', id: `${id}-hint` }, hint) : null;
  input.setAttribute('aria-describedby', [hintEl ? `${id}-hint` : '', `${id}-err`].join(' ').trim());
  const wrap = h('div', { 'data-field': path || '' }, h('label', { for: id }, label), input, hintEl, err);
  return wrap;
}

// Shows the API's per-field errors beside the fields (data-field = JSON path); returns the
// errors no field took.
export function showFieldErrors(root, fields) {
  for (const e of root.querySelectorAll('.field-error')) { e.hidden = true; e.textContent = ''; }
  for (const i of root.querySelectorAll('[aria-invalid]')) i.removeAttribute('aria-invalid');
  const rest = [];
  for (const f of fields || []) {
    let target = root.querySelector(`[data-field="${CSS.escape(f.field)}"]`);
    // srs[1].sr -> srs[1] -> srs
    let path = f.field;
    while (!target && /[.[]/.test(path)) {
      path = path.replace(/(\.[^.[\]]*|\[\d+\])$/, '');
      target = root.querySelector(`[data-field="${CSS.escape(path)}"]`);
    }
    if (!target) { rest.push(f); continue; }
    const err = target.querySelector(':scope > .field-error') || target.querySelector('.field-error');
    if (!err) { rest.push(f); continue; }
    err.hidden = false;
    err.textContent = err.textContent ? `${err.textContent} ${f.message}` : f.message;
    const input = target.querySelector('input, select, textarea');
    if (input) input.setAttribute('aria-invalid', 'true');
  }
  return rest;
}

export function toast(text) {
  const t = document.getElementById('toast');
  t.textContent = text;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { t.textContent = ''; }, 5000);
}

export function fmtTime(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  return isNaN(d) ? iso : d.toLocaleString();
}

export function fmtDuration(seconds) {
  if (seconds === null || seconds === undefined) return '—';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86400)} d ${Math.floor((s % 86400) / 3600)} h`;
}

export function fmtBytes(n) {
  if (n === null || n === undefined) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n; let i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i += 1; }
  return `${v.toFixed(i ? 1 : 0)} ${units[i]}`;
}

// A modal confirmation (a native <dialog>: focus stays inside, Escape cancels). Resolves to
// the form's values, or null when cancelled.
export function confirmDialog(title, body, okLabel = 'Confirm', { danger = false } = {}) {
  return new Promise((resolve) => {
    const form = h('form', { method: 'dialog' },
      h('h2', { id: uid('dlg') }, title), body,
      h('div', { class: 'actions' },
        h('button', { type: 'submit', value: 'ok', class: danger ? 'danger' : 'primary' }, okLabel),
        h('button', { type: 'submit', value: 'cancel', formnovalidate: true }, 'Cancel')));
    const dlg = h('dialog', { 'aria-labelledby': form.firstChild.id }, form);
    document.body.append(dlg);
    dlg.addEventListener('close', () => {
      const ok = dlg.returnValue === 'ok';
      const values = ok ? Object.fromEntries(new FormData(form).entries()) : null;
      for (const c of form.querySelectorAll('input[type=checkbox]')) {
        if (values) values[c.name] = c.checked;
      }
      dlg.remove();
      resolve(values);
    });
    dlg.showModal();
  });
}
