// What a run can leave behind without the keys retention selects by, and how purge and the
// leftover heal recognise it as a job's, as pure predicates over pool_inventory.h views:
//
//   untagged run snapshot  VM.snapshot succeeded, the run died before tagging it: a snapshot of
//                          the VM named SnapshotName() ("[xcr JOBNAME] VMNAME") carrying no xo:*
//                          key. Recognised only by that exact name on a snapshot of that VM.
//   loose job disk         a VDI attached to nothing (no VBD at all) that carries the job's
//                          xo:backup:job: an import killed between VDI.create / VDI.clone and
//                          VBD.create, or a replica or snapshot VM destroyed whose VDI.destroy
//                          then failed. cbt_metadata VDIs are never loose disks.
#ifndef XCR_ENGINE_LEFTOVER_RULES_H_
#define XCR_ENGINE_LEFTOVER_RULES_H_

#include <string>

#include "engine/catalog.h"
#include "engine/pool_inventory.h"

namespace xcr::engine {

// True if no key of `m` starts with "xo:".
bool HasNoXoKeys(const StringMap& m);

// True if `snap` is a snapshot of `parent` named "[xcr <job_name>] <parent name>" with no xo:*
// key. job_name: the job's name as runs wrote it (its id when it has none); never empty.
bool IsUntaggedRunSnapshot(const VmView& snap, const VmView& parent, const std::string& job_name);

// True if the VDI carries xo:backup:job = job_id (and, when vm_uuid is not empty,
// xo:backup:vm = vm_uuid), is attached to nothing and is not cbt_metadata.
bool IsLooseJobDisk(const PoolInventory& inventory, const VdiView& vdi, const std::string& job_id,
                    const std::string& vm_uuid);

}  // namespace xcr::engine

#endif  // XCR_ENGINE_LEFTOVER_RULES_H_
