// What the scheduler decided, as events: for the run history, the log (skips, failures and
// cancellations are also logged at INFO) and tests. SchedulerObserver receives them in order, on
// the scheduler's thread.
#ifndef XCR_JOBS_SCHEDULER_EVENT_H_
#define XCR_JOBS_SCHEDULER_EVENT_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace xcr::jobs {

enum class SchedulerEventKind {
  kFired,           // a schedule fired (schedule_id; time_us is what to store as its last firing:
                    // RestoreScheduleFire(time_us) after a restart does not fire it again)
  kQueued,          // a VM's run was queued (message: the reason)
  kStarted,         // handed to the launcher
  kSkippedBusy,     // a trigger while the VM runs (for any job) is skipped, as Proxmox's lock
  kSkippedQueued,   // the VM already waits in this job's queue: one run is enough
  kSkippedInError,  // a scheduled trigger while the VM waits for its retry
  kSucceeded,       // a run ended well: the VM is back on its schedule
  kFailed,          // a run failed: the VM is in error, retried at the time in the message
  kCancelled,       // a queued run was dropped, or a running one ended, on request
};
std::string_view SchedulerEventKindName(SchedulerEventKind kind);

struct SchedulerEvent {
  int64_t time_us = 0;
  SchedulerEventKind kind = SchedulerEventKind::kQueued;
  std::string job_id;
  std::string vm_uuid;
  uint64_t run_id = 0;      // 0 when no run exists (skips, firings)
  uint64_t trigger_id = 0;  // the run's VmRun::trigger_id while the scheduler holds the run
  std::string schedule_id;  // kFired: the schedule; run events: the run's schedule
  std::string message;      // for people: "VM x is already being replicated by job y"
};

class SchedulerObserver {
 public:
  virtual ~SchedulerObserver() = default;
  virtual void OnSchedulerEvent(const SchedulerEvent& event) = 0;
};

}  // namespace xcr::jobs

#endif  // XCR_JOBS_SCHEDULER_EVENT_H_
