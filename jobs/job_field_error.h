// FieldError: one validation problem, named by the field it concerns in the JSON a client sent
// ("schedules[0].timezone", "srs[1].sr"). Validation of jobs and pools returns every problem at
// once, so the API can answer one 400 with a message per field and the CLI can print them all.
// Thread-safety: plain values.
#ifndef XCR_JOBS_JOB_FIELD_ERROR_H_
#define XCR_JOBS_JOB_FIELD_ERROR_H_

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"

namespace xcr::jobs {

struct FieldError {
  std::string field;    // JSON path with XO's names: "name", "schedules[0].cron"
  std::string message;  // what is wrong and, where it helps, what is expected
  bool operator==(const FieldError&) const = default;
};
using FieldErrors = std::vector<FieldError>;

// OK when errors is empty; else kInvalidArgument "<what> is invalid: field: message; ...".
Status FieldErrorsToStatus(const FieldErrors& errors, std::string_view what);
// [{"field": ..., "message": ...}, ...]
nlohmann::json FieldErrorsToJson(const FieldErrors& errors);

// "prefix.field", or "prefix[3]" style joins used while walking nested objects.
std::string FieldPath(std::string_view prefix, std::string_view name);
std::string FieldIndex(std::string_view prefix, size_t index);

}  // namespace xcr::jobs

#endif  // XCR_JOBS_JOB_FIELD_ERROR_H_
