#include "jobs/job_validation.h"
#include "base/text.h"

#include <date/tz.h>

#include <algorithm>
#include <cctype>
#include <exception>

#include "base/uuid.h"
#include "jobs/job_text.h"
#include "jobs/schedule_expression.h"

namespace xcr::jobs {
namespace {

bool LooksLikeEmail(std::string_view s) {
  size_t at = s.find('@');
  if (at == std::string_view::npos || at == 0 || at + 1 >= s.size()) return false;
  if (s.find('@', at + 1) != std::string_view::npos) return false;
  return IsValidUtf8(s) && std::none_of(s.begin(), s.end(), [](char c) {
           return static_cast<unsigned char>(c) <= 32 || c == '<' || c == '>' || c == ',' ||
                  c == ';';
         });
}

void CheckPool(const std::string& pool, const std::string& field,
               const JobValidationContext& context, FieldErrors* errors) {
  if (pool.empty()) {
    errors->push_back({field, "name a stored pool by its id"});
  } else if (const char* problem = OneLineTextProblem(pool)) {
    errors->push_back({field, problem});
  } else if (context.pool_ids != nullptr && context.pool_ids->count(pool) == 0) {
    errors->push_back({field, "unknown pool '" + pool + "' (see `xcr pool list`)"});
  }
}

void CheckTags(const std::vector<std::string>& tags, const char* field, FieldErrors* errors) {
  for (size_t i = 0; i < tags.size(); ++i) {
    if (tags[i].empty()) {
      errors->push_back({FieldIndex(field, i), "empty tag"});
    } else if (const char* problem = OneLineTextProblem(tags[i])) {
      errors->push_back({FieldIndex(field, i), problem});
    }
  }
}

void CheckVms(const VmSelection& vms, const JobValidationContext& context, FieldErrors* errors) {
  if (vms.pattern.has_value()) {
    const VmPattern& p = *vms.pattern;
    if (!vms.ids.empty()) {
      errors->push_back({"vms", "give VM ids or a smart pattern (pools, tags), not both"});
    }
    if (p.pools.empty() && p.tags.empty()) {
      errors->push_back({"vms", "a smart pattern needs at least one pool or tag"});
    }
    for (size_t i = 0; i < p.pools.size(); ++i) {
      CheckPool(p.pools[i], FieldIndex("vms.pools", i), context, errors);
    }
    for (size_t i = 0; i < p.not_pools.size(); ++i) {
      CheckPool(p.not_pools[i], FieldIndex("vms.notPools", i), context, errors);
    }
    CheckTags(p.tags, "vms.tags", errors);
    CheckTags(p.not_tags, "vms.notTags", errors);
    for (size_t i = 0; i < p.not_vms.size(); ++i) {
      if (!LooksLikeUuid(p.not_vms[i])) {
        errors->push_back({FieldIndex("vms.notVms", i), "'" + p.not_vms[i] + "' is not a UUID"});
      }
    }
    return;
  }
  if (vms.ids.empty()) {
    errors->push_back({"vms", "a job needs VM ids or a smart pattern (pools, tags)"});
  }
  for (size_t i = 0; i < vms.ids.size(); ++i) {
    std::string field = FieldIndex("vms.ids", i);
    if (!LooksLikeUuid(vms.ids[i])) {
      errors->push_back({field, "'" + vms.ids[i] + "' is not a VM uuid"});
      continue;
    }
    for (size_t j = 0; j < i; ++j) {
      if (AsciiLower(vms.ids[j]) == AsciiLower(vms.ids[i])) {
        errors->push_back(
            {field, "VM " + vms.ids[i] + " is listed twice (vms.ids[" + std::to_string(j) + "])"});
        break;
      }
    }
  }
}

void CheckTargets(const std::vector<TargetSr>& srs, const JobValidationContext& context,
                  FieldErrors* errors) {
  if (srs.empty()) errors->push_back({"srs", "a job needs at least one target SR"});
  for (size_t i = 0; i < srs.size(); ++i) {
    std::string field = FieldIndex("srs", i);
    CheckPool(srs[i].pool, FieldPath(field, "pool"), context, errors);
    if (srs[i].sr.empty()) {
      errors->push_back({FieldPath(field, "sr"), "name the target SR by uuid or name"});
      continue;
    }
    if (const char* problem = OneLineTextProblem(srs[i].sr)) {
      errors->push_back({FieldPath(field, "sr"), problem});
      continue;
    }
    for (size_t j = 0; j < i; ++j) {
      bool same_pool = srs[j].pool == srs[i].pool && srs[j].sr == srs[i].sr;
      bool same_uuid = LooksLikeUuid(srs[i].sr) && AsciiLower(srs[j].sr) == AsciiLower(srs[i].sr);
      if (same_pool || same_uuid) {
        errors->push_back({FieldPath(field, "sr"), "SR '" + srs[i].sr +
                                                       "' is already a target (srs[" +
                                                       std::to_string(j) + "]): each SR once"});
        break;
      }
    }
  }
}

void CheckReport(const ReportSettings& report, FieldErrors* errors) {
  if (!report.webhook_url.empty() && !LooksLikeHttpUrl(report.webhook_url)) {
    errors->push_back({"reportWebhook", "'" + report.webhook_url + "' is not an http(s) URL"});
  }
  for (size_t i = 0; i < report.recipients.size(); ++i) {
    if (!LooksLikeEmail(report.recipients[i])) {
      errors->push_back({FieldIndex("reportRecipients", i),
                         "'" + report.recipients[i] + "' is not an e-mail address"});
    }
  }
}

}  // namespace

FieldErrors ValidateScheduleTiming(const Schedule& schedule, const std::string& prefix) {
  FieldErrors errors;
  if (std::all_of(schedule.cron.begin(), schedule.cron.end(),
                  [](char c) { return c == ' ' || c == '\t'; })) {
    errors.push_back({FieldPath(prefix, "cron"), "a schedule needs a cron expression"});
  } else if (const char* problem = OneLineTextProblem(schedule.cron)) {
    errors.push_back({FieldPath(prefix, "cron"), problem});
  } else if (Result<ScheduleExpression> parsed = ScheduleExpression::Parse(schedule.cron);
             !parsed.ok()) {
    errors.push_back({FieldPath(prefix, "cron"), parsed.status().message()});
  }
  if (schedule.timezone.empty()) {
    errors.push_back({FieldPath(prefix, "timezone"), "a schedule needs an IANA time zone"});
  } else if (const char* problem = OneLineTextProblem(schedule.timezone)) {
    errors.push_back({FieldPath(prefix, "timezone"), problem});
  } else {
    try {
      (void)date::locate_zone(schedule.timezone);
    } catch (const std::exception&) {
      errors.push_back(
          {FieldPath(prefix, "timezone"), "unknown time zone '" + schedule.timezone + "'"});
    }
  }
  return errors;
}

FieldErrors ValidateJob(const Job& job, const JobValidationContext& context) {
  FieldErrors errors;
  if (!LooksLikeUuid(job.id)) errors.push_back({"id", "'" + job.id + "' is not a UUID"});
  if (job.name.empty()) errors.push_back({"name", "a job needs a name"});
  if (const char* problem = OneLineTextProblem(job.name)) errors.push_back({"name", problem});
  CheckVms(job.vms, context, &errors);
  CheckTargets(job.srs, context, &errors);
  if (job.concurrency < 1) errors.push_back({"concurrency", "must be at least 1"});
  CheckReport(job.report, &errors);
  if (job.health_check.enabled && job.health_check.timeout_ms == 0) {
    errors.push_back({"healthCheck.timeout", "must be more than 0 when the check is enabled"});
  }
  if (job.schedules.empty()) {
    errors.push_back({"schedules", "a job needs at least one schedule"});
  }
  for (size_t i = 0; i < job.schedules.size(); ++i) {
    const Schedule& s = job.schedules[i];
    std::string prefix = FieldIndex("schedules", i);
    if (!LooksLikeUuid(s.id)) {
      errors.push_back({FieldPath(prefix, "id"), "'" + s.id + "' is not a UUID"});
    } else {
      for (size_t j = 0; j < i; ++j) {
        if (job.schedules[j].id == s.id) {
          errors.push_back({FieldPath(prefix, "id"),
                            "schedule id repeats schedules[" + std::to_string(j) + "].id"});
          break;
        }
      }
    }
    if (const char* problem = OneLineTextProblem(s.name)) {
      errors.push_back({FieldPath(prefix, "name"), problem});
    }
    FieldErrors timing = ValidateScheduleTiming(s, prefix);
    errors.insert(errors.end(), timing.begin(), timing.end());
    if (s.copy_retention < 1) {
      errors.push_back({FieldPath(prefix, "copyRetention"), "must be at least 1"});
    }
    if (s.snapshot_retention < 1) {
      errors.push_back({FieldPath(prefix, "snapshotRetention"),
                        "must be at least 1 (the newest snapshot is the next delta's base)"});
    }
  }
  return errors;
}

}  // namespace xcr::jobs
