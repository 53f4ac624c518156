// Operations on existing replicas: find them, make a bootable disaster-recovery clone, and verify
// a replica's content against its source snapshot.
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
  std::string replica_vdi;
  std::string source_vdi;
  std::string replica_digest;
  std::string source_digest;
  Status status;  // OK when both digests were computed
  bool equal() const { return status.ok() && replica_digest == source_digest; }
};

// Re-exports every disk of the replica (target pool) and of the source snapshot disk it copies
// (xo:backup:contentKey / xo:copy_of, source pool) and compares their content digests
// (content_digest.h). The result is OK with one entry per disk; kNotFound if no such replica.
Result<std::vector<DiskVerification>> VerifyReplica(xapi::Connection& source,
                                                    xapi::Connection& target,
                                                    const std::string& replica);

}  // namespace xcr::engine

#endif  // XCR_ENGINE_REPLICA_OPS_H_
