#include "engine/pool_catalog.h"

namespace xcr::engine {

Result<PoolRecords> LoadPoolRecords(xapi::Connection& conn) {
  PoolRecords r;
  XCR_ASSIGN_OR_RETURN(r.vms, conn.Call("VM.get_all_records", {}));
  XCR_ASSIGN_OR_RETURN(r.vbds, conn.Call("VBD.get_all_records", {}));
  XCR_ASSIGN_OR_RETURN(r.vdis, conn.Call("VDI.get_all_records", {}));
  XCR_ASSIGN_OR_RETURN(r.srs, conn.Call("SR.get_all_records", {}));
  return r;
}

Result<PoolCatalog> LoadPoolCatalog(xapi::Connection& conn) {
  XCR_ASSIGN_OR_RETURN(PoolRecords r, LoadPoolRecords(conn));
  PoolCatalog c;
  XCR_ASSIGN_OR_RETURN(c.vms, DecodeVms(r));
  XCR_ASSIGN_OR_RETURN(c.vdis, DecodeVdis(r));
  XCR_ASSIGN_OR_RETURN(c.sr_names, DecodeSrNames(r));
  return c;
}

Result<const VmView*> PoolCatalog::FindVm(const std::string& id) const {
  std::vector<const VmView*> by_name;
  for (const VmView& vm : vms) {
    if (vm.is_a_snapshot || vm.is_a_template) continue;
    if (vm.uuid == id) return &vm;
    if (vm.name_label == id) by_name.push_back(&vm);
  }
  if (by_name.size() == 1) return by_name[0];
  if (by_name.empty()) return Status::NotFound("no VM with uuid or name '" + id + "'");
  std::string uuids;
  for (const VmView* vm : by_name) uuids += (uuids.empty() ? "" : ", ") + vm->uuid;
  return Status::InvalidArgument("several VMs are named '" + id + "' (" + uuids +
                                 "): give the uuid");
}

std::vector<VmView> PoolCatalog::SnapshotsOf(const std::string& vm_ref) const {
  std::vector<VmView> out;
  for (const VmView& vm : vms) {
    if (vm.is_a_snapshot && vm.snapshot_of == vm_ref) out.push_back(vm);
  }
  return out;
}

TargetInventory PoolCatalog::Inventory(const std::string& sr_uuid) const {
  TargetInventory inv;
  inv.sr_uuid = sr_uuid;
  for (const VdiView& v : vdis) {
    if (v.sr_uuid == sr_uuid) inv.vdis.push_back(v);
  }
  return inv;
}

}  // namespace xcr::engine
