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
  // Without a content key, xo:copy_of names the source disk. A disk seeded by xo-cr-seed 1.0.2
  // carries xo:copy_of alone (the job and VM keys only on its VM); a key that is there must match.
  auto absent_or = [&](std::string_view key, const std::string& want) {
    std::string_view value = ConfigValue(oc, key);
    return value.empty() || value == want;
  };
  return ConfigValue(oc, keys::kCopyOf) == base_uuid && absent_or(keys::kJob, job_id) &&
         absent_or(keys::kVm, vm_uuid);
}

// The snapshot disk that is the image of `current` in snapshot `s`.
const DiskView* MatchDisk(const VmView& s, const DiskView& current) {
  for (const DiskView& d : s.disks) {
    if (d.vdi.snapshot_of == current.vdi.ref) return &d;
  }
  return nullptr;
}

// The plan of `vm`'s disks against snapshot `cand`. A disk whose base lacks a replica on some
// target goes full (to every target); `complete` tells whether every matched disk had one.
std::vector<DiskBase> PlanDisks(const std::string& job_id, const VmView& vm, const VmView& cand,
                                const std::vector<TargetInventory>& targets, bool* complete,
                                bool* any_delta, std::string* rejected) {
  std::vector<DiskBase> disks;
  *complete = true;
  *any_delta = false;
  for (const DiskView& cur : vm.disks) {
    DiskBase db;
    db.userdevice = cur.userdevice;
    db.source = &cur.vdi;
    const DiskView* snap = MatchDisk(cand, cur);
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
          *complete = false;
          db.target_bases.clear();
          db.full_reason = "no replica of disk " + cur.userdevice + " of snapshot " + cand.uuid +
                           " on SR " + t.sr_uuid;
          if (!rejected->empty()) *rejected += "; ";
          *rejected += "snapshot " + cand.uuid + ": no replica of disk " + cur.userdevice +
                       " on SR " + t.sr_uuid;
          break;
        }
        db.target_bases.push_back(r);
      }
      if (db.full_reason.empty()) {
        db.base = &snap->vdi;
        *any_delta = true;
      }
    }
    disks.push_back(std::move(db));
  }
  return disks;
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
  auto choose = [&](const VmView* cand, std::vector<DiskBase> disks, const std::string& extra) {
    plan.base_snapshot = cand;
    plan.disks = std::move(disks);
    plan.note = "delta from snapshot " + cand->uuid + " (" +
                std::string(ConfigValue(cand->other_config, keys::kDatetime)) + ")" + extra;
    return plan;
  };
  // The newest snapshot whose every disk has its replica on every target.
  for (const VmView* cand : candidates) {
    bool complete, any_delta;
    std::vector<DiskBase> disks =
        PlanDisks(job_id, vm, *cand, targets, &complete, &any_delta, &rejected);
    if (complete && any_delta) return choose(cand, std::move(disks), "");
  }
  // None: Xen Orchestra's rule on the newest snapshot, per disk: a disk whose base lacks a
  // replica on some target goes full to every target, the others stay deltas.
  if (!candidates.empty()) {
    bool complete, any_delta;
    std::string ignored;
    std::vector<DiskBase> disks =
        PlanDisks(job_id, vm, *candidates[0], targets, &complete, &any_delta, &ignored);
    if (any_delta) {
      std::string full;
      for (const DiskBase& d : disks) {
        if (!d.is_delta()) full += (full.empty() ? "" : ", ") + d.userdevice;
      }
      return choose(candidates[0], std::move(disks), "; full for disk(s) " + full);
    }
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
