// Operations on existing replicas: find them, make a bootable disaster-recovery clone, and verify
// a replica's content against the digest its run recorded and/or its source snapshot.
#ifndef XCR_ENGINE_REPLICA_OPS_H_
#define XCR_ENGINE_REPLICA_OPS_H_

#include <string>
#include <vector>

#include "base/result.h"
#include "engine/pool_catalog.h"
#include "xapi/connection.h"

namespace xcr::engine {

// A VM carrying replica keys (job, vm, sr) that is protected (start blocked) or a snapshot.
bool LooksLikeReplica(const VmView& vm);
// The replica whose uuid or name is `id` on this pool.
Result<const VmView*> FindReplica(const PoolCatalog& catalog, const std::string& id);

struct CloneResult {
  std::string ref;
  std::string uuid;
  std::string name;
};

// The DR clone: VM.clone of the replica, then made usable — no blocked operations, not a
// template, replication keys and the replica tag removed (so retention never touches it) — and
// started if `start`. The replica itself is left untouched. An interrupted copy is refused.
Result<CloneResult> CloneReplica(xapi::Connection& conn, const std::string& replica,
                                 const std::string& name, bool start);

struct DiskVerification {
  std::string userdevice;
  std::string replica_vdi;         // uuid
  std::string source_vdi;          // uuid of the source snapshot disk it copies
  std::string replica_digest;      // "xcr-content-v2:<hex>" of the replica disk, re-exported now
  std::string source_digest;       // same, of the source snapshot disk (when compared)
  std::string recorded_digest;     // keys::kContentDigest on the replica disk ("" if none)
  std::string recorded_scope;      // keys::kContentDigestScope ("full", "delta", "")
  bool compared_source = false;    // replica_digest was compared with source_digest
  bool compared_recorded = false;  // replica_digest was compared with recorded_digest
  std::string note;                // why a comparison was not made, when that is not an error
  Status status;                   // OK when the comparisons could be made
  bool source_equal() const { return compared_source && replica_digest == source_digest; }
  bool recorded_equal() const { return compared_recorded && replica_digest == recorded_digest; }
  // At least one comparison was made and every comparison made found equal content.
  bool equal() const {
    return status.ok() && (compared_source || compared_recorded) &&
           (!compared_source || source_equal()) && (!compared_recorded || recorded_equal());
  }
};

// Verifies every disk of a replica (on `target`) by re-exporting it and computing its content
// digest (content_digest.h), compared with:
//   - the digest its run recorded on the disk, when that covers the whole disk (scope "full");
//     a delta-scope digest covers only the blocks the delta carried and is not compared;
//   - when `source` is given, the digest of the source snapshot disk it copies
//     (xo:backup:contentKey / xo:copy_of), re-exported too.
// Without `source` every disk needs a full-scope recorded digest: otherwise kFailedPrecondition,
// naming the disks, before anything is exported. The result is OK with one entry per disk (a
// disk that could not be exported has its own status); kNotFound if no such replica.
Result<std::vector<DiskVerification>> VerifyReplica(xapi::Connection* source,
                                                    xapi::Connection& target,
                                                    const std::string& replica);
// The same with a source pool.
Result<std::vector<DiskVerification>> VerifyReplica(xapi::Connection& source,
                                                    xapi::Connection& target,
                                                    const std::string& replica);

}  // namespace xcr::engine

#endif  // XCR_ENGINE_REPLICA_OPS_H_
