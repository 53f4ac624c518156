// The web UI in a real browser, as a user goes through it: `xcr serve --listen` and two HTTPS
// xapi-sim pools; Debian's chromium driven by playwright-core. Log in, add both pools (the
// fingerprint shown must be the simulator's), create a job in the editor (schedule preview
// shown), run it and watch it to success, see the dashboard green, verify and clone the
// replica; every page at 1280 px and at phone width, screenshots into the build folder, no console errors, and axe-core finds no
// serious or critical accessibility violation on any page.
// usage: node ui_flow.mjs XCR XAPI_SIM CHROMIUM SCREENSHOT_DIR
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdirSync, writeFileSync, chmodSync } from 'node:fs'
import path from 'node:path'
import { chromium } from 'playwright-core'
import { Harness } from './harness.mjs'
import { verifyReplicaSteps, smartModeSteps, cloneReplicaSteps } from './replica_steps.mjs'

const [xcr, sim, browserPath, shots] = process.argv.slice(2)
mkdirSync(shots, { recursive: true })
const hs = new Harness(sim, shots, 'xcr-web-ui-')
const { work, consoleErrors, axeFailures } = hs
const start = (...args) => hs.start(...args)
const startSim = (...args) => hs.startSim(...args)
const check = (page, name) => hs.check(page, name)
const watch = (page) => hs.watch(page)

async function login(page, base) {
  await page.goto(base)
  await page.getByLabel('User').fill('admin')
  await page.getByLabel('Password').fill('s3cret-pw')
  await page.getByRole('button', { name: 'Log in' }).click()
  await page.getByRole('heading', { name: 'Dashboard' }).waitFor()
}

