#include "engine/task_log.h"

#include <cmath>
#include <cstdio>
#include <functional>

#include <nlohmann/json.hpp>

#include "engine/backup_datetime.h"

namespace xcr::engine {

const char* TaskStatusName(TaskStatus s) {
  switch (s) {
    case TaskStatus::kPending:
      return "pending";
    case TaskStatus::kRunning:
      return "running";
    case TaskStatus::kSuccess:
      return "success";
    case TaskStatus::kFailure:
      return "failure";
    case TaskStatus::kSkipped:
      return "skipped";
  }
  return "?";
}

std::string FormatBytes(uint64_t bytes) {
  static const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  if (bytes < 1024) return std::to_string(bytes) + " B";
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024 && u < 5) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f %s", v, kUnits[u]);
  return buf;
}

TaskRecord& TaskLog::At(TaskId id) { return tasks_.at(id); }

void TaskLog::SetListener(std::function<void(const TaskRecord&)> listener) {
  std::lock_guard<std::mutex> lock(mu_);
  listener_ = std::move(listener);
}

void TaskLog::Notify(TaskId id) const {
  std::function<void(const TaskRecord&)> listener;
  TaskRecord record;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!listener_) return;
    listener = listener_;
    record = tasks_.at(id);
  }
  listener(record);
}

TaskId TaskLog::Add(TaskId parent, std::string label) {
  TaskId id;
  {
    std::lock_guard<std::mutex> lock(mu_);
    TaskRecord t;
    t.id = tasks_.size();
    t.parent = parent;
    t.label = std::move(label);
    if (parent != kNoParent) At(parent).children.push_back(t.id);
    tasks_.push_back(std::move(t));
    id = tasks_.back().id;
  }
  Notify(id);
  return id;
}

TaskId TaskLog::Begin(TaskId parent, std::string label) {
  TaskId id = Add(parent, std::move(label));
  Start(id);
  return id;
}

void TaskLog::Start(TaskId id) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    TaskRecord& t = At(id);
    t.status = TaskStatus::kRunning;
    t.start_unix_us = env_->NowUnixMicros();
  }
  Notify(id);
}

void TaskLog::Succeed(TaskId id) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    TaskRecord& t = At(id);
    t.status = TaskStatus::kSuccess;
    t.end_unix_us = env_->NowUnixMicros();
  }
  Notify(id);
}

void TaskLog::Fail(TaskId id, const Status& status) {
  if (status.ok()) return Succeed(id);
  {
    std::lock_guard<std::mutex> lock(mu_);
    TaskRecord& t = At(id);
    t.status = TaskStatus::kFailure;
    t.error = status.ToString();
    t.end_unix_us = env_->NowUnixMicros();
  }
  Notify(id);
}

Status TaskLog::End(TaskId id, const Status& status) {
  Fail(id, status);
  return status;
}

void TaskLog::Skip(TaskId id, std::string reason) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    TaskRecord& t = At(id);
    t.status = TaskStatus::kSkipped;
    t.data["skipped"] = std::move(reason);
    t.end_unix_us = env_->NowUnixMicros();
  }
  Notify(id);
}

void TaskLog::AddBytes(TaskId id, uint64_t n) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    At(id).bytes += n;
  }
  Notify(id);
}

void TaskLog::SetBytes(TaskId id, uint64_t n) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    At(id).bytes = n;
  }
  Notify(id);
}

void TaskLog::SetProgress(TaskId id, uint64_t bytes, uint64_t total_bytes) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    TaskRecord& t = At(id);
    t.bytes = bytes;
    t.total_bytes = total_bytes;
  }
  Notify(id);
}

void TaskLog::SetData(TaskId id, const std::string& key, std::string value) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    At(id).data[key] = std::move(value);
  }
  Notify(id);
}

void TaskLog::SetLabel(TaskId id, std::string label) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    At(id).label = std::move(label);
  }
  Notify(id);
}

TaskRecord TaskLog::Get(TaskId id) const {
  std::lock_guard<std::mutex> lock(mu_);
  return tasks_.at(id);
}

