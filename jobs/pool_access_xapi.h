// XapiPoolAccess: PoolAccess over XAPI — probes certificates with xapi::ProbeFingerprint, logs in
// with ConnectPool (pool_connector.h: the pool's URLs in order; its pin, `insecure`, or the
// system CA store), lists SRs and VMs with get_all_records, purges with engine::PurgeJob,
// clones with engine::CloneReplica, verifies with engine::VerifyReplica.
// Thread-safety: stateless; every call opens its own connection.
#ifndef XCR_JOBS_POOL_ACCESS_XAPI_H_
#define XCR_JOBS_POOL_ACCESS_XAPI_H_

#include <memory>
#include <string>

#include "jobs/pool_access.h"
#include "xapi/connection.h"

namespace xcr::jobs {

class XapiPoolAccess : public PoolAccess {
 public:
  Result<std::string> ProbeFingerprint(const std::string& url) override;
  Status CheckLogin(const PoolConfig& pool) override;
  Result<PoolInventory> Inventory(const PoolConfig& pool) override;
  Result<PurgeTotals> PurgeJob(const PoolConfig& pool, const std::string& job_id,
                               const std::string& job_name) override;
  Result<std::vector<engine::ReplicaEntry>> ListReplicas(const PoolConfig& pool) override;
  Result<ReplicaClone> CloneReplica(const PoolConfig& pool, const std::string& replica_uuid,
                                    const std::string& name, bool start) override;
  Result<ReplicaVerification> VerifyReplica(const PoolConfig& pool,
                                            const std::vector<PoolConfig>& sources,
                                            const std::string& replica_uuid) override;
};

}  // namespace xcr::jobs

#endif  // XCR_JOBS_POOL_ACCESS_XAPI_H_
