#include "jobs/pool_access_xapi.h"

#include <algorithm>

#include "base/redact.h"
#include "engine/job_purge.h"
#include "engine/other_config_keys.h"
#include "engine/pool_catalog.h"
#include "engine/replica_listing.h"
#include "engine/replica_ops.h"
#include "jobs/pool_connector.h"
#include "xapi/api.h"
#include "xapi/http_curl.h"
#include "xapi/http_url.h"
#include "xapi/pool_endpoint.h"
#include "xapi/records.h"

namespace xcr::jobs {
namespace {

// The VM `uuid` on the pool, when it is a replica: by uuid only (the engine's calls also take a
// name), and a VM that is not a replica told apart from no VM at all.
Result<const engine::VmView*> FindReplicaVm(const engine::PoolCatalog& catalog,
                                            const PoolConfig& pool, const std::string& uuid) {
  auto vm = std::find_if(catalog.vms.begin(), catalog.vms.end(),
                         [&](const engine::VmView& v) { return v.uuid == uuid; });
  if (vm == catalog.vms.end()) {
    return Status::NotFound("pool '" + pool.name + "' has no VM with uuid " + uuid);
  }
  if (!engine::LooksLikeReplica(*vm)) {
    return Status::InvalidArgument("VM " + uuid + " ('" + vm->name_label + "') on pool '" +
                                   pool.name + "' is not a replica: only replicas are cloned or " +
                                   "verified");
  }
  return &*vm;
}

}  // namespace

Result<std::string> XapiPoolAccess::ProbeFingerprint(const std::string& url) {
  XCR_ASSIGN_OR_RETURN(xapi::Url parsed, xapi::Url::Parse(url));
  auto fp = xapi::ProbeFingerprint(parsed.Base());
  if (!fp.ok()) return fp.status().WithContext(RedactUrl(url));
  return xapi::FormatFingerprint(*fp);
}

Status XapiPoolAccess::CheckLogin(const PoolConfig& pool) {
  XCR_ASSIGN_OR_RETURN(auto conn, ConnectPool(pool));
  return conn->Close();
}

Result<PoolInventory> XapiPoolAccess::Inventory(const PoolConfig& pool) {
  XCR_ASSIGN_OR_RETURN(auto conn, ConnectPool(pool));
  PoolInventory inv;
  XCR_ASSIGN_OR_RETURN(auto srs, xapi::GetAllRecords<xapi::SrRecord>(*conn));
  for (const auto& [ref, sr] : srs) {
    if (sr.content_type == "iso" || sr.type == "udev") continue;  // not a place for replicas
    inv.srs.push_back(
        {sr.uuid, sr.name_label, sr.physical_size - sr.physical_utilisation, sr.physical_size});
  }
  XCR_ASSIGN_OR_RETURN(auto networks, xapi::GetAllRecords<xapi::NetworkRecord>(*conn));
  for (const auto& [ref, net] : networks) {
    inv.networks.push_back({net.uuid, net.name_label, net.bridge});
  }
  XCR_ASSIGN_OR_RETURN(auto vms, xapi::GetAllRecords<xapi::VmRecord>(*conn));
  for (const auto& [ref, vm] : vms) {
    if (vm.is_a_template || vm.is_a_snapshot || vm.is_control_domain) continue;
    PoolVmInfo info{vm.uuid, vm.name_label, {}, false};
    // As the smart mode tells them apart (job_vm_resolver.cc), so the editor does not offer one.
    auto job = vm.other_config.find(std::string(engine::keys::kJob));
    info.replica = job != vm.other_config.end() && !job->second.empty() &&
                   vm.blocked_operations.count("start") > 0;
    auto tags = vm.raw.find("tags");
    if (tags != vm.raw.end() && tags->second.is_array()) {
      for (const xapi::Value& t : tags->second.array()) {
        if (t.is_string()) info.tags.push_back(t.string());
      }
    }
    inv.vms.push_back(std::move(info));
  }
  auto by_name = [](const auto& a, const auto& b) { return a.name < b.name; };
  std::sort(inv.srs.begin(), inv.srs.end(), by_name);
  std::sort(inv.networks.begin(), inv.networks.end(), by_name);
  std::sort(inv.vms.begin(), inv.vms.end(), by_name);
  (void)conn->Close();
  return inv;
}

Result<PurgeTotals> XapiPoolAccess::PurgeJob(const PoolConfig& pool, const std::string& job_id,
                                             const std::string& job_name) {
  XCR_ASSIGN_OR_RETURN(auto conn, ConnectPool(pool));
  engine::PurgeOptions options;
  options.job_name = job_name;
  XCR_ASSIGN_OR_RETURN(engine::PurgeCounts counts, engine::PurgeJob(conn.get(), job_id, options));
  (void)conn->Close();
  return PurgeTotals{static_cast<uint64_t>(counts.replicas),
                     static_cast<uint64_t>(counts.snapshots)};
}

Result<std::vector<engine::ReplicaEntry>> XapiPoolAccess::ListReplicas(const PoolConfig& pool) {
  XCR_ASSIGN_OR_RETURN(auto conn, ConnectPool(pool));
  XCR_ASSIGN_OR_RETURN(auto replicas, engine::ListPoolReplicas(
                                          *conn, "", Env::Default()->NowUnixMicros() / 1000000));
  (void)conn->Close();
  return replicas;
}

Result<ReplicaClone> XapiPoolAccess::CloneReplica(const PoolConfig& pool,
                                                  const std::string& replica_uuid,
                                                  const std::string& name, bool start) {
  XCR_ASSIGN_OR_RETURN(auto conn, ConnectPool(pool));
  XCR_ASSIGN_OR_RETURN(engine::PoolCatalog catalog, engine::LoadPoolCatalog(*conn));
  XCR_RETURN_IF_ERROR(FindReplicaVm(catalog, pool, replica_uuid).status());
  XCR_ASSIGN_OR_RETURN(engine::CloneResult clone,
                       engine::CloneReplica(*conn, replica_uuid, name, start));
  (void)conn->Close();
  return ReplicaClone{clone.uuid, clone.name, start};
}

Result<ReplicaVerification> XapiPoolAccess::VerifyReplica(const PoolConfig& pool,
                                                          const std::vector<PoolConfig>& sources,
                                                          const std::string& replica_uuid) {
  XCR_ASSIGN_OR_RETURN(auto conn, ConnectPool(pool));
  XCR_ASSIGN_OR_RETURN(engine::PoolCatalog catalog, engine::LoadPoolCatalog(*conn));
  XCR_ASSIGN_OR_RETURN(const engine::VmView* vm, FindReplicaVm(catalog, pool, replica_uuid));
  const std::string source_vm(engine::ConfigValue(vm->other_config, engine::keys::kVm));
  ReplicaVerification out;
  std::unique_ptr<xapi::Connection> source;
  std::string skipped;  // the pools that could not be searched, for the error below
  for (const PoolConfig& candidate : sources) {
    auto c = ConnectPool(candidate);
    if (!c.ok()) {
      skipped += "; " + c.status().message();
      continue;
    }
    if (xapi::GetByUuid(**c, "VM", source_vm).ok()) {
      source = std::move(*c);
      out.source_pool = candidate.id;
      break;
    }
    (void)(*c)->Close();
  }
  auto disks = engine::VerifyReplica(source.get(), *conn, replica_uuid);
  if (source) (void)source->Close();
  (void)conn->Close();
  if (!disks.ok()) {
    if (!source && disks.status().code() == StatusCode::kFailedPrecondition) {
      return Status::FailedPrecondition(
          disks.status().message() + " (its source VM " + source_vm + " is on no stored pool" +
          (skipped.empty() ? "" : " that answered: " + skipped.substr(2)) + ")");
    }
    return disks.status();
  }
  out.disks = std::move(*disks);
  return out;
}

}  // namespace xcr::jobs
