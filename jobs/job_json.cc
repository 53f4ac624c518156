#include "jobs/job_json.h"

#include "jobs/job_json_reader.h"

namespace xcr::jobs {
namespace {

using nlohmann::json;

json VmsToJson(const VmSelection& vms) {
  if (!vms.pattern.has_value()) return {{"ids", vms.ids}};
  const VmPattern& p = *vms.pattern;
  return {{"pools", p.pools},
          {"tags", p.tags},
          {"notPools", p.not_pools},
          {"notTags", p.not_tags},
          {"notVms", p.not_vms}};
}

void VmsFromJson(const json& value, FieldErrors* errors, VmSelection* vms) {
  JsonObjectReader r(value, "vms", errors);
  if (!r.is_object()) return;
  VmSelection out;
  r.StringList("ids", &out.ids);
  VmPattern p;
  bool smart = false;
  smart |= r.StringList("pools", &p.pools);
  smart |= r.StringList("tags", &p.tags);
  smart |= r.StringList("notPools", &p.not_pools);
  smart |= r.StringList("notTags", &p.not_tags);
  smart |= r.StringList("notVms", &p.not_vms);
  if (smart) out.pattern = std::move(p);
  r.Finish();
  *vms = std::move(out);
}

void TargetsFromJson(const json& value, FieldErrors* errors, std::vector<TargetSr>* srs) {
  if (!value.is_array()) {
    errors->push_back(
        {"srs", std::string("expected an array of {pool, sr}, got ") + value.type_name()});
    return;
  }
  std::vector<TargetSr> out;
  for (size_t i = 0; i < value.size(); ++i) {
    JsonObjectReader r(value[i], FieldIndex("srs", i), errors);
    TargetSr t;
    r.String("pool", &t.pool, /*required=*/true);
    r.String("sr", &t.sr, /*required=*/true);
    r.Finish();
    out.push_back(std::move(t));
  }
  *srs = std::move(out);
}

void SchedulesFromJson(const json& value, FieldErrors* errors, std::vector<Schedule>* schedules) {
  if (!value.is_array()) {
    errors->push_back(
        {"schedules", std::string("expected an array of schedules, got ") + value.type_name()});
    return;
  }
  std::vector<Schedule> out;
  for (size_t i = 0; i < value.size(); ++i) {
    JsonObjectReader r(value[i], FieldIndex("schedules", i), errors);
    Schedule s;
    // A schedule sent again keeps its settings; a new one (no id) starts from the defaults.
    r.String("id", &s.id);
    for (const Schedule& known : *schedules) {
      if (!s.id.empty() && known.id == s.id) s = known;
    }
    r.String("name", &s.name);
    r.String("cron", &s.cron, /*required=*/true);
    r.String("timezone", &s.timezone);
    r.Bool("enabled", &s.enabled);
    r.Uint32("copyRetention", &s.copy_retention);
    r.Uint32("snapshotRetention", &s.snapshot_retention);
    r.Finish();
    out.push_back(std::move(s));
  }
  *schedules = std::move(out);
}

}  // namespace

json ScheduleToJson(const Schedule& s) {
  return {{"id", s.id},
          {"name", s.name},
          {"cron", s.cron},
          {"timezone", s.timezone},
          {"enabled", s.enabled},
          {"copyRetention", s.copy_retention},
          {"snapshotRetention", s.snapshot_retention}};
}

json JobToJson(const Job& job) {
  json schedules = json::array();
  for (const Schedule& s : job.schedules) schedules.push_back(ScheduleToJson(s));
  json srs = json::array();
  for (const TargetSr& t : job.srs) srs.push_back({{"pool", t.pool}, {"sr", t.sr}});
  return {{"id", job.id},
          {"name", job.name},
          {"mode", "delta"},
          {"enabled", job.enabled},
          {"vms", VmsToJson(job.vms)},
          {"srs", std::move(srs)},
          {"concurrency", job.concurrency},
          {"timeout", job.timeout_ms},
          {"rate", job.rate},
          {"reportWhen", std::string(ReportWhenName(job.report.when))},
          {"reportRecipients", job.report.recipients},
          {"reportWebhook", job.report.webhook_url},
          {"healthCheck",
           {{"enabled", job.health_check.enabled}, {"timeout", job.health_check.timeout_ms}}},
          {"schedules", std::move(schedules)}};
}

FieldErrors JobFromJson(const json& value, Job* job) {
  FieldErrors errors;
  JsonObjectReader r(value, "", &errors);
  if (!r.is_object()) return errors;
  r.String("id", &job->id);
  r.String("name", &job->name);
  std::string mode = "delta";
  if (r.String("mode", &mode) && mode != "delta") {
    errors.push_back({"mode", "xcr runs continuous replication jobs: mode must be \"delta\""});
  }
  r.Bool("enabled", &job->enabled);
  if (const json* v = r.Member("vms")) VmsFromJson(*v, &errors, &job->vms);
  if (const json* v = r.Member("srs")) TargetsFromJson(*v, &errors, &job->srs);
  r.Uint32("concurrency", &job->concurrency);
  r.Uint64("timeout", &job->timeout_ms);
  r.Uint64("rate", &job->rate);
  std::string when;
  if (r.String("reportWhen", &when)) {
    std::optional<ReportWhen> w = ParseReportWhen(when);
    if (w.has_value()) {
      job->report.when = *w;
    } else {
      errors.push_back({"reportWhen", "'" + when + "' is not one of always, failure, never"});
    }
  }
  r.StringList("reportRecipients", &job->report.recipients);
  r.String("reportWebhook", &job->report.webhook_url);
  if (const json* v = r.Member("healthCheck")) {
    JsonObjectReader h(*v, "healthCheck", &errors);
    h.Bool("enabled", &job->health_check.enabled);
    h.Uint64("timeout", &job->health_check.timeout_ms);
    h.Finish();
  }
  if (const json* v = r.Member("schedules")) SchedulesFromJson(*v, &errors, &job->schedules);
  r.Finish();
  return errors;
}

}  // namespace xcr::jobs
