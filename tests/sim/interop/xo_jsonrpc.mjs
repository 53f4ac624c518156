// Interop: Xen Orchestra's npm `xen-api` client against xapi-sim over JSON-RPC, the protocol XO
// uses with every current host. Usage: node xo_jsonrpc.mjs /path/to/xapi-sim
// Starts the simulator (2 populated VMs) in a temp dir, then through xen-api: connect,
// objectsFetched, callAsync('VM.snapshot'), barrier(), getResource('/export_raw_vdi/') with its
// task watched to success, putResource('/import_raw_vdi/') into a new VDI (content equal), clone,
// a blocked start, errors by code; an Async task seen pending with progress strictly between 0
// and 1 before success; a cancelled snapshot leaving no snapshot. Last, sim.stats must show
// every call served on /jsonrpc and none on XML-RPC. Exits non-zero on any mismatch.
// Bodies are read in flowing mode: undici 6/7 asserts (nodejs/undici#5360) when a server closes
// the socket while a paused body is under backpressure, and XAPI closes after every export.
import assert from 'node:assert/strict'
import { createClient } from 'xen-api'
import { startSim } from './sim_process.mjs'

const bin = process.argv[2]
if (!bin) {
  console.error('usage: node xo_jsonrpc.mjs XAPI_SIM_BINARY')
  process.exit(2)
}
const { url, sim, stop } = await startSim(bin, { diskSize: '8M', tmpPrefix: 'xapi-sim-xo-json-' })

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms))
// Reads a body in flowing mode into one Buffer.
const readAll = body =>
  new Promise((resolve, reject) => {
    const chunks = []
    body.on('data', c => chunks.push(c))
    body.on('end', () => resolve(Buffer.concat(chunks)))
    body.on('error', reject)
  })

let failed = false
const watchdog = setTimeout(() => {
  console.error('timed out')
  sim.kill('SIGKILL')
  process.exit(1)
}, 100000)
try {
  const xapi = createClient({ url, auth: { user: 'root', password: 'xapi-sim' }, allowUnauthorized: true })
  await xapi.connect()
  await xapi.objectsFetched
  const all = Object.values(xapi.objects.all)
  const vms = all.filter(o => o.$type === 'VM' && !o.is_control_domain && !o.is_a_template)
  assert.equal(vms.length, 2, 'two populated VMs')
  const vm = vms[0]
  assert.equal(typeof vm.memory_static_max, 'number', 'ints arrive as JSON numbers')

  // callAsync + barrier; snapshot_time is XAPI's string, which add_to_other_config accepts back.
  const snapRef = await xapi.callAsync('VM.snapshot', vm.$ref, 'xo-json-snapshot')
  assert.match(String(snapRef), /^OpaqueRef:/)
  await xapi.barrier(snapRef)
  const snap = xapi.getObjectByRef(snapRef)
  assert.equal(snap.is_a_snapshot, true)
  assert.equal(snap.$snapshot_of.$ref, vm.$ref)
  assert.match(snap.snapshot_time, /^\d{8}T\d\d:\d\d:\d\dZ$/, 'snapshot_time is a string')
  await xapi.call('VM.add_to_other_config', snapRef, 'xo:backup:datetime', snap.snapshot_time)

  // Export the snapshot's disk through /export_raw_vdi/ with a task watched to success.
  const vbd = snap.$VBDs.find(b => b.type === 'Disk')
  const vdi = vbd.$VDI
  const exp = await xapi.getResource('/export_raw_vdi/', { query: { format: 'raw', vdi: vdi.$ref }, task: true })
  const data = await readAll(exp.body)
  await exp.task
  assert.equal(data.length, Number(vdi.virtual_size), 'a raw export is the whole disk')

  // Import it into a new VDI through /import_raw_vdi/.
  const newVdi = await xapi.call('VDI.create', {
    SR: vdi.$SR.$ref,
    name_label: 'xo-json-import',
    virtual_size: vdi.virtual_size,
    type: 'user',
    sharable: false,
    read_only: false,
    other_config: {},
  })
  const imported = await xapi.putResource(data, '/import_raw_vdi/', {
    query: { format: 'raw', vdi: newVdi },
    task: true,
  })
  assert.equal(imported, newVdi, 'the import task returns the VDI ref')
  assert.equal(await xapi.call('sim.vdi_sha256', newVdi), await xapi.call('sim.vdi_sha256', vdi.$ref))

  // Clone, a blocked start, errors by code.
  const clone = await xapi.callAsync('VM.clone', vm.$ref, 'xo-json-clone')
  await xapi.call('VM.add_to_blocked_operations', clone, 'start', 'blocked by the test')
  await assert.rejects(xapi.call('VM.start', clone, false, false), e => e.code === 'OPERATION_BLOCKED')
  await assert.rejects(xapi.call('VM.get_record', 'OpaqueRef:nope'), e => {
    assert.equal(e.code, 'HANDLE_INVALID')
    assert.deepEqual(e.params, ['VM', 'OpaqueRef:nope'])
    return true
  })

  // A task seen pending with progress strictly between 0 and 1, then success.
  await xapi.call('sim.fault_delay', 'VM.snapshot', 500)
  const slow = await xapi.call('Async.VM.snapshot', vm.$ref, 'xo-json-slow')
  let between = false
  let rec
  for (;;) {
    rec = await xapi.call('task.get_record', slow)
    if (rec.status !== 'pending') break
    if (rec.progress > 0 && rec.progress < 1) between = true
    await sleep(5)
  }
  assert.ok(between, 'progress seen strictly between 0 and 1')
  assert.equal(rec.status, 'success')
  await xapi.call('task.destroy', slow)

  // A cancelled snapshot leaves no snapshot.
  const before = (await xapi.call('VM.get_snapshots', vm.$ref)).length
  await xapi.call('sim.fault_delay', 'VM.snapshot', 60000)
  const doomed = await xapi.call('Async.VM.snapshot', vm.$ref, 'xo-json-cancelled')
  await xapi.call('task.cancel', doomed)
  await assert.rejects(xapi.watchTask(doomed), e => e.code === 'TASK_CANCELLED' || /cancel/i.test(String(e.code ?? e.message)))
  await xapi.call('sim.fault_delay', 'VM.snapshot', 0)
  assert.equal((await xapi.call('VM.get_snapshots', vm.$ref)).length, before, 'no snapshot left')

  // Every call went to /jsonrpc.
  const stats = await xapi.call('sim.stats')
  assert.equal(Number(stats.xmlrpc_calls), 0, 'no XML-RPC call served')
  assert.ok(Number(stats.jsonrpc_calls) > 10, 'the calls were served on /jsonrpc')
  await xapi.disconnect()
  console.log(`xen-api JSON-RPC interop OK: ${stats.jsonrpc_calls} calls on /jsonrpc, none on XML-RPC`)
} catch (e) {
  failed = true
  console.error('xen-api JSON-RPC interop FAILED:', e)
} finally {
  clearTimeout(watchdog)
  if (!(await stop())) failed = true
}
process.exit(failed ? 1 : 0)
