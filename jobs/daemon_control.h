// DaemonControl: what the daemon's API asks of the daemon's scheduler thread, and nothing more —
// plan a stored job, forget one, run now, cancel, a status snapshot, and the live state of runs
// under way (for long polls and event streams). The Daemon (daemon.h) implements it by handing
// each call to its event loop; the API's tests use a fake. The store is not behind it: the API
// reads and writes the Store itself and tells the daemon what changed.
//
// Thread-safety: every method may be called from any thread (HTTP connection threads).
#ifndef XCR_JOBS_DAEMON_CONTROL_H_
#define XCR_JOBS_DAEMON_CONTROL_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "jobs/job.h"
#include "jobs/scheduler.h"

namespace xcr::jobs {

// A run now that queued something.
struct RunStarted {
  std::string run_id;  // the RunRecord's id (GET /api/runs/ID)
  size_t queued = 0;   // VM runs queued
};

// A run under way as the daemon sees it now.
struct LiveRun {
  nlohmann::json tasks = nlohmann::json::array();  // the task tree so far (docs/engine.md)
  uint64_t version = 0;                            // grows at each change
  bool ended = false;                              // its record is final in the store
};

class DaemonControl {
 public:
  virtual ~DaemonControl() = default;
  // The job was stored (created or edited): plan it with its VMs. The API validated it; an
  // error here (InvalidArgument) makes the API undo the store change.
  virtual Status PutJob(const Job& job) = 0;
  // The job is being deleted: drop its queued runs, cancel its running ones and return once
  // they ended (so a purge that follows finds no run of the job under way). OK if the
  // scheduler did not know it.
  virtual Status RemoveJob(const std::string& job_id) = 0;
  // Queues the job (vm_uuid empty) or one VM of it now. NotFound (unknown job or VM of the
  // job), FailedPrecondition (the VM, or every VM of the job, is being replicated or queued).
  virtual Result<RunStarted> RunNow(const std::string& job_id, const std::string& vm_uuid) = 0;
  // Drops queued runs and asks running ones to stop; how many. NotFound for an unknown job.
  virtual Result<size_t> Cancel(const std::string& job_id, const std::string& vm_uuid) = 0;
  // Every VM of every planned job (Scheduler::AllVmStatus).
  virtual std::vector<VmPlanStatus> StatusSnapshot() = 0;
  // The next firing of each enabled schedule of the job (0: none), by schedule id.
  virtual std::map<std::string, int64_t> NextFires(const std::string& job_id) = 0;
  // A run the daemon is running or has just ended; nullopt if it has no such live run (then the
  // store has its final record, or it never existed).
  virtual std::optional<LiveRun> GetLiveRun(const std::string& run_id) = 0;
  // Returns when the run's version passes `version`, the run ends or is not live, or timeout_ms
  // passes (then GetLiveRun tells which).
  virtual void WaitRunUpdate(const std::string& run_id, uint64_t version, int64_t timeout_ms) = 0;
};

}  // namespace xcr::jobs

#endif  // XCR_JOBS_DAEMON_CONTROL_H_
