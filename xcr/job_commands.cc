// xcr job create|list|show|edit|enable|disable|delete|run|cancel: the daemon's replication jobs
// (docs/api.md /api/jobs). JOB is a job's id or its unique name.
#include <iostream>
#include <nlohmann/json.hpp>

#include "base/uuid.h"
#include "cli/command_line.h"
#include "cli/daemon_text.h"
#include "cli/exit_codes.h"
#include "xcr/command.h"
#include "xcr/daemon_session.h"
#include "xcr/job_spec.h"
#include "xcr/run_wait.h"

namespace xcr::cmd {
namespace {

using nlohmann::json;

constexpr char kJobUsage[] =
    "usage: xcr job COMMAND [DAEMON FLAGS]\n"
    "  create --name NAME --vm VM [--vm VM ..] --target URL --sr SR [--target URL --sr SR ..]\n"
    "         --schedule CRON [--timezone TZ] [--copy-retention N] [--snapshot-retention N]\n"
    "         [--concurrency N] [--timeout SECONDS] [--rate MB/s] [--disabled] ...\n"
    "      a replication job; prints its id\n"
    "  list                          the jobs, with their state and next run\n"
    "  show JOB                      a job's settings and its VMs' state\n"
    "  edit JOB [create's flags]     change a job\n"
    "  enable JOB, disable JOB       run on the schedules, or not\n"
    "  delete JOB [--purge]          delete a job; --purge also removes its replicas and\n"
    "                                snapshots on every pool\n"
    "  run JOB [--vm VM] [--wait]    run a job (or one of its VMs) now\n"
    "  cancel JOB [--vm VM]          cancel a job's running transfers\n"
    "  JOB is a job's id or unique name. `xcr job COMMAND --help` for each.\n";

constexpr char kCreateUsage[] =
    "usage: xcr job create --name NAME --vm VM [--vm VM ..] --target URL --sr SR\n"
    "                      [--target URL --sr SR ..] --schedule CRON [--timezone TZ]\n"
    "                      [--copy-retention N] [--snapshot-retention N] [more flags below]\n"
    "                      [--socket PATH] [--json]\n"
    "  Creates a continuous-replication job in the daemon and prints its id (--json:\n"
    "  {\"id\": ...}). The target pools must be stored first (`xcr pool add`).\n";

constexpr char kEditUsage[] =
    "usage: xcr job edit JOB [create's flags] [--socket PATH] [--json]\n"
    "  Changes what the flags give. --vm (or the smart-mode flags) replace the VMs, --target\n"
    "  --sr pairs replace the targets; the i-th --schedule replaces the i-th schedule's cron;\n"
    "  --timezone and the retentions alone apply to every schedule.\n";

constexpr char kListUsage[] =
    "usage: xcr job list [--socket PATH] [--json]\n"
    "  The jobs: VMs, targets, schedules, state, next run and last success.\n";

constexpr char kShowUsage[] =
    "usage: xcr job show JOB [--socket PATH] [--json]\n"
    "  A job's settings, then the state of each of its VMs.\n";

constexpr char kEnableUsage[] =
    "usage: xcr job enable JOB [--socket PATH] [--json]\n"
    "  The job runs on its schedules again.\n";

constexpr char kDisableUsage[] =
    "usage: xcr job disable JOB [--socket PATH] [--json]\n"
    "  The job no longer runs on its schedules (`xcr job run` still runs it).\n";

constexpr char kDeleteUsage[] =
    "usage: xcr job delete JOB [--purge] [--socket PATH] [--json]\n"
    "  Deletes a job. Without --purge its replicas stay on the targets, orphaned (it says how\n"
    "  many; `xcr orphans` lists them); with --purge its replicas on every target and its\n"
    "  snapshots on every source are removed. A job id the daemon no longer knows (deleted\n"
    "  without --purge, or a lost store) is purged from every stored pool by its xo:backup:job\n"
    "  tag: `xcr job delete JOB_ID --purge`.\n";

constexpr char kRunUsage[] =
    "usage: xcr job run JOB [--vm VM] [--wait] [--socket PATH] [--json]\n"
    "  Runs a job now (all its VMs, or --vm VM, by uuid or name) and prints the run's id.\n"
    "  --wait   exit when the run ends, printing its task tree: 0 only if it succeeded\n"
    "           (progress on a terminal; Ctrl-C stops waiting, not the run)\n";

constexpr char kCancelUsage[] =
    "usage: xcr job cancel JOB [--vm VM] [--socket PATH] [--json]\n"
    "  Cancels a job's running transfers (or one VM's); nothing that looks complete is left.\n";

std::string JobPath(const json& job) { return "/api/jobs/" + cli::UrlSegment(cli::Str(job, "id")); }

std::string Label(const json& job) {
  return "job " + cli::Str(job, "name") + " (" + cli::Str(job, "id") + ")";
}

class JobCommand : public Command {
 public:
  CLI::App* Register(CLI::App* xcr) override {
    group_ = xcr->add_subcommand("job", "replication jobs");
    cli::SetUsage(group_, std::string(kJobUsage) + kDaemonFlagsUsage);
    AddDaemonFlags(group_, &flags_);

    create_ = Sub("create", std::string(kCreateUsage) + kJobSpecUsage, false);
    spec_.Register(create_);
    list_ = Sub("list", kListUsage, false);
    show_ = Sub("show", kShowUsage, true);
    edit_ = Sub("edit", std::string(kEditUsage) + kJobSpecUsage, true);
    edit_spec_.Register(edit_);
    enable_ = Sub("enable", kEnableUsage, true);
    disable_ = Sub("disable", kDisableUsage, true);
    delete_ = Sub("delete", kDeleteUsage, true);
    delete_->add_flag("--purge", purge_);
    run_ = Sub("run", kRunUsage, true);
    run_->add_option("--vm", vm_);
    run_->add_flag("--wait", wait_);
    cancel_ = Sub("cancel", kCancelUsage, true);
    cancel_->add_option("--vm", vm_);
    return group_;
  }

