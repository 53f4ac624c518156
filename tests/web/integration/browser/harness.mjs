// What the browser tests share: the processes they start (stopped at the end, their working
// folder removed), the simulated pools' URL and fingerprint, screenshots with an axe-core check
// of each page, and the console errors a page logs.
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { createInterface } from 'node:readline'
import { AxeBuilder } from '@axe-core/playwright'

export class Harness {
  // sim: the xapi-sim binary; shots: the screenshot folder; prefix: of the temporary folder.
  constructor (sim, shots, prefix) {
    this.sim = sim
    this.shots = shots
    this.work = mkdtempSync(path.join(tmpdir(), prefix))
    this.children = []
    this.consoleErrors = []
    this.axeFailures = []
  }

  // Starts a process; resolves with the first stdout line matching `re` ({ m, seen, p }), rejects
  // when the process exits first.
  start (bin, args, re, name) {
    const p = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    this.children.push(p)
    let err = ''
    p.stderr.on('data', (d) => { err += d })
    return new Promise((resolve, reject) => {
      const lines = createInterface({ input: p.stdout })
      const seen = []
      lines.on('line', (l) => { seen.push(l); const m = re.exec(l); if (m) resolve({ m, seen, p }) })
      p.once('exit', (code) => reject(new Error(`${name} exited (${code}) before starting: ${seen.join('\n')}\n${err}`)))
    })
  }

  // An HTTPS xapi-sim pool with its state under the working folder: { url, fingerprint }.
  async startSim (name, extra) {
    const { m } = await this.start(this.sim, ['--state', path.join(this.work, name), '--listen', '127.0.0.1:0', '--https', ...extra],
      /^xapi-sim listening on (\S+).*fingerprint (SHA256:[0-9A-Fa-f:]+)/, `xapi-sim ${name}`)
    return { url: m[1], fingerprint: m[2].toUpperCase() }
  }

  // A full-page screenshot NAME.png, and the page's serious or critical axe violations noted.
  async check (page, name) {
    await page.screenshot({ path: path.join(this.shots, `${name}.png`), fullPage: true })
    const r = await new AxeBuilder({ page }).analyze()
    for (const v of r.violations) {
      if (v.impact === 'serious' || v.impact === 'critical') {
        this.axeFailures.push(`${name}: ${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)
      }
    }
  }

  // Notes the page's console errors and uncaught exceptions.
  watch (page) {
    page.on('console', (msg) => { if (msg.type() === 'error') this.consoleErrors.push(`${page.url()}: ${msg.text()}`) })
    page.on('pageerror', (e) => this.consoleErrors.push(`${page.url()}: ${e.message}`))
  }

  // Prints what was noted, after a failure.
  report () {
    if (this.consoleErrors.length) console.error('console errors:\n' + this.consoleErrors.join('\n'))
    if (this.axeFailures.length) console.error('accessibility:\n' + this.axeFailures.join('\n'))
  }

  // Stops every process started (SIGTERM), then removes the working folder.
  async stop () {
    for (const c of this.children) c.kill('SIGTERM')
    await new Promise((resolve) => setTimeout(resolve, 1500))
    rmSync(this.work, { recursive: true, force: true })
  }
}
