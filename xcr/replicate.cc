// xcr replicate: one replication run of some VMs now, to one or more target SRs.
#include <unistd.h>

#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>

#include "base/env.h"
#include "base/redact.h"
#include "cli/command_line.h"
#include "cli/connect.h"
#include "cli/exit_codes.h"
#include "cli/progress_display.h"
#include "cli/report.h"
#include "engine/job_run.h"
#include "engine/run_id.h"
#include "engine/run_job.h"
#include "engine/run_report_json.h"
#include "engine/task_log.h"
#include "engine/vm_replicator.h"
#include "xcr/command.h"

namespace xcr::cmd {
namespace {

using namespace engine;  // NOLINT

constexpr char kUsage[] =
    "usage: xcr replicate --source URL --vm UUID|NAME [--vm ..] --target URL --sr UUID|NAME\n"
    "                     [--target URL --sr ..] [--concurrency N] [--job-id ID]\n"
    "                     [--schedule-id ID] [--job-name NAME] [--rate MB/s]\n"
    "                     [--copy-retention N] [--snapshot-retention N] [--timeout SECONDS]\n"
    "                     [--json] [CLIENT FLAGS]\n"
    "  One replication run now: a full copy the first time, deltas after.\n"
    "  --source URL            the pool the VMs run on\n"
    "  --vm UUID|NAME          a VM to replicate (repeatable)\n"
    "  --target URL --sr SR    a target pool and SR (repeatable, each --sr after its --target)\n"
    "  --concurrency N         VMs replicated at once, 1..64 (default 2)\n"
    "  --job-id ID             the job the replicas belong to (default xcr-cli)\n"
    "  --schedule-id ID        its schedule (default: the job id)\n"
    "  --job-name NAME         shown in the replicas' names\n"
    "  --rate MB/s             bandwidth cap per stream\n"
    "  --copy-retention N      replicas kept per target SR (default 1)\n"
    "  --snapshot-retention N  snapshots kept on the source (default 1)\n"
    "  --timeout SECONDS       per VM (default none)\n"
    "  --json                  print the outcome and task tree as JSON (no progress)\n"
    "exit status: 0 every VM on every target, 1 nothing replicated or a failure before the run,\n"
    "  2 usage error, 3 partial (some VMs or targets failed), 130 interrupted\n";

// 0 when every VM reached every target; 3 (partial) when something but not everything was
// replicated (JobOutcome::partial); 1 when nothing was.
int ExitCodeOf(const JobOutcome& job) {
  if (job.ok() && !job.partial()) return cli::kExitOk;
  return job.partial() ? cli::kExitPartial : cli::kExitFailed;
}

class Replicate : public Command {
 public:
  CLI::App* Register(CLI::App* xcr) override {
    app_ = xcr->add_subcommand("replicate", "one replication run of a VM now");
    cli::SetUsage(app_, kUsage);
    app_->add_option("--source", source_);
    app_->add_option("--vm", vms_);
    app_->add_option("--target", targets_);
    app_->add_option("--sr", srs_);
    app_->add_option("--concurrency", concurrency_)->check(CLI::Range(1, 64));
    app_->add_option("--job-id", job_id_);
    app_->add_option("--schedule-id", schedule_id_);
    app_->add_option("--job-name", job_name_);
    app_->add_option("--rate", rate_)->check(CLI::Range(uint64_t{1}, uint64_t{1000000}));
    app_->add_option("--copy-retention", copy_retention_)->check(CLI::Range(1, 1000));
    app_->add_option("--snapshot-retention", snapshot_retention_)->check(CLI::Range(1, 1000));
    app_->add_option("--timeout", timeout_s_)->check(CLI::Range(uint64_t{0}, uint64_t{1} << 32));
    app_->add_flag("--json", json_);
    return app_;
  }

