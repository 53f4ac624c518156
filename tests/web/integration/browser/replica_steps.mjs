// Browser steps of ui_flow.mjs for the Replicas page and the job editor's VM modes, run after the
// job `browser-job` (sim-vm-1 on pool `src`, by id) has replicated once to pool `dst`:
//   verifyReplicaSteps: the replica's age, chain length and size are shown; Verify re-reads it
//     and shows "replica verified", as POST /api/replicas/UUID/verify answered;
//   smartModeSteps: the job edited from explicit VMs to smart mode (by pool), saved, the editor
//     reloaded shows the smart selection and GET /api/jobs/ID has it without `ids`; then back to
//     explicit VMs (the replica not offered among them), stored without the pattern's keys (the
//     merge patch nulls the old mode's keys);
//   cloneReplicaSteps: a DR clone, named and started, from the Replicas page (below).
// `check(page, name)` screenshots the page and runs axe on it (ui_flow.mjs).
import assert from 'node:assert/strict'

// GET on the daemon's API with the page's session (a GET needs no CSRF token).
async function apiGet(page, path) {
  return page.evaluate(async (p) => {
    const r = await fetch(p, { credentials: 'same-origin' })
    if (!r.ok) throw new Error(`${p}: HTTP ${r.status}`)
    return r.json()
  }, path)
}

export async function verifyReplicaSteps(page, base, check) {
  await page.goto(`${base}#/replicas`)
  await page.getByRole('heading', { name: 'Replicas' }).waitFor()
  const { replicas } = await apiGet(page, '/api/replicas')
  const listed = replicas.find((r) => r.uuid)
  assert.ok(listed, `a replica VM is listed: ${JSON.stringify(replicas)}`)
  assert.equal(typeof listed.chain_length, 'number', 'the chain length is a number')
  assert.ok(listed.size >= 16 * 1024 * 1024, `the size is the disk's 16 MiB: ${listed.size}`)
  assert.ok(listed.age_s >= 0, 'the age is known')
  const row = page.locator(`tr[data-replica="${listed.uuid}"]`)
  await row.waitFor()
  assert.equal(await row.locator('td[data-chain]').getAttribute('data-chain'), String(listed.chain_length))
  await row.getByText('16.0 MiB').waitFor()

  await row.getByRole('button', { name: /^Verify / }).click()
  const result = row.getByRole('status')
  await result.filter({ hasText: 'replica verified' }).waitFor({ timeout: 120000 })
  const text = await result.textContent()
  assert.match(text, /^ok replica verified: content equals/, `the verify result shown: ${text}`)
  await check(page, 'replicas-verified')
}

export async function smartModeSteps(page, base, check) {
  const jobs = await apiGet(page, '/api/jobs')
  const job = jobs.find((j) => j.name === 'browser-job')
  assert.ok(job && job.vms.ids && job.vms.ids.length === 1, `the job chose its VM by id: ${JSON.stringify(job)}`)
  const vm = job.vms.ids[0]
  const pools = await apiGet(page, '/api/pools')
  const src = pools.find((p) => p.name === 'src')
  const edit = `${base}#/jobs/${encodeURIComponent(job.id)}/edit`

  // Explicit VMs -> smart mode, by pool.
  await page.goto(edit)
  await page.getByRole('heading', { name: 'Edit job' }).waitFor()
  await page.getByRole('radio', { name: /^Smart mode/ }).check()
  await page.getByRole('group', { name: /^On pools/ }).getByLabel('src', { exact: true }).check()
  await check(page, 'job-editor-smart')
  await page.getByRole('button', { name: 'Save' }).click()
  await page.getByRole('heading', { name: 'Jobs' }).waitFor()
  let stored = (await apiGet(page, `/api/jobs/${job.id}`)).vms
  assert.deepEqual(stored.pools, [src.id], `the smart selection is stored: ${JSON.stringify(stored)}`)
  assert.equal(stored.ids, undefined, `no VM ids are left: ${JSON.stringify(stored)}`)

  // The editor reloaded shows the smart selection.
  await page.goto(edit)
  await page.reload()
  await page.getByRole('heading', { name: 'Edit job' }).waitFor()
  assert.ok(await page.getByRole('radio', { name: /^Smart mode/ }).isChecked(), 'smart mode is shown')
  assert.ok(await page.getByRole('group', { name: /^On pools/ }).getByLabel('src', { exact: true }).isChecked(),
    'the pool chosen is shown')

  // And back to the explicit VM: stored without the pattern.
  await page.getByRole('radio', { name: 'These VMs' }).check()
  // The replica on dst (a VM named after sim-vm-1) is not offered as a source.
  assert.equal(await page.getByLabel(/sim-vm-1/).count(), 1, 'only the source VM is offered')
  await page.locator(`input[data-vm="${vm}"]`).check()
  await page.getByRole('button', { name: 'Save' }).click()
  await page.getByRole('heading', { name: 'Jobs' }).waitFor()
  stored = (await apiGet(page, `/api/jobs/${job.id}`)).vms
  assert.deepEqual(stored, { ids: [vm] }, `the explicit selection is stored alone: ${JSON.stringify(stored)}`)
}

// cloneReplicaSteps: disaster recovery from the Replicas page — Clone, confirmed with a name and
// "Start it", makes a started VM on the replica's pool (POST /api/replicas/UUID/clone); the pool's
// contents then list it as an ordinary VM (not a replica), and the replica itself stays listed.
export async function cloneReplicaSteps(page, base, check) {
  await page.goto(`${base}#/replicas`)
  await page.getByRole('heading', { name: 'Replicas' }).waitFor()
  const before = await apiGet(page, '/api/replicas')
  const listed = before.replicas.find((r) => r.uuid)
  assert.ok(listed, `a replica VM is listed: ${JSON.stringify(before)}`)
  const row = page.locator(`tr[data-replica="${listed.uuid}"]`)
  await row.getByRole('button', { name: /^Clone / }).click()
  const dialog = page.getByRole('dialog', { name: 'Clone this replica?' })
  await dialog.getByLabel('Name of the new VM').fill('sim-vm-1 DR drill')
  await dialog.getByLabel('Start it').check()
  await check(page, 'replica-clone-confirm')
  await dialog.getByRole('button', { name: 'Clone', exact: true }).click()
  const toast = page.locator('#toast').filter({ hasText: 'Clone created' })
  await toast.waitFor({ timeout: 120000 })
  const text = await toast.textContent()
  assert.match(text, /^Clone created: sim-vm-1 DR drill [0-9a-f-]{36}, started$/, `the clone's answer: ${text}`)
  await check(page, 'replica-cloned')

  // The clone is an ordinary VM of the target pool; the replica is untouched and still listed.
  const after = await apiGet(page, '/api/replicas')
  assert.ok(after.replicas.some((r) => r.uuid === listed.uuid), 'the replica stays')
  assert.ok(!JSON.stringify(after).includes('DR drill'), `the clone is no replica and no orphan: ${JSON.stringify(after)}`)
  const pools = await apiGet(page, '/api/pools')
  const dst = pools.find((p) => p.id === listed.pool)
  assert.ok(dst, `the replica's pool is stored: ${listed.pool}`)
  await page.goto(`${base}#/pools`)
  await page.getByRole('button', { name: `Show the SRs, networks and VMs of pool ${dst.name}` }).click()
  await page.locator('caption', { hasText: `VMs of ${dst.name}` }).waitFor()
  await page.getByRole('cell', { name: 'sim-vm-1 DR drill', exact: true }).waitFor()
}
