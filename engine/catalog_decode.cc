#include "engine/catalog_decode.h"

#include <algorithm>
#include <map>

#include "xapi/records.h"
#include "xapi/xmlrpc.h"

namespace xcr::engine {
namespace {

using xapi::Value;

Status Missing(std::string_view cls, const std::string& ref, std::string_view field) {
  return Status::Corruption(std::string(cls) + " record " + ref + ": field '" + std::string(field) +
                            "' missing");
}

Result<const xapi::Struct*> Records(const Value& all, std::string_view cls) {
  if (!all.is_struct()) {
    return Status::Corruption(std::string(cls) + ".get_all_records did not return a struct");
  }
  return &all.structure();
}

Result<VdiView> DecodeVdi(const std::string& ref, const Value& value,
                          const std::map<std::string, std::string>& sr_uuid_by_ref) {
  auto rec = xapi::VdiRecord::Decode(value);
  if (!rec.ok()) return rec.status().WithContext("VDI record " + ref);
  if (rec->uuid.empty()) return Missing("VDI", ref, "uuid");
  if (!rec->raw.count("virtual_size")) return Missing("VDI", ref, "virtual_size");
  VdiView v;
  v.ref = ref;
  v.uuid = rec->uuid;
  v.name_label = rec->name_label;
  auto sr = sr_uuid_by_ref.find(rec->SR);
  if (sr != sr_uuid_by_ref.end()) v.sr_uuid = sr->second;
  v.virtual_size = static_cast<uint64_t>(rec->virtual_size);
  v.physical_utilisation = static_cast<uint64_t>(std::max<int64_t>(rec->physical_utilisation, 0));
  v.is_a_snapshot = rec->is_a_snapshot;
  v.snapshot_of = rec->snapshot_of;
  v.other_config = std::move(rec->other_config);
  return v;
}

Result<std::map<std::string, std::string>> SrUuids(const PoolRecords& r) {
  std::map<std::string, std::string> out;
  XCR_ASSIGN_OR_RETURN(const xapi::Struct* srs, Records(r.srs, "SR"));
  for (const auto& [ref, value] : *srs) {
    auto rec = xapi::SrRecord::Decode(value);
    if (!rec.ok()) return rec.status().WithContext("SR record " + ref);
    if (rec->uuid.empty()) return Missing("SR", ref, "uuid");
    out[ref] = rec->uuid;
  }
  return out;
}

// userdevice "0" < "1" < "10" numerically; non-numeric last, by text.
bool UserdeviceLess(const std::string& a, const std::string& b) {
  auto num = [](const std::string& s) {
    return !s.empty() &&
           std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (num(a) && num(b)) return a.size() != b.size() ? a.size() < b.size() : a < b;
  if (num(a) != num(b)) return num(a);
  return a < b;
}

}  // namespace

Result<std::map<std::string, std::string>> DecodeSrNames(const PoolRecords& r) {
  std::map<std::string, std::string> out;
  XCR_ASSIGN_OR_RETURN(const xapi::Struct* srs, Records(r.srs, "SR"));
  for (const auto& [ref, value] : *srs) {
    auto rec = xapi::SrRecord::Decode(value);
    if (!rec.ok()) return rec.status().WithContext("SR record " + ref);
    out[rec->uuid] = rec->name_label;
  }
  return out;
}

Result<std::vector<VdiView>> DecodeVdis(const PoolRecords& r) {
  XCR_ASSIGN_OR_RETURN(auto sr_uuids, SrUuids(r));
  XCR_ASSIGN_OR_RETURN(const xapi::Struct* vdis, Records(r.vdis, "VDI"));
  std::vector<VdiView> out;
  out.reserve(vdis->size());
  for (const auto& [ref, rec] : *vdis) {
    XCR_ASSIGN_OR_RETURN(VdiView v, DecodeVdi(ref, rec, sr_uuids));
    out.push_back(std::move(v));
  }
  return out;
}

Result<std::vector<VmView>> DecodeVms(const PoolRecords& r) {
  XCR_ASSIGN_OR_RETURN(auto sr_uuids, SrUuids(r));
  XCR_ASSIGN_OR_RETURN(const xapi::Struct* vms, Records(r.vms, "VM"));
  XCR_ASSIGN_OR_RETURN(const xapi::Struct* vbds, Records(r.vbds, "VBD"));
  XCR_ASSIGN_OR_RETURN(const xapi::Struct* vdis, Records(r.vdis, "VDI"));

  std::vector<VmView> out;
  for (const auto& [ref, value] : *vms) {
    auto rec = xapi::VmRecord::Decode(value);
    if (!rec.ok()) return rec.status().WithContext("VM record " + ref);
    if (rec->is_control_domain) continue;
    if (rec->uuid.empty()) return Missing("VM", ref, "uuid");
    VmView vm;
    vm.ref = ref;
    vm.uuid = rec->uuid;
    vm.name_label = rec->name_label;
    vm.is_a_template = rec->is_a_template;
    vm.is_a_snapshot = rec->is_a_snapshot;
    vm.snapshot_of = rec->snapshot_of;
    vm.snapshots = std::move(rec->snapshots);
    if (!rec->snapshot_time.empty()) {
      auto secs = xapi::ParseXapiDateTime(rec->snapshot_time);
      if (secs.ok()) vm.snapshot_time = *secs;
    }
    vm.other_config = std::move(rec->other_config);
    vm.blocked_operations = std::move(rec->blocked_operations);
    if (auto tags = rec->raw.find("tags"); tags != rec->raw.end() && tags->second.is_array()) {
      for (const Value& t : tags->second.array()) {
        if (t.is_string()) vm.tags.push_back(t.string());
      }
    }
    for (const std::string& vbd_ref : rec->VBDs) {
      auto vbd_value = vbds->find(vbd_ref);
      if (vbd_value == vbds->end()) continue;  // raced with a VBD.destroy
      auto vbd = xapi::VbdRecord::Decode(vbd_value->second);
      if (!vbd.ok()) return vbd.status().WithContext("VBD record " + vbd_ref);
      if (vbd->type != "Disk" || vbd->empty) continue;
      auto vdi = vdis->find(vbd->VDI);
      if (vdi == vdis->end()) continue;
      DiskView d;
      d.userdevice = vbd->userdevice;
      d.bootable = vbd->bootable;
      XCR_ASSIGN_OR_RETURN(d.vdi, DecodeVdi(vbd->VDI, vdi->second, sr_uuids));
      vm.disks.push_back(std::move(d));
    }
    std::sort(vm.disks.begin(), vm.disks.end(), [](const DiskView& a, const DiskView& b) {
      return UserdeviceLess(a.userdevice, b.userdevice);
    });
    out.push_back(std::move(vm));
  }
  return out;
}

}  // namespace xcr::engine
