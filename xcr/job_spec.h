// JobSpecFlags: the flags `xcr job create` and `xcr job edit` share, and the job JSON
// (docs/jobs.md) they stand for: the whole job for create, an RFC 7386 merge patch of the stored
// job for edit (only what was given; VMs, targets and schedule settings replace the stored ones,
// every schedule kept by its id).
//
//   --name NAME                     --vm VM (repeatable; uuid, or a name the pools know)
//   --tag TAG --pool POOL --not-tag TAG --not-vm VM   smart mode instead of --vm (repeatable)
//   --target URL --sr SR            pairs, repeatable (URL: a stored pool's URL, id or name)
//   --schedule CRON                 repeatable; with --timezone TZ, --copy-retention N and
//                                   --snapshot-retention N applying to each
//   --concurrency N  --timeout SECONDS  --rate MB/s  --disabled
//   --report-when always|failure|never  --report-to ADDRESS (repeatable)  --report-webhook URL
//   --health-check [--health-check-timeout SECONDS]
//
// Thread-safety: none; one per command.
#ifndef XCR_XCR_JOB_SPEC_H_
#define XCR_XCR_JOB_SPEC_H_

#include <CLI/CLI.hpp>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/result.h"
#include "xcr/daemon_session.h"

namespace xcr::cmd {

// The usage lines of the shared flags.
extern const char kJobSpecUsage[];

class JobSpecFlags {
 public:
  // Registers the flags on `app` (create or edit).
  void Register(CLI::App* app);
  // Errors a parser cannot see (an --sr without its --target, --vm with --tag): kInvalidArgument,
  // to print as a usage error.
  Status Check(const CLI::App& app, bool create) const;
  // The job to POST (stored == nullptr) or the merge patch for the stored job. Resolves pools
  // and VM names through the daemon.
  Result<nlohmann::json> Build(DaemonSession& s, const CLI::App& app, const nlohmann::json* stored);

 private:
  std::vector<std::pair<std::string, std::string>> Targets(const CLI::App& app) const;
  Result<nlohmann::json> Vms(DaemonSession& s, const nlohmann::json* stored);

  std::string name_, timezone_, report_when_, report_webhook_;
  std::vector<std::string> vms_, targets_, srs_, schedules_, tags_, pools_, not_tags_, not_vms_,
      report_to_;
  int64_t copy_retention_ = 0, snapshot_retention_ = 0, concurrency_ = 0;
  int64_t timeout_s_ = -1, rate_ = -1, health_check_timeout_s_ = 0;
  bool disabled_ = false, health_check_ = false;
};

}  // namespace xcr::cmd

#endif  // XCR_XCR_JOB_SPEC_H_
