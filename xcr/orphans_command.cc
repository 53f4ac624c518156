// xcr orphans: the replicas on the stored pools whose job the daemon does not know — a job
// deleted without --purge, another tool's — as GET /api/replicas lists them ("orphans"). The
// removal is `xcr job delete JOB_ID --purge` (POST /api/jobs/purge for a job the store lost).
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
    "usage: xcr orphans [JOB_ID] [--socket PATH] [--json]\n"
    "  The replicas on every stored pool whose job the daemon does not know (a job deleted\n"
    "  without --purge, or another tool's), of JOB_ID only if given: pool, SR, replica VM, job\n"
    "  id, date, whether the copy is complete, and its uuid (for `xcr clone-replica`).\n"
    "  `xcr job delete JOB_ID --purge` removes a job's replicas and source snapshots.\n"
    "  --json  the API's orphans array\n";

class OrphansCommand : public Command {
 public:
  CLI::App* Register(CLI::App* xcr) override {
    app_ = xcr->add_subcommand("orphans", "replicas of jobs the daemon does not know");
    cli::SetUsage(app_, std::string(kUsage) + kDaemonFlagsUsage);
    AddDaemonFlags(app_, &flags_);
    app_->add_option("job", job_);
    WordsAreArguments(app_);
    return app_;
  }

  int Run(const Context& context) override {
    DaemonSession s(flags_, context);
    Result<json> listed = s.api().Get("/api/replicas");
    if (!listed.ok()) return s.Fail(listed.status());
    if (!listed->is_object() || !listed->contains("orphans") || !(*listed)["orphans"].is_array()) {
      return s.Fail(Status::Corruption("GET /api/replicas did not answer an \"orphans\" list"));
    }
    json shown = json::array();
    for (const json& o : (*listed)["orphans"]) {
      if (job_.empty() || cli::Str(o, "job") == job_) shown.push_back(o);
    }
    if (s.as_json()) return s.PrintJson(shown);
    std::cout << cli::OrphansTable(shown);
    return 0;
  }

 private:
  DaemonFlags flags_;
  CLI::App* app_ = nullptr;
  std::string job_;
};

}  // namespace

std::unique_ptr<Command> NewOrphansCommand() { return std::make_unique<OrphansCommand>(); }

}  // namespace xcr::cmd
