// Scheduler: decides what runs when — the planning core of `xcr serve`, with no I/O of its own.
// Time comes only from the Env (so a week of schedules is tested on a fake clock in
// milliseconds); runs are started and cancelled through a VmRunLauncher; what it decides is
// reported to a SchedulerObserver. The store is not touched here: the daemon restores state at
// start (RestoreScheduleFire, RestoreVm) and persists what the events and VmStatus() show.
//
// The rules (issue 13):
// - Each enabled schedule of each enabled job fires at its next time (ScheduleExpression in its
//   time zone); a firing queues a run of every VM of the job.
// - At most one run per VM at a time across all jobs: a trigger while the VM runs is skipped
//   and logged (as Proxmox's guest lock); a run queued before its VM became busy (another
//   job's run of it started first) waits for the VM.
// - Queued runs start in queue order while the job has fewer than `concurrency` runs and the
//   scheduler fewer than `max_concurrent_runs`; the others wait (queued, never dropped).
// - A failed VM goes to error and is retried `retry_backoff_us` after the failure (30 minutes,
//   as pvesr); scheduled triggers skip it meanwhile; a success puts it back on its schedules.
// - After downtime a schedule whose time passed fires once (catch-up), not once per missed slot.
// - RunNow queues a job (or one VM of it), even disabled or in error; Cancel drops queued runs
//   and asks running ones to stop.
// - NextWakeupUs says when the idle scheduler next has something to do: the daemon sleeps until
//   then or until something happens (a run ends, an API call), then calls Tick. No polling.
//
// One VM of one job:
//
//        trigger (schedule, catch-up, retry, run now)      dispatch: VM free, job and global slot
//   idle ────────────────────────────────────────► queued ──────────────────────────► running
//    ▲  ▲                         Cancel             │ (waits while its VM runs for another job)
//    │  └────────────────────────────────────────────┘                                   │
//    │     OnRunEnded: success -> state ok (on its schedules again)                       │
//    └─────────────── failure -> state error (retry at end + backoff); cancelled -> as before
//
// Thread-safety: none; the daemon drives it from one thread (its event loop). The launcher is
// called from inside Tick, RunNow, Cancel and OnRunEnded and must not call back synchronously.
#ifndef XCR_JOBS_SCHEDULER_H_
#define XCR_JOBS_SCHEDULER_H_

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/env.h"
#include "base/result.h"
#include "jobs/job.h"
#include "jobs/schedule_expression.h"
#include "jobs/scheduler_event.h"
#include "jobs/scheduler_run.h"
#include "jobs/store_records.h"

