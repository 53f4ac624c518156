// Leftover heal: the step at the start of a run of (job, VM) that removes what earlier runs of
// that job and VM left behind without the keys retention selects by (issue 15 items 3 and 4;
// the rules are engine/leftover_rules.h):
//
//   - on the source pool, untagged run snapshots of the VM: a run killed between VM.snapshot and
//     tagging left a snapshot named SnapshotName() ("[xcr JOBNAME] VMNAME") with no xo:* key,
//     which snapshot retention never selects; it goes with its disks;
//   - on the source and every target pool, loose disks of the job and VM: attached to nothing,
//     carrying xo:backup:job = the job and xo:backup:vm = the VM (an import killed after
//     VDI.create / VDI.clone but before VBD.create; a replica or snapshot whose VM retention
//     destroyed but whose VDI.destroy failed or was never reached).
//
// Only certain leftovers are touched: the job and VM must match (the untagged snapshot by its
// exact name on a snapshot of this VM), and the caller must hold the VM's run lease
// (engine/run_lease.h), so no other run of this VM can be between VM.snapshot and tagging, or
// between creating a disk and attaching it. Call it before the run creates anything itself.
// Thread-safety: as the Connections.
#ifndef XCR_ENGINE_LEFTOVERS_H_
#define XCR_ENGINE_LEFTOVERS_H_

#include <string>
#include <vector>

#include "base/result.h"
#include "engine/pool_inventory.h"
#include "engine/replica_metadata.h"
#include "engine/replica_writer.h"
#include "engine/task_log.h"
#include "xapi/connection.h"

namespace xcr::engine {

struct LeftoverPlan {
  std::vector<VmView> snapshots;  // untagged run snapshots of the VM
  std::vector<VdiView> disks;     // their disks (no other VM uses) and the loose disks
};

// What to remove on one pool for run `id` (job_id, job_name, vm_uuid, vm_name). vm_ref: the
// source VM's ref on this pool ("" on a pool that does not hold the VM: no snapshots there).
LeftoverPlan PlanLeftovers(const PoolInventory& inventory, const RunIdentity& id,
                           const std::string& vm_ref);

struct LeftoverCounts {
  int snapshots = 0;
  int disks = 0;
};

// Removes PlanLeftovers() of one pool. Every object is tried; the first failure is returned
// (naming the object and what was removed), the counts are of what was removed.
Result<LeftoverCounts> HealLeftovers(xapi::Connection& conn, const RunIdentity& id,
                                     const std::string& vm_ref, LeftoverCounts* removed = nullptr);

// The run's step: heals the source pool (vm_ref there) and each distinct target pool. When
// something was found or failed, records a task "clean up leftovers" under `parent` with data
// "snapshots" and "disks" (counts removed). Returns OK, or the first failure, which the run
// reports as a warning without failing (its replica is good, and the next run tries again):
// "cleanup failed: <message>" is appended to `warnings` when given.
Status HealRunLeftovers(xapi::Connection& source, const std::string& vm_ref,
                        const std::vector<TargetSpec>& targets, const RunIdentity& id, TaskLog* log,
                        TaskId parent, std::vector<std::string>* warnings = nullptr);

}  // namespace xcr::engine

#endif  // XCR_ENGINE_LEFTOVERS_H_
