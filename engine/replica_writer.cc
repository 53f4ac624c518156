#include "engine/replica_writer.h"

#include "base/logging.h"
#include "engine/backup_datetime.h"
#include "engine/other_config_keys.h"
#include "xapi/api.h"

namespace xcr::engine {
namespace {

using xapi::Array;
using xapi::Struct;
using xapi::Value;

// Fields of a VM record copied from the source snapshot to the replica (VM.create's record).
constexpr const char* kCopiedVmFields[] = {"name_description",
                                           "user_version",
                                           "VCPUs_params",
                                           "VCPUs_max",
                                           "VCPUs_at_startup",
                                           "memory_static_max",
                                           "memory_dynamic_max",
                                           "memory_dynamic_min",
                                           "memory_static_min",
                                           "actions_after_softreboot",
                                           "actions_after_shutdown",
                                           "actions_after_reboot",
                                           "actions_after_crash",
                                           "PV_bootloader",
                                           "PV_kernel",
                                           "PV_ramdisk",
                                           "PV_args",
                                           "PV_bootloader_args",
                                           "PV_legacy_args",
                                           "HVM_boot_policy",
                                           "HVM_boot_params",
                                           "HVM_shadow_multiplier",
                                           "platform",
                                           "PCI_bus",
                                           "recommendations",
                                           "xenstore_data",
                                           "hardware_platform_version",
                                           "has_vendor_device",
                                           "domain_type",
                                           "NVRAM",
                                           "mac_seed",
                                           "reference_label",
                                           "order",
                                           "start_delay",
                                           "shutdown_delay",
                                           "version",
                                           "generation_id"};

Struct ToStruct(const StringMap& m) {
  Struct s;
  for (const auto& [k, v] : m) s[k] = Value(v);
  return s;
}

StringMap NonReplicationKeys(const Struct& record) {
  StringMap out;
  auto it = record.find("other_config");
  if (it == record.end() || !it->second.is_struct()) return out;
  for (const auto& [k, v] : it->second.structure()) {
    if (!IsReplicationKey(k) && v.is_string()) out[k] = v.string();
  }
  return out;
}

// The pool without its scheme: "dr-master" or "10.0.0.2:443".
std::string PoolHost(const std::string& pool) {
  size_t scheme = pool.find("://");
  return scheme == std::string::npos ? pool : pool.substr(scheme + 3);
}

StringMap Blocked(std::string_view message) {
  return {{"start", std::string(message)}, {"start_on", std::string(message)}};
}

}  // namespace

ReplicaWriter::ReplicaWriter(TargetSpec target, RunIdentity id)
    : target_(std::move(target)), id_(std::move(id)) {
  if (target_.pool_label.empty() && target_.conn) target_.pool_label = target_.conn->master_url();
}

Status ReplicaWriter::Resolve() {
  auto srs = xapi::GetAllRecords<xapi::SrRecord>(*target_.conn);
  if (!srs.ok()) return srs.status().WithContext("list SRs of pool '" + target_.pool_label + "'");
  int matches = 0;
  for (const auto& [ref, sr] : *srs) {
    if (sr.uuid == target_.sr || sr.name_label == target_.sr) {
      ++matches;
      sr_ref_ = ref;
      sr_uuid_ = sr.uuid;
      sr_name_ = sr.name_label;
      if (sr.uuid == target_.sr) {
        matches = 1;
        break;
      }
    }
  }
  if (matches == 0) {
    return Status::NotFound("pool '" + target_.pool_label + "' has no SR with uuid or name '" +
                            target_.sr + "'");
  }
  if (matches > 1) {
    return Status::InvalidArgument("several SRs on pool '" + target_.pool_label + "' are named '" +
                                   target_.sr + "': give the uuid");
  }
  XCR_ASSIGN_OR_RETURN(PoolCatalog catalog, LoadPoolCatalog(*target_.conn));
  inventory_ = catalog.Inventory(sr_uuid_);
  return Status::OK();
}

Status ReplicaWriter::CreateVm(const Struct& snap) {
  Struct rec;
  for (const char* f : kCopiedVmFields) {
    auto it = snap.find(f);
    if (it != snap.end()) rec[f] = it->second;
  }
  rec["name_label"] = Value(ImportingName(id_));
  rec["is_a_template"] = Value(false);
  rec["ha_always_run"] = Value(false);
  rec["ha_restart_priority"] = Value("");
  rec["affinity"] = Value(std::string(xapi::kNullRef));
  rec["suspend_SR"] = Value(std::string(xapi::kNullRef));
  rec["tags"] = Value(Array{});
  rec["blocked_operations"] = Value(ToStruct(Blocked(keys::kBlockedImportingMessage)));
  StringMap oc = NonReplicationKeys(snap);
  for (auto& [k, v] : ReplicaVmKeys(id_, sr_uuid_, source_snapshot_uuid_, delta_chain_length_)) {
    oc[k] = v;
  }
  rec["other_config"] = Value(ToStruct(oc));
  auto ref = target_.conn->Call("VM.create", {Value(rec)});
  if (!ref.ok()) return ref.status().WithContext("create replica VM on SR '" + sr_name_ + "'");
  XCR_ASSIGN_OR_RETURN(vm_ref_, ref->AsString());
  return Status::OK();
}

Status ReplicaWriter::CreateDisk(const SourceDisk& d) {
  xapi::Connection& conn = *target_.conn;
  std::string vdi;
  StringMap keys = ReplicaVdiKeys(id_, sr_uuid_, d.snapshot_vdi.uuid, delta_chain_length_);
  if (d.target_base) {
    auto clone = xapi::VdiClone(conn, d.target_base->ref);
    if (!clone.ok()) {
      return clone.status().WithContext("clone base replica disk " + d.target_base->uuid);
    }
    vdi = *clone;
    created_vdis_.push_back(vdi);
    XCR_RETURN_IF_ERROR(xapi::SetOtherConfig(conn, "VDI", vdi, keys));
    XCR_RETURN_IF_ERROR(
        conn.Call("VDI.set_name_label", {Value(vdi), Value(d.snapshot_vdi.name_label)}).status());
  } else {
    xapi::VdiSpec spec;
    spec.SR = sr_ref_;
    spec.virtual_size = static_cast<int64_t>(d.snapshot_vdi.virtual_size);
    spec.name_label = d.snapshot_vdi.name_label;
    spec.other_config = keys;
    auto created = xapi::VdiCreate(conn, spec);
    if (!created.ok()) {
      return created.status().WithContext("create disk " + d.userdevice + " on SR '" + sr_name_ +
                                          "'");
    }
    vdi = *created;
    created_vdis_.push_back(vdi);
  }
  xapi::VbdSpec vbd;
  vbd.VM = vm_ref_;
  vbd.VDI = vdi;
  vbd.userdevice = d.userdevice;
  vbd.bootable = d.bootable;
  auto vbd_ref = xapi::VbdCreate(conn, vbd);
  if (!vbd_ref.ok()) return vbd_ref.status().WithContext("attach disk " + d.userdevice);
  disk_vdis_.push_back(vdi);
  source_vdi_uuids_.push_back(d.snapshot_vdi.uuid);
  digests_.emplace_back();
  return Status::OK();
}

Status ReplicaWriter::CreateVifs(
    const std::vector<std::pair<xapi::VifRecord, xapi::NetworkRecord>>& vifs) {
  if (vifs.empty()) return Status::OK();
  auto networks = xapi::GetAllRecords<xapi::NetworkRecord>(*target_.conn);
  if (!networks.ok()) return networks.status().WithContext("list networks");
  for (const auto& [vif, net] : vifs) {
    // Same network uuid (same pool), else same name, else the first network with a bridge.
    std::string by_uuid, by_name, fallback;
    for (const auto& [ref, n] : *networks) {
      if (n.uuid == net.uuid) by_uuid = ref;
      if (n.name_label == net.name_label && by_name.empty()) by_name = ref;
      if (!n.bridge.empty() && fallback.empty()) fallback = ref;
    }
    std::string chosen = !by_uuid.empty() ? by_uuid : !by_name.empty() ? by_name : fallback;
    if (chosen.empty()) {
      XCR_LOG(WARN) << "pool '" << target_.pool_label << "' has no network for VIF " << vif.device
                    << " (source network '" << net.name_label << "'): VIF left out";
      continue;
    }
    xapi::VifSpec spec;
    spec.VM = vm_ref_;
    spec.network = chosen;
    spec.device = vif.device;
    spec.MAC = vif.MAC;
    spec.MTU = vif.MTU ? vif.MTU : 1500;
    auto r = xapi::VifCreate(*target_.conn, spec);
    if (!r.ok()) return r.status().WithContext("create VIF " + vif.device);
  }
  return Status::OK();
}

Status ReplicaWriter::Prepare(
    const Struct& snapshot_record, const std::string& source_snapshot_uuid,
    const std::vector<SourceDisk>& disks,
    const std::vector<std::pair<xapi::VifRecord, xapi::NetworkRecord>>& source_vifs,
    int delta_chain_length) {
  source_snapshot_uuid_ = source_snapshot_uuid;
  delta_chain_length_ = delta_chain_length;
  XCR_RETURN_IF_ERROR(CreateVm(snapshot_record));
  for (const SourceDisk& d : disks) XCR_RETURN_IF_ERROR(CreateDisk(d));
  return CreateVifs(source_vifs);
}

std::string ReplicaWriter::progress_label() const {
  return sr_name_ + " (" + PoolHost(target_.pool_label) + ")";
}

std::string ReplicaWriter::task_label() const {
  return "SR '" + sr_name_ + "' (" + PoolHost(target_.pool_label) + ")";
}

xapi::PipeTarget ReplicaWriter::ImportTarget(size_t i) const {
  return {target_.conn, disk_vdis_.at(i), progress_label()};
}

Status ReplicaWriter::TakeImportResult(size_t i, ImportResult result) {
  if (result.status.ok() && !result.digest.empty()) {
    digests_.at(i) = {std::move(result.digest), std::move(result.digest_scope)};
  }
  return result.status;
}

Result<std::string> ReplicaWriter::Finish() {
  xapi::Connection& conn = *target_.conn;
  std::string datetime = FormatBackupDatetime(id_.run_unix_seconds);
  for (size_t i = 0; i < disk_vdis_.size(); ++i) {
    StringMap k = ReplicaVdiKeys(id_, sr_uuid_, source_vdi_uuids_[i], delta_chain_length_);
    k[std::string(keys::kDatetime)] = datetime;
    if (!digests_[i].first.empty()) {
      k[std::string(keys::kContentDigest)] = digests_[i].first;
      k[std::string(keys::kContentDigestScope)] = digests_[i].second;
      k[std::string(keys::kContentDigestOf)] = source_vdi_uuids_[i];
    }
    XCR_RETURN_IF_ERROR(xapi::SetOtherConfig(conn, "VDI", disk_vdis_[i], k));
  }
  XCR_RETURN_IF_ERROR(
      xapi::VmSetBlockedOperations(conn, vm_ref_, Blocked(keys::kBlockedStartMessage)));
  XCR_RETURN_IF_ERROR(
      conn.Call("VM.add_tags", {Value(vm_ref_), Value(std::string(keys::kReplicaTag))}).status());
  XCR_RETURN_IF_ERROR(xapi::VmSetNameLabel(conn, vm_ref_, ReplicaName(id_)));
  // Last: the real datetime, replacing the placeholder in one call.
  XCR_ASSIGN_OR_RETURN(xapi::VmRecord vm, xapi::GetRecord<xapi::VmRecord>(conn, vm_ref_));
  StringMap oc = vm.other_config;
  oc[std::string(keys::kDatetime)] = datetime;
  XCR_RETURN_IF_ERROR(xapi::SetOtherConfig(conn, "VM", vm_ref_, oc));
  created_vdis_.clear();  // complete: never destroyed by Abort
  finished_vm_ref_ = vm_ref_;
  return vm.uuid;
}

Status ReplicaWriter::Abort() {
  Status first;
  xapi::Connection& conn = *target_.conn;
  if (!vm_ref_.empty()) {
    Status s = xapi::VmDestroy(conn, vm_ref_);
    if (!s.ok()) first = s;
    vm_ref_.clear();
  }
  for (const std::string& vdi : created_vdis_) {
    Status s = xapi::VdiDestroy(conn, vdi);
    if (!s.ok() && first.ok()) first = s;
  }
  created_vdis_.clear();
  if (!first.ok()) {
    XCR_LOG(WARN) << "cleanup of the interrupted replica on SR '" << sr_name_
                  << "' failed: " << first.ToString() << " (the next run deletes it)";
  }
  return first;
}

Result<int> ReplicaWriter::ApplyRetention(size_t copy_retention) {
  xapi::Connection& conn = *target_.conn;
  XCR_ASSIGN_OR_RETURN(PoolCatalog catalog, LoadPoolCatalog(conn));
  ReplicaSelector sel{id_.job_id, id_.schedule_id, sr_uuid_, id_.vm_uuid};
  ReplicaPrunePlan plan =
      PlanReplicaPruning(ListReplicas(catalog.vms, sel), copy_retention, finished_vm_ref_);
  int deleted = 0;
  std::vector<const VmView*> doomed = plan.interrupted;
  doomed.insert(doomed.end(), plan.expired.begin(), plan.expired.end());
  for (const VmView* r : doomed) {
    XCR_LOG(INFO) << "retention: deleting replica '" << r->name_label << "' (" << r->uuid
                  << ") on SR '" << sr_name_ << "'";
    XCR_RETURN_IF_ERROR(xapi::VmDestroy(conn, r->ref).WithContext("delete replica " + r->uuid));
    for (const DiskView& d : r->disks) {
      XCR_RETURN_IF_ERROR(
          xapi::VdiDestroy(conn, d.vdi.ref).WithContext("delete replica disk " + d.vdi.uuid));
    }
    ++deleted;
  }
  return deleted;
}

}  // namespace xcr::engine
