// The positional, Xen Orchestra compatible form of cr-seed against live pools: gather the
// objects, plan (seed_plan.h / seed_undo.h), then print (dry run) or apply.
//
//   seed:  LoadSeedObjects ──> PlanSeed ──> nothing to change ──> done (nothing written)
//                                  │  └──> refused: nothing written
//                                  ▼
//                write the undo record (merged) ──> apply each change ──> done
//   undo:  read the undo record ──> PlanUndo ──> apply each change ──> remove the record
//
// Every change is printed as it is applied ("object (uuid): field: old -> new").
// Thread-safety: one call at a time per pair of connections.
#ifndef XCR_SEED_TOOL_SEED_RUN_H_
#define XCR_SEED_TOOL_SEED_RUN_H_

#include <ostream>
#include <string>
#include <vector>

#include "base/result.h"
#include "seed-tool/seed_plan.h"
#include "xapi/connection.h"

namespace xcr::seed {

struct SeedPools {
  xapi::Connection* source = nullptr;  // not owned
  xapi::Connection* target = nullptr;  // not owned; may be the same as source
  std::string source_label;            // for messages (the URL)
  std::string target_label;
};

struct SeedArgs {
  std::string snapshot_uuid;   // source snapshot
  std::string target_vm_uuid;  // target VM
  SeedRequest request;         // job and schedule; for undo, empty = as recorded
  bool dry_run = false;        // print the changes, write nothing
};

struct SeedOutcome {
  std::vector<Change> changes;  // planned (dry run) or applied
  std::string vm_uuid;          // the source VM the snapshot is of
  std::string sr_uuid;          // the SR of the target's disks
};

// Reads the source snapshot (with the VM it is of) and the target VM, with their disks.
// kNotFound naming the uuid and pool; kFailedPrecondition when the uuid names another kind of
// object (say a VDI).
Result<SeedObjects> LoadSeedObjects(const SeedPools& pools, const std::string& snapshot_uuid,
                                    const std::string& target_vm_uuid);

// Seeds (see the diagram). A refusal is kFailedPrecondition and nothing is written.
Result<SeedOutcome> RunSeed(const SeedPools& pools, const SeedArgs& args, std::ostream& out);

// Undoes the seed recorded on the target VM. kNotFound when the VM has no undo record;
// kFailedPrecondition when the record is of another snapshot, job or schedule than asked, or
// fields were changed since the seed (PlanUndo).
Result<SeedOutcome> RunUndo(const SeedPools& pools, const SeedArgs& args, std::ostream& out);

// Applies one change on its pool.
Status ApplyChange(const SeedPools& pools, const Change& change);

}  // namespace xcr::seed

#endif  // XCR_SEED_TOOL_SEED_RUN_H_
