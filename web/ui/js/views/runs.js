// Runs: the list, and one run with its live task tree (server-sent events from
// GET /api/runs/ID/events while it lasts; the finished tree from GET /api/runs/ID).
import { api } from '../api.js';
import { h, uid, fmtTime, fmtBytes, fmtDuration, toast } from '../dom.js';

const resultClass = { success: 'green', running: 'amber', failure: 'red', cancelled: 'grey', interrupted: 'red' };

export async function runsView() {
  const node = h('section', {}, h('h1', {}, 'Runs'));
  let runs;
  try { runs = await api('GET', '/api/runs?limit=100'); } catch (e) {
    node.append(h('p', { class: 'error', role: 'alert' }, e.message));
    return node;
  }
  if (!runs.length) { node.append(h('p', {}, 'No run yet.')); return node; }
  node.append(h('div', { class: 'table-wrap' }, h('table', {},
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Started'), h('th', { scope: 'col' }, 'Job'),
      h('th', { scope: 'col' }, 'Result'), h('th', { scope: 'col', class: 'optional' }, 'Ended'))),
    h('tbody', {}, runs.map((r) => h('tr', {},
      h('td', {}, h('a', { href: `#/runs/${encodeURIComponent(r.id)}` }, fmtTime(r.start))),
      h('td', {}, r.job_name || r.job),
      h('td', {}, h('span', { class: `badge ${resultClass[r.result] || 'grey'}` }, r.result),
        r.error ? h('p', { class: 'field-error' }, r.error) : null),
      h('td', { class: 'optional' }, fmtTime(r.end))))))));
  return node;
}

const statusClass = (s) => ({ success: 'green', failure: 'red', running: 'amber' }[s] || 'grey');

// A disk transfer step's progress: percentage (null while the stream's size is unknown), bytes,
// rate and ETA, from the task tree's total_bytes, bytes, bytes_per_s and eta_s (docs/engine.md).
// Pure; exported for tests (tests/web/ui/run_progress_test.mjs).
export function progressOf(t) {
  const total = t.total_bytes || 0;
  const done = t.bytes || 0;
  const rate = t.bytes_per_s || 0;
  let pct = total ? Math.min(100, Math.floor((done * 100) / total)) : null;
  if (t.status === 'success') pct = 100;
  let eta = null;
  if (t.status === 'running' && total && rate) eta = t.eta_s ?? Math.max(0, total - done) / rate;
  const parts = [
    pct !== null ? `${pct} %` : null,
    total ? `${fmtBytes(done)} of ${fmtBytes(total)}` : fmtBytes(done),
    rate ? `${fmtBytes(rate)}/s` : null,
    eta !== null ? `ETA ${fmtDuration(eta)}` : null,
    t.status !== 'running' && t.duration_s ? `in ${fmtDuration(t.duration_s)}` : null,
  ];
  return { pct, text: parts.filter(Boolean).join(' · ') };
}

// One bar: role=progressbar with its value in percent (no value while the size is unknown: an
// indeterminate bar), labelled by the step's name and described by its text.
function progressBar(name, t) {
  const { pct, text } = progressOf(t);
  const labelId = uid('bar');
  const fill = h('div', { class: 'fill' });
  fill.style.width = `${pct ?? 0}%`;
  return h('div', { class: 'progress', 'data-status': t.status || '' },
    h('div', { class: 'progress-label', id: labelId }, name, ' ',
      h('span', { class: `badge ${statusClass(t.status)}` }, t.status || '')),
    h('div', {
      class: 'bar', role: 'progressbar', 'aria-labelledby': labelId,
      'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': pct ?? undefined, 'aria-valuetext': text,
    }, fill),
    h('div', { class: 'meta' }, text),
    t.status === 'failure' && t.error ? h('p', { class: 'field-error' }, t.error) : null);
}

// Per VM (a root of the tree), one bar per disk and target: the children of each export step.
function progressBoard(tasks) {
  const vms = Array.isArray(tasks) ? tasks : [];
  const exportsOf = (t) => (t.data && t.data.mode ? [t] : (t.children || []).flatMap(exportsOf));
  const blocks = vms.map((vm) => {
    const bars = exportsOf(vm).flatMap((ex) => {
      const disk = ex.label.replace(/^.*export of /, '');
      return (ex.children || []).map((target) => progressBar(`${disk} to ${target.label.replace(/^transfer to /, '')}`, target));
    });
    return bars.length ? h('div', { class: 'card vm-progress' },
      h('h3', {}, vm.label, ' ', h('span', { class: `badge ${statusClass(vm.status)}` }, vm.status || '')), bars) : null;
  }).filter(Boolean);
  return blocks.length ? [h('h2', {}, 'Progress'), ...blocks] : [];
}

