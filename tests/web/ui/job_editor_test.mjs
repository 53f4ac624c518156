// The job editor's `vms` body (web/ui/js/views/job_editor.js vmsBody): an edit is a merge patch
// (RFC 7386), so switching explicit VMs <-> smart mode must send the old mode's keys as null;
// a new job is sent as chosen. Run by node's test runner (CTest web_ui_js, label unit).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { vmsBody } from '../../../web/ui/js/views/job_editor.js'

const smart = { pools: ['p1'], tags: ['prod'], notTags: ['xo:no-bak'] }

test('an edit to smart mode nulls the ids', () => {
  assert.deepEqual(vmsBody(smart, { smart: true, patch: true }), { ids: null, ...smart })
})

test('an edit to explicit VMs nulls every key of the pattern', () => {
  assert.deepEqual(vmsBody({ ids: ['vm-1'] }, { smart: false, patch: true }), {
    ids: ['vm-1'], pools: null, tags: null, notPools: null, notTags: null, notVms: null,
  })
})

// RFC 7386 applied as the daemon does (jobs/job_patch.cc): the stored selection becomes the new
// one alone, whichever way the switch goes.
function mergePatch(target, patch) {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch
  const out = target && typeof target === 'object' && !Array.isArray(target) ? { ...target } : {}
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k]
    else out[k] = mergePatch(out[k], v)
  }
  return out
}

test('the patched selection holds only the new mode', () => {
  const toSmart = mergePatch({ ids: ['vm-1'] }, vmsBody(smart, { smart: true, patch: true }))
  assert.deepEqual(toSmart, smart)
  const stored = { ...smart, notPools: ['p2'], notVms: ['vm-9'] }
  const toIds = mergePatch(stored, vmsBody({ ids: ['vm-2'] }, { smart: false, patch: true }))
  assert.deepEqual(toIds, { ids: ['vm-2'] })
  // Smart to smart keeps what the editor does not show.
  const again = mergePatch(stored, vmsBody({ pools: [], tags: ['web'], notTags: [] }, { smart: true, patch: true }))
  assert.deepEqual(again, { pools: [], tags: ['web'], notTags: [], notPools: ['p2'], notVms: ['vm-9'] })
})

test('a new job is sent as chosen, without nulls', () => {
  assert.deepEqual(vmsBody({ ids: ['vm-1'] }, { smart: false, patch: false }), { ids: ['vm-1'] })
  assert.deepEqual(vmsBody(smart, { smart: true, patch: false }), smart)
})
