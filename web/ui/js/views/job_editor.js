// The job editor, in the order of XO's backup form: name, VMs (by search, or smart mode by pool
// and tag), target SRs on any pool, schedules (cron or calendar event, time zone, presets, the
// next runs previewed by the daemon, retention), then settings (concurrency, timeout, rate,
// reports). The daemon validates; its per-field errors are shown beside the fields.
import { api, ApiError } from '../api.js';
import { h, field, showFieldErrors, toast, fmtTime } from '../dom.js';

const PRESETS = [
  ['', 'Presets…'],
  ['*/5 * * * *', 'Every 5 minutes'],
  ['*/15 * * * *', 'Every 15 minutes'],
  ['*/30 * * * *', 'Every 30 minutes'],
  ['0 * * * *', 'Hourly'],
  ['0 */6 * * *', 'Every 6 hours'],
  ['0 22 * * *', 'Daily at 22:00'],
  ['30 22 * * mon-fri', 'Weekdays at 22:30'],
];

function browserZone() {
  try { return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC'; } catch { return 'UTC'; }
}

// The job's `vms` as sent: on an edit (a merge patch, RFC 7386) the other mode's keys go as null,
// so switching explicit VMs <-> smart mode stores only the new selection (docs/api.md PATCH
// /api/jobs/ID); smart-mode keys the editor does not show (notPools, notVms) are kept from one
// smart selection to the next.
export function vmsBody(selection, { smart, patch }) {
  if (!patch) return selection;
  const nulls = smart ? { ids: null } : { pools: null, tags: null, notPools: null, notTags: null, notVms: null };
  return { ...nulls, ...selection };
}

async function loadInventory() {
  const pools = await api('GET', '/api/pools');
  const inv = await Promise.all(pools.map(async (p) => {
    try {
      const t = await api('POST', `/api/pools/${encodeURIComponent(p.id)}/test`);
      return { pool: p, srs: t.ok ? t.srs : [], vms: t.ok ? t.vms : [], error: t.ok ? '' : t.error };
    } catch (e) { return { pool: p, srs: [], vms: [], error: e.message }; }
  }));
  return inv;
}

function scheduleBlock(index, s, onRemove) {
  const cron = h('input', { name: 'cron', value: s.cron || '0 22 * * *', required: true, spellcheck: 'false' });
  const tz = h('input', { name: 'timezone', value: s.timezone || browserZone(), list: 'tz-list', required: true });
  const preset = h('select', { 'aria-label': 'Schedule presets' }, PRESETS.map(([v, t]) => h('option', { value: v }, t)));
  const copyRet = h('input', { name: 'copyRetention', type: 'number', min: 1, value: s.copyRetention || 1 });
  const snapRet = h('input', { name: 'snapshotRetention', type: 'number', min: 1, value: s.snapshotRetention || 1 });
  const name = h('input', { name: 'name', value: s.name || '' });
  const enabled = h('input', { type: 'checkbox', checked: s.enabled !== false });
  const desc = h('p', { class: 'hint', 'aria-live': 'polite' });
  const next = h('ol', { class: 'preview', 'aria-label': 'Next runs' });
  const p = `schedules[${index}]`;
  let timer = null;
  const preview = () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      try {
        const r = await api('POST', '/api/schedules/preview', { cron: cron.value, timezone: tz.value, count: 5 });
        desc.textContent = r.description || '';
        next.replaceChildren(...r.next.map((t) => h('li', {}, fmtTime(t))));
        showFieldErrors(block, []);
      } catch (e) {
        desc.textContent = '';
        next.replaceChildren();
        if (e instanceof ApiError) {
          const fields = (e.fields.length ? e.fields : [{ field: 'cron', message: e.message }])
            .map((f) => ({ field: `${p}.${f.field.replace(/^.*\./, '')}`, message: f.message }));
          showFieldErrors(block, fields);
        }
      }
    }, 250);
  };
  cron.addEventListener('input', preview);
  tz.addEventListener('change', preview);
  preset.addEventListener('change', () => { if (preset.value) { cron.value = preset.value; preview(); } preset.value = ''; });
  const block = h('fieldset', { class: 'schedule', 'data-id': s.id || '' },
    h('legend', {}, `Schedule ${index + 1}`),
    h('div', { class: 'row' },
      field('Cron or calendar event', cron, { field: `${p}.cron`, hint: '5-field cron (0 22 * * *) or a calendar event (mon..fri 22:30)' }),
      h('div', {}, h('label', { for: `preset-${index}` }, 'Preset'), Object.assign(preset, { id: `preset-${index}` }))),
    field('Time zone', tz, { field: `${p}.timezone`, hint: 'IANA name, e.g. Europe/Paris' }),
    desc, next,
    h('div', { class: 'row' },
      field('Replicas kept per SR', copyRet, { field: `${p}.copyRetention` }),
      field('Source snapshots kept', snapRet, { field: `${p}.snapshotRetention` })),
    field('Schedule name (optional)', name, { field: `${p}.name` }),
    h('label', { class: 'check' }, enabled, 'Enabled'),
    onRemove ? h('button', { type: 'button', class: 'danger', onclick: onRemove }, `Remove schedule ${index + 1}`) : null);
  block.read = () => {
    const out = {
      name: name.value, cron: cron.value.trim(), timezone: tz.value.trim(), enabled: enabled.checked,
      copyRetention: Number(copyRet.value), snapshotRetention: Number(snapRet.value),
    };
    if (s.id) out.id = s.id;
    return out;
  };
  preview();
  return block;
}

