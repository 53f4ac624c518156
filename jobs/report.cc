#include "jobs/report.h"

#include <date/date.h>

#include <chrono>
#include <set>

namespace xcr::jobs {
namespace {

using nlohmann::json;

json TimeOrNull(int64_t us) { return us == 0 ? json(nullptr) : json(Rfc3339(us)); }

// Distinct VMs, and those with at least one target in error.
std::pair<size_t, size_t> CountVms(std::span<const VmTargetState> states) {
  std::set<std::string> all, failed;
  for (const VmTargetState& s : states) {
    all.insert(s.vm_uuid);
    if (s.state == VmState::kError) failed.insert(s.vm_uuid);
  }
  return {all.size(), failed.size()};
}

std::string Plural(size_t n, const char* word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

}  // namespace

std::string Rfc3339(int64_t unix_us) {
  if (unix_us == 0) return "";
  auto t = std::chrono::floor<std::chrono::seconds>(
      std::chrono::sys_time<std::chrono::microseconds>(std::chrono::microseconds(unix_us)));
  return date::format("%FT%TZ", t);
}

bool ShouldSendReport(ReportWhen when, RunResult result) {
  if (result == RunResult::kRunning) return false;
  switch (when) {
    case ReportWhen::kAlways:
      return true;
    case ReportWhen::kFailure:
      return result != RunResult::kSuccess;
    case ReportWhen::kNever:
      return false;
  }
  return false;
}

json RunReportJson(const Job& job, const RunRecord& run, std::span<const VmTargetState> states) {
  json vms = json::array();
  for (const VmTargetState& s : states) {
    vms.push_back({{"vm", s.vm_uuid},
                   {"vmName", s.vm_name},
                   {"pool", s.pool},
                   {"sr", s.sr},
                   {"state", std::string(VmStateName(s.state))},
                   {"error", s.error},
                   {"bytes", s.last_bytes},
                   {"lastSuccess", TimeOrNull(s.last_success_us)}});
  }
  return {{"job", {{"id", job.id}, {"name", job.name}}},
          {"run",
           {{"id", run.id},
            {"schedule", run.schedule_id},
            {"start", TimeOrNull(run.start_us)},
            {"end", TimeOrNull(run.end_us)},
            {"result", std::string(RunResultName(run.result))},
            {"error", run.error}}},
          {"vms", std::move(vms)}};
}

std::string RunReportSubject(const Job& job, const RunRecord& run,
                             std::span<const VmTargetState> states) {
  auto [total, failed] = CountVms(states);
  std::string counts = failed == 0
                           ? Plural(total, "VM")
                           : std::to_string(failed) + " of " + Plural(total, "VM") + " failed";
  return "[xcr] " + job.name + ": " + std::string(RunResultName(run.result)) + " (" + counts + ")";
}

std::string RunReportText(const Job& job, const RunRecord& run,
                          std::span<const VmTargetState> states) {
  std::string out;
  out += "Job:    " + job.name + " (" + job.id + ")\n";
  out += "Run:    " + run.id + "\n";
  out += "Result: " + std::string(RunResultName(run.result)) + "\n";
  out += "Start:  " + Rfc3339(run.start_us) + "\n";
  out += "End:    " + Rfc3339(run.end_us) + "\n";
  if (!run.error.empty()) out += "Error:  " + run.error + "\n";
  out += "\n";
  for (const VmTargetState& s : states) {
    out += (s.vm_name.empty() ? s.vm_uuid : s.vm_name) + " -> " + s.sr + ": " +
           std::string(VmStateName(s.state));
    if (s.state == VmState::kError) {
      out += ": " + s.error;
    } else if (s.last_bytes > 0) {
      out += ", " + std::to_string(s.last_bytes) + " bytes";
    }
    out += "\n";
  }
  return out;
}

}  // namespace xcr::jobs
