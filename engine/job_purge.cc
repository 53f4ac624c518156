#include "engine/job_purge.h"

#include <set>

#include "base/logging.h"
#include "engine/leftover_rules.h"
#include "engine/other_config_keys.h"
#include "engine/run_lease.h"
#include "xapi/api.h"

namespace xcr::engine {
namespace {

bool OfJob(const StringMap& oc, const std::string& job_id) {
  return ConfigValue(oc, keys::kJob) == job_id;
}

// A replica of the job: start blocked (not a template), or a snapshot written on a target
// (xo:backup:sr), which is what Xen Orchestra's restore points are.
bool IsJobReplica(const VmView& v, const std::string& job_id) {
  if (!OfJob(v.other_config, job_id)) return false;
  if (v.is_a_snapshot) return !ConfigValue(v.other_config, keys::kSr).empty();
  return !v.is_a_template && v.blocked_operations.count("start") > 0;
}

bool IsJobSourceSnapshot(const VmView& v, const std::string& job_id) {
  return v.is_a_snapshot && OfJob(v.other_config, job_id) &&
         ConfigValue(v.other_config, keys::kSr).empty();
}

}  // namespace

PurgeCounts& PurgeCounts::operator+=(const PurgeCounts& o) {
  replicas += o.replicas;
  snapshots += o.snapshots;
  disks += o.disks;
  return *this;
}

const char* PurgeKindName(PurgeKind k) {
  switch (k) {
    case PurgeKind::kReplica:
      return "replica";
    case PurgeKind::kSnapshot:
      return "snapshot";
    case PurgeKind::kDisk:
      return "disk";
  }
  return "?";
}

PurgeCounts PurgePlan::counts() const {
  PurgeCounts c;
  for (const PurgeItem& i : items) {
    if (i.kind == PurgeKind::kReplica) ++c.replicas;
    if (i.kind == PurgeKind::kSnapshot) ++c.snapshots;
    c.disks += i.kind == PurgeKind::kDisk ? 1 : static_cast<int>(i.disks.size());
  }
  return c;
}

PurgePlan PlanJobPurge(const PoolInventory& inv, const std::string& job_id,
                       const std::string& job_name, int64_t now_unix_s, OwnerProbe* probe,
                       const std::string& this_host) {
  PurgePlan plan;
  if (job_id.empty()) return plan;
  const std::string name = job_name.empty() ? job_id : job_name;
  // The VMs purged, then the disks that go with them: those no other VM uses.
  std::vector<PurgeItem> vm_items;
  std::set<std::string> purged_vms;
  for (const VmView& v : inv.vms) {
    PurgeItem item;
    if (IsJobReplica(v, job_id)) {
      item.kind = PurgeKind::kReplica;
    } else if (IsJobSourceSnapshot(v, job_id)) {
      item.kind = PurgeKind::kSnapshot;
    } else if (const VmView* parent = v.is_a_snapshot ? inv.Vm(v.snapshot_of) : nullptr;
               parent && IsUntaggedRunSnapshot(v, *parent, name) &&
               !IsLiveLease(std::string(ConfigValue(parent->other_config, keys::kLease)),
                            now_unix_s, probe, this_host)) {
      item.kind = PurgeKind::kSnapshot;
      item.vm_uuid = parent->uuid;
    } else {
      continue;
    }
    item.ref = v.ref;
    item.uuid = v.uuid;
    item.name = v.name_label;
    if (item.vm_uuid.empty()) item.vm_uuid = std::string(ConfigValue(v.other_config, keys::kVm));
    purged_vms.insert(v.ref);
    vm_items.push_back(std::move(item));
  }
  // A replica's own snapshots that carry no keys of the job (taken by a user) go with it: a VM
  // destroyed before its snapshots would leave them pointing nowhere.
  for (PurgeItem& item : vm_items) {
    const VmView* v = inv.Vm(item.ref);
    if (item.kind != PurgeKind::kReplica || v->is_a_snapshot) continue;
    for (const std::string& s : v->snapshots) {
      if (purged_vms.insert(s).second) item.also_vms.push_back(s);
    }
  }
  std::set<std::string> doomed_vdis;
  auto only_purged_use = [&](const std::string& vdi) {
    auto it = inv.vdi_vms.find(vdi);
    if (it == inv.vdi_vms.end()) return true;
    for (const std::string& vm : it->second) {
      if (!purged_vms.count(vm)) return false;
    }
    return true;
  };
  for (PurgeItem& item : vm_items) {
    std::vector<std::string> refs = item.also_vms;
    refs.push_back(item.ref);
    for (const std::string& ref : refs) {
      const VmView* v = inv.Vm(ref);
      if (!v) continue;
      for (const DiskView& d : v->disks) {
        auto type = inv.vdi_types.find(d.vdi.ref);
        if (type != inv.vdi_types.end() && type->second == "cbt_metadata") continue;
        if (only_purged_use(d.vdi.ref) && doomed_vdis.insert(d.vdi.ref).second) {
          item.disks.push_back(d.vdi);
        }
      }
    }
  }
  // Snapshots first (a VM's snapshots before the VM), then the VMs, then loose disks.
  for (bool snapshots : {true, false}) {
    for (PurgeItem& item : vm_items) {
      if (inv.Vm(item.ref)->is_a_snapshot == snapshots) plan.items.push_back(item);
    }
  }
  for (const VdiView& vdi : inv.vdis) {
    if (doomed_vdis.count(vdi.ref) || !IsLooseJobDisk(inv, vdi, job_id, "")) continue;
    PurgeItem item;
    item.kind = PurgeKind::kDisk;
    item.ref = vdi.ref;
    item.uuid = vdi.uuid;
    item.name = vdi.name_label;
    item.vm_uuid = std::string(ConfigValue(vdi.other_config, keys::kVm));
    plan.items.push_back(std::move(item));
  }
  return plan;
}

std::string LiveRunOfJob(const std::vector<VmView>& vms, const std::string& job_id,
                         int64_t now_unix_s, OwnerProbe* probe, const std::string& this_host) {
  for (const VmView& v : vms) {
    // A snapshot copies the VM's other_config, lease included: only a VM's own lease counts.
    if (v.is_a_snapshot || v.is_a_template) continue;
    std::string value(ConfigValue(v.other_config, keys::kLease));
    if (value.empty() || !IsLiveLease(value, now_unix_s, probe, this_host)) continue;
    auto info = LeaseInfo::Decode(value);
    if (info.ok() && info->job_id == job_id) return LeaseHeldMessage(*info, v.name_label);
  }
  return "";
}

Result<PurgePlan> ListJobPurge(xapi::Connection* conn, const std::string& job_id,
                               const PurgeOptions& options) {
  if (job_id.empty()) return Status::InvalidArgument("purge: no job id given");
  Env* env = options.env ? options.env : Env::Default();
  auto inventory = LoadPoolInventory(*conn);
  if (!inventory.ok()) {
    return inventory.status().WithContext("list the objects of pool '" + conn->master_url() + "'");
  }
  int64_t now = env->NowUnixMicros() / 1000000;
  PurgePlan plan =
      PlanJobPurge(*inventory, job_id, options.job_name, now, options.probe, options.host);
  plan.pool = conn->master_url();
  plan.refused = LiveRunOfJob(inventory->vms, job_id, now, options.probe, options.host);
  for (xapi::Connection* other : options.lease_pools) {
    if (!plan.refused.empty()) break;
    if (other == nullptr || other == conn) continue;
    auto vms = LoadPoolInventory(*other);
    if (!vms.ok()) {
      return vms.status().WithContext("check the run leases on pool '" + other->master_url() +
                                      "' before purging job " + job_id);
    }
    plan.refused = LiveRunOfJob(vms->vms, job_id, now, options.probe, options.host);
  }
  return plan;
}

Result<PurgeCounts> PurgeJob(xapi::Connection* conn, const std::string& job_id,
                             const PurgeOptions& options) {
  XCR_ASSIGN_OR_RETURN(PurgePlan plan, ListJobPurge(conn, job_id, options));
  if (!plan.refused.empty()) {
    return Status::FailedPrecondition(plan.refused + ": purge of job " + job_id +
                                      " refused; cancel the run (or wait for it to end) first");
  }
  PurgeCounts done;
  Status first;
  int failed = 0;
  auto note = [&](Status s) {
    if (s.ok()) return true;
    ++failed;
    XCR_LOG(WARN) << "purge of job " << job_id << ": " << s.ToString();
    if (first.ok()) first = s;
    return false;
  };
  for (const PurgeItem& item : plan.items) {
    std::string what =
        std::string(PurgeKindName(item.kind)) + " '" + item.name + "' (" + item.uuid + ")";
    if (item.kind == PurgeKind::kDisk) {
      if (note(xapi::VdiDestroy(*conn, item.ref).WithContext("delete disk " + what))) ++done.disks;
      continue;
    }
    bool ok = true;
    for (const std::string& s : item.also_vms) {
      ok = note(xapi::VmDestroy(*conn, s).WithContext("delete a snapshot of " + what)) && ok;
    }
    if (!ok || !note(xapi::VmDestroy(*conn, item.ref).WithContext("delete " + what))) continue;
    (item.kind == PurgeKind::kReplica ? done.replicas : done.snapshots)++;
    for (const VdiView& d : item.disks) {
      if (note(xapi::VdiDestroy(*conn, d.ref).WithContext("delete disk " + d.uuid + " of " + what)))
        ++done.disks;
    }
  }
  if (!first.ok()) {
    PurgeCounts all = plan.counts();
    return Status(first.code(),
                  "purge of job " + job_id + " on pool '" + plan.pool + "' incomplete: removed " +
                      std::to_string(done.replicas) + "/" + std::to_string(all.replicas) +
                      " replicas, " + std::to_string(done.snapshots) + "/" +
                      std::to_string(all.snapshots) + " snapshots, " + std::to_string(done.disks) +
                      "/" + std::to_string(all.disks) + " disks; " + std::to_string(failed) +
                      " failed, first: " + first.message() + " (purge again to retry)");
  }
  return done;
}

nlohmann::json PurgeCountsJson(const PurgeCounts& c) {
  return {{"replicas", c.replicas}, {"snapshots", c.snapshots}, {"disks", c.disks}};
}

nlohmann::json PurgePlanJson(const PurgePlan& plan) {
  nlohmann::json items = nlohmann::json::array();
  for (const PurgeItem& i : plan.items) {
    nlohmann::json disks = nlohmann::json::array();
    for (const VdiView& d : i.disks) disks.push_back(d.uuid);
    items.push_back({{"kind", PurgeKindName(i.kind)},
                     {"uuid", i.uuid},
                     {"name", i.name},
                     {"vm", i.vm_uuid},
                     {"disks", disks}});
  }
  return {
      {"pool", plan.pool},
      {"refused", plan.refused.empty() ? nlohmann::json(nullptr) : nlohmann::json(plan.refused)},
      {"counts", PurgeCountsJson(plan.counts())},
      {"items", items}};
}

}  // namespace xcr::engine
