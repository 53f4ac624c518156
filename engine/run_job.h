// RunJob: one replication run for callers that are not a terminal (the daemon, the web API) and
// for `xcr replicate`, which prints its report. It runs the spec's VMs `concurrency` at a time
// (each on a worker thread with its own VmReplicator), records every step in a TaskLog of its
// own, and tells an observer what happens as it happens, keyed by task id:
//
//   RunJob ──> run task "replication run of job ID" ──> per VM: VmReplicator::Run (its subtree)
//                │                                        │  OnTask on every change of a task,
//                │                                        │  live bytes while a disk streams
//                │                                        ▼  (TaskRecord::bytes), OnTransfer
//                │                                     OnVmEnded(index, outcome, vm task)
//                ▼
//              run task ended (failure: "N of M VM(s) failed") ──> JobReport
//
// Logs: every line logged on the run's threads (its workers and the transfer threads they
// start) goes to observer->OnLog, and on to the process's sink (stderr, or the CLI's progress
// display) — so two runs at once keep separate logs (base/logging.h, ScopedThreadLogSink).
// Cancellation (RunCanceller): the whole run, or one VM, with a reason; the reason ends up as
// the error of the cancelled transfer's tasks and so of the VM's task ("every target failed:
// <reason>"). A VM not started yet when its cancel comes is not started (its outcome:
// kCancelled, "run cancelled before VM X started: <reason>"). JobSpec::options.cancel, the
// CLI's interrupt flag, cancels the whole run with the reason "cancelled".
// Thread-safety: RunJob blocks the caller until the run ends; the observer is called from the
// run's threads (concurrently when concurrency > 1); the canceller may be used from any thread.
#ifndef XCR_ENGINE_RUN_JOB_H_
#define XCR_ENGINE_RUN_JOB_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/env.h"
#include "base/logging.h"
#include "base/result.h"
#include "engine/job_run.h"
#include "engine/task_log.h"
#include "engine/vm_replicator.h"
#include "xapi/connection.h"
#include "xapi/disk_transfer.h"

namespace xcr::engine {

// One target of a run: a pool (a key the Connector knows: a URL for the CLI, a stored pool id
// for the daemon) and an SR on it (uuid or name label).
struct TargetRef {
  std::string pool;
  std::string sr;
  std::string pool_label;  // names the pool in messages and the task tree; default: master URL
};

struct JobSpec {
  std::vector<std::string> vms;  // uuids or names (duplicates run once)
  std::string source_pool;       // the Connector's key of the pool the VMs run on
  std::vector<TargetRef> targets;
  size_t concurrency = 2;  // VMs at once (>= 1)
  // job_id, schedule_id, job_name, retentions, rate, per-VM timeout, env. Its `cancel` is
  // ignored (RunJob cancels through the RunCanceller); its `on_progress` is called as before
  // (the CLI's progress display) besides the observer.
  ReplicationOptions options;
};

// The pools of a run, logged in. RunJob asks for each key once, from its calling thread, before
// any VM starts; the connections must outlive the run.
class Connector {
 public:
  virtual ~Connector() = default;
  virtual Result<xapi::Connection*> Connect(const std::string& pool) = 0;
};

// A Connector over connections the caller already opened (the CLI), by key.
class FixedConnector : public Connector {
 public:
  void Add(const std::string& pool, xapi::Connection* conn) { pools_[pool] = conn; }
  Result<xapi::Connection*> Connect(const std::string& pool) override;

 private:
  std::map<std::string, xapi::Connection*> pools_;
};

class RunObserver {
 public:
  virtual ~RunObserver() = default;
  // Once, before any VM starts: the run's log (valid until RunJob returns) and its run task,
  // e.g. to render a VM's subtree (TaskLog::SubtreeJson) as progress.
  virtual void OnStart(const TaskLog& log, TaskId run_task) {}
  // A task was added or changed (started, ended, bytes, data); `task` is its state now.
  virtual void OnTask(const TaskRecord& task) {}
  // Transfer progress of an export step (the task "full/delta export of disk N"), about twice
  // a second and once at its end: export bytes and total, and each target's bytes and state.
  virtual void OnTransfer(TaskId export_task, const xapi::TransferProgress& progress) {}
  // A line logged on one of the run's threads (formatted as base/logging.h writes it).
  virtual void OnLog(LogLevel level, const std::string& line) {}
  // A VM ended (index into JobSpec::vms after de-duplication); vm_task is its task, or
  // kNoParent when it never started (cancelled first).
  virtual void OnVmEnded(size_t index, const VmOutcome& vm, TaskId vm_task) {}
};

// Cancels a run or one of its VMs, with a reason. Share it (CancelToken) between the caller
// that may cancel and RunJob. Cancelling twice keeps the first reason.
class RunCanceller {
 public:
  // Every VM of the run.
  void Cancel(const std::string& reason);
  // One VM, named as in JobSpec::vms (the daemon passes uuids). Before the run starts too.
  void CancelVm(const std::string& vm, const std::string& reason);
  bool cancelled() const { return run_flag_.load(); }
  // The reason for this VM ("" if it is not cancelled): its own, else the run's.
  std::string ReasonFor(const std::string& vm) const;

  // For RunJob: the flag a VM's replicator watches (set by Cancel and by CancelVm); valid for
  // the canceller's life.
  const std::atomic<bool>* VmFlag(const std::string& vm);

 private:
  struct VmCancel {
    std::atomic<bool> flag{false};
    std::string reason;
  };
  VmCancel& Entry(const std::string& vm);  // mu_ held

  mutable std::mutex mu_;
  std::atomic<bool> run_flag_{false};
  std::string run_reason_;                                // guarded by mu_
  std::map<std::string, std::unique_ptr<VmCancel>> vms_;  // guarded by mu_
};
using CancelToken = std::shared_ptr<RunCanceller>;

struct JobReport {
  JobOutcome outcome;            // per VM, in the order of the de-duplicated JobSpec::vms
  std::unique_ptr<TaskLog> log;  // the run's tasks (RunReportJson/RunReportText take it)
  TaskId run_task = kNoParent;
  std::vector<TaskId> vm_tasks;  // per VM; kNoParent when it never started
};

// Runs the spec. Fails (with no task recorded) only when the spec is invalid (no VM, no target,
// job_id or schedule_id empty: kInvalidArgument) or a pool cannot be connected (the
// Connector's error); VM failures are in the report.
// observer may be null; cancel may be null (not cancellable).
Result<JobReport> RunJob(const JobSpec& spec, Connector& pools, RunObserver* observer,
                         CancelToken cancel);

}  // namespace xcr::engine

#endif  // XCR_ENGINE_RUN_JOB_H_
