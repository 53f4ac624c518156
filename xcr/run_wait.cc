#include "xcr/run_wait.h"

#include <unistd.h>

#include <functional>
#include <iostream>

#include "cli/daemon_text.h"
#include "cli/exit_codes.h"
#include "engine/task_log.h"

namespace xcr::cmd {

using nlohmann::json;

std::string RunProgressLine(const json& run) {
  size_t total = 0, done = 0;
  uint64_t bytes = 0;
  std::string now;
  std::function<void(const json&, bool)> walk = [&](const json& t, bool root) {
    if (!t.is_object()) return;
    ++total;
    std::string status = cli::Str(t, "status");
    if (status == "success" || status == "failure" || status == "skipped") ++done;
    if (root && t.contains("bytes") && t["bytes"].is_number_unsigned()) {
      bytes += t["bytes"].get<uint64_t>();
    }
    bool running_child = false;
    if (t.contains("children") && t["children"].is_array()) {
      for (const json& c : t["children"]) {
        if (cli::Str(c, "status") == "running") running_child = true;
        walk(c, false);
      }
    }
    if (status == "running" && !running_child && now.empty()) {
      std::string share = cli::TransferShare(t);
      now = cli::Str(t, "label") + (share.empty() ? "" : " (" + share + ")");
    }
  };
  const json& tasks = run.contains("tasks") ? run["tasks"] : json();
  if (tasks.is_array()) {
    for (const json& t : tasks) walk(t, true);
  } else {
    walk(tasks, true);
  }
  std::string line = "running: " + std::to_string(done) + " of " + std::to_string(total) +
                     " tasks done, " + engine::FormatBytes(bytes) + " moved";
  if (!now.empty()) line += "; now " + now;
  return line;
}

int WaitForRun(DaemonSession& s, const std::string& run_id, const std::string& cancel_hint) {
  const bool tty = isatty(STDERR_FILENO) != 0 && !s.as_json();
  const long wait_s = tty ? 1 : 30;
  const std::string path =
      "/api/runs/" + cli::UrlSegment(run_id) + "?wait=" + std::to_string(wait_s);
  bool drawn = false;
  for (;;) {
    Result<json> run = s.api().Get(path, wait_s + 60);
    if (!run.ok()) {
      if (drawn) std::cerr << "\r\033[K";
      if (run.status().code() == StatusCode::kCancelled) {
        std::cerr << "xcr: stopped waiting; run " << run_id << " goes on in the daemon ("
                  << cancel_hint << " stops it)\n";
        return cli::kExitInterrupted;
      }
      return s.Fail(run.status());
    }
    std::string result = cli::Str(*run, "result");
    bool ended = !result.empty() && result != "running";
    if (!ended) {
      if (tty) {
        std::cerr << "\r\033[K" << RunProgressLine(*run) << std::flush;
        drawn = true;
      }
      continue;
    }
    if (drawn) std::cerr << "\r\033[K" << std::flush;
    int rc = result == "success" ? cli::kExitOk : cli::kExitFailed;
    if (s.as_json()) {
      s.PrintJson(*run);
    } else {
      std::cout << cli::RunText(*run);
      if (rc != cli::kExitOk) {
        std::cerr << "xcr: run " << run_id << " ended: " << result
                  << (cli::Str(*run, "error").empty() ? "" : ": " + cli::Str(*run, "error"))
                  << "\n";
      }
    }
    return rc;
  }
}

}  // namespace xcr::cmd
