#include "engine/base_selection.h"

#include <algorithm>

#include "engine/backup_datetime.h"
#include "engine/other_config_keys.h"

namespace xcr::engine {
namespace {

bool IsCandidate(const VmView& s, const std::string& job_id, const std::string& vm_uuid) {
  const StringMap& oc = s.other_config;
  if (!s.is_a_snapshot) return false;
  if (ConfigValue(oc, keys::kJob) != job_id || ConfigValue(oc, keys::kVm) != vm_uuid) return false;
  if (ConfigValue(oc, keys::kExported) != "true") return false;
  std::string_view dt = ConfigValue(oc, keys::kDatetime);
  return dt != keys::kDatetimePlaceholder && ParseBackupDatetime(dt).ok();
}

bool IsUsableReplica(const VdiView& v, const std::string& job_id, const std::string& vm_uuid,
                     const std::string& base_uuid) {
  const StringMap& oc = v.other_config;
  if (ConfigValue(oc, keys::kDatetime) == keys::kDatetimePlaceholder) return false;
  if (!ConfigValue(oc, keys::kImportTask).empty()) return false;  // upload never finished
  if (ConfigValue(oc, keys::kContentKey) == base_uuid) return true;
  return ConfigValue(oc, keys::kCopyOf) == base_uuid && ConfigValue(oc, keys::kJob) == job_id &&
         ConfigValue(oc, keys::kVm) == vm_uuid;
}

// The snapshot disk that is the image of `current` in snapshot `s`.
const DiskView* MatchDisk(const VmView& s, const DiskView& current) {
  for (const DiskView& d : s.disks) {
    if (d.vdi.snapshot_of == current.vdi.ref) return &d;
  }
  return nullptr;
}

}  // namespace

const VdiView* FindReplicaVdi(const TargetInventory& target, const std::string& job_id,
                              const std::string& vm_uuid, const std::string& base_uuid) {
  const VdiView* active = nullptr;
  for (const VdiView& v : target.vdis) {
    if (!IsUsableReplica(v, job_id, vm_uuid, base_uuid)) continue;
    if (v.is_a_snapshot) return &v;
    if (!active) active = &v;
  }
  return active;
}

BasePlan ChooseBase(const std::string& job_id, const VmView& vm,
                    const std::vector<VmView>& snapshots,
                    const std::vector<TargetInventory>& targets) {
  std::vector<const VmView*> candidates;
  for (const VmView& s : snapshots) {
    if (IsCandidate(s, job_id, vm.uuid)) candidates.push_back(&s);
  }
  std::sort(candidates.begin(), candidates.end(), [](const VmView* a, const VmView* b) {
    return DatetimeSortKey(ConfigValue(a->other_config, keys::kDatetime)) >
           DatetimeSortKey(ConfigValue(b->other_config, keys::kDatetime));
  });

  BasePlan plan;
  std::string rejected;
  for (const VmView* cand : candidates) {
    std::vector<DiskBase> disks;
    bool complete = true;
    bool any_delta = false;
    for (const DiskView& cur : vm.disks) {
      DiskBase db;
      db.userdevice = cur.userdevice;
      db.source = &cur.vdi;
      const DiskView* snap = MatchDisk(*cand, cur);
      if (!snap) {
        db.full_reason = "disk " + cur.userdevice + " was added after the base snapshot";
      } else if (snap->vdi.virtual_size != cur.vdi.virtual_size) {
        db.full_reason = "disk " + cur.userdevice + " was resized from " +
                         std::to_string(snap->vdi.virtual_size) + " to " +
                         std::to_string(cur.vdi.virtual_size) + " bytes";
      } else {
        for (const TargetInventory& t : targets) {
          const VdiView* r = FindReplicaVdi(t, job_id, vm.uuid, snap->vdi.uuid);
          if (!r) {
            complete = false;
            if (!rejected.empty()) rejected += "; ";
            rejected += "snapshot " + cand->uuid + ": no replica of disk " + cur.userdevice +
                        " on SR " + t.sr_uuid;
            break;
          }
          db.target_bases.push_back(r);
        }
        if (!complete) break;
        db.base = &snap->vdi;
        any_delta = true;
      }
      disks.push_back(std::move(db));
    }
    if (!complete || !any_delta) continue;
    plan.base_snapshot = cand;
    plan.disks = std::move(disks);
    plan.note = "delta from snapshot " + cand->uuid + " (" +
                std::string(ConfigValue(cand->other_config, keys::kDatetime)) + ")";
    return plan;
  }

  for (const DiskView& cur : vm.disks) {
    DiskBase db;
    db.userdevice = cur.userdevice;
    db.source = &cur.vdi;
    db.full_reason = candidates.empty() ? "no exported snapshot of this job yet"
                                        : "no snapshot has a complete replica on every target";
    plan.disks.push_back(std::move(db));
  }
  if (plan.disks.empty()) {
    plan.note = "full: the VM has no disks";
  } else {
    plan.note = "full: " + plan.disks[0].full_reason;
    if (!rejected.empty()) plan.note += " (" + rejected + ")";
  }
  return plan;
}

}  // namespace xcr::engine
