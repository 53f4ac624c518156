// Builds the engine's planning views (catalog.h) from the results of XAPI's
// VM/VBD/VDI/SR.get_all_records (each a struct ref -> record). A VM's disks are its VBDs of
// type "Disk" with a VDI, in userdevice order; CD drives and empty VBDs are left out.
//
// Records are decoded with xapi/records.h; a record missing a field the engine needs (uuid,
// virtual_size) is an error naming the class, ref and field.
#ifndef XCR_ENGINE_CATALOG_DECODE_H_
#define XCR_ENGINE_CATALOG_DECODE_H_

#include <vector>

#include "base/result.h"
#include "engine/catalog.h"
#include "xapi/value.h"

namespace xcr::engine {

struct PoolRecords {
  xapi::Value vms;   // VM.get_all_records
  xapi::Value vbds;  // VBD.get_all_records
  xapi::Value vdis;  // VDI.get_all_records
  xapi::Value srs;   // SR.get_all_records
};

// Every VM, snapshot and template (not the control domain), with disks resolved.
Result<std::vector<VmView>> DecodeVms(const PoolRecords& records);

// SR uuid -> name_label, for every SR.
Result<std::map<std::string, std::string>> DecodeSrNames(const PoolRecords& records);

// Every VDI, with its SR's uuid (the VDIs on a target SR are a TargetInventory).
Result<std::vector<VdiView>> DecodeVdis(const PoolRecords& records);

}  // namespace xcr::engine

#endif  // XCR_ENGINE_CATALOG_DECODE_H_
