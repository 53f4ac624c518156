// The source side of a run as free functions, for every tool that snapshots a VM the way the
// engine does (the VM replicator, cr-seed's offline export):
//
//   TakeSourceSnapshot ──> (disks copied somewhere) ──> MarkSnapshotExported
//          │                        │ failure
//          │                        └──> DestroySourceSnapshot (it can never be a base)
//          └── failure: nothing left behind
//
// TakeSourceSnapshot snapshots the VM without its "[NOBAK]" disks, then tags the snapshot VM
// and each of its VDIs with the run's keys (job, schedule, vm, datetime; contentKey = own uuid
// on each VDI), as Xen Orchestra does. MarkSnapshotExported adds xo:backup:exported and the
// delta chain length once a copy from it succeeded: only then may it serve as a delta base.
// Thread-safety: as the Connection.
#ifndef XCR_ENGINE_SOURCE_SNAPSHOT_H_
#define XCR_ENGINE_SOURCE_SNAPSHOT_H_

#include <string>
#include <vector>

#include "base/result.h"
#include "engine/catalog.h"
#include "engine/replica_metadata.h"
#include "xapi/connection.h"

namespace xcr::engine {

struct SourceSnapshot {
  VmView snapshot;                // the new snapshot VM, its other_config as tagged
  std::string datetime;           // the xo:backup:datetime written on it
  std::vector<DiskView> current;  // the VM's disks that were snapshotted, in the VM's order
  std::vector<DiskView> disks;    // their images in the snapshot, same order (keys as tagged)
  std::vector<VmView> all;        // every snapshot of the VM right after, the new one included
};

// Snapshots `vm` (a VmView from LoadPoolCatalog) for run `id` (its run_unix_seconds gives the
// datetime). On failure after the snapshot exists, the snapshot is destroyed again.
Result<SourceSnapshot> TakeSourceSnapshot(xapi::Connection& conn, const VmView& vm,
                                          const RunIdentity& id);

// Adds ExportedKeys(delta_chain_length) to the snapshot VM and each of its VDIs.
Status MarkSnapshotExported(xapi::Connection& conn, const SourceSnapshot& snap,
                            int delta_chain_length);

// Destroys the snapshot VM and its VDIs.
Status DestroySourceSnapshot(xapi::Connection& conn, const VmView& snapshot);

}  // namespace xcr::engine

#endif  // XCR_ENGINE_SOURCE_SNAPSHOT_H_
