// The dashboard's colours and order (web/ui/js/views/dashboard.js lagClass, dashboardRows): from
// GET /api/status's state and lag_state (docs/schedules.md "Lag against the schedule"), failing
// first. Run by node's test runner (CTest web_ui_js, label unit).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { lagClass, dashboardRows } from '../../../web/ui/js/views/dashboard.js'

test('colours come from lag_state, a VM in error is red whatever its lag', () => {
  assert.equal(lagClass({ state: 'ok', lag_state: 'ok', lag_s: 60 }), 'green')
  assert.equal(lagClass({ state: 'running', lag_state: 'late', lag_s: 7200 }), 'amber')
  assert.equal(lagClass({ state: 'ok', lag_state: 'critical', lag_s: 90000 }), 'red')
  assert.equal(lagClass({ state: 'new', lag_state: 'critical', lag_s: null }), 'red')
  assert.equal(lagClass({ state: 'error', lag_state: 'ok', lag_s: 60 }), 'red')
  assert.equal(lagClass({ state: 'ok', lag_state: 'disabled', lag_s: 900000 }), 'grey')
  assert.equal(lagClass({ state: 'new', lag_state: 'ok', lag_s: null }), 'green') // not due yet
})

test('failing first, then late, on time and disabled; the oldest recovery point first within each', () => {
  const rows = dashboardRows([
    { vm_name: 'fresh', state: 'ok', lag_state: 'ok', lag_s: 30 },
    { vm_name: 'off', state: 'ok', lag_state: 'disabled', lag_s: 999999 },
    { vm_name: 'older', state: 'ok', lag_state: 'ok', lag_s: 300 },
    { vm_name: 'late', state: 'ok', lag_state: 'late', lag_s: 4000 },
    { vm_name: 'error', state: 'error', lag_state: 'ok', lag_s: 100 },
    { vm_name: 'never', state: 'new', lag_state: 'critical', lag_s: null },
    { vm_name: 'behind', state: 'ok', lag_state: 'critical', lag_s: 90000 },
  ])
  assert.deepEqual(rows.map((r) => r.e.vm_name), ['never', 'behind', 'error', 'late', 'older', 'fresh', 'off'])
  assert.deepEqual(rows.map((r) => r.c), ['red', 'red', 'red', 'amber', 'green', 'green', 'grey'])
})