namespace xcr::jobs {

struct SchedulerOptions {
  // Runs at once across every job (each job also has its own `concurrency`). >= 1.
  size_t max_concurrent_runs = 4;
  // How long after a failure a VM in error is retried (pvesr's 30 minutes).
  int64_t retry_backoff_us = int64_t{30} * 60 * 1000000;
};

// The scheduler's view of one VM of one job (what `xcr status` shows).
struct VmPlanStatus {
  std::string job_id;
  std::string vm_uuid;
  VmState state = VmState::kNew;
  int64_t last_success_us = 0;  // 0 = never
  uint32_t consecutive_failures = 0;
  std::string error;        // the last failure's message while in error
  bool queued = false;      // waits in the job's queue
  bool running = false;     // a run of this job is under way
  int64_t next_run_us = 0;  // error: the retry; else the job's next firing; 0 = none planned
};

// What the daemon restores for a VM at start (from the store's VmTargetState, merged over the
// VM's targets).
struct VmRestore {
  std::string job_id;
  std::string vm_uuid;
  VmState state = VmState::kNew;
  int64_t last_success_us = 0;
  uint32_t consecutive_failures = 0;
  std::string error;
  int64_t retry_at_us = 0;  // state error: when it is retried (past: at the next Tick)
};

class Scheduler {
 public:
  // env, launcher (and observer, if given) must outlive the scheduler.
  Scheduler(Env* env, VmRunLauncher* launcher, SchedulerOptions options,
            SchedulerObserver* observer = nullptr);
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Adds or replaces a job with the VMs it has now (explicit ids, or its pattern as last
  // resolved). Schedules whose text and zone are unchanged keep their next time; new ones fire
  // first after now. VMs no longer in the list lose their state and queued runs; their running
  // runs go on. InvalidArgument (naming the schedule) if a schedule does not parse, NotFound for
  // an unknown time zone; the previous version of the job then stays.
  Status PutJob(const Job& job, const std::vector<std::string>& vm_uuids);
  // Forgets the job: queued runs are dropped and running ones cancelled. NotFound if unknown.
  Status RemoveJob(const std::string& job_id);

  // At start, before the first Tick: when the schedule last fired (Store::ListScheduleFires,
  // recorded from each kFired event's time). If a time of the schedule passed since then, the
  // next Tick fires it once (catch-up). Without this, a schedule first fires at its first time
  // after the job was put. Unknown ids: NotFound.
  Status RestoreScheduleFire(const std::string& job_id, const std::string& schedule_id,
                             int64_t last_fire_us);
  // At start: a VM's state from the store. NotFound if the job or VM is unknown.
  Status RestoreVm(const VmRestore& state);

  // Fires what is due at the Env's time (schedules, catch-ups, retries) and starts what may
  // start.
  void Tick();
  // When the next Tick has something to do (a schedule's time, a retry); nullopt if nothing is
  // planned. Queued runs waiting for a slot need no wake-up: a run's end starts them.
  std::optional<int64_t> NextWakeupUs() const;

  // Queues a run of every VM of the job (vm_uuid empty) or of one VM, whatever the job's
  // enabled flag or the VM's error state, and starts what may start. Returns how many runs were
  // queued. NotFound for an unknown job or a VM not in it; FailedPrecondition if the one VM
  // asked for is being replicated already (by any job). VMs of the job that are busy are
  // skipped (events say which).
  Result<size_t> RunNow(const std::string& job_id, const std::string& vm_uuid = {});
  // Drops the job's queued runs (of one VM if vm_uuid is set) and asks its running ones to
  // stop. Returns how many runs were dropped or asked. NotFound for an unknown job.
  Result<size_t> Cancel(const std::string& job_id, const std::string& vm_uuid = {});

  // The end of a started run, as the launcher reports it; then starts what may start. NotFound
  // if no such run is running (e.g. reported twice).
  Status OnRunEnded(uint64_t run_id, RunOutcome outcome, const std::string& message = {});

  // One VM of a job; NotFound if unknown.
  Result<VmPlanStatus> VmStatus(const std::string& job_id, const std::string& vm_uuid) const;
  // Every VM of every job, by job id then VM uuid.
  std::vector<VmPlanStatus> AllVmStatus() const;
  // The next time each of the job's enabled schedules fires (0 if disabled), by schedule id.
  Result<std::map<std::string, int64_t>> NextFires(const std::string& job_id) const;

  size_t running_count() const { return running_total_; }
  size_t queued_count() const;

 private:
  struct ScheduleSlot {
    std::string id;
    std::string cron;
    std::string timezone;
    bool enabled = true;
    std::optional<ScheduleExpression> expression;
    const date::time_zone* zone = nullptr;
    int64_t next_fire_us = 0;  // 0 = none (disabled schedule or job)
  };
  struct VmEntry {
    VmState state = VmState::kNew;
    int64_t last_success_us = 0;
    uint32_t consecutive_failures = 0;
    std::string error;
    int64_t retry_at_us = 0;  // state error, not yet retried
    uint64_t queued_run = 0;  // 0 = not queued
    uint64_t running_run = 0;
    std::string last_schedule_id;  // the schedule of the last run, for its retry
  };
  struct JobEntry {
    Job job;
    std::vector<std::string> vms;
    std::map<std::string, VmEntry> vm_states;  // by VM uuid
    std::vector<ScheduleSlot> schedules;
    std::deque<uint64_t> pending;  // queued run ids, oldest first
    size_t running = 0;
    std::optional<uint64_t> ready_key;  // its key in ready_, if there
  };
  using FireKey = std::tuple<int64_t, std::string, size_t>;        // time, job id, schedule index
  using RetryKey = std::tuple<int64_t, std::string, std::string>;  // time, job id, VM uuid

  int64_t NowUs() const;
  // time_us 0: now.
  void Emit(SchedulerEventKind kind, const std::string& job_id, const std::string& vm_uuid,
            uint64_t run_id, std::string message, const std::string& schedule_id = {},
            int64_t time_us = 0);
  // Computes a schedule's next firing after `after_us` and files it in fires_.
  void PlanFire(JobEntry& job, size_t index, int64_t after_us);
  void UnplanFires(JobEntry& job);
  void SetRetry(JobEntry& job, const std::string& vm, int64_t at_us);
  void Fire(JobEntry& job, size_t index, int64_t now_us, bool catch_up);
  // Queues one VM's run unless it is busy or already queued (then an event says so).
  bool Enqueue(JobEntry& job, const std::string& vm, RunReason reason,
               const std::string& schedule_id, uint64_t trigger_id, int64_t now_us);
  void RemoveQueued(JobEntry& job, uint64_t run_id);
  void UnmarkQueued(const std::string& job_id, const std::string& vm_uuid);
  // Files the job in ready_ under its oldest queued run whose VM is free, if it has a slot.
  void RefreshReady(JobEntry& job);
  // RefreshReady for every job with a queued run of the VM (it became busy or free).
  void RefreshJobsWaitingFor(const std::string& vm_uuid);
  void Dispatch();
  std::string DefaultScheduleId(const JobEntry& job) const;
  bool VmBusy(const std::string& vm_uuid) const { return running_by_vm_.count(vm_uuid) != 0; }

  Env* env_;
  VmRunLauncher* launcher_;
  SchedulerOptions options_;
  SchedulerObserver* observer_;

  std::map<std::string, JobEntry> jobs_;
  std::unordered_map<uint64_t, VmRun> runs_;  // queued and running
  std::unordered_map<std::string, uint64_t> running_by_vm_;
  std::set<FireKey> fires_;
  std::set<RetryKey> retries_;
  // (run id, job id): each job that may start a run now, under its oldest startable run.
  std::set<std::pair<uint64_t, std::string>> ready_;
  // The jobs with a queued run of each VM.
  std::unordered_map<std::string, std::set<std::string>> queued_jobs_by_vm_;
  size_t running_total_ = 0;
  uint64_t next_run_id_ = 1;
  uint64_t next_trigger_id_ = 1;
};

}  // namespace xcr::jobs

#endif  // XCR_JOBS_SCHEDULER_H_
