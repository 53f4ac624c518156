// The xapi-sim process of an interop script: started in a fresh temp dir with two populated
// VMs, its URL read from its first line; stopped with SIGTERM, its dir removed, and its exit
// status checked (a simulator that does not exit 0 fails the script).
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { createInterface } from 'node:readline'

// Returns { url, sim, stop }; stop() resolves to true when the simulator exited 0.
export async function startSim(bin, { diskSize, tmpPrefix }) {
  const dir = mkdtempSync(path.join(tmpdir(), tmpPrefix))
  const sim = spawn(bin, ['--state', dir, '--listen', '127.0.0.1:0', '--populate', '2', '--disk-size', diskSize], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const exited = new Promise(resolve => sim.on('exit', (code, signal) => resolve({ code, signal })))
  const firstLine = await new Promise((resolve, reject) => {
    createInterface({ input: sim.stdout }).once('line', resolve)
    sim.once('exit', () => reject(new Error('xapi-sim exited before printing its URL')))
  })
  const m = /^xapi-sim listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(firstLine)
  assert.ok(m, `unexpected first line: ${firstLine}`)
  const stop = async () => {
    sim.kill('SIGTERM')
    const { code, signal } = await exited
    rmSync(dir, { recursive: true, force: true })
    if (code !== 0) console.error(`xapi-sim exited with code ${code} signal ${signal}`)
    return code === 0
  }
  return { url: m[1], sim, stop }
}