export async function jobEditorView(jobId) {
  const node = h('section', {}, h('h1', {}, jobId ? 'Edit job' : 'New job'));
  let job = {
    name: '', vms: { ids: [] }, srs: [], concurrency: 2, timeout: 0, rate: 0, reportWhen: 'failure',
    schedules: [{ cron: '0 22 * * *', timezone: browserZone(), copyRetention: 2, snapshotRetention: 1 }],
  };
  let inv;
  try {
    if (jobId) job = await api('GET', `/api/jobs/${encodeURIComponent(jobId)}`);
    inv = await loadInventory();
  } catch (e) {
    node.append(h('p', { class: 'error', role: 'alert' }, e.message));
    return node;
  }
  if (!inv.length) {
    node.append(h('p', {}, 'Add a pool first: ', h('a', { href: '#/pools' }, 'Pools'), '.'));
    return node;
  }
  const form = h('form', { novalidate: true });
  const formError = h('p', { class: 'error', role: 'alert', hidden: true });

  // 1. Name
  const name = h('input', { name: 'name', value: job.name, required: true });
  form.append(field('Name', name, { field: 'name' }));

  // 2. VMs
  const smart = !job.vms.ids;
  const modeIds = h('input', { type: 'radio', name: 'vm-mode', value: 'ids', checked: !smart });
  const modeSmart = h('input', { type: 'radio', name: 'vm-mode', value: 'smart', checked: smart });
  const search = h('input', { type: 'search', placeholder: 'name, tag or pool', 'aria-label': 'Search VMs' });
  const chosen = new Set(job.vms.ids || []);
  const vmList = h('ul', { class: 'tasks', 'aria-label': 'VMs' });
  // Replicas are never a job's source VMs (the smart mode skips them too).
  const allVms = inv.flatMap((p) => p.vms.filter((v) => !v.replica).map((v) => ({ ...v, pool: p.pool })));
  const drawVms = () => {
    const q = search.value.toLowerCase();
    vmList.replaceChildren(...allVms
      .filter((v) => !q || v.name.toLowerCase().includes(q) || v.pool.name.toLowerCase().includes(q)
        || (v.tags || []).some((t) => t.toLowerCase().includes(q)))
      .map((v) => {
        const c = h('input', { type: 'checkbox', checked: chosen.has(v.uuid), 'data-vm': v.uuid,
          onchange: () => { if (c.checked) chosen.add(v.uuid); else chosen.delete(v.uuid); } });
        return h('li', {}, h('label', { class: 'check' }, c, `${v.name} `,
          h('span', { class: 'hint' }, `(${v.pool.name}${(v.tags || []).length ? `; ${v.tags.join(', ')}` : ''})`)));
      }));
  };
  search.addEventListener('input', drawVms);
  drawVms();
  const pat = job.vms.ids ? {} : job.vms;
  const poolChecks = inv.map((p) => h('input', { type: 'checkbox', value: p.pool.id, checked: (pat.pools || []).includes(p.pool.id) }));
  const tags = h('input', { value: (pat.tags || []).join(', ') });
  const notTags = h('input', { value: (pat.notTags || ['xo:no-bak']).join(', ') });
  const idsBox = h('div', { 'data-field': 'vms.ids' }, h('label', { for: 'vm-search' }, 'Find VMs'),
    Object.assign(search, { id: 'vm-search' }), vmList, h('p', { class: 'field-error', hidden: true }));
  const smartBox = h('div', {},
    h('fieldset', { 'data-field': 'vms.pools' }, h('legend', {}, 'On pools (none: every pool)'),
      inv.map((p, i) => h('label', { class: 'check' }, poolChecks[i], p.pool.name)), h('p', { class: 'field-error', hidden: true })),
    field('With any of the tags (comma-separated)', tags, { field: 'vms.tags' }),
    field('Without the tags', notTags, { field: 'vms.notTags' }));
  const showMode = () => { idsBox.hidden = !modeIds.checked; smartBox.hidden = !modeSmart.checked; };
  modeIds.addEventListener('change', showMode);
  modeSmart.addEventListener('change', showMode);
  showMode();
  form.append(h('fieldset', { 'data-field': 'vms' }, h('legend', {}, 'VMs'),
    h('div', { class: 'row', role: 'radiogroup', 'aria-label': 'How VMs are chosen' },
      h('label', { class: 'check' }, modeIds, 'These VMs'),
      h('label', { class: 'check' }, modeSmart, 'Smart mode: by pool and tag, at each run')),
    h('p', { class: 'field-error', hidden: true }), idsBox, smartBox));

  // 3. Target SRs
  const targets = h('div', {});
  const targetRows = [];
  const addTarget = (t = {}) => {
    const i = targetRows.length;
    const pool = h('select', { 'aria-label': `Target ${i + 1} pool` }, inv.map((p) => h('option', { value: p.pool.id }, p.pool.name)));
    if (t.pool) pool.value = t.pool;
    const sr = h('select', { 'aria-label': `Target ${i + 1} SR` });
    const fillSrs = () => {
      const p = inv.find((x) => x.pool.id === pool.value);
      sr.replaceChildren(...(p ? p.srs : []).map((s) => h('option', { value: s.uuid }, s.name)));
      if (t.sr) sr.value = t.sr;
    };
    pool.addEventListener('change', () => { t = {}; fillSrs(); });
    fillSrs();
    const row = h('div', { class: 'row', 'data-field': `srs[${i}]` },
      field(`Target ${i + 1}: pool`, pool, { field: `srs[${i}].pool` }),
      field('SR', sr, { field: `srs[${i}].sr` }),
      h('div', {}, h('button', { type: 'button', class: 'danger', onclick: () => { row.remove(); targetRows.splice(targetRows.indexOf(row), 1); } }, `Remove target ${i + 1}`)),
      h('p', { class: 'field-error', hidden: true }));
    row.read = () => ({ pool: pool.value, sr: sr.value });
    targetRows.push(row);
    targets.append(row);
  };
  (job.srs.length ? job.srs : [{}]).forEach(addTarget);
  form.append(h('fieldset', { 'data-field': 'srs' }, h('legend', {}, 'Target SRs'),
    h('p', { class: 'hint' }, 'Replicas go to every SR listed, on any pool.'), targets,
    h('p', { class: 'field-error', hidden: true }),
    h('button', { type: 'button', onclick: () => addTarget() }, 'Add a target SR')));

  // 4. Schedules
  const schedBox = h('div', {});
  let blocks = [];
  const drawSchedules = (list) => {
    blocks = list.map((s, i) => scheduleBlock(i, s, list.length > 1 ? () => {
      drawSchedules(blocks.map((b) => b.read()).filter((_, j) => j !== i));
    } : null));
    schedBox.replaceChildren(...blocks);
  };
  drawSchedules(job.schedules);
  let zones = [];
  try { zones = Intl.supportedValuesOf('timeZone'); } catch { zones = ['UTC']; }
  form.append(h('datalist', { id: 'tz-list' }, zones.map((z) => h('option', { value: z }))));
  form.append(h('fieldset', { 'data-field': 'schedules' }, h('legend', {}, 'Schedules'), schedBox,
    h('p', { class: 'field-error', hidden: true }),
    h('button', { type: 'button', onclick: () => drawSchedules([...blocks.map((b) => b.read()), { timezone: browserZone() }]) }, 'Add a schedule')));

  // 5. Settings
  const concurrency = h('input', { type: 'number', min: 1, value: job.concurrency });
  const timeout = h('input', { type: 'number', min: 0, value: Math.round((job.timeout || 0) / 60000) });
  const rate = h('input', { type: 'number', min: 0, step: 'any', value: job.rate ? +(job.rate / 1048576).toFixed(2) : 0 });
  const reportWhen = h('select', {}, ['failure', 'always', 'never'].map((v) => h('option', { value: v }, v)));
  reportWhen.value = job.reportWhen || 'failure';
  const enabled = h('input', { type: 'checkbox', checked: job.enabled !== false });
  form.append(h('fieldset', {}, h('legend', {}, 'Settings'),
    h('div', { class: 'row' },
      field('Concurrency (VMs at once)', concurrency, { field: 'concurrency' }),
      field('Timeout per VM (minutes, 0 = none)', timeout, { field: 'timeout' }),
      field('Rate limit (MiB/s, 0 = none)', rate, { field: 'rate' })),
    field('Send the report', reportWhen, { field: 'reportWhen' }),
    h('label', { class: 'check' }, enabled, 'Job enabled')));

  const save = h('button', { type: 'submit', class: 'primary' }, jobId ? 'Save' : 'Create job');
  form.append(formError, h('div', { class: 'actions' }, save, h('a', { class: 'button', href: '#/jobs' }, 'Cancel')));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    formError.hidden = true;
    const split = (s) => s.split(',').map((x) => x.trim()).filter(Boolean);
    const body = {
      name: name.value.trim(),
      vms: vmsBody(modeIds.checked ? { ids: [...chosen] } : {
        pools: poolChecks.filter((c) => c.checked).map((c) => c.value), tags: split(tags.value), notTags: split(notTags.value),
      }, { smart: !modeIds.checked, patch: !!jobId }),
      srs: targetRows.map((r) => r.read()),
      schedules: blocks.map((b) => b.read()),
      concurrency: Number(concurrency.value), timeout: Math.round(Number(timeout.value) * 60000),
      rate: Math.round(Number(rate.value) * 1048576), reportWhen: reportWhen.value, enabled: enabled.checked,
    };
    save.disabled = true;
    try {
      const saved = jobId ? await api('PATCH', `/api/jobs/${encodeURIComponent(jobId)}`, body)
        : await api('POST', '/api/jobs', body);
      toast(`Job ${saved.name} saved`);
      location.hash = '#/jobs';
    } catch (e) {
      const rest = e instanceof ApiError ? showFieldErrors(form, e.fields) : [];
      if (!(e instanceof ApiError) || !e.fields.length || rest.length) {
        formError.textContent = [e.message, ...rest.map((f) => `${f.field}: ${f.message}`)].join(' — ');
        formError.hidden = false;
      }
      const bad = form.querySelector('[aria-invalid="true"]') || formError;
      bad.focus?.();
    } finally {
      save.disabled = false;
    }
  });
  node.append(form);
  return node;
}
