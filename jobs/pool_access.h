// PoolAccess: what the daemon's API does on a pool that may not be stored yet — read the
// certificate it presents (trust on first use), log in with a PoolConfig, list its SRs, networks
// and VMs for `pool test`, purge a job's replicas and snapshots on it, list its replicas, clone
// one for disaster recovery and verify one's content. XapiPoolAccess (pool_access_xapi.h) does it
// over XAPI; the API's tests use a fake.
//
// Errors are the pool's (kUnavailable unreachable, kRemoteError a refused login, kPermissionDenied
// a certificate that does not match): the API answers 502 for them (409 for a purge refused by a
// live run).
// Thread-safety: every method may be called from many threads at once.
#ifndef XCR_JOBS_POOL_ACCESS_H_
#define XCR_JOBS_POOL_ACCESS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"
#include "engine/replica_listing.h"
#include "engine/replica_ops.h"
#include "jobs/pool_config.h"

namespace xcr::jobs {

struct PoolSrInfo {
  std::string uuid;
  std::string name;
  int64_t free = 0;  // bytes: physical size minus utilisation
  int64_t size = 0;  // bytes: physical size
};

struct PoolNetworkInfo {
  std::string uuid;
  std::string name;
  std::string bridge;  // "xenbr0", "xapi1", ...
};

struct PoolVmInfo {
  std::string uuid;
  std::string name;
  std::vector<std::string> tags;
  bool replica = false;  // a job's replica (xo:backup:job, start blocked): never a source VM
};

// What `pool test` shows: the SRs, the networks and the VMs (no templates, snapshots or control
// domains).
struct PoolInventory {
  std::vector<PoolSrInfo> srs;
  std::vector<PoolNetworkInfo> networks;
  std::vector<PoolVmInfo> vms;
};

// A disaster-recovery clone of a replica (engine/replica_ops.h CloneReplica).
struct ReplicaClone {
  std::string uuid;
  std::string name;
  bool started = false;
};

// A verification of a replica's content (engine/replica_ops.h VerifyReplica: what `xcr verify`
// does).
struct ReplicaVerification {
  std::string source_pool;  // id of the pool whose source snapshot was compared; "" if none
  std::vector<engine::DiskVerification> disks;
};

struct PurgeTotals {
  uint64_t replicas = 0;   // replica VMs destroyed
  uint64_t snapshots = 0;  // source snapshots destroyed
};

class PoolAccess {
 public:
  virtual ~PoolAccess() = default;
  // The SHA-256 fingerprint ("SHA256:AB:...") of the certificate `url` presents, unverified.
  virtual Result<std::string> ProbeFingerprint(const std::string& url) = 0;
  // Logs in with the pool's first reachable URL, credentials and trust, then logs out.
  virtual Status CheckLogin(const PoolConfig& pool) = 0;
  virtual Result<PoolInventory> Inventory(const PoolConfig& pool) = 0;
  // Removes every replica and source snapshot written by job_id on the pool (found by
  // xo:backup:job, so it works when the store lost the job; job_name, "" if unknown, finds the
  // untagged snapshots of killed runs: engine/job_purge.h). kFailedPrecondition while a run of
  // the job holds its lease on the pool (nothing removed).
  virtual Result<PurgeTotals> PurgeJob(const PoolConfig& pool, const std::string& job_id,
                                       const std::string& job_name) = 0;
  // Every replica VM on the pool, newest first (engine::ListPoolReplicas).
  virtual Result<std::vector<engine::ReplicaEntry>> ListReplicas(const PoolConfig& pool) = 0;
  // Makes a bootable copy of the replica VM `replica_uuid` on the pool (named `name`, or the
  // replica's name with its date if empty) and starts it if `start`; the replica is untouched.
  // kNotFound if the pool has no such VM, kInvalidArgument if the VM is not a replica,
  // kFailedPrecondition for an interrupted copy (nothing created in these three cases).
  virtual Result<ReplicaClone> CloneReplica(const PoolConfig& pool, const std::string& replica_uuid,
                                            const std::string& name, bool start) = 0;
  // Verifies the replica VM `replica_uuid` on the pool as `xcr verify` does: re-exports each of
  // its disks (it takes as long as reading them) and compares their content digests with those
  // its run recorded and, when one of `sources` holds the replica's source VM (the first that
  // does; a pool that cannot be reached is skipped), with the source snapshot's disks. Nothing
  // is changed. kNotFound if the pool has no such VM, kInvalidArgument if the VM is not a
  // replica, kFailedPrecondition for an interrupted copy or for a replica that needs its source
  // (a delta's digests cover only the delta) when no source pool holds its VM.
  virtual Result<ReplicaVerification> VerifyReplica(const PoolConfig& pool,
                                                    const std::vector<PoolConfig>& sources,
                                                    const std::string& replica_uuid) = 0;
};

}  // namespace xcr::jobs

#endif  // XCR_JOBS_POOL_ACCESS_H_
