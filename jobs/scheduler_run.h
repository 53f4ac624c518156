// What the scheduler starts: one VM's replication by one job (VmRun), and the narrow interface
// through which it starts and cancels those runs (VmRunLauncher). The launcher does the work
// elsewhere (the engine, on a worker) and reports each run's end to Scheduler::OnRunEnded.
//
// Thread-safety: VmRun is a value. A VmRunLauncher is called by the scheduler's thread only.
#ifndef XCR_JOBS_SCHEDULER_RUN_H_
#define XCR_JOBS_SCHEDULER_RUN_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace xcr::jobs {

// Why a run was queued.
enum class RunReason {
  kSchedule,  // "schedule": a schedule's time came
  kCatchUp,   // "catch-up": a schedule's time passed while the daemon was down (run once)
  kRetry,     // "retry": the VM is in error and its backoff ended
  kManual,    // "manual": run now
};
std::string_view RunReasonName(RunReason reason);

enum class RunOutcome {
  kSuccess,    // the VM is replicated: back on its schedule
  kFailure,    // the VM goes to (or stays in) error and is retried after the backoff
  kCancelled,  // stopped on request: the VM's state is unchanged
};

struct VmRun {
  uint64_t id = 0;          // unique within a scheduler, increasing in queue order
  uint64_t trigger_id = 0;  // the runs queued by one trigger (one job run) share it
  std::string job_id;
  std::string vm_uuid;
  std::string schedule_id;  // whose retention applies (for run now: the job's first schedule)
  RunReason reason = RunReason::kSchedule;
  int64_t queued_us = 0;   // Env::NowUnixMicros when queued
  int64_t started_us = 0;  // when handed to the launcher; 0 while queued
};

class VmRunLauncher {
 public:
  virtual ~VmRunLauncher() = default;
  // Starts the run and returns at once (the work happens elsewhere). Its end must be reported
  // exactly once through Scheduler::OnRunEnded, later, not from inside this call.
  virtual void StartRun(const VmRun& run) = 0;
  // Asks a started run to stop (the engine's cancellation: nothing that looks complete is
  // left). Its end is still reported through OnRunEnded, normally as kCancelled.
  virtual void CancelRun(const VmRun& run) = 0;
};

}  // namespace xcr::jobs

#endif  // XCR_JOBS_SCHEDULER_RUN_H_
