// VmReplicator::RunState: what one VM's run carries from step to step (vm_replicator.h draws
// the steps). Private to the replicator's own .cc files. The base plan points into `current`,
// `source` and `inventories`, so a RunState is never copied or moved once planning began.
#ifndef XCR_ENGINE_VM_RUN_STATE_H_
#define XCR_ENGINE_VM_RUN_STATE_H_

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/base_selection.h"
#include "engine/pool_catalog.h"
#include "engine/replica_metadata.h"
#include "engine/run_lease.h"
#include "engine/source_snapshot.h"
#include "engine/task_log.h"
#include "engine/vm_replicator.h"
#include "engine/vm_watchdog.h"
#include "engine/writer_set.h"
#include "xapi/records.h"

namespace xcr::engine {

struct VmReplicator::RunState {
  RunState() = default;
  RunState(const RunState&) = delete;
  RunState& operator=(const RunState&) = delete;

  std::string vm_id;  // as the caller gave it
  TaskId vm_task = kNoParent;
  VmOutcome out;
  std::string source_pool;  // the source's master URL, for messages

  // Check.
  std::optional<PoolCatalog> catalog;
  VmView vm;
  std::unique_ptr<LeaseKeeper> keeper;  // one run of the VM at a time; released at the end
  RunIdentity id;

  // Resolve targets.
  std::optional<WriterSet> writers;

  // Snapshot and base.
  std::optional<SourceSnapshot> source;
  VmView current;  // the VM with the disks that were snapshotted
  std::vector<TargetInventory> inventories;
  BasePlan plan;
  int chain = 0;  // the new replicas' delta chain length

  // Prepare writers.
  xapi::VmRecord snapshot_record;
  std::vector<std::pair<xapi::VifRecord, xapi::NetworkRecord>> vifs;

  // Transfer: raised by the watchdog (cancel, lost lease, timeout); watched by the transfers.
  std::atomic<bool> cancel{false};
  std::unique_ptr<VmWatchdog> watchdog;  // destroyed before the keeper
};

}  // namespace xcr::engine

#endif  // XCR_ENGINE_VM_RUN_STATE_H_
