// Runs: the list, and one run with its live task tree (server-sent events from
// GET /api/runs/ID/events while it lasts; the finished tree from GET /api/runs/ID).
import { api } from '../api.js';
import { h, fmtTime, fmtBytes, fmtDuration, toast } from '../dom.js';

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

// The task nodes as nested lists: label, status, bytes, rate, ETA when the size is known.
function taskTree(tasks) {
  const list = Array.isArray(tasks) ? tasks : (tasks ? [tasks] : []);
  return h('ul', { class: 'tasks' }, list.map((t) => {
    const data = t.data || {};
    const total = data.size || data.total || data.virtual_size || 0;
    const done = t.bytes || 0;
    const rate = t.bytes_per_s || 0;
    const finished = t.status && t.status !== 'running' && t.status !== 'pending';
    const eta = !finished && total && rate ? (total - done) / rate : null;
    const label = `${t.label}`;
    return h('li', { class: 'task', 'data-status': t.status || '' },
      h('div', {}, h('strong', {}, label), ' ',
        h('span', { class: `badge ${t.status === 'success' ? 'green' : t.status === 'failure' ? 'red' : t.status === 'running' ? 'amber' : 'grey'}` }, t.status || '')),
      total ? h('progress', { max: total, value: Math.min(done, total), 'aria-label': `${label} progress` }) : null,
      h('div', { class: 'meta' }, [
        done ? fmtBytes(done) : null,
        total ? `of ${fmtBytes(total)}` : null,
        rate ? `${fmtBytes(rate)}/s` : null,
        t.duration_s ? fmtDuration(t.duration_s) : null,
        eta !== null ? `ETA ${fmtDuration(eta)}` : null,
      ].filter(Boolean).join(' · ')),
      t.error ? h('p', { class: 'field-error' }, t.error) : null,
      t.children && t.children.length ? taskTree(t.children) : null);
  }));
}

export async function runView(id) {
  const node = h('section', {});
  const header = h('div', {});
  const live = h('p', { class: 'hint', 'aria-live': 'polite' });
  const treeBox = h('div', { 'aria-label': 'Task tree' });
  const logBox = h('div', {});
  node.append(h('h1', {}, 'Run'), header, live, treeBox, logBox);
  let source = null;

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
    if (run.tasks) treeBox.replaceChildren(taskTree(run.tasks));
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
      if (tasks) treeBox.replaceChildren(taskTree(tasks));
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
