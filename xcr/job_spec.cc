#include "xcr/job_spec.h"

#include "base/redact.h"
#include "cli/command_line.h"
#include "cli/daemon_text.h"

namespace xcr::cmd {

using nlohmann::json;

const char kJobSpecUsage[] =
    "  --name NAME                 the job's name (in replica names and messages)\n"
    "  --vm VM                     a VM, by uuid or by name (repeatable)\n"
    "  --tag TAG, --pool POOL      smart mode instead of --vm: the VMs carrying a TAG on a\n"
    "                              POOL, resolved at each run (repeatable)\n"
    "  --not-tag TAG, --not-vm VM  smart mode exclusions (repeatable)\n"
    "  --target URL --sr SR        a target SR on a stored pool (URL, id or name), repeatable,\n"
    "                              each --sr after its --target\n"
    "  --schedule CRON             5-field cron or a calendar event (`mon..fri 22:30`),\n"
    "                              repeatable\n"
    "  --timezone TZ               the schedules' IANA time zone (default UTC)\n"
    "  --copy-retention N          replicas kept per target SR (default 1)\n"
    "  --snapshot-retention N      snapshots kept on the source (default 1)\n"
    "  --concurrency N             VMs replicated at once (default 2)\n"
    "  --timeout SECONDS           per VM (0: none)\n"
    "  --rate MB/s                 export bandwidth cap (0: none)\n"
    "  --disabled                  do not run on the schedules (job run still works)\n"
    "  --report-when W             always, failure or never (default failure)\n"
    "  --report-to ADDRESS         mail the run reports here (repeatable)\n"
    "  --report-webhook URL        POST the run reports here as JSON\n"
    "  --health-check              after a run, boot a clone of the newest replica and wait for\n"
    "                              its guest agent (--health-check-timeout SECONDS, default 600)\n";

void JobSpecFlags::Register(CLI::App* app) {
  app->add_option("--name", name_);
  app->add_option("--vm", vms_);
  app->add_option("--tag", tags_);
  app->add_option("--pool", pools_);
  app->add_option("--not-tag", not_tags_);
  app->add_option("--not-vm", not_vms_);
  app->add_option("--target", targets_);
  app->add_option("--sr", srs_);
  app->add_option("--schedule", schedules_);
  app->add_option("--timezone", timezone_);
  app->add_option("--copy-retention", copy_retention_)->check(CLI::Range(1, 1000));
  app->add_option("--snapshot-retention", snapshot_retention_)->check(CLI::Range(1, 1000));
  app->add_option("--concurrency", concurrency_)->check(CLI::Range(1, 64));
  app->add_option("--timeout", timeout_s_)->check(CLI::Range(int64_t{0}, int64_t{1} << 31));
  app->add_option("--rate", rate_)->check(CLI::Range(int64_t{0}, int64_t{1000000}));
  app->add_flag("--disabled", disabled_);
  app->add_option("--report-when", report_when_)
      ->check(CLI::IsMember({"always", "failure", "never"}));
  app->add_option("--report-to", report_to_);
  app->add_option("--report-webhook", report_webhook_);
  app->add_flag("--health-check", health_check_);
  app->add_option("--health-check-timeout", health_check_timeout_s_)
      ->check(CLI::Range(int64_t{1}, int64_t{86400}));
}

std::vector<std::pair<std::string, std::string>> JobSpecFlags::Targets(const CLI::App& app) const {
  std::vector<std::pair<std::string, std::string>> pairs;
  for (const auto& [flag, value] : cli::InOrder(app)) {
    if (flag == "--target") pairs.emplace_back(value, "");
    if (flag == "--sr" && !pairs.empty() && pairs.back().second.empty()) {
      pairs.back().second = value;
    }
  }
  return pairs;
}

Status JobSpecFlags::Check(const CLI::App& app, bool create) const {
  bool smart = !tags_.empty() || !pools_.empty() || !not_tags_.empty() || !not_vms_.empty();
  if (smart && !vms_.empty()) {
    return Status::InvalidArgument(
        "--vm names the VMs; --tag/--pool/--not-tag/--not-vm select them (smart mode): not both");
  }
  if (smart && tags_.empty() && pools_.empty()) {
    return Status::InvalidArgument("smart mode needs at least one --tag or --pool");
  }
  size_t pending = 0;
  bool any_target = false;
  for (const auto& [flag, value] : cli::InOrder(app)) {
    if (flag == "--target") {
      if (any_target && pending == 1) {
        return Status::InvalidArgument("a --target has no --sr: give --target URL --sr SR");
      }
      any_target = true;
      pending = 1;
    }
    if (flag == "--sr") {
      if (pending != 1) return Status::InvalidArgument("each --sr must follow its --target URL");
      pending = 0;
    }
  }
  if (pending == 1) {
    return Status::InvalidArgument("the last --target has no --sr: give --target URL --sr SR");
  }
  if (health_check_timeout_s_ > 0 && !health_check_ && create) {
    return Status::InvalidArgument("--health-check-timeout needs --health-check");
  }
  if (!create) return Status::OK();
  if (name_.empty()) return Status::InvalidArgument("job create needs --name NAME");
  if (vms_.empty() && !smart) {
    return Status::InvalidArgument("job create needs --vm VM (repeatable), or --tag/--pool");
  }
  if (!any_target) return Status::InvalidArgument("job create needs --target URL --sr SR");
  if (schedules_.empty()) {
    return Status::InvalidArgument("job create needs --schedule CRON (e.g. '0 22 * * *')");
  }
  return Status::OK();
}

Result<json> JobSpecFlags::Vms(DaemonSession& s, const json* stored) {
  json vms = json::object();
  if (!vms_.empty()) {
    json ids = json::array();
    for (const std::string& vm : vms_) {
      Result<std::string> uuid = s.VmUuid(vm);
      if (!uuid.ok()) return uuid.status().WithContext("--vm " + vm);
      ids.push_back(*uuid);
    }
    vms["ids"] = ids;
  } else {
    auto pool_ids = [&](const std::vector<std::string>& keys, const char* flag) -> Result<json> {
      json out = json::array();
      for (const std::string& key : keys) {
        Result<json> pool = s.FindPool(key);
        if (!pool.ok()) return pool.status().WithContext(std::string(flag) + " " + RedactUrl(key));
        out.push_back(cli::Str(*pool, "id"));
      }
      return out;
    };
    if (!pools_.empty()) {
      Result<json> ids = pool_ids(pools_, "--pool");
      if (!ids.ok()) return ids.status();
      vms["pools"] = *ids;
    }
    if (!tags_.empty()) vms["tags"] = tags_;
    if (!not_tags_.empty()) vms["notTags"] = not_tags_;
    if (!not_vms_.empty()) {
      json ids = json::array();
      for (const std::string& vm : not_vms_) {
        Result<std::string> uuid = s.VmUuid(vm);
        if (!uuid.ok()) return uuid.status().WithContext("--not-vm " + vm);
        ids.push_back(*uuid);
      }
      vms["notVms"] = ids;
    }
  }
  // A merge patch merges objects: a stored key the new selection does not have is removed.
  if (stored != nullptr && stored->contains("vms") && (*stored)["vms"].is_object()) {
    for (const auto& [key, value] : (*stored)["vms"].items()) {
      if (!vms.contains(key)) vms[key] = nullptr;
    }
  }
  return vms;
}

Result<json> JobSpecFlags::Build(DaemonSession& s, const CLI::App& app, const json* stored) {
  json job = json::object();
  if (!name_.empty()) job["name"] = name_;
  if (stored == nullptr) job["mode"] = "delta";
  bool smart = !tags_.empty() || !pools_.empty() || !not_tags_.empty() || !not_vms_.empty();
  if (!vms_.empty() || smart) {
    Result<json> vms = Vms(s, stored);
    if (!vms.ok()) return vms.status();
    job["vms"] = *vms;
  }
  std::vector<std::pair<std::string, std::string>> targets = Targets(app);
  if (!targets.empty()) {
    json srs = json::array();
    for (const auto& [key, sr] : targets) {
      Result<json> pool = s.FindPool(key);
      if (!pool.ok()) return pool.status().WithContext("--target " + RedactUrl(key));
      srs.push_back({{"pool", cli::Str(*pool, "id")}, {"sr", sr}});
    }
    job["srs"] = srs;
  }
  auto settings = [&](json& schedule) {
    if (!timezone_.empty()) schedule["timezone"] = timezone_;
    if (copy_retention_ > 0) schedule["copyRetention"] = copy_retention_;
    if (snapshot_retention_ > 0) schedule["snapshotRetention"] = snapshot_retention_;
  };
  const json* old =
      stored != nullptr && stored->contains("schedules") && (*stored)["schedules"].is_array()
          ? &(*stored)["schedules"]
          : nullptr;
  bool schedule_settings = !timezone_.empty() || copy_retention_ > 0 || snapshot_retention_ > 0;
  if (!schedules_.empty()) {
    // Edit: the i-th --schedule replaces the i-th stored schedule's cron, keeping its id.
    json list = json::array();
    for (size_t i = 0; i < schedules_.size(); ++i) {
      json schedule = {{"cron", schedules_[i]}};
      if (old != nullptr && i < old->size()) schedule["id"] = (*old)[i].value("id", "");
      settings(schedule);
      list.push_back(schedule);
    }
    job["schedules"] = list;
  } else if (schedule_settings && old != nullptr) {
    json list = json::array();
    for (const json& o : *old) {
      json schedule = {{"id", o.value("id", "")}};
      settings(schedule);
      list.push_back(schedule);
    }
    job["schedules"] = list;
  }
  if (concurrency_ > 0) job["concurrency"] = concurrency_;
  if (timeout_s_ >= 0) job["timeout"] = timeout_s_ * 1000;
  if (rate_ >= 0) job["rate"] = rate_ * 1000000;
  if (disabled_) job["enabled"] = false;
  if (!report_when_.empty()) job["reportWhen"] = report_when_;
  if (!report_to_.empty()) job["reportRecipients"] = report_to_;
  if (!report_webhook_.empty()) job["reportWebhook"] = report_webhook_;
  if (health_check_ || health_check_timeout_s_ > 0) {
    json hc = json::object();
    if (health_check_) hc["enabled"] = true;
    if (health_check_timeout_s_ > 0) hc["timeout"] = health_check_timeout_s_ * 1000;
    job["healthCheck"] = hc;
  }
  return job;
}

}  // namespace xcr::cmd
