#include "jobs/daemon_runs.h"

#include "base/uuid.h"

namespace xcr::jobs {

std::optional<RunRecord> DaemonRuns::OnQueued(uint64_t trigger_id, uint64_t vm_run_id,
                                              const std::string& job_id, const std::string& vm_uuid,
                                              const std::string& job_name,
                                              const std::string& schedule_id, int64_t now_us) {
  parts_[vm_run_id] = VmPart{trigger_id, false, nlohmann::json::array(), job_id, vm_uuid};
  auto [it, created] = triggers_.try_emplace(trigger_id);
  ++it->second.open;
  if (!created) return std::nullopt;
  RunRecord& r = it->second.record;
  r.id = Uuid::Random().ToString();
  r.job_id = job_id;
  r.job_name = job_name;
  r.schedule_id = schedule_id;
  r.start_us = now_us;
  r.result = RunResult::kRunning;
  return r;
}

void DaemonRuns::OnStarted(uint64_t vm_run_id) {
  if (auto it = parts_.find(vm_run_id); it != parts_.end()) it->second.started = true;
}

bool DaemonRuns::OnProgress(uint64_t vm_run_id, const nlohmann::json& tasks) {
  auto it = parts_.find(vm_run_id);
  if (it == parts_.end()) return false;
  it->second.tasks = tasks.is_array() ? tasks : nlohmann::json::array({tasks});
  return true;
}

std::optional<RunRecord> DaemonRuns::OnDropped(uint64_t vm_run_id, int64_t now_us) {
  auto it = parts_.find(vm_run_id);
  if (it == parts_.end() || it->second.started) return std::nullopt;
  triggers_[it->second.trigger_id].cancelled = true;
  return Close(vm_run_id, now_us);
}

std::optional<RunRecord> DaemonRuns::OnEnded(uint64_t vm_run_id, const VmRunResult& result,
                                             int64_t now_us) {
  auto it = parts_.find(vm_run_id);
  if (it == parts_.end()) return std::nullopt;
  Trigger& t = triggers_[it->second.trigger_id];
  const nlohmann::json& tasks = result.tasks.is_array() ? result.tasks : it->second.tasks;
  for (const auto& task : tasks) t.ended_tasks.push_back(task);
  if (result.outcome == RunOutcome::kFailure) {
    t.failed = true;
    t.errors.push_back(result.vm_name + ": " + result.message);
  } else if (result.outcome == RunOutcome::kCancelled) {
    t.cancelled = true;
  }
  return Close(vm_run_id, now_us);
}

std::optional<RunRecord> DaemonRuns::Close(uint64_t vm_run_id, int64_t now_us) {
  auto it = parts_.find(vm_run_id);
  auto t = triggers_.find(it->second.trigger_id);
  parts_.erase(it);
  if (--t->second.open > 0) return std::nullopt;
  Trigger done = std::move(t->second);
  triggers_.erase(t);
  RunRecord r = std::move(done.record);
  r.end_us = now_us;
  r.result = done.failed      ? RunResult::kFailure
             : done.cancelled ? RunResult::kCancelled
                              : RunResult::kSuccess;
  for (const std::string& e : done.errors) r.error += (r.error.empty() ? "" : "; ") + e;
  if (r.result == RunResult::kCancelled && r.error.empty()) r.error = "cancelled";
  r.task_tree = done.ended_tasks.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

std::string DaemonRuns::RecordOf(uint64_t vm_run_id) const {
  auto it = parts_.find(vm_run_id);
  return it == parts_.end() ? "" : RecordOfTrigger(it->second.trigger_id);
}

std::string DaemonRuns::RecordOfTrigger(uint64_t trigger_id) const {
  auto t = triggers_.find(trigger_id);
  return t == triggers_.end() ? "" : t->second.record.id;
}

nlohmann::json DaemonRuns::Tasks(const std::string& record_id) const {
  for (const auto& [tid, t] : triggers_) {
    if (t.record.id != record_id) continue;
    nlohmann::json out = t.ended_tasks;
    for (const auto& [id, part] : parts_) {
      if (part.trigger_id != tid) continue;
      for (const auto& task : part.tasks) out.push_back(task);
    }
    return out;
  }
  return nlohmann::json::array();
}

std::vector<DaemonRuns::Unstarted> DaemonRuns::UnstartedRuns() const {
  std::vector<Unstarted> out;
  for (const auto& [id, part] : parts_) {
    if (!part.started) out.push_back({id, part.job_id, part.vm_uuid});
  }
  return out;
}

size_t DaemonRuns::CountOfJob(const std::string& job_id) const {
  size_t n = 0;
  for (const auto& [id, part] : parts_) n += part.job_id == job_id ? 1 : 0;
  return n;
}

}  // namespace xcr::jobs
