// Live run progress in a real browser: `xcr serve --listen` and two HTTPS xapi-sim pools, the
// pools and a job set up through the API (the job's rate limit, 1 MiB/s, makes the ~4 MiB
// transfer last a few seconds), then the run started from the Jobs page. The run view must show
// a progress bar (role=progressbar) at an intermediate value with a rate, moving on without a
// reload and without polling the run (one GET of /api/runs/ID before the end, the updates
// arriving as server-sent events), then reach 100 % and the finished task tree with durations.
// Screenshots mid-run and at the end into the build folder; no console errors; axe-core finds
// no serious violation on the finished page.
// usage: node progress_flow.mjs XCR XAPI_SIM CHROMIUM SCREENSHOT_DIR
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { chromium } from 'playwright-core'
import { Harness } from './harness.mjs'

const [xcr, sim, browserPath, shots] = process.argv.slice(2)
mkdirSync(shots, { recursive: true })
const hs = new Harness(sim, shots, 'xcr-web-progress-')
const MiB = 1 << 20

// Records what EventSource objects of the page receive, set before any script of the page runs:
// the streams opened, the events, and per `tasks` event the percentage of each task that knows
// its size (total_bytes).
function recordEventSources() {
  const Original = window.EventSource
  window.__sse = { opened: 0, tasks: 0, end: 0, percents: [] }
  const percents = (tasks, out) => {
    for (const t of tasks || []) {
      if (t.total_bytes) out.push(Math.floor((t.bytes * 100) / t.total_bytes))
      percents(t.children, out)
    }
    return out
  }
  window.EventSource = class extends Original {
    constructor(...args) {
      super(...args)
      window.__sse.opened += 1
      this.addEventListener('tasks', (ev) => {
        window.__sse.tasks += 1
        window.__sse.percents.push(...percents(JSON.parse(ev.data).tasks, []))
      })
      this.addEventListener('end', () => { window.__sse.end += 1 })
    }
  }
}

// The progress bars' values (aria-valuenow, null when indeterminate) and texts.
function bars(page) {
  return page.getByRole('progressbar').evaluateAll((els) => els.map((e) => ({
    now: e.hasAttribute('aria-valuenow') ? Number(e.getAttribute('aria-valuenow')) : null,
    min: e.getAttribute('aria-valuemin'),
    max: e.getAttribute('aria-valuemax'),
    text: e.getAttribute('aria-valuetext'),
  })))
}

// Polls fn(arg) in the page every 50 ms until it returns a truthy value, and returns that value
// (page.waitForFunction evaluates a string, which the UI's CSP rightly forbids).
async function until(page, fn, arg, what, timeoutMs = 60000) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await page.evaluate(fn, arg)
    if (v) return v
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

