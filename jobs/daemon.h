// Daemon: the heart of `xcr serve` — the store, the scheduler and the run records, driven by one
// event-loop thread. It is the DaemonControl the API calls and the VmRunSink the launcher
// reports to; everything that touches the scheduler runs on the loop, in order.
//
//   Start ──> MarkRunsInterrupted(now) ──> scheduler restored (PutJob per job, RestoreVm,
//   │          RestoreScheduleFire) ──> loop thread
//   ▼
//   loop: sleep until Scheduler::NextWakeupUs (at most max_sleep_us, to re-read the wall clock)
//         or until poked (an API call, a run's progress or end) — no polling
//         ──> run what was posted ──> re-resolve smart jobs about to fire ──> Tick
//   Stop ──> no new runs; every job cancelled (queued runs dropped, running ones asked to stop
//   │        through the launcher: the engine's cancellation cleans partial replicas)
//   ▼
//   the loop waits for every run's end, finishes their records ──> loop exits
//
// What it persists: a schedule's firing (kFired -> PutScheduleFire); one RunRecord per trigger
// (daemon_runs.h), saved when its first VM run is queued and finished (FinishRun) when its last
// ended; each VM run's log lines (AppendRunLog) and target states (PutVmStates, with the
// scheduler's next run). A finished run's report is sent (report_sender.h) off the loop; Stop
// waits for the reports under way.
//
// Thread-safety: the DaemonControl and VmRunSink methods may be called from any thread; Start
// and Stop from one controlling thread.
#ifndef XCR_JOBS_DAEMON_H_
#define XCR_JOBS_DAEMON_H_

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "base/env.h"
#include "jobs/daemon_control.h"
#include "jobs/daemon_runs.h"
#include "jobs/engine_launcher.h"
#include "jobs/scheduler.h"
#include "jobs/store.h"

namespace xcr::jobs {

struct DaemonOptions {
  Env* env = nullptr;  // clock; null = Env::Default()
  SchedulerOptions scheduler;
  // Smart mode: a job's VMs now (ResolveJobVms over the stored pools). Called on the loop
  // before a smart job's schedule fires and before its run now. Null: smart jobs get no VMs.
  std::function<Result<std::vector<std::string>>(const Job&)> resolve_vms;
  // Sends a finished run's report (the job's reportWhen decides whether anything goes out), on
  // a thread of its own; a failure is logged, never changes the run. Null: SendRunReport with
  // the store's smtp.url and smtp.from settings.
  std::function<Status(const Job&, const RunRecord&, std::span<const VmTargetState>)> send_report;
  // The longest the loop sleeps without a poke (the wall clock may have been stepped).
  int64_t max_sleep_us = int64_t{3600} * 1000000;
};

class Daemon : public DaemonControl, public VmRunSink, private SchedulerObserver {
 public:
  Daemon(Store* store, DaemonOptions options);  // store not owned
  ~Daemon() override;                           // Stop()
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // Restores the scheduler from the store and starts the loop; launcher (not owned) must
  // outlive the daemon. Errors: the store could not be read.
  Status Start(VmRunLauncher* launcher);
  // Cancels every run, waits for their ends, finishes their records and stops the loop.
  // Idempotent.
  void Stop();
  // Wakes the loop (e.g. after the test moved a fake clock).
  void Poke();
  // Does what is due on the loop (as after a wake-up) and returns when it is done (tests on a
  // fake clock).
  void Sync();

  // DaemonControl
  Status PutJob(const Job& job) override;
  Status RemoveJob(const std::string& job_id) override;
  Result<RunStarted> RunNow(const std::string& job_id, const std::string& vm_uuid) override;
  Result<size_t> Cancel(const std::string& job_id, const std::string& vm_uuid) override;
  std::vector<VmPlanStatus> StatusSnapshot() override;
  std::map<std::string, int64_t> NextFires(const std::string& job_id) override;
  std::optional<LiveRun> GetLiveRun(const std::string& run_id) override;
  void WaitRunUpdate(const std::string& run_id, uint64_t version, int64_t timeout_ms) override;

  // VmRunSink (worker threads)
  void OnVmRunProgress(const VmRun& run, const nlohmann::json& tasks) override;
  void OnVmRunEnded(const VmRun& run, VmRunResult result) override;

 private:
  // SchedulerObserver (the loop)
  void OnSchedulerEvent(const SchedulerEvent& event) override;

  // Queues fn for the loop; false once the loop has exited.
  bool Post(std::function<void()> fn);
  // Runs fn on the loop and returns its result; Unavailable once the loop has exited.
  template <typename T>
  Result<T> OnLoop(std::function<Result<T>()> fn);
  void Loop();

  // --- On the loop
  Status Plan(const Job& job);  // scheduler PutJob with the job's VMs now
  void Step();                  // what is due: smart jobs about to fire resolved, then Tick
  void ResolveDueSmartJobs();
  void SweepDropped();  // records of queued runs the scheduler dropped silently
  void HandleEnded(const VmRun& run, const VmRunResult& result);
  void Finish(const RunRecord& record);
  void SendReport(const RunRecord& record);
  void Publish(const std::string& record_id);
  void Restore();

  Store* store_;
  DaemonOptions options_;
  Env* env_;
  std::unique_ptr<Scheduler> scheduler_;
  DaemonRuns runs_;                       // loop only
  std::map<std::string, Job> jobs_;       // loop only: the planned jobs
  std::string last_record_;               // loop only: the record the last kQueued belonged to
  bool stopping_ = false;                 // loop only
  std::list<std::future<void>> reports_;  // loop only: reports being sent

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;  // guarded by mu_
  bool poked_ = false;                       // guarded by mu_
  bool stop_requested_ = false;              // guarded by mu_
  bool loop_done_ = false;                   // guarded by mu_
  std::thread loop_;

  std::mutex live_mu_;
  std::condition_variable live_cv_;
  std::map<std::string, LiveRun> live_;  // guarded by live_mu_: records under way
};

}  // namespace xcr::jobs

#endif  // XCR_JOBS_DAEMON_H_
