#include "jobs/job_field_error.h"

#include "jobs/job_text.h"

namespace xcr::jobs {

Status FieldErrorsToStatus(const FieldErrors& errors, std::string_view what) {
  if (errors.empty()) return Status::OK();
  std::string msg = std::string(what) + " is invalid: ";
  for (size_t i = 0; i < errors.size(); ++i) {
    if (i > 0) msg += "; ";
    msg += errors[i].field + ": " + errors[i].message;
  }
  return Status::InvalidArgument(std::move(msg));
}

nlohmann::json FieldErrorsToJson(const FieldErrors& errors) {
  nlohmann::json out = nlohmann::json::array();
  for (const FieldError& e : errors) {
    out.push_back({{"field", ToValidUtf8(e.field)}, {"message", ToValidUtf8(e.message)}});
  }
  return out;
}

std::string FieldPath(std::string_view prefix, std::string_view name) {
  if (prefix.empty()) return std::string(name);
  return std::string(prefix) + "." + std::string(name);
}

std::string FieldIndex(std::string_view prefix, size_t index) {
  return std::string(prefix) + "[" + std::to_string(index) + "]";
}

}  // namespace xcr::jobs
