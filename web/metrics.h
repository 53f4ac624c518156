// MetricsHandler: GET /metrics in the Prometheus text format (version 0.0.4), from the store.
// The ApiGate in front of it requires a session or an API token.
//
//   xcr_vm_last_success_timestamp_seconds{job,job_name,vm,vm_name,pool,sr}  0 = never
//   xcr_vm_seconds_since_last_success{...}     absent while the VM never succeeded
//   xcr_vm_lag_state{...,state}                1 for its lag against the job's schedules
//                                              (jobs/schedule_lag.h): ok, late, critical, disabled
//   xcr_vm_seconds_behind_schedule{...}        since the first run the recovery point missed; 0
//   xcr_vm_last_result{...,state}              1 for the VM's state: new, ok or error
//   xcr_vm_consecutive_failures{...}
//   xcr_vm_last_success_bytes{...}             bytes the last success sent
//   xcr_job_last_run_duration_seconds{job,job_name}   the newest finished run
//   xcr_job_runs_total{job,job_name,result}    finished runs seen by this daemon (counter)
//   xcr_job_run_duration_seconds_sum / _count{job,job_name}  (counter) the same runs
//   xcr_transfer_bytes_total                   bytes of every finished run seen (counter)
//
// The counters start from the history the store holds when the daemon starts (pruned runs are
// gone) and only grow while it runs: each finished run is counted once, when first seen; a
// restart is a counter reset, which Prometheus' rate() handles.
// Thread-safety: Handle may run on many threads (one mutex around the counters).
#ifndef XCR_WEB_METRICS_H_
#define XCR_WEB_METRICS_H_

#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>

#include "base/env.h"
#include "base/result.h"
#include "jobs/store.h"
#include "net/http_types.h"

namespace xcr::web {

// The sum of the task tree's "bytes" (the root, or every root of an array); 0 if absent.
uint64_t TaskTreeBytes(const std::string& task_tree_json);

class MetricsHandler : public net::HttpHandler {
 public:
  // Not owned; must outlive the handler. env: null = Env::Default().
  MetricsHandler(jobs::Store* store, Env* env) : store_(store), env_(env ? env : Env::Default()) {}

  bool IsStreaming(const net::HttpRequest&) override { return false; }
  net::HttpResponse Handle(const net::HttpRequest& req) override;
  void Stream(const net::HttpRequest&, net::HttpConnection&) override {}

  // The exposition text.
  Result<std::string> Render();

 private:
  struct JobCounters {
    std::string name;
    std::map<std::string, uint64_t> runs_by_result;
    double duration_sum_s = 0;
    uint64_t duration_count = 0;
    int64_t last_end_us = 0;
    double last_duration_s = 0;
  };
  Status CountNewRunsLocked();

  jobs::Store* store_;
  Env* env_;
  std::mutex mu_;
  std::set<std::string> counted_runs_;
  std::map<std::string, JobCounters> jobs_;
  uint64_t transfer_bytes_ = 0;
};

}  // namespace xcr::web

#endif  // XCR_WEB_METRICS_H_
