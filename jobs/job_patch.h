// PatchJob: an edit of a stored job — the job's JSON merge-patched (RFC 7386) with what the
// client sent, then read back (docs/jobs.md "Validation"). Arrays are replaced as RFC 7386 says,
// except that a schedule sent with the id of a stored one is that schedule merge-patched, so it
// keeps the settings the client left out; schedules without an id get a new one.
// Thread-safety: a pure function.
#ifndef XCR_JOBS_JOB_PATCH_H_
#define XCR_JOBS_JOB_PATCH_H_

#include <nlohmann/json.hpp>

#include "jobs/job.h"
#include "jobs/job_field_error.h"

namespace xcr::jobs {

// Fills *out with `stored` edited by `patch` (a JSON object). Returns the problems of reading it
// back (wrong types, unknown fields, an `id` that differs from the stored one); values are not
// validated (ValidateJob does). *out must not be used when errors are returned.
FieldErrors PatchJob(const Job& stored, const nlohmann::json& patch, Job* out);

}  // namespace xcr::jobs

#endif  // XCR_JOBS_JOB_PATCH_H_
