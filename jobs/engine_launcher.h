// EngineLauncher: the VmRunLauncher the scheduler uses in the daemon — each VmRun becomes one
// engine run (engine/run_job.h) of one VM, on a worker thread of its own:
//
//   StartRun ──> [worker] load the job and its pools from the Store
//                   │  connect: the source pool holding the VM (explicit ids: the stored pool
//                   │  where the VM is found; smart mode: the pattern's pools first) and each
//                   │  target pool
//                   ▼
//                RunJob(the VM, the schedule's retentions, the job's timeout and rate)
//                   │  OnVmRunProgress(task tree) at most every progress_interval_us
//                   ▼
//                health check (job.health_check.enabled: engine/health_check.h on the first
//                   │  target with the new replica; its task joins the VM's)
//                   ▼
//                OnVmRunEnded (exactly once)
//
// A failure before the engine runs (job or schedule gone, pool unreachable, VM on no stored
// pool) ends the run as kFailure with a message naming what is missing. CancelRun(run) cancels
// that VM's run with a reason (it ends as kCancelled: the engine aborts what it prepared, so
// nothing that looks complete is left); a cancel before the worker reached the engine still
// ends it once, as kCancelled.
//
// VmRunResult::targets (for Store::PutVmStates), one per target SR of the job:
//   kSuccess: state ok, last_success_us = the run's end, last_snapshot_uuid, last_bytes,
//             consecutive_failures 0 — or, for a target that failed while another succeeded,
//             state error with its message and the previous last success kept;
//   kFailure: state error, error = the failure, consecutive_failures = previous + 1, the
//             previous last success kept (read from Store::ListVmStates) — also when the run
//             failed before the engine ran (pool unreachable, VM on no stored pool), but not
//             when the job itself is gone (empty);
//   kCancelled: empty (the VM's state is unchanged) — unless the replicas were complete when
//             the cancel came (during the health check): then as kSuccess.
// A failed health check makes the run kFailure ("replicated, but the health check failed:
// ..."); the checked target's state is error with that message, its last success (the new
// replica) recorded all the same.
// next_run_us is copied from the stored state (the scheduler owns it).
//
// Thread-safety: StartRun/CancelRun/CancelAll/WaitIdle may be called from any thread. The sink
// is called on the run's worker thread, never with the launcher's lock held. The destructor
// cancels every run ("the launcher is stopping") and waits for them.
#ifndef XCR_JOBS_ENGINE_LAUNCHER_H_
#define XCR_JOBS_ENGINE_LAUNCHER_H_

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "base/env.h"
#include "jobs/pool_connector.h"
#include "jobs/scheduler_run.h"
#include "jobs/store.h"
#include "jobs/store_records.h"

namespace xcr::engine {
class RunObserver;
}  // namespace xcr::engine

namespace xcr::jobs {

// One VM run's end.
struct VmRunResult {
  RunOutcome outcome = RunOutcome::kFailure;
  std::string message;  // empty on success; else what failed (or the cancel's reason)
  std::string vm_name;  // the VM's name_label when it was found, else its uuid
  nlohmann::json tasks = nlohmann::json::array();  // the VM's task subtree (TaskLog JSON shape)
  std::vector<VmTargetState> targets;              // per target, to PutVmStates (see above)
  std::vector<RunLogLine> log;                     // this VM run's own log lines
};

// Implemented by the daemon; called on worker threads.
class VmRunSink {
 public:
  virtual ~VmRunSink() = default;
  // The VM's task tree so far (a one-element array, TaskLog JSON shape); at most every
  // EngineLauncherOptions::progress_interval_us per run (about 2/s), never after the end.
  virtual void OnVmRunProgress(const VmRun& run, const nlohmann::json& tasks) = 0;
  // Exactly once per StartRun.
  virtual void OnVmRunEnded(const VmRun& run, VmRunResult result) = 0;
};

struct EngineLauncherOptions {
  Env* env = nullptr;                      // clock; null = Env::Default()
  int64_t progress_interval_us = 500'000;  // OnVmRunProgress at most this often per run
  size_t max_log_lines = 5000;             // a run's log lines kept (the last are dropped)
  // Run ids passed to the engine as "job name" when the job has none: the job's id is used.
};

class EngineLauncher : public VmRunLauncher {
 public:
  // None owned; all must outlive the launcher.
  EngineLauncher(Store* store, PoolConnector* pools, VmRunSink* sink,
                 EngineLauncherOptions options = {});
  ~EngineLauncher() override;
  EngineLauncher(const EngineLauncher&) = delete;
  EngineLauncher& operator=(const EngineLauncher&) = delete;

  // Starts the VM's run on a worker thread and returns at once. A second StartRun with the id
  // of a run still under way is ignored (logged).
  void StartRun(const VmRun& run) override;
  // Cancels that run ("cancelled by request"); no-op if it already ended.
  void CancelRun(const VmRun& run) override;
  // Same, with the reason recorded as the run's message and in its task tree.
  void CancelRun(uint64_t run_id, const std::string& reason);
  // Cancels every run under way (e.g. "the daemon is stopping"). Runs started later are not
  // affected.
  void CancelAll(const std::string& reason = "the daemon is stopping");
  // Blocks until no run is under way (every OnVmRunEnded returned).
  void WaitIdle();
  // Number of runs under way.
  size_t active() const;

 private:
  struct Active;
  void Work(std::shared_ptr<Active> active);
  VmRunResult Execute(Active& active, engine::RunObserver* observer);
  // One state per target SR of the job, from the previous stored ones and each target's status.
  std::vector<VmTargetState> TargetStates(const Job& job, const std::string& vm_uuid,
                                          const std::string& vm_name,
                                          const std::function<Status(size_t)>& status_of,
                                          const std::string& snapshot_uuid, uint64_t bytes);

  Store* store_;
  PoolConnector* pools_;
  VmRunSink* sink_;
  EngineLauncherOptions options_;
  Env* env_;
  mutable std::mutex mu_;
  std::condition_variable idle_;
  std::map<uint64_t, std::shared_ptr<Active>> active_;  // by VmRun::id; guarded by mu_
  std::vector<std::thread> finished_;  // workers that ended, to join; guarded by mu_
};

}  // namespace xcr::jobs

#endif  // XCR_JOBS_ENGINE_LAUNCHER_H_