let ok = false
let page = null
try {
  const src = await hs.startSim('src', ['--populate', '1', '--disk-size', '16M'])
  const dst = await hs.startSim('dst', [])
  const state = path.join(hs.work, 'state')
  const { m } = await hs.start(xcr, ['serve', '--state-dir', state, '--listen', '127.0.0.1:0'],
    /^xcr listening on (https:\/\/127\.0\.0\.1:\d+\/)$/, 'xcr serve')
  const base = m[1]
  const pw = path.join(hs.work, 'pw')
  writeFileSync(pw, 's3cret-pw\n')
  chmodSync(pw, 0o600)
  execFileSync(xcr, ['user', 'add', 'admin', '--password-file', pw, '--socket', path.join(state, 'xcr.sock')])

  const browser = await chromium.launch({ executablePath: browserPath, args: ['--no-sandbox'] })
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 900 } })
  await context.addInitScript(recordEventSources)

  // Set-up through the API, with the browser context's session (its cookie).
  const login = await context.request.post(`${base}api/login`, { data: { user: 'admin', password: 's3cret-pw' } })
  assert.equal(login.status(), 200, await login.text())
  const csrf = (await login.json()).csrf
  const call = async (method, url, data) => {
    const r = await context.request.fetch(`${base}${url}`, { method, data, headers: { 'X-CSRF-Token': csrf } })
    assert.ok(r.ok(), `${method} ${url}: ${r.status()} ${await r.text()}`)
    return r.json()
  }
  const pools = {}
  for (const [name, pool] of [['src', src], ['dst', dst]]) {
    pools[name] = await call('POST', 'api/pools', {
      name, urls: [pool.url], user: 'root', password: 'xapi-sim', fingerprint: pool.fingerprint,
    })
  }
  const srcTest = await call('POST', `api/pools/${pools.src.id}/test`)
  const dstTest = await call('POST', `api/pools/${pools.dst.id}/test`)
  assert.ok(srcTest.ok && dstTest.ok, 'both pools answer')
  const vm = srcTest.vms.find((v) => v.name === 'sim-vm-1')
  assert.ok(vm, `sim-vm-1 on the source pool: ${JSON.stringify(srcTest.vms)}`)
  await call('POST', 'api/jobs', {
    name: 'progress-job',
    vms: { ids: [vm.uuid] },
    srs: [{ pool: pools.dst.id, sr: dstTest.srs[0].uuid }],
    schedules: [{ cron: '0 3 * * *', timezone: 'UTC' }],
    rate: 1 * MiB,
  })

  page = await context.newPage()
  hs.watch(page)
  const runGets = [] // GET /api/runs/ID (not /events) the page sent
  page.on('request', (r) => {
    const u = new URL(r.url())
    if (r.method() === 'GET' && /^\/api\/runs\/[^/]+$/.test(u.pathname)) runGets.push(u.pathname)
  })
  await page.goto(`${base}#/jobs`)
  await page.getByRole('heading', { name: 'Jobs' }).waitFor()
  await page.getByRole('button', { name: 'Run progress-job now' }).click()
  await page.getByRole('heading', { name: 'Run', exact: true }).waitFor()
  await page.evaluate(() => { window.__samePage = true })

  // Mid-run: a bar between 0 and 100 % with a rate, labelled by its disk and target.
  const first = await until(page, () => {
    for (const b of document.querySelectorAll('[role="progressbar"]')) {
      const v = Number(b.getAttribute('aria-valuenow'))
      if (b.hasAttribute('aria-valuenow') && v > 0 && v < 100 && /\/s/.test(b.getAttribute('aria-valuetext'))) return v
    }
    return false
  }, null, 'a progress bar between 0 and 100 % with a rate')
  await page.screenshot({ path: path.join(shots, 'run-progress.png'), fullPage: true })
  const bar = page.getByRole('progressbar', { name: /^disk \S+ to SR '.+' \(.+\)/ }).first()
  await bar.waitFor()
  const midBars = await bars(page)
  const mid = midBars.find((b) => b.now === first)
  assert.ok(mid, `a bar at ${first} %: ${JSON.stringify(midBars)}`)
  assert.equal(mid.min, '0')
  assert.equal(mid.max, '100')
  assert.match(mid.text, /^\d+ % · [\d.]+ [KM]iB of 4\.0 MiB · [\d.]+ (KiB|MiB)\/s · ETA \d+ s$/, mid.text)
  assert.equal(await page.locator('.progress .meta', { hasText: mid.text }).count() >= 1, true,
    'the bar\'s text is shown beside it')

  // It moves on, on the same page.
  await until(page, (v) => [...document.querySelectorAll('[role="progressbar"]')]
    .some((b) => Number(b.getAttribute('aria-valuenow')) > v), first, `a bar past ${first} %`)
  assert.equal(await page.evaluate(() => window.__samePage), true, 'the page was not reloaded')

  // Done: every bar full, the run a success, the finished tree with durations.
  await page.locator('#run-result', { hasText: 'success' }).waitFor({ timeout: 60000 })
  await page.getByText('The run ended.').waitFor()
  const endBars = await bars(page)
  assert.ok(endBars.length >= 1, 'bars stay after the end')
  for (const b of endBars) assert.equal(b.now, 100, `a finished bar: ${JSON.stringify(b)}`)
  assert.match(endBars[0].text, /^100 % · 4\.0 MiB of 4\.0 MiB · .* · in \d+ s$/, endBars[0].text)
  const transferStep = page.locator('li.task', { hasText: /^transfer to SR/ }).last()
  await transferStep.waitFor()
  assert.match(await transferStep.locator('.meta').first().textContent(), /4\.0 MiB · [\d.]+ (KiB|MiB)\/s · \d+ s/)
  // The progress was pushed by the daemon: one event stream, whose task events carried several
  // intermediate percentages, then the end; the run itself was never polled.
  const sseEnd = await page.evaluate(() => window.__sse)
  assert.equal(sseEnd.opened, 1, 'one event stream')
  assert.equal(sseEnd.end, 1, 'the end came as an event')
  const between = [...new Set(sseEnd.percents.filter((v) => v > 0 && v < 100))]
  assert.ok(between.length >= 2, `task events with intermediate progress: ${JSON.stringify(sseEnd.percents)}`)
  const runPath = runGets[0]
  assert.ok(runPath, 'the run view loaded the run')
  assert.deepEqual(runGets, [runPath, runPath], 'the run was fetched once at the start and once at the end, never polled')
  await hs.check(page, 'run-done')
  // The same view at a phone's width: the bars fit.
  await page.setViewportSize({ width: 390, height: 844 })
  const width = await page.evaluate(() => document.documentElement.scrollWidth)
  assert.ok(width <= 390, `the run view is ${width} px wide at a phone's 390 px`)
  await hs.check(page, 'phone-run-done')
  await browser.close()

  assert.deepEqual(hs.consoleErrors, [], 'no console errors')
  assert.deepEqual(hs.axeFailures, [], 'no serious accessibility violation')
  ok = true
  console.log(`web UI live progress passed (bar at ${first} % mid-run; ${sseEnd.tasks} task events, percentages ${between.join(' ')}); screenshots in ${shots}`)
} catch (e) {
  console.error(e)
  hs.report()
  if (page) {
    await page.screenshot({ path: path.join(shots, 'progress-failure.png'), fullPage: true }).catch(() => {})
    console.error('the page showed:\n' + await page.locator('main').innerText().catch((x) => x.message))
  }
} finally {
  await hs.stop()
}
process.exit(ok ? 0 : 1)
