// Interop: Xen Orchestra's npm `xen-api` client against xapi-sim.
// Usage: node xo_client.mjs /path/to/xapi-sim
// Starts the simulator (2 populated VMs) in a temp dir, connects with xen-api (which speaks
// JSON-RPC on /jsonrpc, logs in, lists methods, injects an event, fetches every class and loops
// on event.from), lists the VMs, snapshots one through Async.VM.snapshot and
// a watched task, checks the task result and the snapshot record, then stops the simulator with
// SIGTERM and checks it exits 0. Exits non-zero on any mismatch.
import assert from 'node:assert/strict'
import { createClient } from 'xen-api'
import { startSim } from './sim_process.mjs'

const bin = process.argv[2]
if (!bin) {
  console.error('usage: node xo_client.mjs XAPI_SIM_BINARY')
  process.exit(2)
}
const { url, sim, stop } = await startSim(bin, { diskSize: '4M', tmpPrefix: 'xapi-sim-xo-' })

let failed = false
const watchdog = setTimeout(() => {
  console.error('timed out')
  sim.kill('SIGKILL')
  process.exit(1)
}, 60000)
try {
  const xapi = createClient({ url, auth: { user: 'root', password: 'xapi-sim' }, allowUnauthorized: true })
  await xapi.connect()
  await xapi.objectsFetched
  const all = Object.values(xapi.objects.all)
  const vms = all.filter(o => o.$type === 'VM' && !o.is_control_domain && !o.is_a_template)
  assert.equal(vms.length, 2, 'two populated VMs')
  assert.ok(all.some(o => o.$type === 'pool'), 'pool in the cache')
  assert.ok(all.some(o => o.$type === 'VDI'), 'VDIs in the cache')
  const vm = vms[0]
  assert.equal(vm.power_state, 'Halted')
  assert.equal(vm.$VBDs.length, 1, 'VBD links resolve')

  const snapRef = await xapi.callAsync('VM.snapshot', vm.$ref, 'xo-interop-snapshot')
  assert.match(String(snapRef), /^OpaqueRef:/, 'the task result is the snapshot ref')
  const snap = await xapi.call('VM.get_record', snapRef)
  assert.equal(snap.is_a_snapshot, true)
  assert.equal(snap.snapshot_of, vm.$ref)
  assert.equal(snap.name_label, 'xo-interop-snapshot')
  // The event loop delivers the snapshot to the client's cache.
  await xapi.barrier(snapRef)
  const cached = xapi.getObjectByRef(snapRef)
  assert.equal(cached.name_label, 'xo-interop-snapshot')
  assert.equal(cached.$snapshot_of.$ref, vm.$ref)
  await xapi.disconnect()
  console.log(`xen-api interop OK: ${vms.length} VMs listed, snapshot ${snapRef} created via task`)
} catch (e) {
  failed = true
  console.error('xen-api interop FAILED:', e)
} finally {
  clearTimeout(watchdog)
  if (!(await stop())) failed = true
}
process.exit(failed ? 1 : 0)
