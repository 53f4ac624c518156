#include "engine/leftovers.h"

#include <set>

#include "base/logging.h"
#include "engine/leftover_rules.h"
#include "xapi/api.h"

namespace xcr::engine {

LeftoverPlan PlanLeftovers(const PoolInventory& inv, const RunIdentity& id,
                           const std::string& vm_ref) {
  LeftoverPlan plan;
  if (id.job_id.empty() || id.vm_uuid.empty()) return plan;
  const std::string job_name = id.job_name.empty() ? id.job_id : id.job_name;
  const VmView* vm = vm_ref.empty() ? nullptr : inv.Vm(vm_ref);
  std::set<std::string> doomed_vms, doomed_vdis;
  if (vm != nullptr && vm->uuid == id.vm_uuid) {
    for (const VmView& s : inv.vms) {
      if (IsUntaggedRunSnapshot(s, *vm, job_name)) {
        plan.snapshots.push_back(s);
        doomed_vms.insert(s.ref);
      }
    }
  }
  for (const VmView& s : plan.snapshots) {
    for (const DiskView& d : s.disks) {
      auto users = inv.vdi_vms.find(d.vdi.ref);
      bool only_doomed = true;
      if (users != inv.vdi_vms.end()) {
        for (const std::string& u : users->second) only_doomed = only_doomed && doomed_vms.count(u);
      }
      if (only_doomed && doomed_vdis.insert(d.vdi.ref).second) plan.disks.push_back(d.vdi);
    }
  }
  for (const VdiView& v : inv.vdis) {
    if (IsLooseJobDisk(inv, v, id.job_id, id.vm_uuid) && doomed_vdis.insert(v.ref).second) {
      plan.disks.push_back(v);
    }
  }
  return plan;
}

Result<LeftoverCounts> HealLeftovers(xapi::Connection& conn, const RunIdentity& id,
                                     const std::string& vm_ref, LeftoverCounts* removed) {
  LeftoverCounts local;
  LeftoverCounts& done = removed ? *removed : local;
  auto inv = LoadPoolInventory(conn);
  if (!inv.ok()) {
    return inv.status().WithContext("list leftovers on pool '" + conn.master_url() + "'");
  }
  LeftoverPlan plan = PlanLeftovers(*inv, id, vm_ref);
  Status first;
  std::set<std::string> kept_vdis;  // disks of a snapshot that could not be destroyed
  for (const VmView& s : plan.snapshots) {
    XCR_LOG(INFO) << "leftovers: deleting untagged snapshot '" << s.name_label << "' (" << s.uuid
                  << ") of an interrupted run of job " << id.job_id;
    Status st =
        xapi::VmDestroy(conn, s.ref)
            .WithContext("delete untagged snapshot '" + s.name_label + "' (" + s.uuid + ")");
    if (st.ok()) {
      ++done.snapshots;
      continue;
    }
    if (first.ok()) first = st;
    for (const DiskView& d : s.disks) kept_vdis.insert(d.vdi.ref);
  }
  for (const VdiView& v : plan.disks) {
    if (kept_vdis.count(v.ref)) continue;
    XCR_LOG(INFO) << "leftovers: deleting disk '" << v.name_label << "' (" << v.uuid
                  << ") left by an earlier run of job " << id.job_id;
    Status st = xapi::VdiDestroy(conn, v.ref)
                    .WithContext("delete leftover disk '" + v.name_label + "' (" + v.uuid + ")");
    if (st.ok()) {
      ++done.disks;
    } else if (first.ok()) {
      first = st;
    }
  }
  if (!first.ok()) return first.WithContext("pool '" + conn.master_url() + "'");
  return done;
}

Status HealRunLeftovers(xapi::Connection& source, const std::string& vm_ref,
                        const std::vector<TargetSpec>& targets, const RunIdentity& id, TaskLog* log,
                        TaskId parent, std::vector<std::string>* warnings) {
  std::vector<std::pair<xapi::Connection*, std::string>> pools = {{&source, vm_ref}};
  for (const TargetSpec& t : targets) {
    bool seen = false;
    for (const auto& [c, ref] : pools) seen = seen || c == t.conn;
    if (!seen && t.conn != nullptr) pools.emplace_back(t.conn, "");
  }
  LeftoverCounts total;
  Status first;
  for (const auto& [conn, ref] : pools) {
    LeftoverCounts removed;
    auto r = HealLeftovers(*conn, id, ref, &removed);
    total.snapshots += removed.snapshots;
    total.disks += removed.disks;
    if (!r.ok() && first.ok()) first = r.status();
  }
  if (first.ok() && total.snapshots == 0 && total.disks == 0) return Status::OK();
  TaskId t = log->Begin(parent, "clean up leftovers");
  log->SetData(t, "snapshots", std::to_string(total.snapshots));
  log->SetData(t, "disks", std::to_string(total.disks));
  if (!first.ok()) {
    XCR_LOG(WARN) << "cleanup of leftovers of job " << id.job_id << " for VM '" << id.vm_name
                  << "' failed: " << first.ToString() << " (the next run tries again)";
    if (warnings) warnings->push_back("cleanup failed: " + first.message());
  }
  return log->End(t, first);
}

}  // namespace xcr::engine
