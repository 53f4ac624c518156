// Base selection: which source snapshot a run's delta is relative to, per disk and per target.
//
// A candidate base is a snapshot of the VM carrying this job's xo:backup:job and xo:backup:vm
// keys, marked xo:backup:exported = "true", with a real (non-placeholder) datetime. Candidates
// are tried newest first; the first one whose every disk still present on the VM has a complete
// replica VDI on EVERY target wins. When none has, Xen Orchestra's per-disk rule applies to the
// newest candidate: a disk whose base lacks a replica on some target goes full to every target,
// the other disks stay deltas. A replica VDI of a snapshot VDI S is a VDI on the target SR
// whose xo:backup:contentKey is S's uuid, or whose xo:copy_of is S's uuid with this job's keys;
// snapshot VDIs are preferred to active ones, and a VDI still carrying the import placeholder
// datetime (an interrupted copy) never counts.
//
// With a base chosen, each current disk is a delta unless it was added since the base or its
// size changed (then that disk alone goes full, to every target). Without one, every disk goes
// full. The exported stream is the same for every target, so a disk is delta for all targets or
// full for all.
#ifndef XCR_ENGINE_BASE_SELECTION_H_
#define XCR_ENGINE_BASE_SELECTION_H_

#include <string>
#include <vector>

#include "engine/catalog.h"

namespace xcr::engine {

// The VDIs present on one target SR.
struct TargetInventory {
  std::string sr_uuid;
  std::vector<VdiView> vdis;
};

struct DiskBase {
  std::string userdevice;
  const VdiView* source = nullptr;  // the VM's current disk
  const VdiView* base = nullptr;    // source snapshot VDI the delta is relative to; null: full
  std::vector<const VdiView*> target_bases;  // per target (same order), the replica of `base`
  std::string full_reason;                   // why this disk goes full (empty for a delta)
  bool is_delta() const { return base != nullptr; }
};

struct BasePlan {
  const VmView* base_snapshot = nullptr;  // null: no usable base, every disk full
  std::vector<DiskBase> disks;            // one per current disk of the VM, in its order
  std::string note;                       // human summary of the decision, for the task log
};

// vm: the source VM with its current disks. snapshots: all snapshots of the VM (any job).
// The returned plan points into vm, snapshots and targets, which must outlive it.
BasePlan ChooseBase(const std::string& job_id, const VmView& vm,
                    const std::vector<VmView>& snapshots,
                    const std::vector<TargetInventory>& targets);

// The replica of source snapshot VDI `base_uuid` on one target, or null.
const VdiView* FindReplicaVdi(const TargetInventory& target, const std::string& job_id,
                              const std::string& vm_uuid, const std::string& base_uuid);

}  // namespace xcr::engine

#endif  // XCR_ENGINE_BASE_SELECTION_H_
