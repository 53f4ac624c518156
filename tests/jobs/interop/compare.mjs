// Compares xcr's next-run times (schedule_next_runs) with a reference written elsewhere, entry by
// entry of a corpus, time by time:
//   node compare.mjs cron-parser cron_corpus.json path/to/schedule_next_runs
//   node compare.mjs systemd calendar_corpus.json path/to/schedule_next_runs
//
// A corpus entry is either
//   {"expr": "...", "tz": "Europe/Paris", "from": "2026-03-28T12:00Z", "n": 3,
//    ["systemd": "text systemd reads, when it spells the same schedule differently",]
//    ["ours_only": [...], "ref_only": [...], "why": "..."]}
// where ours_only / ref_only state exactly where our DST rule deliberately differs from the
// reference (any other difference, or a stated one that does not happen, fails), or
//   {"expr": "...", "invalid": true}: both the reference and xcr must refuse it (xcr naming the
//   column).
// Both lists of n runs are compared up to the earlier of their last runs.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const [mode, corpusPath, ours] = process.argv.slice(2);
const corpus = JSON.parse(readFileSync(corpusPath, 'utf8'));
let failures = 0;
let compared = 0;

function fail(entry, message) {
  failures++;
  console.log(`FAIL ${JSON.stringify(entry.expr)} ${entry.tz ?? ''}: ${message}`);
}

function iso(date) {
  return date.toISOString().slice(0, 16) + 'Z';
}

function ourRuns(entry) {
  const r = spawnSync(ours, [entry.expr, entry.tz ?? 'UTC', entry.from ?? '2026-01-01T00:00Z',
                             String(entry.n ?? 1)], { encoding: 'utf8' });
  return { ok: r.status === 0, runs: r.stdout.split('\n').filter(Boolean), error: r.stderr.trim() };
}

async function cronParserRuns(entry) {
  const { CronExpressionParser } = await import('cron-parser');
  try {
    const it = CronExpressionParser.parse(entry.expr, {
      currentDate: new Date(entry.from ?? '2026-01-01T00:00Z'), tz: entry.tz ?? 'UTC' });
    const runs = [];
    for (let i = 0; i < (entry.n ?? 1); i++) runs.push(iso(it.next().toDate()));
    return { ok: true, runs };
  } catch (e) {
    return { ok: false, runs: [], error: String(e.message ?? e) };
  }
}

function systemdRuns(entry) {
  const text = `${entry.systemd ?? entry.expr} ${entry.tz ?? 'UTC'}`;
  const from = (entry.from ?? '2026-01-01T00:00Z').replace('T', ' ').replace('Z', ':00 UTC');
  const r = spawnSync('systemd-analyze',
                      ['calendar', `--iterations=${entry.n ?? 1}`, `--base-time=${from}`, text],
                      { encoding: 'utf8', env: { ...process.env, TZ: 'UTC' } });
  if (r.status !== 0) return { ok: false, runs: [], error: (r.stderr || r.stdout).trim() };
  const runs = [];
  for (const line of r.stdout.split('\n')) {
    const m = /(?:Next elapse|Iter\. #\d+): \w+ (\d{4}-\d\d-\d\d) (\d\d:\d\d):\d\d UTC/.exec(line);
    if (m) runs.push(`${m[1]}T${m[2]}Z`);
  }
  return { ok: true, runs };
}

function sameSet(a, b) {
  return a.length === b.length && a.every((x) => b.includes(x));
}

for (const entry of corpus) {
  const mine = ourRuns(entry);
  const ref = mode === 'systemd' ? systemdRuns(entry) : await cronParserRuns(entry);
  if (entry.invalid) {
    const before = failures;
    if (mine.ok) fail(entry, `xcr accepted it: ${mine.runs.join(' ')}`);
    else if (!/^column \d+: |fields/.test(mine.error)) fail(entry, `xcr's error names no column: ${mine.error}`);
    if (ref.ok) fail(entry, `the reference accepted it: ${ref.runs.join(' ')}`);
    if (failures === before) compared++;
    continue;
  }
  if (!mine.ok) { fail(entry, `xcr refused it: ${mine.error}`); continue; }
  if (!ref.ok) { fail(entry, `the reference refused it: ${ref.error}`); continue; }
  if (mine.runs.length !== entry.n || ref.runs.length !== entry.n) {
    fail(entry, `expected ${entry.n} runs, xcr gave ${mine.runs.length}, the reference ${ref.runs.length}`);
    continue;
  }
  const end = [mine.runs.at(-1), ref.runs.at(-1)].sort()[0];
  const a = mine.runs.filter((t) => t <= end);
  const b = ref.runs.filter((t) => t <= end);
  const oursOnly = a.filter((t) => !b.includes(t));
  const refOnly = b.filter((t) => !a.includes(t));
  const expectedOurs = entry.ours_only ?? [];
  const expectedRef = entry.ref_only ?? [];
  if (!sameSet(oursOnly, expectedOurs) || !sameSet(refOnly, expectedRef)) {
    fail(entry, `xcr only: [${oursOnly}] (stated [${expectedOurs}]), reference only: ` +
                `[${refOnly}] (stated [${expectedRef}])\n  xcr:       ${mine.runs.join(' ')}\n` +
                `  reference: ${ref.runs.join(' ')}`);
    continue;
  }
  if (a.length - oursOnly.length < 1) { fail(entry, 'no run in common to compare'); continue; }
  compared++;
}
console.log(`${mode}: ${compared} of ${corpus.length} corpus entries agree (stated DST differences included)`);
process.exit(failures === 0 && compared === corpus.length ? 0 : 1);