  int Run(const Context& context) override {
    DaemonSession s(flags_, context);
    if (create_->parsed()) return Create(s);
    if (list_->parsed()) return List(s);
    if (show_->parsed()) return Show(s);
    if (edit_->parsed()) return Edit(s);
    if (enable_->parsed()) return SetEnabled(s, enable_, true);
    if (disable_->parsed()) return SetEnabled(s, disable_, false);
    if (delete_->parsed()) return Delete(s);
    if (run_->parsed()) return RunNow(s);
    if (cancel_->parsed()) return Cancel(s);
    return cli::UsageError(*group_, "xcr job",
                           "missing command (create, list, show, edit, enable, disable, delete, "
                           "run, cancel)");
  }

 private:
  CLI::App* Sub(const char* name, std::string usage, bool takes_job) {
    CLI::App* app = group_->add_subcommand(name, name);
    cli::SetUsage(app, std::move(usage));
    if (takes_job) app->add_option("job", job_);
    WordsAreArguments(app);
    return app;
  }

  // The job the JOB argument names, or the exit code of the failure (printed).
  bool Resolve(DaemonSession& s, CLI::App* app, json* job, int* rc) {
    if (job_.empty()) {
      *rc = cli::UsageError(*app, "xcr job " + app->get_name(), "missing JOB (an id or a name)");
      return false;
    }
    Result<json> found = s.FindJob(job_);
    if (!found.ok()) {
      *rc = s.Fail(found.status());
      return false;
    }
    *job = std::move(*found);
    return true;
  }

  // A VM of `job` by uuid or name: its status entries name its VMs, else the pools' inventory.
  Result<std::string> JobVm(DaemonSession& s, const json& job) {
    if (LooksLikeUuid(vm_)) return vm_;
    Result<json> status = s.api().Get("/api/status");
    if (status.ok() && status->is_array()) {
      for (const json& e : *status) {
        if (cli::Str(e, "job") == cli::Str(job, "id") && cli::Str(e, "vm_name") == vm_) {
          return cli::Str(e, "vm");
        }
      }
    }
    return s.VmUuid(vm_);
  }

