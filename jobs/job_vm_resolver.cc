#include "jobs/job_vm_resolver.h"

#include <algorithm>
#include <set>

#include "engine/other_config_keys.h"
#include "xapi/api.h"
#include "xapi/records.h"

namespace xcr::jobs {
namespace {

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

Result<std::vector<VmFacts>> ListVmFacts(xapi::Connection& conn, const std::string& pool_id) {
  XCR_ASSIGN_OR_RETURN(auto vms, xapi::GetAllRecords<xapi::VmRecord>(conn));
  std::vector<VmFacts> out;
  for (const auto& [ref, vm] : vms) {
    if (vm.is_a_template || vm.is_a_snapshot || vm.is_control_domain) continue;
    auto job = vm.other_config.find(std::string(engine::keys::kJob));
    if (job != vm.other_config.end() && !job->second.empty() &&
        vm.blocked_operations.count("start")) {
      continue;  // a replica
    }
    VmFacts facts;
    facts.uuid = vm.uuid;
    facts.pool = pool_id;
    if (auto tags = vm.raw.find("tags"); tags != vm.raw.end() && tags->second.is_array()) {
      for (const xapi::Value& t : tags->second.array()) {
        if (t.is_string()) facts.tags.push_back(t.string());
      }
    }
    out.push_back(std::move(facts));
  }
  return out;
}

Result<std::vector<std::string>> ResolveJobVms(const Job& job, PoolConnector& pools) {
  if (!job.vms.pattern) return job.vms.ids;
  const VmPattern& pattern = *job.vms.pattern;
  XCR_ASSIGN_OR_RETURN(std::vector<PoolConfig> stored, pools.ListPools());
  std::set<std::string> found;
  for (const PoolConfig& pool : stored) {
    if (!pattern.pools.empty() && !Contains(pattern.pools, pool.id)) continue;
    if (Contains(pattern.not_pools, pool.id)) continue;
    std::string name = "pool '" + (pool.name.empty() ? pool.id : pool.name) + "'";
    Result<std::unique_ptr<xapi::Connection>> conn = pools.Connect(pool.id);
    if (!conn.ok()) {
      return conn.status().WithContext("resolving the VMs of job '" + job.name + "'");
    }
    Result<std::vector<VmFacts>> vms = ListVmFacts(**conn, pool.id);
    if (!vms.ok()) {
      return vms.status().WithContext("resolving the VMs of job '" + job.name + "' on " + name);
    }
    for (const VmFacts& vm : *vms) {
      if (pattern.Matches(vm)) found.insert(vm.uuid);
    }
  }
  return std::vector<std::string>(found.begin(), found.end());
}

}  // namespace xcr::jobs
