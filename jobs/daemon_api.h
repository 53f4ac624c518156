// DaemonApi: the daemon's JSON API (docs/api.md) as a transport-free net::HttpHandler — the Unix
// socket of `xcr serve` and the web UI's HTTPS listener (behind its login) serve the same
// handlers. Requests in, responses out: it works on the Store and on the daemon through
// DaemonControl and PoolAccess, so every endpoint is tested without sockets.
//
// Conventions (docs/api.md): JSON bodies of at most 1 MiB (413 beyond); errors are
// {"error": ..., "fields": [...]} with the HTTP code from HttpStatusFor (daemon_api_http.h, the
// one place Status codes become HTTP codes); an invalid request changes nothing; passwords are
// accepted and never returned. On a Unix socket (HttpRequest::peer set) only root and the
// daemon's own user are served (403 otherwise).
//
// The handlers live one resource per file: daemon_api_pools.cc, daemon_api_jobs.cc,
// daemon_api_runs.cc, daemon_api_status.cc, daemon_api_replicas.cc,
// daemon_api_schedules.cc; daemon_api.cc routes.
// Thread-safety: Handle and Stream may be called from many connection threads at once.
#ifndef XCR_JOBS_DAEMON_API_H_
#define XCR_JOBS_DAEMON_API_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/env.h"
#include "jobs/daemon_control.h"
#include "jobs/job_field_error.h"
#include "jobs/pool_access.h"
#include "jobs/store.h"
#include "net/http_types.h"

namespace xcr::jobs {

struct DaemonApiOptions {
  Store* store = nullptr;            // not owned; required
  DaemonControl* control = nullptr;  // not owned; required
  PoolAccess* pools = nullptr;       // not owned; required
  Env* env = nullptr;                // clock for lag_s; null = Env::Default()
  std::string version;               // GET /healthz
  // Unix-socket peers allowed besides root (uid 0): the daemon's own user.
  uint32_t daemon_uid = 0;
  // Whether jobs may select VMs by a smart pattern (needs the daemon's VM resolver). When
  // false, such a job is refused with 400 on "vms".
  bool smart_mode = false;
  size_t max_body_bytes = 1 << 20;
  int64_t max_wait_s = 60;  // GET /api/runs/ID?wait=S is capped to this
};

class DaemonApi : public net::HttpHandler {
 public:
  explicit DaemonApi(DaemonApiOptions options);

  // GET /api/runs/ID/events is streamed (server-sent events); everything else is bounded.
  bool IsStreaming(const net::HttpRequest& req) override;
  net::HttpResponse Handle(const net::HttpRequest& req) override;
  void Stream(const net::HttpRequest& req, net::HttpConnection& conn) override;

 private:
  using Parts = std::vector<std::string>;  // the path's segments after "/api"
  net::HttpResponse Route(const net::HttpRequest& req, const Parts& parts);

  // daemon_api_pools.cc
  net::HttpResponse ListPools();
  net::HttpResponse ProbePool(const net::HttpRequest& req);
  net::HttpResponse CreatePool(const net::HttpRequest& req);
  net::HttpResponse GetPool(const std::string& id);
  net::HttpResponse TrustPool(const std::string& id, const net::HttpRequest& req);
  net::HttpResponse TestPool(const std::string& id);
  net::HttpResponse DeletePool(const std::string& id);
  // daemon_api_jobs.cc
  net::HttpResponse ListJobs();
  net::HttpResponse CreateJob(const net::HttpRequest& req);
  net::HttpResponse GetJob(const std::string& id);
  net::HttpResponse PatchJob(const std::string& id, const net::HttpRequest& req);
  net::HttpResponse DeleteJob(const std::string& id, const net::HttpRequest& req);
  net::HttpResponse RunJob(const std::string& id, const net::HttpRequest& req);
  net::HttpResponse CancelJob(const std::string& id, const net::HttpRequest& req);
  net::HttpResponse PurgeLostJob(const net::HttpRequest& req);
  // Validation shared by create and edit: the job's field errors (pools known to the store,
  // smart mode allowed or not).
  Result<FieldErrors> CheckJob(const Job& job);
  // Purges the job on the given pools (every stored pool if empty); the first pool's failure.
  Result<PurgeTotals> Purge(const std::string& job_id, const std::string& job_name,
                            const std::vector<std::string>& pools);
  // daemon_api_runs.cc
  net::HttpResponse ListRuns(const net::HttpRequest& req);
  net::HttpResponse GetRun(const std::string& id, const net::HttpRequest& req);
  void StreamRunEvents(const std::string& id, net::HttpConnection& conn);
  // daemon_api_status.cc
  net::HttpResponse GetStatus();
  net::HttpResponse ListReplicas(const net::HttpRequest& req);
  // daemon_api_replicas.cc
  net::HttpResponse CloneReplica(const std::string& uuid, const net::HttpRequest& req);
  net::HttpResponse VerifyReplica(const std::string& uuid, const net::HttpRequest& req);
  // Gives each GET /api/replicas entry ({"job", "vm", "pool", "sr", ...}) its "pool_name" (the
  // stored pool's) and the "uuid", "name", "sr_name", "chain_length", "size",
  // "physical_utilisation" and "disks" of its newest complete replica VM on its pool, and
  // "age_s" from that replica's datetime (all null, age_s kept, when the pool has none or
  // cannot be reached: the listing never fails for a pool).
  // Each pool's replicas, listed at most once per request; nullopt when the pool is not
  // stored or cannot be listed (logged).
  using PoolReplicaCache = std::map<std::string, std::optional<std::vector<engine::ReplicaEntry>>>;
  const std::vector<engine::ReplicaEntry>* PoolReplicas(PoolReplicaCache& cache,
                                                        const std::string& pool_id);
  void AddReplicaVms(nlohmann::json& entries, PoolReplicaCache& cache);
  // The replicas on every stored pool whose job (xo:backup:job) is not a stored job: what a job
  // deleted without --purge, or another tool's job, left ({"uuid", "name", "job", "vm",
  // "pool", "pool_name", "sr", "sr_name", "datetime", "complete"}).
  nlohmann::json ListOrphans(PoolReplicaCache& cache);
  // daemon_api_schedules.cc
  net::HttpResponse PreviewSchedule(const net::HttpRequest& req);

  DaemonApiOptions options_;
  Store* store_;
  DaemonControl* control_;
  PoolAccess* pools_;
  Env* env_;
};

}  // namespace xcr::jobs

#endif  // XCR_JOBS_DAEMON_API_H_