  int Create(DaemonSession& s) {
    Status usage = spec_.Check(*create_, true);
    if (!usage.ok()) return cli::UsageError(*create_, "xcr job create", usage.message());
    Result<json> body = spec_.Build(s, *create_, nullptr);
    if (!body.ok()) return s.Fail(body.status());
    Result<json> job = s.api().Post("/api/jobs", *body);
    if (!job.ok()) return s.Fail(job.status());
    if (s.as_json()) return s.PrintJson(json{{"id", cli::Str(*job, "id")}});
    std::cout << cli::Str(*job, "id") << "\n";
    return 0;
  }

  int List(DaemonSession& s) {
    Result<json> jobs = s.api().Get("/api/jobs");
    if (!jobs.ok()) return s.Fail(jobs.status());
    if (s.as_json()) return s.PrintJson(*jobs);
    std::cout << cli::JobsTable(*jobs);
    return 0;
  }

  int Show(DaemonSession& s) {
    json job;
    int rc = 0;
    if (!Resolve(s, show_, &job, &rc)) return rc;
    Result<json> full = s.api().Get(JobPath(job));
    if (!full.ok()) return s.Fail(full.status());
    if (s.as_json()) return s.PrintJson(*full);
    Result<json> pools = s.api().Get("/api/pools");
    Result<json> status = s.api().Get("/api/status");
    std::cout << cli::JobText(*full, pools.ok() ? *pools : json::array(),
                              status.ok() ? *status : json::array());
    return 0;
  }

  int Edit(DaemonSession& s) {
    Status usage = edit_spec_.Check(*edit_, false);
    if (!usage.ok()) return cli::UsageError(*edit_, "xcr job edit", usage.message());
    json job;
    int rc = 0;
    if (!Resolve(s, edit_, &job, &rc)) return rc;
    Result<json> full = s.api().Get(JobPath(job));
    if (!full.ok()) return s.Fail(full.status());
    Result<json> patch = edit_spec_.Build(s, *edit_, &*full);
    if (!patch.ok()) return s.Fail(patch.status());
    if (patch->empty()) return cli::UsageError(*edit_, "xcr job edit", "nothing to change");
    Result<json> updated = s.api().Patch(JobPath(job), *patch);
    if (!updated.ok()) return s.Fail(updated.status());
    if (s.as_json()) return s.PrintJson(*updated);
    std::cout << "updated " << Label(*updated) << "\n";
    return 0;
  }

  int SetEnabled(DaemonSession& s, CLI::App* app, bool enabled) {
    json job;
    int rc = 0;
    if (!Resolve(s, app, &job, &rc)) return rc;
    Result<json> updated = s.api().Patch(JobPath(job), json{{"enabled", enabled}});
    if (!updated.ok()) return s.Fail(updated.status());
    if (s.as_json()) return s.PrintJson(*updated);
    std::cout << (enabled ? "enabled " : "disabled ") << Label(job) << "\n";
    return 0;
  }

  static std::string Purged(const json& answer) {
    const json& p = answer.is_object() && answer.contains("purged") ? answer["purged"] : json();
    return std::to_string(p.value("replicas", 0)) + " replica(s) and " +
           std::to_string(p.value("snapshots", 0)) + " snapshot(s)";
  }

