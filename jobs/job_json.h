// A job as JSON, both ways, with Xen Orchestra's field names (docs/jobs.md):
//
//   {"id": "...", "name": "nightly", "mode": "delta", "enabled": true,
//    "vms": {"ids": ["<vm uuid>", ...]}            or the smart pattern
//    "vms": {"pools": [...], "tags": [...], "notPools": [...], "notTags": [...], "notVms": [...]},
//    "srs": [{"pool": "<pool id>", "sr": "<SR uuid or name>"}, ...],
//    "concurrency": 2, "timeout": 0, "rate": 0,
//    "reportWhen": "failure", "reportRecipients": [...], "reportWebhook": "https://...",
//    "healthCheck": {"enabled": false, "timeout": 600000},
//    "schedules": [{"id": "...", "name": "", "cron": "0 22 * * *", "timezone": "Europe/Paris",
//                   "enabled": true, "copyRetention": 1, "snapshotRetention": 1}]}
//
// JobFromJson reads what a client sends: absent fields keep their defaults (job.h), wrong types
// and unknown fields are FieldErrors. It does not validate values (job_validation.h does). An
// edit is JobToJson(stored), merge-patched with the client's object (RFC 7386), then read back.
// Thread-safety: pure functions.
#ifndef XCR_JOBS_JOB_JSON_H_
#define XCR_JOBS_JOB_JSON_H_

#include <nlohmann/json.hpp>

#include "jobs/job.h"
#include "jobs/job_field_error.h"

namespace xcr::jobs {

nlohmann::json JobToJson(const Job& job);
nlohmann::json ScheduleToJson(const Schedule& schedule);

// Fills *job from json (fields absent keep job's current values). Returns the problems found,
// empty on success; on errors *job may be partly filled and must not be used.
FieldErrors JobFromJson(const nlohmann::json& json, Job* job);

}  // namespace xcr::jobs

#endif  // XCR_JOBS_JOB_JSON_H_
