// /api/runs: the run history from the store; a run's task tree and log, with a long poll
// (?wait=S) on a run under way; and its live task updates as server-sent events.
#include <charconv>

#include "jobs/daemon_api.h"
#include "jobs/daemon_api_http.h"

namespace xcr::jobs {
namespace {

nlohmann::json RunJson(const RunRecord& r) {
  return {{"id", r.id},
          {"job", r.job_id},
          {"job_name", r.job_name},
          {"schedule", r.schedule_id},
          {"start", TimeJson(r.start_us)},
          {"end", TimeJson(r.end_us)},
          {"result", RunResultName(r.result)},
          {"error", r.error}};
}

// A non-negative decimal query parameter; nullopt if absent; InvalidArgument if malformed.
Result<std::optional<int64_t>> QueryNumber(const net::HttpRequest& req, const std::string& name) {
  std::string text = req.Query(name);
  if (text.empty()) return std::optional<int64_t>();
  int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < 0) {
    return Status::InvalidArgument("query parameter '" + name +
                                   "' must be a non-negative integer, not '" + text + "'");
  }
  return std::optional<int64_t>(v);
}

Status WriteText(net::HttpConnection& conn, const std::string& text) {
  return conn.WriteAll(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
}

std::string SseEvent(const std::string& event, const nlohmann::json& data) {
  return "event: " + event +
         "\ndata: " + data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n\n";
}

}  // namespace

net::HttpResponse DaemonApi::ListRuns(const net::HttpRequest& req) {
  RunQuery q;
  q.job_id = req.Query("job");
  auto limit = QueryNumber(req, "limit");
  if (!limit.ok()) return ErrorResponse(limit.status());
  if (limit->has_value()) q.limit = static_cast<size_t>(**limit);
  auto runs = store_->ListRuns(q);
  if (!runs.ok()) return ErrorResponse(runs.status());
  nlohmann::json out = nlohmann::json::array();
  for (const RunRecord& r : *runs) out.push_back(RunJson(r));
  return JsonResponse(200, out);
}

net::HttpResponse DaemonApi::GetRun(const std::string& id, const net::HttpRequest& req) {
  auto wait = QueryNumber(req, "wait");
  if (!wait.ok()) return ErrorResponse(wait.status());
  if (wait->has_value() && **wait > 0) {
    const int64_t limit_us = std::min(**wait, options_.max_wait_s) * 1000000;
    const uint64_t start_us = env_->NowMicros();
    std::optional<LiveRun> live = control_->GetLiveRun(id);
    while (live && !live->ended) {
      int64_t left_us = limit_us - static_cast<int64_t>(env_->NowMicros() - start_us);
      if (left_us <= 0) break;
      uint64_t version = live->version;
      control_->WaitRunUpdate(id, version, (left_us + 999) / 1000);
      live = control_->GetLiveRun(id);
      if (live && !live->ended && live->version == version) break;  // the wait timed out
    }
  }
  auto run = store_->GetRun(id);
  if (!run.ok()) return ErrorResponse(run.status());
  nlohmann::json out = RunJson(*run);
  std::optional<LiveRun> live = control_->GetLiveRun(id);
  if (live && !live->ended && run->result == RunResult::kRunning) {
    out["tasks"] = live->tasks;
  } else if (run->task_tree.empty()) {
    out["tasks"] = nlohmann::json::array();
  } else {
    out["tasks"] = nlohmann::json::parse(run->task_tree, nullptr, false);
    if (out["tasks"].is_discarded()) out["tasks"] = nlohmann::json::array();
  }
  auto log = store_->GetRunLog(id);
  if (!log.ok()) return ErrorResponse(log.status());
  nlohmann::json lines = nlohmann::json::array();
  for (const RunLogLine& l : *log)
    lines.push_back({{"time", TimeJson(l.time_us)}, {"text", l.text}});
  out["log"] = std::move(lines);
  return JsonResponse(200, out);
}

void DaemonApi::StreamRunEvents(const std::string& id, net::HttpConnection& conn) {
  auto run = store_->GetRun(id);
  if (!run.ok()) {
    net::HttpResponse r = ErrorResponse(run.status());
    r.headers.emplace_back("Content-Length", std::to_string(r.body.size()));
    r.headers.emplace_back("Connection", "close");
    (void)WriteText(conn, net::ResponseHead(r.status, r.headers) + r.body);
    return;
  }
  if (!WriteText(conn, net::ResponseHead(200, {{"Content-Type", "text/event-stream"},
                                               {"Cache-Control", "no-cache"},
                                               {"Connection", "close"}}))
           .ok()) {
    return;
  }
  uint64_t sent = 0;
  bool first = true;
  while (true) {
    std::optional<LiveRun> live = control_->GetLiveRun(id);
    if (!live || live->ended) break;
    if (first || live->version != sent) {
      first = false;
      sent = live->version;
      if (!WriteText(conn, SseEvent("tasks", {{"version", sent}, {"tasks", live->tasks}})).ok()) {
        return;  // the client left
      }
    } else if (!WriteText(conn, ": waiting\n\n").ok()) {
      return;
    }
    control_->WaitRunUpdate(id, sent, 15000);
  }
  auto final_run = store_->GetRun(id);
  nlohmann::json end = final_run.ok() ? RunJson(*final_run) : RunJson(*run);
  (void)WriteText(conn, SseEvent("end", end));
}

}  // namespace xcr::jobs
