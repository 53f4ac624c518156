// The run view's progress of a transfer step (web/ui/js/views/runs.js progressOf): the value of
// its progress bar and the text beside it, from the task tree's bytes, total_bytes, bytes_per_s,
// eta_s and duration_s. Run by node's test runner (CTest web_ui_js, label unit).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { progressOf } from '../../../web/ui/js/views/runs.js'

const MiB = 1 << 20

test('a running transfer with its size: percentage, bytes of the size, rate and ETA', () => {
  const p = progressOf({ status: 'running', bytes: 1.5 * MiB, total_bytes: 4 * MiB, bytes_per_s: MiB, eta_s: 3, duration_s: 1.5 })
  assert.equal(p.pct, 37) // 37.5 % shown as reached, never rounded up to what is not
  assert.equal(p.text, '37 % · 1.5 MiB of 4.0 MiB · 1.0 MiB/s · ETA 3 s')
})

test('without eta_s the ETA comes from the rate', () => {
  const p = progressOf({ status: 'running', bytes: MiB, total_bytes: 4 * MiB, bytes_per_s: MiB })
  assert.equal(p.text, '25 % · 1.0 MiB of 4.0 MiB · 1.0 MiB/s · ETA 3 s')
})

test('before the size is known: no value (an indeterminate bar), the bytes so far', () => {
  const p = progressOf({ status: 'running', bytes: 512, bytes_per_s: 1024 })
  assert.equal(p.pct, null)
  assert.equal(p.text, '512 B · 1.0 KiB/s')
})

test('done: 100 % with the duration, no ETA', () => {
  const p = progressOf({ status: 'success', bytes: 4 * MiB, total_bytes: 4 * MiB, bytes_per_s: MiB, duration_s: 4 })
  assert.equal(p.pct, 100)
  assert.equal(p.text, '100 % · 4.0 MiB of 4.0 MiB · 1.0 MiB/s · in 4 s')
})

test('more bytes than announced stay at 100 %', () => {
  assert.equal(progressOf({ status: 'running', bytes: 5 * MiB, total_bytes: 4 * MiB, bytes_per_s: MiB, eta_s: 0 }).pct, 100)
})

test('a failed transfer keeps where it stopped', () => {
  const p = progressOf({ status: 'failure', bytes: MiB, total_bytes: 4 * MiB, bytes_per_s: MiB, duration_s: 1 })
  assert.equal(p.pct, 25)
  assert.equal(p.text, '25 % · 1.0 MiB of 4.0 MiB · 1.0 MiB/s · in 1 s')
})