let ok = false
try {
  const src = await startSim('src', ['--populate', '1', '--disk-size', '16M'])
  const dst = await startSim('dst', [])
  const state = path.join(work, 'state')
  const { m } = await start(xcr, ['serve', '--state-dir', state, '--listen', '127.0.0.1:0'],
    /^xcr listening on (https:\/\/127\.0\.0\.1:\d+\/)$/, 'xcr serve')
  const base = m[1]
  const pw = path.join(work, 'pw')
  writeFileSync(pw, 's3cret-pw\n')
  chmodSync(pw, 0o600)
  execFileSync(xcr, ['user', 'add', 'admin', '--password-file', pw, '--socket', path.join(state, 'xcr.sock')])

  const browser = await chromium.launch({ executablePath: browserPath, args: ['--no-sandbox'] })
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 900 } })
  const page = await context.newPage()
  watch(page)

  // Login: a wrong password is refused on the page, then the right one.
  await page.goto(base)
  await page.getByRole('heading', { name: 'Log in to xcr' }).waitFor()
  await check(page, 'login')
  await page.getByLabel('User').fill('admin')
  await page.getByLabel('Password').fill('wrong')
  await page.getByRole('button', { name: 'Log in' }).click()
  await page.getByRole('alert').filter({ hasText: 'wrong user name or password' }).waitFor()
  consoleErrors.length = 0 // the browser logs the refused login's 401 itself
  await login(page, base)
  await check(page, 'dashboard-empty')

  // Pools, each with its fingerprint confirmed.
  for (const [name, pool] of [['src', src], ['dst', dst]]) {
    await page.goto(`${base}#/pools`)
    await page.getByRole('heading', { name: 'Add a pool' }).waitFor()
    await page.getByLabel('Name').fill(name)
    await page.getByLabel('Master URL').fill(pool.url)
    await page.getByLabel('User').fill('root')
    await page.getByLabel('Password').fill('xapi-sim')
    await page.getByRole('button', { name: 'Add pool' }).click()
    const shown = await page.locator('#probe-fingerprint').textContent()
    assert.equal(shown.toUpperCase(), pool.fingerprint.toUpperCase(), 'the fingerprint shown is the pool\'s')
    if (name === 'src') await check(page, 'pool-fingerprint')
    await page.getByRole('button', { name: 'Trust and add' }).click()
    await page.locator('td', { hasText: name }).first().waitFor()
  }
  await check(page, 'pools')
  // What a pool holds: its SRs, networks and VMs, listed by the daemon from the pool.
  await page.getByRole('button', { name: 'Show the SRs, networks and VMs of pool src' }).click()
  await page.locator('caption', { hasText: 'Networks of src (1)' }).waitFor()
  await page.getByRole('cell', { name: 'Pool-wide network associated with eth0' }).first().waitFor()
  await page.getByRole('cell', { name: 'sim-vm-1' }).first().waitFor()
  await check(page, 'pool-contents')

  // The job editor.
  await page.goto(`${base}#/jobs/new`)
  await page.getByRole('heading', { name: 'New job' }).waitFor()
  await page.getByLabel('Name', { exact: true }).fill('browser-job')
  await page.getByLabel(/sim-vm-1/).check()
  await page.getByLabel('Target 1 pool').selectOption({ label: 'dst' })
  await page.getByLabel('Cron or calendar event').fill('0 3 * * *')
  await page.locator('ol.preview li').nth(4).waitFor()
  await check(page, 'job-editor')
  await page.getByRole('button', { name: 'Create job' }).click()
  await page.getByRole('heading', { name: 'Jobs' }).waitFor()
  await check(page, 'jobs')

  // Run it and watch it to the end.
  await page.getByRole('button', { name: 'Run browser-job now' }).click()
  await page.getByRole('heading', { name: 'Run' }).waitFor()
  await page.locator('#run-result', { hasText: 'success' }).waitFor({ timeout: 240000 })
  await page.locator('li.task').first().waitFor()
  await check(page, 'run')

  // The dashboard: the VM green.
  await page.goto(`${base}#/dashboard`)
  await page.locator('tr[data-lag="green"]').first().waitFor()
  await check(page, 'dashboard')
  await page.goto(`${base}#/runs`)
  await page.getByRole('heading', { name: 'Runs' }).waitFor()
  await check(page, 'runs')
  await page.goto(`${base}#/replicas`)
  await page.getByRole('heading', { name: 'Replicas' }).waitFor()
  await check(page, 'replicas')
  await verifyReplicaSteps(page, base, check)
  await smartModeSteps(page, base, check)
  await cloneReplicaSteps(page, base, check)

  // The keyboard: from the login form to the dashboard without a mouse.
  const phone = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 390, height: 844 }, isMobile: true })
  const p2 = await phone.newPage()
  watch(p2)
  await p2.goto(base)
  await p2.getByLabel('User').focus()
  await p2.keyboard.type('admin')
  await p2.keyboard.press('Tab')
  await p2.keyboard.type('s3cret-pw')
  await p2.keyboard.press('Enter')
  await p2.getByRole('heading', { name: 'Dashboard' }).waitFor()
  await p2.locator('tr[data-lag="green"]').first().waitFor()
  await check(p2, 'phone-dashboard')
  for (const [route, heading] of [['#/jobs', 'Jobs'], ['#/jobs/new', 'New job'], ['#/runs', 'Runs'], ['#/pools', 'Pools']]) {
    await p2.goto(`${base}${route}`)
    await p2.getByRole('heading', { name: heading, exact: true }).waitFor()
    await check(p2, `phone-${heading.toLowerCase().replace(' ', '-')}`)
  }
  const width = await p2.evaluate(() => document.documentElement.scrollWidth)
  assert.ok(width <= 390, `the page is ${width} px wide at a phone's 390 px`)
  await browser.close()

  assert.deepEqual(consoleErrors, [], 'no console errors')
  assert.deepEqual(axeFailures, [], 'no serious accessibility violation')
  ok = true
  console.log(`web UI flow passed; screenshots in ${shots}`)
} catch (e) {
  console.error(e)
  hs.report()
} finally {
  await hs.stop()
}
process.exit(ok ? 0 : 1)
