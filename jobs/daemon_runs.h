// DaemonRuns: the daemon's run records — one RunRecord per trigger (a schedule's firing, a
// catch-up, a retry, a run now), made of the VM runs that trigger queued:
//
//   first VM run of a trigger queued ──> record "running" (saved)
//        each VM run: queued ──> started ──> ended (its task subtree and log merged in)
//                        └──> dropped (cancelled while queued)
//   last VM run of the trigger ended or dropped ──> record finished: failure if a VM failed,
//   else cancelled if one was cancelled, else success
//
// Pure bookkeeping: the daemon saves what it returns. Thread-safety: none (the daemon's loop).
#ifndef XCR_JOBS_DAEMON_RUNS_H_
#define XCR_JOBS_DAEMON_RUNS_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "jobs/engine_launcher.h"
#include "jobs/scheduler_run.h"
#include "jobs/store_records.h"

namespace xcr::jobs {

class DaemonRuns {
 public:
  // A VM run was queued. Returns the new record when it is the trigger's first.
  std::optional<RunRecord> OnQueued(uint64_t trigger_id, uint64_t vm_run_id,
                                    const std::string& job_id, const std::string& vm_uuid,
                                    const std::string& job_name, const std::string& schedule_id,
                                    int64_t now_us);
  void OnStarted(uint64_t vm_run_id);
  // The VM's task tree so far; false if the run is unknown.
  bool OnProgress(uint64_t vm_run_id, const nlohmann::json& tasks);
  // A queued VM run left the queue without running. Returns the finished record if it was the
  // trigger's last.
  std::optional<RunRecord> OnDropped(uint64_t vm_run_id, int64_t now_us);
  // A started VM run ended. Returns the finished record if it was the trigger's last.
  std::optional<RunRecord> OnEnded(uint64_t vm_run_id, const VmRunResult& result, int64_t now_us);

  // The record id of a VM run (queued or running), or "".
  std::string RecordOf(uint64_t vm_run_id) const;
  // The record id of a trigger still under way, or "".
  std::string RecordOfTrigger(uint64_t trigger_id) const;
  // The task tree of a record under way (ended VMs' subtrees, then running VMs' latest).
  nlohmann::json Tasks(const std::string& record_id) const;
  struct Unstarted {
    uint64_t vm_run_id;
    std::string job_id;
    std::string vm_uuid;
  };
  // VM runs queued but not started.
  std::vector<Unstarted> UnstartedRuns() const;
  bool empty() const { return triggers_.empty(); }
  // VM runs of the job queued or running.
  size_t CountOfJob(const std::string& job_id) const;

 private:
  struct VmPart {
    uint64_t trigger_id = 0;
    bool started = false;
    nlohmann::json tasks = nlohmann::json::array();
    std::string job_id;
    std::string vm_uuid;
  };
  struct Trigger {
    RunRecord record;
    size_t open = 0;  // VM runs queued or running
    nlohmann::json ended_tasks = nlohmann::json::array();
    bool failed = false, cancelled = false;
    std::vector<std::string> errors;
  };
  std::optional<RunRecord> Close(uint64_t vm_run_id, int64_t now_us);

  std::map<uint64_t, Trigger> triggers_;
  std::map<uint64_t, VmPart> parts_;  // by VM run id
};

}  // namespace xcr::jobs

#endif  // XCR_JOBS_DAEMON_RUNS_H_
