// ValidateJob: every problem of a job, one FieldError per field, named with the JSON paths of
// job_json.h ("schedules[0].timezone", "srs[1].sr"). An empty result means the job may be
// stored; the store refuses (and changes nothing) otherwise.
//
// Checks: ids are UUIDs (schedule ids unique in the job); a name; VM uuids, or a smart pattern
// naming at least one pool or tag, not both; at least one target SR, never the same SR twice
// (same pool and SR, or the same SR uuid on two pools); targets and pattern pools exist when
// the caller knows the stored pools; concurrency >= 1; report recipients look like e-mail
// addresses and the webhook is an http(s) URL; at least one schedule; each schedule's cron
// text parses (schedule_expression.h: cron or calendar event), its time zone is a known IANA
// zone (date::locate_zone), retentions >= 1.
// Thread-safety: pure function.
#ifndef XCR_JOBS_JOB_VALIDATION_H_
#define XCR_JOBS_JOB_VALIDATION_H_

#include <set>
#include <string>

#include "jobs/job.h"
#include "jobs/job_field_error.h"

namespace xcr::jobs {

struct JobValidationContext {
  // Ids of the stored pools; when set, every pool the job names must be one of them.
  const std::set<std::string>* pool_ids = nullptr;
};

FieldErrors ValidateJob(const Job& job, const JobValidationContext& context = {});

// The problems of one schedule's cron text and time zone, fields prefixed by `prefix`
// ("schedules[2]"). Exposed for the CLI, which checks a --schedule before sending it.
FieldErrors ValidateScheduleTiming(const Schedule& schedule, const std::string& prefix);

}  // namespace xcr::jobs

#endif  // XCR_JOBS_JOB_VALIDATION_H_
