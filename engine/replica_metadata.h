// The metadata a run writes, as pure functions: the other_config maps for the source snapshot,
// its VDIs, the replica VM and its VDIs, and the names, following Xen Orchestra's conventions
// key by key (docs/xo-compat.md). Keeping these pure keeps the XO contract testable in one place.
#ifndef XCR_ENGINE_REPLICA_METADATA_H_
#define XCR_ENGINE_REPLICA_METADATA_H_

#include <cstdint>
#include <string>

#include <vector>

#include "engine/base_selection.h"
#include "engine/catalog.h"

namespace xcr::engine {

// Who is replicating what, and when (one per VM per run).
struct RunIdentity {
  std::string job_id;
  std::string schedule_id;
  std::string job_name;  // for names; defaults to the job id
  std::string vm_uuid;   // the source VM (not the snapshot)
  std::string vm_name;
  int64_t run_unix_seconds = 0;
};

// On the source snapshot VM: job, schedule, vm, datetime.
StringMap SnapshotKeys(const RunIdentity& id, const std::string& datetime);
// On each source snapshot VDI: the snapshot keys plus contentKey = the VDI's own uuid.
StringMap SnapshotVdiKeys(const RunIdentity& id, const std::string& datetime,
                          const std::string& vdi_uuid);
// Added to the source snapshot VM and VDIs once a transfer from it succeeded.
StringMap ExportedKeys(int delta_chain_length);

// On the replica VM. datetime is the placeholder while importing; the real value is written
// last, on its own (see ReplicaDatetimeKey()).
StringMap ReplicaVmKeys(const RunIdentity& id, const std::string& sr_uuid,
                        const std::string& source_snapshot_uuid, int delta_chain_length);
// On each replica VDI: the replica keys plus copy_of and contentKey = source snapshot VDI uuid.
StringMap ReplicaVdiKeys(const RunIdentity& id, const std::string& sr_uuid,
                         const std::string& source_vdi_uuid, int delta_chain_length);

// "<vm> - <job> - (<YYYYMMDDTHHMMSSZ>)", XO's legacy replica name.
std::string ReplicaName(const RunIdentity& id);
// "[Importing…] <replica name>" while data flows.
std::string ImportingName(const RunIdentity& id);
// "[xcr <job>] <vm>", the source snapshot's name.
std::string SnapshotName(const RunIdentity& id);

// The datetime of a new run: `now`, or one second after the newest xo:backup:datetime of this
// job and VM on the source snapshots or on the targets' disks, whichever is later, so a chain's
// datetimes strictly increase (retention and base selection order by them).
int64_t NextRunTime(int64_t now, const std::string& job_id, const std::string& vm_uuid,
                    const std::vector<VmView>& source_snapshots,
                    const std::vector<TargetInventory>& targets);

// Whether a source disk is left out of replication ("[NOBAK]" in its name).
bool IsNoBackupDisk(const VdiView& vdi);

// Keys an object copied from a source record must not inherit (all xo:backup:*, xo:copy_of,
// xcr:*): the caller removes these before writing fresh ones.
bool IsReplicationKey(const std::string& key);

}  // namespace xcr::engine

#endif  // XCR_ENGINE_REPLICA_METADATA_H_
