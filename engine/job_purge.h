// Job purge: removes from one pool everything a job left there, found by xo:backup:job alone, so
// it works when no store knows the job any more (`xcr job delete --purge`, the daemon's
// DELETE /api/jobs/ID?purge=1 and POST /api/jobs/purge):
//
//   - replica VMs of the job (start blocked, or snapshots carrying xo:backup:sr: Xen Orchestra's
//     restore points), with their own snapshots and their disks;
//   - source snapshots of the job (snapshots carrying xo:backup:job without xo:backup:sr), with
//     their disks; also the snapshots a run killed before tagging left: named "[xcr NAME] VM"
//     after the VM they are a snapshot of, carrying no xo:* key (engine/leftover_rules.h);
//   - disks attached to nothing that carry the job's xo:backup:job (an import interrupted before
//     its disk was attached, a VM destroyed by retention whose VDI.destroy then failed).
//
// Never touched: anything of another job; a VM carrying the job's keys that is neither a
// snapshot nor start-blocked (a user's clone); a disk still attached to a VM that is not purged
// (a DR clone's disks carry the replica's keys); CD images; a cbt_metadata VDI. The purge is
// refused (kFailedPrecondition, "a run of job X for VM Y is in progress (host H, since T): ...")
// while a live run lease (engine/run_lease.h) of the job is on a VM of this pool or of
// options.lease_pools: the caller cancels the job's runs (and disables the job) first.
//
// Idempotent: a second purge finds nothing. Thread-safety: as the Connection.
#ifndef XCR_ENGINE_JOB_PURGE_H_
#define XCR_ENGINE_JOB_PURGE_H_

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/env.h"
#include "base/result.h"
#include "engine/pool_inventory.h"
#include "engine/run_lease.h"
#include "xapi/connection.h"

namespace xcr::engine {

struct PurgeOptions {
  // The job's name as runs wrote it into snapshot names: snapshots "[xcr NAME] VM" without any
  // xo:* key are removed too. "" = the job id (what runs of a job without a name wrote).
  std::string job_name;
  // More pools (not owned) whose VMs' run leases are checked: the job's source pools when
  // purging a target pool, whose lease is on the source VM. This pool is always checked.
  std::vector<xapi::Connection*> lease_pools;
  Env* env = nullptr;  // the clock leases expire on; null = Env::Default()
  // Tells a lease of a dead owner on this host (IsLiveLease): such a lease refuses nothing.
  OwnerProbe* probe = nullptr;  // null = ProcOwnerProbe::Default()
  std::string host;             // this host's name as leases carry it; "" = this machine's
};

struct PurgeCounts {
  int replicas = 0;   // replica VMs (restore-point snapshots of a replica count as replicas)
  int snapshots = 0;  // source snapshot VMs
  int disks = 0;      // VDIs: those of the VMs above and those attached to nothing
  PurgeCounts& operator+=(const PurgeCounts& o);
};

enum class PurgeKind { kReplica, kSnapshot, kDisk };
const char* PurgeKindName(PurgeKind k);  // "replica", "snapshot", "disk"

// One object a purge removes.
struct PurgeItem {
  PurgeKind kind = PurgeKind::kDisk;
  std::string ref;  // the VM (replica, snapshot) or the VDI (disk)
  std::string uuid;
  std::string name;
  std::string vm_uuid;                // the source VM it belongs to (xo:backup:vm), "" if unknown
  std::vector<std::string> also_vms;  // VMs destroyed first: a replica's snapshots without keys
  std::vector<VdiView> disks;         // VDIs destroyed after the VM (not for kDisk)
};

// What a purge of one pool removes, in destruction order (snapshots before the VMs they are of).
struct PurgePlan {
  std::string pool;  // the pool's URL
  std::vector<PurgeItem> items;
  std::string refused;  // the live run that forbids the purge now; "" if none
  PurgeCounts counts() const;
};

// The plan, as a pure function of the pool's inventory (no refusal: see LiveRunOfJob). An
// untagged snapshot of a VM under a live lease of any run (IsLiveLease at now_unix_s, with
// `probe` and `this_host`) is left: that run may be about to tag it.
PurgePlan PlanJobPurge(const PoolInventory& inventory, const std::string& job_id,
                       const std::string& job_name, int64_t now_unix_s, OwnerProbe* probe = nullptr,
                       const std::string& this_host = "");

// LeaseHeldMessage() of the first live lease (IsLiveLease at now_unix_s, with `probe` and
// `this_host`: a dead owner's lease is not live) of a run of job_id on these VMs; "" if none.
std::string LiveRunOfJob(const std::vector<VmView>& vms, const std::string& job_id,
                         int64_t now_unix_s, OwnerProbe* probe = nullptr,
                         const std::string& this_host = "");

// Dry run: what PurgeJob would remove from this pool now, and `refused` when a live run of the
// job forbids it. Errors: the pool cannot be listed.
Result<PurgePlan> ListJobPurge(xapi::Connection* conn, const std::string& job_id,
                               const PurgeOptions& options = {});

// Removes everything of the job on this pool (see above) and returns what was removed.
// kInvalidArgument for an empty job id; kFailedPrecondition while a run of the job is live
// (nothing removed); when some removal fails the others are still done and the error names
// the object, the counts of what was removed and the first failure (a second purge retries).
Result<PurgeCounts> PurgeJob(xapi::Connection* conn, const std::string& job_id,
                             const PurgeOptions& options = {});

// {"replicas": N, "snapshots": N, "disks": N}
nlohmann::json PurgeCountsJson(const PurgeCounts& counts);
// {"pool", "refused" (null when none), "counts": {...}, "items": [{"kind", "uuid", "name", "vm",
//  "disks": [uuid, ...]}]}
nlohmann::json PurgePlanJson(const PurgePlan& plan);

}  // namespace xcr::engine

#endif  // XCR_ENGINE_JOB_PURGE_H_
