#include "web/metrics.h"

#include <cmath>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "base/logging.h"
#include "jobs/schedule_lag.h"
#include "web/http_util.h"

namespace xcr::web {
namespace {

using nlohmann::json;

// A label value with \, " and newline escaped.
std::string Escape(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string Number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

class Writer {
 public:
  void Family(const std::string& name, const char* type, const char* help) {
    out_ += "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
  }
  void Sample(const std::string& name, const std::string& labels, double value) {
    out_ += name + (labels.empty() ? "" : "{" + labels + "}") + " " + Number(value) + "\n";
  }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

}  // namespace

uint64_t TaskTreeBytes(const std::string& task_tree_json) {
  json j = json::parse(task_tree_json, nullptr, /*allow_exceptions=*/false);
  auto bytes_of = [](const json& node) -> uint64_t {
    if (!node.is_object() || !node.contains("bytes") || !node["bytes"].is_number_unsigned()) {
      return 0;
    }
    return node["bytes"].get<uint64_t>();
  };
  if (j.is_array()) {
    uint64_t sum = 0;
    for (const json& root : j) sum += bytes_of(root);
    return sum;
  }
  return bytes_of(j);
}

Status MetricsHandler::CountNewRunsLocked() {
  XCR_ASSIGN_OR_RETURN(std::vector<jobs::RunRecord> runs, store_->ListRuns(jobs::RunQuery{"", 0}));
  for (const jobs::RunRecord& run : runs) {
    if (run.result == jobs::RunResult::kRunning || counted_runs_.count(run.id) > 0) continue;
    Result<jobs::RunRecord> full = store_->GetRun(run.id);
    if (!full.ok()) continue;  // pruned meanwhile
    counted_runs_.insert(run.id);
    JobCounters& c = jobs_[run.job_id];
    c.name = run.job_name;
    c.runs_by_result[std::string(jobs::RunResultName(run.result))]++;
    double seconds =
        run.end_us > run.start_us ? static_cast<double>(run.end_us - run.start_us) / 1e6 : 0;
    c.duration_sum_s += seconds;
    c.duration_count++;
    if (run.end_us >= c.last_end_us) {
      c.last_end_us = run.end_us;
      c.last_duration_s = seconds;
    }
    transfer_bytes_ += TaskTreeBytes(full->task_tree);
  }
  return Status::OK();
}

Result<std::string> MetricsHandler::Render() {
  XCR_ASSIGN_OR_RETURN(std::vector<jobs::VmTargetState> states, store_->ListVmStates(""));
  XCR_ASSIGN_OR_RETURN(std::vector<jobs::Job> job_list, store_->ListJobs());
  XCR_ASSIGN_OR_RETURN(std::vector<jobs::ScheduleFire> fires, store_->ListScheduleFires());
  std::map<std::string, std::string> job_names;
  for (const jobs::Job& j : job_list) job_names[j.id] = j.name;
  int64_t now_us = env_->NowUnixMicros();
  const std::map<std::string, jobs::JobLagBasis> bases = jobs::JobLagBases(job_list, fires);
  std::vector<jobs::ScheduleLag> lags;  // per state, against its job's schedules
  for (const auto& s : states) {
    auto basis = bases.find(s.job_id);
    jobs::LagInput in;
    in.now_us = now_us;
    in.last_success_us = s.last_success_us;
    if (basis == bases.end()) {
      lags.push_back({jobs::LagState::kDisabled});
      continue;
    }
    in.expected_since_us = basis->second.expected_since_us;
    lags.push_back(jobs::ComputeScheduleLag(basis->second.timetable, in));
  }

  std::lock_guard<std::mutex> lock(mu_);
  XCR_RETURN_IF_ERROR(CountNewRunsLocked());
  Writer w;
  auto vm_labels = [&](const jobs::VmTargetState& s) {
    return "job=\"" + Escape(s.job_id) + "\",job_name=\"" + Escape(job_names[s.job_id]) +
           "\",vm=\"" + Escape(s.vm_uuid) + "\",vm_name=\"" + Escape(s.vm_name) + "\",pool=\"" +
           Escape(s.pool) + "\",sr=\"" + Escape(s.sr) + "\"";
  };
  w.Family("xcr_vm_last_success_timestamp_seconds", "gauge",
           "When the VM's last successful replication to this target ended (0: never).");
  for (const auto& s : states) {
    w.Sample("xcr_vm_last_success_timestamp_seconds", vm_labels(s),
             static_cast<double>(s.last_success_us) / 1e6);
  }
  w.Family("xcr_vm_seconds_since_last_success", "gauge",
           "Age of the VM's newest replica on this target (its recovery point).");
  for (const auto& s : states) {
    if (s.last_success_us == 0) continue;
    w.Sample("xcr_vm_seconds_since_last_success", vm_labels(s),
             static_cast<double>(now_us - s.last_success_us) / 1e6);
  }
  w.Family("xcr_vm_lag_state", "gauge",
           "1 for the lag of the VM's recovery point on this target against its job's schedules: "
           "ok, late (one expected run missing), critical (two or more) or disabled.");
  for (size_t i = 0; i < states.size(); ++i) {
    w.Sample(
        "xcr_vm_lag_state",
        vm_labels(states[i]) + ",state=\"" + std::string(jobs::LagStateName(lags[i].state)) + "\"",
        1);
  }
  w.Family("xcr_vm_seconds_behind_schedule", "gauge",
           "Seconds since the first scheduled run this target's recovery point missed (0: on "
           "schedule).");
  for (size_t i = 0; i < states.size(); ++i) {
    w.Sample("xcr_vm_seconds_behind_schedule", vm_labels(states[i]),
             static_cast<double>(lags[i].behind_us) / 1e6);
  }
  w.Family("xcr_vm_last_result", "gauge",
           "1 for the VM's state on this target: new (never run), ok or error.");
  for (const auto& s : states) {
    w.Sample("xcr_vm_last_result",
             vm_labels(s) + ",state=\"" + std::string(jobs::VmStateName(s.state)) + "\"", 1);
  }
  w.Family("xcr_vm_consecutive_failures", "gauge", "Failed runs since the last success.");
  for (const auto& s : states) {
    w.Sample("xcr_vm_consecutive_failures", vm_labels(s), s.consecutive_failures);
  }
  w.Family("xcr_vm_last_success_bytes", "gauge", "Bytes the last successful run sent.");
  for (const auto& s : states) {
    w.Sample("xcr_vm_last_success_bytes", vm_labels(s), static_cast<double>(s.last_bytes));
  }
  auto job_labels = [&](const std::string& id, const JobCounters& c) {
    return "job=\"" + Escape(id) + "\",job_name=\"" + Escape(c.name) + "\"";
  };
  w.Family("xcr_job_last_run_duration_seconds", "gauge", "Duration of the newest finished run.");
  for (const auto& [id, c] : jobs_) {
    w.Sample("xcr_job_last_run_duration_seconds", job_labels(id, c), c.last_duration_s);
  }
  w.Family("xcr_job_runs_total", "counter", "Finished runs by result.");
  for (const auto& [id, c] : jobs_) {
    for (const auto& [result, n] : c.runs_by_result) {
      w.Sample("xcr_job_runs_total", job_labels(id, c) + ",result=\"" + result + "\"",
               static_cast<double>(n));
    }
  }
  w.Family("xcr_job_run_duration_seconds_sum", "counter", "Total duration of finished runs.");
  for (const auto& [id, c] : jobs_) {
    w.Sample("xcr_job_run_duration_seconds_sum", job_labels(id, c), c.duration_sum_s);
  }
  w.Family("xcr_job_run_duration_seconds_count", "counter", "Finished runs timed.");
  for (const auto& [id, c] : jobs_) {
    w.Sample("xcr_job_run_duration_seconds_count", job_labels(id, c),
             static_cast<double>(c.duration_count));
  }
  w.Family("xcr_transfer_bytes_total", "counter", "Bytes sent by every finished run.");
  w.Sample("xcr_transfer_bytes_total", "", static_cast<double>(transfer_bytes_));
  return w.Take();
}

net::HttpResponse MetricsHandler::Handle(const net::HttpRequest& req) {
  if (req.method != "GET") return ErrorResponse(405, "GET /metrics");
  Result<std::string> text = Render();
  if (!text.ok()) {
    XCR_LOG(ERROR) << "web: /metrics: " << text.status().ToString();
    return ErrorResponse(500, "the daemon could not read its store: see its log");
  }
  net::HttpResponse r;
  r.headers.emplace_back("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
  r.body = std::move(*text);
  return r;
}

}  // namespace xcr::web
