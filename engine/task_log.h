// TaskLog: the tree a run records — run -> VM -> snapshot / export / per-target transfer /
// retention — with start and end times, bytes, speed, status and errors a user can act on.
// It is what `xcr replicate` summarises, what `--json` prints and what the web UI will show.
//
// States of a task:
//
//     kPending --Start()--> kRunning --Succeed()--> kSuccess
//                               |  \---Fail()----> kFailure
//                               \-----Skip()-----> kSkipped
//
// Thread-safety: all methods are safe to call concurrently (per-VM workers and per-target
// writers record into one log); TaskIds stay valid for the log's lifetime. Time comes from the
// Env given at construction, so tests control it.
#ifndef XCR_ENGINE_TASK_LOG_H_
#define XCR_ENGINE_TASK_LOG_H_

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/env.h"
#include "base/status.h"

namespace xcr::engine {

enum class TaskStatus { kPending, kRunning, kSuccess, kFailure, kSkipped };
const char* TaskStatusName(TaskStatus s);  // "pending", "running", "success", ...

using TaskId = size_t;
inline constexpr TaskId kNoParent = static_cast<TaskId>(-1);

struct TaskRecord {
  TaskId id = 0;
  TaskId parent = kNoParent;
  std::string label;  // "VM web-01", "export disk xvda", "transfer to sr-a"
  TaskStatus status = TaskStatus::kPending;
  int64_t start_unix_us = 0;
  int64_t end_unix_us = 0;
  uint64_t bytes = 0;  // bytes moved by this task (transfers)
  // Bytes the task's stream is expected to move, 0 until known: a disk transfer learns it from
  // the VHD stream's header and BAT early in the stream (the allocated blocks of a full export,
  // the changed blocks of a delta), so progress can be shown as a share with an ETA.
  uint64_t total_bytes = 0;
  std::string error;                        // Status::ToString() of the failure
  std::map<std::string, std::string> data;  // e.g. {"mode":"delta","sha256":"..."}
  std::vector<TaskId> children;
};

class TaskLog {
 public:
  explicit TaskLog(Env* env) : env_(env) {}

  // Adds a pending task under parent (kNoParent for a root).
  TaskId Add(TaskId parent, std::string label);
  // Adds and starts a task.
  TaskId Begin(TaskId parent, std::string label);
  void Start(TaskId id);
  void Succeed(TaskId id);
  // Records status.ToString() as the error; an OK status counts as success.
  void Fail(TaskId id, const Status& status);
  // Ends the task as success if status is OK, else failure. Returns status unchanged.
  Status End(TaskId id, const Status& status);
  void Skip(TaskId id, std::string reason);
  void AddBytes(TaskId id, uint64_t n);
  // Sets the bytes moved so far (a transfer's live count while it streams, then its total).
  void SetBytes(TaskId id, uint64_t n);
  // Sets the bytes moved so far and the expected total (0 = not known yet) at once: one change.
  void SetProgress(TaskId id, uint64_t bytes, uint64_t total_bytes);
  void SetData(TaskId id, const std::string& key, std::string value);
  // Renames the task (a VM's task once the VM is found: "VM web-01" rather than its uuid).
  void SetLabel(TaskId id, std::string label);

  // Called after every change of a task (Add, Start, ..., SetBytes, SetData) with the task's
  // new state, on the thread that changed it, outside the log's lock (so it may read the log).
  // Set it before the log is shared between threads.
  void SetListener(std::function<void(const TaskRecord&)> listener);

  TaskRecord Get(TaskId id) const;
  std::vector<TaskRecord> Snapshot() const;  // every task, in creation order

  // Duration in seconds (until now if still running); bytes/second over that duration.
  double Seconds(const TaskRecord& t) const;
  double BytesPerSecond(const TaskRecord& t) const;

  // The whole tree as JSON: [{"label", "status", "start", "end", "duration_s", "bytes",
  // "total_bytes", "bytes_per_s", "eta_s", "error", "data", "children": [...]}, ...] (roots in
  // order). Times are RFC 3339 with milliseconds (UTC), durations rounded to milliseconds, rates
  // to whole bytes/s; a task that moved no bytes itself (a run, a VM) reports the sum of its
  // children's. "total_bytes" only where the task knows its expected size; "eta_s" (whole
  // seconds left at the average rate so far) only on a running task with a total and a rate.
  std::string ToJson() const;
  // One task and its subtree, shaped as one root of ToJson (an object).
  nlohmann::json SubtreeJson(TaskId id) const;
  // A human report, one line per task, indented by depth:
  //   "✓ transfer to sr-a  1.00 GiB in 2.1 s (487 MiB/s)" / "✗ ... : error".
  std::string ToText() const;

 private:
  TaskRecord& At(TaskId id);
  void Notify(TaskId id) const;
  nlohmann::json Node(const std::vector<TaskRecord>& all, const TaskRecord& t) const;

  Env* env_;
  mutable std::mutex mu_;
  std::vector<TaskRecord> tasks_;
  std::function<void(const TaskRecord&)> listener_;
};

// "1.50 GiB", "512 B", "3.2 MiB" (binary units).
std::string FormatBytes(uint64_t bytes);

}  // namespace xcr::engine

#endif  // XCR_ENGINE_TASK_LOG_H_
