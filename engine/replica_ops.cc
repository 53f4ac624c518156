#include "engine/replica_ops.h"

#include <optional>

#include "engine/content_digest.h"
#include "engine/other_config_keys.h"
#include "engine/replica_metadata.h"
#include "xapi/api.h"
#include "xapi/disk_transfer.h"

namespace xcr::engine {
namespace {

Result<std::string> DigestOf(xapi::Connection& conn, const std::string& vdi) {
  ContentDigestSink sink;
  XCR_RETURN_IF_ERROR(xapi::ExportVdi(conn, vdi, "", sink).status());  // calls sink.Finish()
  return sink.Tagged();
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

Result<std::vector<DiskVerification>> VerifyReplica(xapi::Connection* source,
                                                    xapi::Connection& target,
                                                    const std::string& replica) {
  XCR_ASSIGN_OR_RETURN(PoolCatalog tcat, LoadPoolCatalog(target));
  XCR_ASSIGN_OR_RETURN(const VmView* r, FindReplica(tcat, replica));
  if (ConfigValue(r->other_config, keys::kDatetime) == keys::kDatetimePlaceholder) {
    return Status::FailedPrecondition("replica '" + r->name_label +
                                      "' is an interrupted copy: its disks are incomplete");
  }
  const std::string prefix = std::string(ContentDigestSink::kDefinition) + ":";
  // A recorded digest whose content is still on the disk: not written over since by a tool
  // that kept our keys (its contentKey then names another snapshot disk).
  auto current_record = [&](const VdiView& vdi) {
    std::string_view of = ConfigValue(vdi.other_config, keys::kContentDigestOf);
    return !of.empty() && of == ConfigValue(vdi.other_config, keys::kContentKey);
  };
  auto usable_record = [&](const VdiView& vdi) {
    return ConfigValue(vdi.other_config, keys::kContentDigestScope) == keys::kDigestScopeFull &&
           ConfigValue(vdi.other_config, keys::kContentDigest).rfind(prefix, 0) == 0 &&
           current_record(vdi);
  };
  if (source == nullptr) {
    std::string missing;
    for (const DiskView& d : r->disks) {
      if (usable_record(d.vdi)) continue;
      std::string_view scope = ConfigValue(d.vdi.other_config, keys::kContentDigestScope);
      std::string why = scope.empty()            ? std::string("no digest recorded")
                        : !current_record(d.vdi) ? std::string("recorded digest is stale")
                        : scope == keys::kDigestScopeFull
                            ? std::string("recorded digest of another definition")
                            : std::string(scope) + "-scope digest";
      missing +=
          (missing.empty() ? "" : ", ") + std::string("disk ") + d.userdevice + " (" + why + ")";
    }
    if (!missing.empty()) {
      return Status::FailedPrecondition(
          "replica '" + r->name_label + "' cannot be verified without its source: " + missing +
          ". Only a full copy records a digest of the whole disk; give the source pool to "
          "compare with the source snapshot");
    }
  }
  std::optional<PoolCatalog> scat;
  if (source) {
    XCR_ASSIGN_OR_RETURN(scat, LoadPoolCatalog(*source));
  }
  std::vector<DiskVerification> out;
  for (const DiskView& d : r->disks) {
    DiskVerification v;
    v.userdevice = d.userdevice;
    v.replica_vdi = d.vdi.uuid;
    v.source_vdi = std::string(ConfigValue(d.vdi.other_config, keys::kContentKey));
    if (v.source_vdi.empty()) {
      v.source_vdi = std::string(ConfigValue(d.vdi.other_config, keys::kCopyOf));
    }
    v.recorded_digest = std::string(ConfigValue(d.vdi.other_config, keys::kContentDigest));
    v.recorded_scope = std::string(ConfigValue(d.vdi.other_config, keys::kContentDigestScope));
    bool use_record = usable_record(d.vdi);
    if (!v.recorded_digest.empty() && !use_record) {
      v.note = !current_record(d.vdi) ? "the recorded digest is of content written over since"
               : v.recorded_scope == keys::kDigestScopeFull
                   ? "the recorded digest has another definition than " +
                         std::string(ContentDigestSink::kDefinition)
                   : "the recorded digest covers only the delta its run sent";
    }
    const VdiView* src = nullptr;
    if (scat) {
      for (const VdiView& s : scat->vdis) {
        if (s.uuid == v.source_vdi) src = &s;
      }
    }
    auto rd = DigestOf(target, d.vdi.ref);
    if (!rd.ok()) {
      v.status = rd.status().WithContext("export replica disk " + d.vdi.uuid);
      out.push_back(std::move(v));
      continue;
    }
    v.replica_digest = *rd;
    v.compared_recorded = use_record;
    if (scat && !src) {
      std::string missing = "source snapshot disk '" + v.source_vdi +
                            "' no longer exists (pruned by snapshot retention?)";
      if (use_record) {
        v.note += (v.note.empty() ? "" : "; ") + missing;
      } else {
        v.status = Status::NotFound(missing);
      }
    } else if (src) {
      auto sd = DigestOf(*source, src->ref);
      if (!sd.ok()) {
        v.status = sd.status().WithContext("export source disk " + src->uuid);
      } else {
        v.source_digest = *sd;
        v.compared_source = true;
      }
    }
    out.push_back(std::move(v));
  }
  return out;
}

Result<std::vector<DiskVerification>> VerifyReplica(xapi::Connection& source,
                                                    xapi::Connection& target,
                                                    const std::string& replica) {
  return VerifyReplica(&source, target, replica);
}

}  // namespace xcr::engine
