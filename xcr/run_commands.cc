// xcr runs [JOB], xcr run show|wait ID: the daemon's run history (docs/api.md /api/runs).
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/command_line.h"
#include "cli/daemon_text.h"
#include "xcr/command.h"
#include "xcr/daemon_session.h"
#include "xcr/run_wait.h"

namespace xcr::cmd {
namespace {

using nlohmann::json;

constexpr char kRunsUsage[] =
    "usage: xcr runs [JOB] [--limit N] [--socket PATH] [--json]\n"
    "  The runs of every job (or of JOB, by id or name), newest first: id, job, start, end,\n"
    "  result and error. `xcr run show ID` prints one run's task tree.\n"
    "  --limit N   at most N runs (default 20)\n";

constexpr char kRunUsage[] =
    "usage: xcr run COMMAND ID [DAEMON FLAGS]\n"
    "  show ID   a run: its result, task tree (VMs, snapshots, transfers, retention) and log\n"
    "  wait ID   wait for a run to end, then show it: exit 0 only if it succeeded\n";

constexpr char kShowUsage[] =
    "usage: xcr run show ID [--socket PATH] [--json]\n"
    "  A run: its result, its task tree and its log lines.\n";

constexpr char kWaitUsage[] =
    "usage: xcr run wait ID [--socket PATH] [--json]\n"
    "  Waits for a run to end (progress on a terminal), then shows it; exit 0 only if it\n"
    "  succeeded.\n";

class RunsCommand : public Command {
 public:
  CLI::App* Register(CLI::App* xcr) override {
    app_ = xcr->add_subcommand("runs", "the history of runs");
    cli::SetUsage(app_, std::string(kRunsUsage) + kDaemonFlagsUsage);
    AddDaemonFlags(app_, &flags_);
    app_->add_option("job", job_);
    WordsAreArguments(app_);
    app_->add_option("--limit", limit_)->check(CLI::Range(1, 100000));
    return app_;
  }

  int Run(const Context& context) override {
    DaemonSession s(flags_, context);
    std::string path = "/api/runs?limit=" + std::to_string(limit_);
    if (!job_.empty()) {
      Result<json> job = s.FindJob(job_);
      if (!job.ok()) return s.Fail(job.status());
      path += "&job=" + cli::UrlSegment(cli::Str(*job, "id"));
    }
    Result<json> runs = s.api().Get(path);
    if (!runs.ok()) return s.Fail(runs.status());
    if (s.as_json()) return s.PrintJson(*runs);
    std::cout << cli::RunsTable(*runs);
    return 0;
  }

 private:
  DaemonFlags flags_;
  CLI::App* app_ = nullptr;
  std::string job_;
  int limit_ = 20;
};

class RunCommand : public Command {
 public:
  CLI::App* Register(CLI::App* xcr) override {
    group_ = xcr->add_subcommand("run", "one run");
    cli::SetUsage(group_, std::string(kRunUsage) + kDaemonFlagsUsage);
    AddDaemonFlags(group_, &flags_);
    show_ = group_->add_subcommand("show", "show a run");
    cli::SetUsage(show_, kShowUsage);
    show_->add_option("id", id_);
    WordsAreArguments(show_);
    wait_ = group_->add_subcommand("wait", "wait for a run");
    cli::SetUsage(wait_, kWaitUsage);
    wait_->add_option("id", id_);
    WordsAreArguments(wait_);
    return group_;
  }

  int Run(const Context& context) override {
    DaemonSession s(flags_, context);
    CLI::App* at = show_->parsed() ? show_ : wait_->parsed() ? wait_ : nullptr;
    if (at == nullptr) return cli::UsageError(*group_, "xcr run", "missing command (show, wait)");
    if (id_.empty())
      return cli::UsageError(*at, "xcr run " + at->get_name(), "missing the run's ID");
    if (at == wait_) return WaitForRun(s, id_, "`xcr job cancel JOB`");
    Result<json> run = s.api().Get("/api/runs/" + cli::UrlSegment(id_));
    if (!run.ok()) {
      if (run.status().code() == StatusCode::kNotFound) {
        return s.Fail(run.status().WithContext("run " + id_ + " (`xcr runs` lists them)"));
      }
      return s.Fail(run.status());
    }
    if (s.as_json()) return s.PrintJson(*run);
    std::cout << cli::RunText(*run);
    return 0;
  }

 private:
  DaemonFlags flags_;
  CLI::App *group_ = nullptr, *show_ = nullptr, *wait_ = nullptr;
  std::string id_;
};

}  // namespace

std::unique_ptr<Command> NewRunsCommand() { return std::make_unique<RunsCommand>(); }
std::unique_ptr<Command> NewRunCommand() { return std::make_unique<RunCommand>(); }

}  // namespace xcr::cmd