  int Delete(DaemonSession& s) {
    if (job_.empty()) {
      return cli::UsageError(*delete_, "xcr job delete", "missing JOB (an id or a name)");
    }
    Result<json> job = s.FindJob(job_);
    if (!job.ok() && job.status().code() == StatusCode::kNotFound && purge_ &&
        LooksLikeUuid(job_)) {
      // The store lost the job: its leftovers are found by their xo:backup:job tag.
      Result<json> done = s.api().Post("/api/jobs/purge", json{{"job", job_}});
      if (!done.ok()) return s.Fail(done.status());
      if (s.as_json()) return s.PrintJson(*done);
      std::cout << "job " << job_ << " is not in the daemon's store; purged its leftovers on "
                << "every stored pool: " << Purged(*done) << "\n";
      return 0;
    }
    if (!job.ok()) return s.Fail(job.status());
    Result<json> done = s.api().Delete(JobPath(*job) + (purge_ ? "?purge=1" : ""));
    if (!done.ok()) return s.Fail(done.status());
    json answer = done->is_null() ? json::object() : *done;
    const std::string id = cli::Str(*job, "id");
    if (purge_) {
      if (s.as_json()) return s.PrintJson(answer);
      std::cout << "deleted " << Label(*job) << "; purged " << Purged(answer) << "\n";
      return 0;
    }
    // The replicas stay, now orphaned: count them on the pools (-1 if the listing failed).
    const int64_t orphaned = Orphaned(s, id);
    if (s.as_json()) {
      if (orphaned >= 0) answer["orphaned"] = orphaned;
      return s.PrintJson(answer);
    }
    std::cout << "deleted " << Label(*job) << "; ";
    if (orphaned >= 0) {
      std::cout << orphaned << " replica(s) stay on the targets";
    } else {
      std::cout << "its replicas stay on the targets";
    }
    std::cout << ", listed as orphaned by `xcr orphans " << id << "` (`xcr job delete " << id
              << " --purge` removes them)\n";
    return 0;
  }

  // How many replicas of job `id` the stored pools hold now that the store does not know it
  // (GET /api/replicas "orphans"); -1 if the daemon could not list them.
  static int64_t Orphaned(DaemonSession& s, const std::string& id) {
    Result<json> listed = s.api().Get("/api/replicas");
    if (!listed.ok() || !listed->is_object() || !listed->contains("orphans") ||
        !(*listed)["orphans"].is_array()) {
      return -1;
    }
    int64_t n = 0;
    for (const json& o : (*listed)["orphans"]) n += cli::Str(o, "job") == id;
    return n;
  }

  int RunNow(DaemonSession& s) {
    json job;
    int rc = 0;
    if (!Resolve(s, run_, &job, &rc)) return rc;
    json body = json::object();
    if (!vm_.empty()) {
      Result<std::string> uuid = JobVm(s, job);
      if (!uuid.ok()) return s.Fail(uuid.status().WithContext("--vm " + vm_));
      body["vm"] = *uuid;
    }
    Result<json> started = s.api().Post(JobPath(job) + "/run", body);
    if (!started.ok()) return s.Fail(started.status());
    std::string run_id = cli::Str(*started, "run");
    if (!wait_) {
      if (s.as_json()) return s.PrintJson(*started);
      std::cout << run_id << "\n";
      std::cerr << "xcr: started run " << run_id << " of " << Label(job) << " ("
                << started->value("queued", 0) << " VM(s) queued); `xcr run show " << run_id
                << "` follows it\n";
      return 0;
    }
    if (run_id.empty()) {
      return s.Fail(Status::FailedPrecondition("the daemon started no run of " + Label(job)));
    }
    return WaitForRun(s, run_id, "`xcr job cancel " + cli::Str(job, "id") + "`");
  }

  int Cancel(DaemonSession& s) {
    json job;
    int rc = 0;
    if (!Resolve(s, cancel_, &job, &rc)) return rc;
    json body = json::object();
    if (!vm_.empty()) {
      Result<std::string> uuid = JobVm(s, job);
      if (!uuid.ok()) return s.Fail(uuid.status().WithContext("--vm " + vm_));
      body["vm"] = *uuid;
    }
    Result<json> done = s.api().Post(JobPath(job) + "/cancel", body);
    if (!done.ok()) return s.Fail(done.status());
    if (s.as_json()) return s.PrintJson(*done);
    std::cout << "cancelled " << done->value("cancelled", 0) << " VM run(s) of " << Label(job)
              << "\n";
    return 0;
  }

  DaemonFlags flags_;
  JobSpecFlags spec_, edit_spec_;
  CLI::App *group_ = nullptr, *create_ = nullptr, *list_ = nullptr, *show_ = nullptr,
           *edit_ = nullptr, *enable_ = nullptr, *disable_ = nullptr, *delete_ = nullptr,
           *run_ = nullptr, *cancel_ = nullptr;
  std::string job_, vm_;
  bool purge_ = false, wait_ = false;
};

}  // namespace

std::unique_ptr<Command> NewJobCommand() { return std::make_unique<JobCommand>(); }

}  // namespace xcr::cmd