  int Run(const Context& context) override {
    if (source_.empty() || vms_.empty()) {
      return Usage("replicate needs --source URL and --vm UUID|NAME (repeatable)");
    }
    // --target URL --sr SR pairs, in order.
    std::vector<std::pair<std::string, std::string>> pairs;
    for (const auto& [flag, value] : cli::InOrder(*app_)) {
      if (flag == "--target") pairs.emplace_back(value, "");
      if (flag != "--sr") continue;
      if (pairs.empty() || !pairs.back().second.empty()) {
        return Usage("each --sr must follow its --target URL");
      }
      pairs.back().second = value;
    }
    if (pairs.empty()) return Usage("replicate needs at least one --target URL --sr SR");
    for (const auto& [url, sr] : pairs) {
      if (sr.empty()) return Usage("--target " + RedactUrl(url) + " has no --sr");
    }

    for (const auto& [flag, id] :
         {std::pair{"--job-id", &job_id_}, std::pair{"--schedule-id", &schedule_id_}}) {
      if (app_->count(flag) == 0) continue;
      if (Status s = CheckRunId(*id, flag); !s.ok()) return Usage(s.message());
    }
    ReplicationOptions opt;
    opt.job_id = job_id_.empty() ? "xcr-cli" : job_id_;
    opt.schedule_id = schedule_id_.empty() ? opt.job_id : schedule_id_;
    opt.job_name = job_name_;
    if (copy_retention_) opt.copy_retention = copy_retention_;
    if (snapshot_retention_) opt.snapshot_retention = snapshot_retention_;
    if (rate_) opt.max_bytes_per_sec = rate_ * 1000000;
    opt.vm_timeout_micros = timeout_s_ * 1000000;
    opt.cancel = context.cancel;

    auto source = cli::Connect(context.client, source_, "source pool");
    if (!source.ok()) return cli::Fail("xcr", source.status(), json_);
    std::map<std::string, std::unique_ptr<xapi::Connection>> pools;
    FixedConnector connector;
    connector.Add(source_, source->get());
    JobSpec spec;
    spec.vms = vms_;
    spec.source_pool = source_;
    spec.concurrency = concurrency_;
    for (const auto& [url, sr] : pairs) {
      if (!pools.count(url)) {
        auto c = cli::Connect(context.client, url, "target pool");
        if (!c.ok()) return cli::Fail("xcr", c.status(), json_);
        pools[url] = std::move(*c);
      }
      // A target on the source pool's URL uses its own connection, as before.
      connector.Add("target " + url, pools[url].get());
      spec.targets.push_back({"target " + url, sr, url});
    }

    cli::ProgressDisplay display(!json_, isatty(STDERR_FILENO));
    opt.on_progress = [&](const std::string& l, const xapi::TransferProgress& p) {
      display.Update(l, p);
    };
    spec.options = opt;
    Result<JobReport> report = RunJob(spec, connector, nullptr, nullptr);
    if (!report.ok()) {
      display.Done();
      return cli::Fail("xcr", report.status(), json_);
    }
    const JobOutcome& job = report->outcome;
    const TaskLog& log = *report->log;
    display.Done();
    int rc = ExitCodeOf(job);
    if (json_) {
      nlohmann::json j = RunReportJson(job, log);
      j["exit"] = rc;
      std::cout << j.dump(2) << "\n";
    } else {
      std::cout << RunReportText(job, log);
      if (rc == cli::kExitPartial) {
        std::cerr << "xcr: partial failure: " << job.failed() << " VM(s) failed, some targets "
                  << "failed (exit 3)\n";
      } else if (rc != cli::kExitOk) {
        std::cerr << "xcr: " << job.failed() << " VM(s) failed\n";
      }
    }
    return rc;
  }

 private:
  int Usage(const std::string& message) { return cli::UsageError(*app_, "xcr replicate", message); }

  CLI::App* app_ = nullptr;
  std::string source_, job_id_, schedule_id_, job_name_;
  std::vector<std::string> vms_, targets_, srs_;
  size_t concurrency_ = 2;
  uint64_t rate_ = 0, copy_retention_ = 0, snapshot_retention_ = 0, timeout_s_ = 0;
  bool json_ = false;
};

}  // namespace

std::unique_ptr<Command> NewReplicateCommand() { return std::make_unique<Replicate>(); }

}  // namespace xcr::cmd
