#include "engine/catalog_decode.h"

#include <algorithm>
#include <map>

#include "xapi/xmlrpc.h"

namespace xcr::engine {
namespace {

using xapi::Value;

Status Missing(std::string_view cls, const std::string& ref, std::string_view field) {
  return Status::Corruption(std::string(cls) + " record " + ref + ": field '" + std::string(field) +
                            "' missing or of the wrong type");
}

Result<std::string> Str(const Value& rec, std::string_view cls, const std::string& ref,
                        std::string_view field) {
  const Value* v = rec.Find(field);
  if (!v) return Missing(cls, ref, field);
  auto s = v->AsString();
  if (!s.ok()) return Missing(cls, ref, field);
  return *s;
}

std::string OptStr(const Value& rec, std::string_view field) {
  const Value* v = rec.Find(field);
  if (!v) return {};
  auto s = v->AsString();
  return s.ok() ? *s : std::string();
}

bool OptBool(const Value& rec, std::string_view field) {
  const Value* v = rec.Find(field);
  if (!v) return false;
  auto b = v->AsBool();
  return b.ok() && *b;
}

Result<const xapi::Struct*> Records(const Value& all, std::string_view cls) {
  if (!all.is_struct()) {
    return Status::Corruption(std::string(cls) + ".get_all_records did not return a struct");
  }
  return &all.structure();
}

Result<VdiView> DecodeVdi(const std::string& ref, const Value& rec,
                          const std::map<std::string, std::string>& sr_uuid_by_ref) {
  VdiView v;
  v.ref = ref;
  XCR_ASSIGN_OR_RETURN(v.uuid, Str(rec, "VDI", ref, "uuid"));
  v.name_label = OptStr(rec, "name_label");
  std::string sr = OptStr(rec, "SR");
  auto it = sr_uuid_by_ref.find(sr);
  if (it != sr_uuid_by_ref.end()) v.sr_uuid = it->second;
  const Value* size = rec.Find("virtual_size");
  if (!size || !size->AsInt().ok()) return Missing("VDI", ref, "virtual_size");
  v.virtual_size = static_cast<uint64_t>(*size->AsInt());
  v.is_a_snapshot = OptBool(rec, "is_a_snapshot");
  v.snapshot_of = OptStr(rec, "snapshot_of");
  XCR_ASSIGN_OR_RETURN(v.other_config, DecodeStringMap(rec, "other_config"));
  return v;
}

Result<std::map<std::string, std::string>> SrUuids(const PoolRecords& r) {
  std::map<std::string, std::string> out;
  XCR_ASSIGN_OR_RETURN(const xapi::Struct* srs, Records(r.srs, "SR"));
  for (const auto& [ref, rec] : *srs) {
    XCR_ASSIGN_OR_RETURN(out[ref], Str(rec, "SR", ref, "uuid"));
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

Result<StringMap> DecodeStringMap(const Value& record, std::string_view field) {
  StringMap out;
  const Value* v = record.Find(field);
  if (!v || v->is_nil()) return out;
  if (!v->is_struct()) {
    return Status::Corruption("field '" + std::string(field) + "' is not a map");
  }
  for (const auto& [k, val] : v->structure()) {
    auto s = val.AsString();
    if (!s.ok())
      return Status::Corruption("map '" + std::string(field) + "' key '" + k + "' is not a string");
    out[k] = *s;
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
  for (const auto& [ref, rec] : *vms) {
    if (OptBool(rec, "is_control_domain")) continue;
    VmView vm;
    vm.ref = ref;
    XCR_ASSIGN_OR_RETURN(vm.uuid, Str(rec, "VM", ref, "uuid"));
    vm.name_label = OptStr(rec, "name_label");
    vm.is_a_template = OptBool(rec, "is_a_template");
    vm.is_a_snapshot = OptBool(rec, "is_a_snapshot");
    vm.snapshot_of = OptStr(rec, "snapshot_of");
    if (const Value* t = rec.Find("snapshot_time"); t && t->is_datetime()) {
      auto secs = xapi::ParseXapiDateTime(t->datetime().iso8601);
      if (secs.ok()) vm.snapshot_time = *secs;
    }
    XCR_ASSIGN_OR_RETURN(vm.other_config, DecodeStringMap(rec, "other_config"));
    XCR_ASSIGN_OR_RETURN(vm.blocked_operations, DecodeStringMap(rec, "blocked_operations"));
    if (const Value* tags = rec.Find("tags"); tags && tags->is_array()) {
      for (const Value& t : tags->array()) {
        if (t.is_string()) vm.tags.push_back(t.string());
      }
    }
    if (const Value* refs = rec.Find("VBDs"); refs && refs->is_array()) {
      for (const Value& vbd_ref : refs->array()) {
        if (!vbd_ref.is_string()) continue;
        auto vbd = vbds->find(vbd_ref.string());
        if (vbd == vbds->end()) continue;  // raced with a VBD.destroy
        if (OptStr(vbd->second, "type") != "Disk" || OptBool(vbd->second, "empty")) continue;
        std::string vdi_ref = OptStr(vbd->second, "VDI");
        auto vdi = vdis->find(vdi_ref);
        if (vdi == vdis->end()) continue;
        DiskView d;
        d.userdevice = OptStr(vbd->second, "userdevice");
        XCR_ASSIGN_OR_RETURN(d.vdi, DecodeVdi(vdi_ref, vdi->second, sr_uuids));
        vm.disks.push_back(std::move(d));
      }
    }
    std::sort(vm.disks.begin(), vm.disks.end(), [](const DiskView& a, const DiskView& b) {
      return UserdeviceLess(a.userdevice, b.userdevice);
    });
    out.push_back(std::move(vm));
  }
  return out;
}

}  // namespace xcr::engine
