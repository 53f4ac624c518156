// xcr status: every protected VM of every job (docs/api.md GET /api/status): last success, lag,
// state and next run; failing VMs first. `--json` prints the API's array as it is (the contract:
// one entry per VM and job with job, vm, vm_name, last_success, state and next_run).
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/command_line.h"
#include "cli/daemon_text.h"
#include "xcr/command.h"
#include "xcr/daemon_session.h"

namespace xcr::cmd {
namespace {

using nlohmann::json;

constexpr char kUsage[] =
    "usage: xcr status [JOB] [--socket PATH] [--json]\n"
    "  Every protected VM (of JOB only, by id or name): its state, last success, lag (the age\n"
    "  of its newest recovery point, and against its schedules: ok, late = one expected run\n"
    "  missing, critical = two or more, disabled) and next run; VMs in error first, then those\n"
    "  behind their schedules, with their errors.\n";

class StatusCommand : public Command {
 public:
  CLI::App* Register(CLI::App* xcr) override {
    app_ = xcr->add_subcommand("status", "every protected VM's state");
    cli::SetUsage(app_, std::string(kUsage) + kDaemonFlagsUsage);
    AddDaemonFlags(app_, &flags_);
    app_->add_option("job", job_);
    WordsAreArguments(app_);
    return app_;
  }

  int Run(const Context& context) override {
    DaemonSession s(flags_, context);
    std::string job_id;
    if (!job_.empty()) {
      Result<json> job = s.FindJob(job_);
      if (!job.ok()) return s.Fail(job.status());
      job_id = cli::Str(*job, "id");
    }
    Result<json> status = s.api().Get("/api/status");
    if (!status.ok()) return s.Fail(status.status());
    if (!status->is_array()) {
      return s.Fail(Status::Corruption("GET /api/status did not answer a list"));
    }
    json shown = json::array();
    for (const json& e : *status) {
      if (job_id.empty() || cli::Str(e, "job") == job_id) shown.push_back(e);
    }
    if (s.as_json()) return s.PrintJson(shown);
    std::cout << cli::StatusTable(shown);
    return 0;
  }

 private:
  DaemonFlags flags_;
  CLI::App* app_ = nullptr;
  std::string job_;
};

}  // namespace

std::unique_ptr<Command> NewStatusCommand() { return std::make_unique<StatusCommand>(); }

}  // namespace xcr::cmd
