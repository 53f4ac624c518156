// What the store keeps besides jobs and pools: the replication state of each VM on each target,
// the history of runs with their task trees and log lines, and the names of the settings.
// Times are microseconds since the Unix epoch (Env::NowUnixMicros); 0 means "none".
// Thread-safety: plain values.
#ifndef XCR_JOBS_STORE_RECORDS_H_
#define XCR_JOBS_STORE_RECORDS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace xcr::jobs {

// The replication state of a VM as last recorded.
enum class VmState {
  kNew,    // "new": never replicated by this job yet
  kOk,     // "ok": the last run succeeded
  kError,  // "error": the last run failed; retried on a backoff (next_run_us)
};
std::string_view VmStateName(VmState state);
std::optional<VmState> ParseVmState(std::string_view text);

// One VM of a job on one target SR (the key is job_id, vm_uuid, pool, sr).
struct VmTargetState {
  std::string job_id;
  std::string vm_uuid;
  std::string pool;  // target pool id
  std::string sr;    // target SR as the job names it
  std::string vm_name;
  int64_t last_success_us = 0;     // end of the last successful run; 0 = never
  std::string last_snapshot_uuid;  // source snapshot the last success replicated
  uint64_t last_bytes = 0;         // bytes that success transferred
  uint32_t consecutive_failures = 0;
  VmState state = VmState::kNew;
  std::string error;        // the last failure's message (state kError), else empty
  int64_t next_run_us = 0;  // when the scheduler plans to run it next; 0 = not planned
  bool operator==(const VmTargetState&) const = default;
};

// When a schedule last fired (its trigger time, not a run's start).
struct ScheduleFire {
  std::string job_id;
  std::string schedule_id;
  int64_t last_fire_us = 0;
  bool operator==(const ScheduleFire&) const = default;
};

enum class RunResult {
  kRunning,      // "running": started, not ended
  kSuccess,      // "success": every VM succeeded
  kFailure,      // "failure": at least one VM failed
  kCancelled,    // "cancelled": stopped on request
  kInterrupted,  // "interrupted": the daemon stopped without ending it (found at next start)
};
std::string_view RunResultName(RunResult result);
std::optional<RunResult> ParseRunResult(std::string_view text);

// One run of a job (all its VMs, or one for "run now --vm").
struct RunRecord {
  std::string id;  // UUID
  std::string job_id;
  std::string job_name;     // kept: the job may be deleted while its history remains
  std::string schedule_id;  // the schedule that triggered it, or the one a manual run used
  int64_t start_us = 0;
  int64_t end_us = 0;  // 0 while running
  RunResult result = RunResult::kRunning;
  std::string error;      // summary of what failed, for lists
  std::string task_tree;  // JSON text of the engine's task tree
  bool operator==(const RunRecord&) const = default;
};

struct RunLogLine {
  int64_t time_us = 0;
  std::string text;
  bool operator==(const RunLogLine&) const = default;
};

// Setting names and their defaults. Values are text; these two are decimal integers.
inline constexpr std::string_view kSettingHistoryKeepRuns = "history.keepRuns";
inline constexpr int64_t kDefaultHistoryKeepRuns = 100;  // finished runs kept per job; 0 = all
inline constexpr std::string_view kSettingHistoryKeepDays = "history.keepDays";
inline constexpr int64_t kDefaultHistoryKeepDays =
    0;  // finished runs older are pruned; 0 = no limit

}  // namespace xcr::jobs

#endif  // XCR_JOBS_STORE_RECORDS_H_
