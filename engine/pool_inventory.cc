#include "engine/pool_inventory.h"

#include "engine/pool_catalog.h"
#include "xapi/records.h"

namespace xcr::engine {

const VmView* PoolInventory::Vm(const std::string& ref) const {
  for (const VmView& v : vms) {
    if (v.ref == ref) return &v;
  }
  return nullptr;
}

bool PoolInventory::Attached(const std::string& vdi_ref) const {
  auto it = vdi_vms.find(vdi_ref);
  return it != vdi_vms.end() && !it->second.empty();
}

Result<PoolInventory> DecodePoolInventory(const PoolRecords& records) {
  PoolInventory inv;
  XCR_ASSIGN_OR_RETURN(inv.vms, DecodeVms(records));
  XCR_ASSIGN_OR_RETURN(inv.vdis, DecodeVdis(records));
  if (!records.vbds.is_struct() || !records.vdis.is_struct()) {
    return Status::Corruption("VBD or VDI.get_all_records did not return a struct");
  }
  for (const auto& [ref, value] : records.vbds.structure()) {
    auto vbd = xapi::VbdRecord::Decode(value);
    if (!vbd.ok()) return vbd.status().WithContext("VBD record " + ref);
    if (vbd->VDI.empty() || vbd->VDI == "OpaqueRef:NULL") continue;
    inv.vdi_vms[vbd->VDI].push_back(vbd->VM);
  }
  for (const auto& [ref, value] : records.vdis.structure()) {
    auto vdi = xapi::VdiRecord::Decode(value);
    if (!vdi.ok()) return vdi.status().WithContext("VDI record " + ref);
    inv.vdi_types[ref] = vdi->type;
  }
  return inv;
}

Result<PoolInventory> LoadPoolInventory(xapi::Connection& conn) {
  XCR_ASSIGN_OR_RETURN(PoolRecords records, LoadPoolRecords(conn));
  return DecodePoolInventory(records);
}

}  // namespace xcr::engine