std::vector<TaskRecord> TaskLog::Snapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  return tasks_;
}

double TaskLog::Seconds(const TaskRecord& t) const {
  if (t.start_unix_us == 0) return 0;
  int64_t end = t.end_unix_us ? t.end_unix_us : env_->NowUnixMicros();
  return end > t.start_unix_us ? static_cast<double>(end - t.start_unix_us) / 1e6 : 0;
}

double TaskLog::BytesPerSecond(const TaskRecord& t) const {
  double s = Seconds(t);
  return s > 0 ? static_cast<double>(t.bytes) / s : 0;
}

nlohmann::json TaskLog::Node(const std::vector<TaskRecord>& all, const TaskRecord& t) const {
  nlohmann::json j;
  j["label"] = t.label;
  j["status"] = TaskStatusName(t.status);
  if (t.start_unix_us) j["start"] = FormatRfc3339(t.start_unix_us);
  if (t.end_unix_us) j["end"] = FormatRfc3339(t.end_unix_us);
  double seconds = Seconds(t);
  j["duration_s"] = std::round(seconds * 1000) / 1000;
  if (!t.error.empty()) j["error"] = t.error;
  if (!t.data.empty()) j["data"] = t.data;
  nlohmann::json kids = nlohmann::json::array();
  uint64_t children_bytes = 0;
  for (TaskId c : t.children) {
    kids.push_back(Node(all, all[c]));
    children_bytes += kids.back()["bytes"].get<uint64_t>();
  }
  // A task that moved no bytes itself (a run, a VM) reports the sum of its children's.
  uint64_t bytes = t.bytes ? t.bytes : children_bytes;
  j["bytes"] = bytes;
  const double rate = seconds > 0 ? static_cast<double>(bytes) / seconds : 0;
  j["bytes_per_s"] = std::llround(rate);
  if (t.total_bytes) {
    j["total_bytes"] = t.total_bytes;
    if (t.status == TaskStatus::kRunning && rate > 0) {
      const uint64_t left = t.total_bytes > bytes ? t.total_bytes - bytes : 0;
      j["eta_s"] = std::llround(static_cast<double>(left) / rate);
    }
  }
  j["children"] = std::move(kids);
  return j;
}

std::string TaskLog::ToJson() const {
  std::vector<TaskRecord> all = Snapshot();
  nlohmann::json roots = nlohmann::json::array();
  for (const TaskRecord& t : all) {
    if (t.parent == kNoParent) roots.push_back(Node(all, t));
  }
  return roots.dump(2);
}

nlohmann::json TaskLog::SubtreeJson(TaskId id) const {
  std::vector<TaskRecord> all = Snapshot();
  return Node(all, all.at(id));
}

std::string TaskLog::ToText() const {
  std::vector<TaskRecord> all = Snapshot();
  std::string out;
  std::function<void(const TaskRecord&, int)> line = [&](const TaskRecord& t, int depth) {
    static const char* kMark[] = {"·", "…", "✓", "✗", "-"};
    out += std::string(static_cast<size_t>(depth) * 2, ' ');
    out += kMark[static_cast<int>(t.status)];
    out += ' ';
    out += t.label;
    if (t.bytes) {
      char buf[96];
      // The rate rounded to the byte, as the JSON's bytes_per_s.
      std::snprintf(buf, sizeof buf, "  %s in %.1f s (%s/s)", FormatBytes(t.bytes).c_str(),
                    Seconds(t),
                    FormatBytes(static_cast<uint64_t>(std::llround(BytesPerSecond(t)))).c_str());
      out += buf;
    }
    if (!t.error.empty()) out += ": " + t.error;
    auto skipped = t.data.find("skipped");
    if (t.status == TaskStatus::kSkipped && skipped != t.data.end()) out += ": " + skipped->second;
    out += '\n';
    for (TaskId c : t.children) line(all[c], depth + 1);
  };
  for (const TaskRecord& t : all) {
    if (t.parent == kNoParent) line(t, 0);
  }
  return out;
}

}  // namespace xcr::engine
