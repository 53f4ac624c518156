// Retention: which replicas and which source snapshots a run deletes.
//
// Replicas of (schedule, SR, VM) are listed by the rule Xen Orchestra uses for both of its
// layouts: not a template, xo:backup:job = the job whenever present (xcr's schedule ids are free
// text, so two jobs may share one), xo:backup:schedule (or, when absent, the job) = the id,
// xo:backup:sr = the SR, xo:backup:vm = the VM, and either `start` blocked or a snapshot. A user's
// clone of a replica (start not blocked, not a snapshot) is therefore never listed, never pruned.
// They sort by xo:backup:datetime (else by the name's trailing "(YYYYMMDDTHHMMSSZ)").
#ifndef XCR_ENGINE_RETENTION_H_
#define XCR_ENGINE_RETENTION_H_

#include <cstddef>
#include <string>
#include <vector>

#include "engine/catalog.h"

namespace xcr::engine {

struct ReplicaSelector {
  std::string job_id;
  std::string schedule_id;
  std::string sr_uuid;
  std::string vm_uuid;  // source VM
};

bool IsReplica(const VmView& vm, const ReplicaSelector& sel);

// Replicas matching sel, oldest first.
std::vector<const VmView*> ListReplicas(const std::vector<VmView>& vms, const ReplicaSelector& sel);

// True if the replica still carries the import placeholder datetime: an interrupted copy.
bool IsInterruptedReplica(const VmView& replica);

struct ReplicaPrunePlan {
  std::vector<const VmView*> interrupted;  // always deleted
  std::vector<const VmView*> expired;      // complete replicas beyond copy_retention, oldest first
};

// From ListReplicas() output: interrupted copies, and the oldest complete replicas beyond the
// newest `copy_retention` (at least 1 is always kept). A live replica updated in place (Xen
// Orchestra >= 6.3's layout: not a snapshot, and it has snapshots, its restore points) is neither
// deleted nor counted, even when listed because it still carries a run's keys — an update XO did
// not finish (placeholder datetime) or a key reset it missed; XO never deletes it either.
// `keep_ref`, the replica the current run just wrote, is always among those kept, even when another
// has the same datetime (two runs in one second) — the ambiguity that made Xen Orchestra delete its
// newest replica (#3391).
ReplicaPrunePlan PlanReplicaPruning(const std::vector<const VmView*>& replicas_oldest_first,
                                    size_t copy_retention, const std::string& keep_ref = {});

// Source snapshots of (job, schedule, VM) beyond the newest `snapshot_retention` (at least 1),
// oldest first. `keep_ref` (the new base) is never returned.
std::vector<const VmView*> PlanSnapshotPruning(
    const std::vector<VmView>& snapshots, const std::string& job_id, const std::string& schedule_id,
    const std::string& vm_uuid, size_t snapshot_retention, const std::string& keep_ref);

}  // namespace xcr::engine

#endif  // XCR_ENGINE_RETENTION_H_