// The task nodes as nested lists: label, status, bytes (of the expected size), rate, duration,
// ETA while running, and the error.
function taskTree(tasks) {
  const list = Array.isArray(tasks) ? tasks : (tasks ? [tasks] : []);
  return h('ul', { class: 'tasks' }, list.map((t) => {
    const total = t.total_bytes || 0;
    const done = t.bytes || 0;
    const rate = t.bytes_per_s || 0;
    const eta = t.status === 'running' && total && rate ? t.eta_s ?? (total - done) / rate : null;
    return h('li', { class: 'task', 'data-status': t.status || '' },
      h('div', {}, h('strong', {}, t.label), ' ',
        h('span', { class: `badge ${statusClass(t.status)}` }, t.status || '')),
      h('div', { class: 'meta' }, [
        done ? fmtBytes(done) : null,
        total && total !== done ? `of ${fmtBytes(total)}` : null,
        rate ? `${fmtBytes(rate)}/s` : null,
        t.duration_s ? fmtDuration(t.duration_s) : null,
        eta !== null ? `ETA ${fmtDuration(eta)}` : null,
      ].filter(Boolean).join(' · ')),
      t.error ? h('p', { class: 'field-error' }, t.error) : null,
      t.data && t.data.skipped ? h('p', { class: 'hint' }, t.data.skipped) : null,
      t.children && t.children.length ? taskTree(t.children) : null);
  }));
}

export async function runView(id) {
  const node = h('section', {});
  const header = h('div', {});
  const live = h('p', { class: 'hint', 'aria-live': 'polite' });
  const progressBox = h('div', {});
  const treeBox = h('div', {});
  const logBox = h('div', {});
  node.append(h('h1', {}, 'Run'), header, live, progressBox, treeBox, logBox);
  let source = null;

  const drawTasks = (tasks) => {
    progressBox.replaceChildren(...progressBoard(tasks));
    treeBox.replaceChildren(h('h2', {}, 'Tasks'), taskTree(tasks));
  };
  const draw = (run) => {
    header.replaceChildren(
      h('p', {}, h('strong', {}, run.job_name || run.job), ' · started ', fmtTime(run.start),
        run.end ? ` · ended ${fmtTime(run.end)}` : '', ' ',
        h('span', { class: `badge ${resultClass[run.result] || 'grey'}`, id: 'run-result' }, run.result)),
      run.error ? h('p', { class: 'error' }, run.error) : '',
      run.result === 'running' ? h('div', { class: 'actions' }, h('button', {
        type: 'button', class: 'danger',
        onclick: async () => {
          try { await api('POST', `/api/jobs/${encodeURIComponent(run.job)}/cancel`, {}); toast('Cancelling…'); } catch (e) { toast(e.message); }
        },
      }, 'Cancel the run')) : '');
    if (run.tasks) drawTasks(run.tasks);
    if (run.log && run.log.length) {
      logBox.replaceChildren(h('h2', {}, 'Log'), h('ul', {}, run.log.map((l) => h('li', {}, typeof l === 'string' ? l : `${fmtTime(l.time)} ${l.text}`))));
    }
  };
  const reload = async () => {
    const run = await api('GET', `/api/runs/${encodeURIComponent(id)}`);
    draw(run);
    return run;
  };
  let run;
  try { run = await reload(); } catch (e) {
    node.append(h('p', { class: 'error', role: 'alert' }, e.message));
    return node;
  }
  if (run.result === 'running') {
    live.textContent = 'Live: updates as the run progresses.';
    source = new EventSource(`/api/runs/${encodeURIComponent(id)}/events`);
    const onData = (ev) => {
      let d;
      try { d = JSON.parse(ev.data); } catch { return; }
      const tasks = Array.isArray(d) ? d : d.tasks;
      if (tasks) drawTasks(tasks);
      if (d.result && d.result !== 'running') finish();
    };
    const finish = async () => {
      if (source) { source.close(); source = null; }
      live.textContent = 'The run ended.';
      try { await reload(); } catch (e) { toast(e.message); }
    };
    source.addEventListener('message', onData);
    source.addEventListener('progress', onData);
    source.addEventListener('tasks', onData);
    source.addEventListener('end', finish);
    source.addEventListener('error', () => { if (source && source.readyState === EventSource.CLOSED) finish(); });
  }
  return { node, cleanup: () => { if (source) source.close(); } };
}
