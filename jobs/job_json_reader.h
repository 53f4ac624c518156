// JsonObjectReader: reads the fields of one JSON object into a model struct, recording a
// FieldError (named by its JSON path) for each field of the wrong type and, at Finish(), for
// each field nobody asked for (a typo such as "copyretention" is an error, not silently
// ignored). Missing fields leave the target unchanged (its default), unless required.
// Used by job_json.cc and pool_config_json.cc. Thread-safety: one reader per thread.
#ifndef XCR_JOBS_JOB_JSON_READER_H_
#define XCR_JOBS_JOB_JSON_READER_H_

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "jobs/job_field_error.h"

namespace xcr::jobs {

class JsonObjectReader {
 public:
  // `prefix` is the object's own path ("" for the top level, "schedules[0]" ...). If `value` is
  // not an object, one error is recorded and every read is a no-op.
  JsonObjectReader(const nlohmann::json& value, std::string prefix, FieldErrors* errors);

  bool is_object() const { return object_ != nullptr; }
  // Each returns whether the field was present and well-typed.
  bool String(const char* key, std::string* out, bool required = false);
  bool Bool(const char* key, bool* out);
  bool Uint32(const char* key, uint32_t* out);
  bool Uint64(const char* key, uint64_t* out);
  bool StringList(const char* key, std::vector<std::string>* out);
  // The raw member (marked as read), or null if absent.
  const nlohmann::json* Member(const char* key);
  // The path of a member: prefix.key.
  std::string Path(const char* key) const { return FieldPath(prefix_, key); }
  // Records "unknown field" for every member not read.
  void Finish();

 private:
  bool Unsigned(const char* key, uint64_t max, uint64_t* out);
  void Error(const char* key, std::string message);

  const nlohmann::json* object_ = nullptr;
  std::string prefix_;
  FieldErrors* errors_;
  std::set<std::string> read_;
};

}  // namespace xcr::jobs

#endif  // XCR_JOBS_JOB_JSON_READER_H_
