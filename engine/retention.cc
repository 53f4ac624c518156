#include "engine/retention.h"

#include <algorithm>

#include "engine/backup_datetime.h"
#include "engine/other_config_keys.h"

namespace xcr::engine {
namespace {

std::string SortKey(const VmView& vm) {
  std::string_view dt = ConfigValue(vm.other_config, keys::kDatetime);
  if (!dt.empty()) return DatetimeSortKey(dt);
  // Legacy names end with "(YYYYMMDDTHHMMSSZ)".
  const std::string& n = vm.name_label;
  if (n.size() >= 18 && n.back() == ')')
    return DatetimeSortKey(std::string_view(n).substr(n.size() - 17, 16));
  return std::string();
}

std::vector<const VmView*> SortedOldestFirst(std::vector<const VmView*> v) {
  std::stable_sort(v.begin(), v.end(),
                   [](const VmView* a, const VmView* b) { return SortKey(*a) < SortKey(*b); });
  return v;
}

}  // namespace

bool IsReplica(const VmView& vm, const ReplicaSelector& sel) {
  if (vm.is_a_template && !vm.is_a_snapshot) return false;
  const StringMap& oc = vm.other_config;
  // The job must match whenever the replica names one: schedule ids are free text in xcr, so two
  // jobs may share one ("daily"), and a schedule match alone would prune the other job's chain.
  std::string_view job = ConfigValue(oc, keys::kJob);
  if (!job.empty() && job != sel.job_id) return false;
  std::string_view schedule = ConfigValue(oc, keys::kSchedule);
  bool same_schedule = schedule.empty() ? job == sel.job_id : schedule == sel.schedule_id;
  if (!same_schedule) return false;
  if (ConfigValue(oc, keys::kSr) != sel.sr_uuid || ConfigValue(oc, keys::kVm) != sel.vm_uuid) {
    return false;
  }
  return vm.blocked_operations.count("start") > 0 || vm.is_a_snapshot;
}

std::vector<const VmView*> ListReplicas(const std::vector<VmView>& vms,
                                        const ReplicaSelector& sel) {
  std::vector<const VmView*> out;
  for (const VmView& vm : vms) {
    if (IsReplica(vm, sel)) out.push_back(&vm);
  }
  return SortedOldestFirst(std::move(out));
}

bool IsInterruptedReplica(const VmView& replica) {
  return ConfigValue(replica.other_config, keys::kDatetime) == keys::kDatetimePlaceholder;
}

ReplicaPrunePlan PlanReplicaPruning(const std::vector<const VmView*>& replicas_oldest_first,
                                    size_t copy_retention, const std::string& keep_ref) {
  ReplicaPrunePlan plan;
  std::vector<const VmView*> complete;
  bool kept_current = false;
  for (const VmView* r : replicas_oldest_first) {
    if (!r->is_a_snapshot && !r->snapshots.empty()) continue;  // XO's live replica
    if (IsInterruptedReplica(*r)) {
      plan.interrupted.push_back(r);
    } else if (!keep_ref.empty() && r->ref == keep_ref) {
      kept_current = true;  // counted among the kept, never a candidate
    } else {
      complete.push_back(r);
    }
  }
  size_t keep = std::max<size_t>(copy_retention, 1) - (kept_current ? 1 : 0);
  if (complete.size() > keep) {
    plan.expired.assign(complete.begin(), complete.end() - static_cast<ptrdiff_t>(keep));
  }
  return plan;
}

std::vector<const VmView*> PlanSnapshotPruning(
    const std::vector<VmView>& snapshots, const std::string& job_id, const std::string& schedule_id,
    const std::string& vm_uuid, size_t snapshot_retention, const std::string& keep_ref) {
  std::vector<const VmView*> mine;
  for (const VmView& s : snapshots) {
    const StringMap& oc = s.other_config;
    if (s.is_a_snapshot && ConfigValue(oc, keys::kJob) == job_id &&
        ConfigValue(oc, keys::kSchedule) == schedule_id && ConfigValue(oc, keys::kVm) == vm_uuid) {
      mine.push_back(&s);
    }
  }
  mine = SortedOldestFirst(std::move(mine));
  bool kept_base = false;
  std::vector<const VmView*> candidates;
  for (const VmView* s : mine) {
    if (!keep_ref.empty() && s->ref == keep_ref) {
      kept_base = true;
    } else {
      candidates.push_back(s);
    }
  }
  size_t keep = std::max<size_t>(snapshot_retention, 1) - (kept_base ? 1 : 0);
  std::vector<const VmView*> out;
  if (candidates.size() > keep) {
    out.assign(candidates.begin(), candidates.end() - static_cast<ptrdiff_t>(keep));
  }
  return out;
}

}  // namespace xcr::engine
