// Fakes for the daemon API's tests: a DaemonControl that records what it was asked, and a
// PoolAccess whose answers the test sets.
#ifndef XCR_TESTS_JOBS_DAEMON_API_FAKES_H_
#define XCR_TESTS_JOBS_DAEMON_API_FAKES_H_

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "jobs/daemon_control.h"
#include "jobs/pool_access.h"

namespace xcr::jobs::testing {

// 32 bytes 0xCD, as a pool would present them.
inline const std::string kPresented =
    "SHA256:CD:CD:CD:CD:CD:CD:CD:CD:CD:CD:CD:CD:CD:CD:CD:CD:CD:CD:CD:CD:CD:CD:CD:CD:CD:CD:CD:"
    "CD:CD:CD:CD:CD";

class FakeControl : public DaemonControl {
 public:
  Status PutJob(const Job& job) override {
    put_jobs.push_back(job.id);
    return put_status;
  }
  Status RemoveJob(const std::string& job_id) override {
    removed_jobs.push_back(job_id);
    return Status::OK();
  }
  Result<RunStarted> RunNow(const std::string& job_id, const std::string& vm) override {
    run_now.push_back({job_id, vm});
    if (!run_status.ok()) return run_status;
    return RunStarted{"run-" + std::to_string(run_now.size()), vm.empty() ? 2u : 1u};
  }
  Result<size_t> Cancel(const std::string& job_id, const std::string& vm) override {
    cancels.push_back({job_id, vm});
    return size_t{3};
  }
  std::vector<VmPlanStatus> StatusSnapshot() override { return status; }
  std::map<std::string, int64_t> NextFires(const std::string&) override { return fires; }
  std::optional<LiveRun> GetLiveRun(const std::string& run_id) override {
    std::lock_guard<std::mutex> lock(mu);
    auto it = live.find(run_id);
    if (it == live.end()) return std::nullopt;
    return it->second;
  }
  // Each wait plays the next scripted state of the run (a run that moves on by itself).
  void WaitRunUpdate(const std::string& run_id, uint64_t, int64_t timeout_ms) override {
    std::lock_guard<std::mutex> lock(mu);
    waits.push_back(timeout_ms);
    auto& script = scripts[run_id];
    if (!script.empty()) {
      live[run_id] = script.front();
      script.erase(script.begin());
    }
  }

  std::mutex mu;
  Status put_status;
  Status run_status;
  std::vector<std::string> put_jobs, removed_jobs;
  std::vector<std::pair<std::string, std::string>> run_now, cancels;
  std::vector<VmPlanStatus> status;
  std::map<std::string, int64_t> fires;
  std::map<std::string, LiveRun> live;
  std::map<std::string, std::vector<LiveRun>> scripts;
  std::vector<int64_t> waits;
};

class FakePools : public PoolAccess {
 public:
  Result<std::string> ProbeFingerprint(const std::string& url) override {
    probes.push_back(url);
    return presented;
  }
  Status CheckLogin(const PoolConfig& pool) override {
    logins.push_back(pool);
    return login_status;
  }
  Result<PoolInventory> Inventory(const PoolConfig&) override {
    if (!inventory_status.ok()) return inventory_status;
    return inventory;
  }
  Result<PurgeTotals> PurgeJob(const PoolConfig& pool, const std::string& job_id,
                               const std::string&) override {
    purges.push_back({pool.id, job_id});
    if (!purge_status.ok()) return purge_status;
    return PurgeTotals{2, 1};
  }
  Result<std::vector<engine::ReplicaEntry>> ListReplicas(const PoolConfig& pool) override {
    std::lock_guard<std::mutex> lock(clone_mu);
    replica_lists.push_back(pool.id);
    if (!replicas_status.ok()) return replicas_status;
    return replicas[pool.id];
  }
  Result<ReplicaClone> CloneReplica(const PoolConfig& pool, const std::string& replica_uuid,
                                    const std::string& name, bool start) override {
    std::lock_guard<std::mutex> lock(clone_mu);
    clone_calls.push_back({pool.id, replica_uuid, name, start});
    if (!clone_status.ok()) return clone_status;
    ReplicaClone c{"clone-" + std::to_string(clone_calls.size()), name, start};
    if (c.name.empty()) c.name = "replica (DR clone)";
    clones.push_back(c);
    return c;
  }
  Result<ReplicaVerification> VerifyReplica(const PoolConfig& pool,
                                            const std::vector<PoolConfig>& sources,
                                            const std::string& replica_uuid) override {
    std::lock_guard<std::mutex> lock(clone_mu);
    VerifyCall call{pool.id, replica_uuid, {}};
    for (const PoolConfig& s : sources) call.sources.push_back(s.id);
    verify_calls.push_back(call);
    if (!verify_status.ok()) return verify_status;
    return verification;
  }
  struct CloneCall {
    std::string pool, replica, name;
    bool start = false;
  };

  std::string presented = kPresented;
  Status login_status;
  Status inventory_status;
  Status purge_status;
  PoolInventory inventory;
  std::vector<std::string> probes;
  std::vector<PoolConfig> logins;
  std::vector<std::pair<std::string, std::string>> purges;
  std::mutex clone_mu;
  Status replicas_status;  // ListReplicas' answer when not OK
  std::map<std::string, std::vector<engine::ReplicaEntry>> replicas;  // by pool id
  std::vector<std::string> replica_lists;                             // pools listed
  Status clone_status;  // the next clones' answer when not OK
  std::vector<CloneCall> clone_calls;
  std::vector<ReplicaClone> clones;  // the clones made (what the pool now holds)
  struct VerifyCall {
    std::string pool, replica;
    std::vector<std::string> sources;  // pool ids, in the order given
  };
  Status verify_status;              // VerifyReplica's answer when not OK
  ReplicaVerification verification;  // else this
  std::vector<VerifyCall> verify_calls;
};

}  // namespace xcr::jobs::testing

#endif  // XCR_TESTS_JOBS_DAEMON_API_FAKES_H_
