#include "engine/replica_ops.h"

#include "engine/content_digest.h"
#include "engine/other_config_keys.h"
#include "engine/replica_metadata.h"
#include "xapi/api.h"
#include "xapi/disk_transfer.h"

namespace xcr::engine {
namespace {

Result<std::string> DigestOf(xapi::Connection& conn, const std::string& vdi) {
  ContentDigestSink sink;
  XCR_RETURN_IF_ERROR(xapi::ExportVdi(conn, vdi, "", sink).status());
  XCR_RETURN_IF_ERROR(sink.Finish());
  return sink.hex();
}

}  // namespace

bool LooksLikeReplica(const VmView& v) {
  return !ConfigValue(v.other_config, keys::kJob).empty() &&
         !ConfigValue(v.other_config, keys::kVm).empty() &&
         !ConfigValue(v.other_config, keys::kSr).empty() &&
         (v.blocked_operations.count("start") || v.is_a_snapshot);
}

Result<const VmView*> FindReplica(const PoolCatalog& catalog, const std::string& id) {
  for (const VmView& v : catalog.vms) {
    if ((v.uuid == id || v.name_label == id) && LooksLikeReplica(v)) return &v;
  }
  return Status::NotFound("no replica with uuid or name '" + id + "'");
}

Result<CloneResult> CloneReplica(xapi::Connection& conn, const std::string& replica,
                                 const std::string& name, bool start) {
  XCR_ASSIGN_OR_RETURN(PoolCatalog catalog, LoadPoolCatalog(conn));
  XCR_ASSIGN_OR_RETURN(const VmView* r, FindReplica(catalog, replica));
  if (ConfigValue(r->other_config, keys::kDatetime) == keys::kDatetimePlaceholder) {
    return Status::FailedPrecondition("replica '" + r->name_label +
                                      "' is an interrupted copy: its disks are incomplete");
  }
  CloneResult out;
  out.name = name.empty() ? r->name_label + " (DR clone)" : name;
  auto ref = xapi::VmClone(conn, r->ref, out.name);
  if (!ref.ok()) return ref.status().WithContext("clone replica " + r->uuid);
  out.ref = *ref;
  XCR_ASSIGN_OR_RETURN(xapi::VmRecord rec, xapi::GetRecord<xapi::VmRecord>(conn, out.ref));
  out.uuid = rec.uuid;
  StringMap oc;
  for (const auto& [k, v] : rec.other_config) {
    if (!IsReplicationKey(k)) oc[k] = v;
  }
  Status s = xapi::SetOtherConfig(conn, "VM", out.ref, oc);
  if (s.ok()) s = xapi::VmSetBlockedOperations(conn, out.ref, {});
  if (s.ok() && rec.is_a_template) s = xapi::VmSetIsATemplate(conn, out.ref, false);
  if (s.ok()) {
    s = conn.Call("VM.remove_tags",
                  {xapi::Value(out.ref), xapi::Value(std::string(keys::kReplicaTag))})
            .status();
  }
  if (s.ok() && start) {
    s = conn.Call("VM.start", {xapi::Value(out.ref), xapi::Value(false), xapi::Value(false)})
            .status();
  }
  if (!s.ok()) return s.WithContext("prepare clone " + out.uuid);
  return out;
}

Result<std::vector<DiskVerification>> VerifyReplica(xapi::Connection& source,
                                                    xapi::Connection& target,
                                                    const std::string& replica) {
  XCR_ASSIGN_OR_RETURN(PoolCatalog tcat, LoadPoolCatalog(target));
  XCR_ASSIGN_OR_RETURN(const VmView* r, FindReplica(tcat, replica));
  XCR_ASSIGN_OR_RETURN(PoolCatalog scat, LoadPoolCatalog(source));
  std::vector<DiskVerification> out;
  for (const DiskView& d : r->disks) {
    DiskVerification v;
    v.userdevice = d.userdevice;
    v.replica_vdi = d.vdi.uuid;
    v.source_vdi = std::string(ConfigValue(d.vdi.other_config, keys::kContentKey));
    if (v.source_vdi.empty())
      v.source_vdi = std::string(ConfigValue(d.vdi.other_config, keys::kCopyOf));
    const VdiView* src = nullptr;
    for (const VdiView& s : scat.vdis) {
      if (s.uuid == v.source_vdi) src = &s;
    }
    if (!src) {
      v.status = Status::NotFound("source snapshot disk '" + v.source_vdi +
                                  "' no longer exists (pruned by snapshot retention?)");
    } else {
      auto rd = DigestOf(target, d.vdi.ref);
      auto sd = DigestOf(source, src->ref);
      if (!rd.ok())
        v.status = rd.status().WithContext("export replica disk " + d.vdi.uuid);
      else if (!sd.ok())
        v.status = sd.status().WithContext("export source disk " + src->uuid);
      else {
        v.replica_digest = *rd;
        v.source_digest = *sd;
      }
    }
    out.push_back(std::move(v));
  }
  return out;
}

}  // namespace xcr::engine
