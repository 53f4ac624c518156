#include "jobs/job_json_reader.h"

#include <limits>

namespace xcr::jobs {

JsonObjectReader::JsonObjectReader(const nlohmann::json& value, std::string prefix,
                                   FieldErrors* errors)
    : prefix_(std::move(prefix)), errors_(errors) {
  if (value.is_object()) {
    object_ = &value;
  } else {
    errors_->push_back({prefix_.empty() ? std::string("(body)") : prefix_,
                        std::string("expected a JSON object, got ") + value.type_name()});
  }
}

void JsonObjectReader::Error(const char* key, std::string message) {
  errors_->push_back({Path(key), std::move(message)});
}

const nlohmann::json* JsonObjectReader::Member(const char* key) {
  if (object_ == nullptr) return nullptr;
  read_.insert(key);
  auto it = object_->find(key);
  return it == object_->end() ? nullptr : &*it;
}

bool JsonObjectReader::String(const char* key, std::string* out, bool required) {
  const nlohmann::json* v = Member(key);
  if (v == nullptr) {
    if (required && object_ != nullptr) Error(key, "missing");
    return false;
  }
  if (!v->is_string()) {
    Error(key, std::string("expected a string, got ") + v->type_name());
    return false;
  }
  *out = v->get<std::string>();
  return true;
}

bool JsonObjectReader::Bool(const char* key, bool* out) {
  const nlohmann::json* v = Member(key);
  if (v == nullptr) return false;
  if (!v->is_boolean()) {
    Error(key, std::string("expected true or false, got ") + v->type_name());
    return false;
  }
  *out = v->get<bool>();
  return true;
}

bool JsonObjectReader::Unsigned(const char* key, uint64_t max, uint64_t* out) {
  const nlohmann::json* v = Member(key);
  if (v == nullptr) return false;
  if (v->is_number_unsigned() || (v->is_number_integer() && v->get<int64_t>() >= 0)) {
    uint64_t n = v->get<uint64_t>();
    if (n > max) {
      Error(key, "must be at most " + std::to_string(max));
      return false;
    }
    *out = n;
    return true;
  }
  if (v->is_number_integer()) {
    Error(key, "must not be negative");
  } else {
    Error(key, std::string("expected a whole number, got ") + v->type_name());
  }
  return false;
}

bool JsonObjectReader::Uint32(const char* key, uint32_t* out) {
  uint64_t n = 0;
  if (!Unsigned(key, std::numeric_limits<uint32_t>::max(), &n)) return false;
  *out = static_cast<uint32_t>(n);
  return true;
}

bool JsonObjectReader::Uint64(const char* key, uint64_t* out) {
  // JSON numbers beyond 2^53 lose precision in most clients; no setting needs more.
  return Unsigned(key, uint64_t{1} << 53, out);
}

bool JsonObjectReader::StringList(const char* key, std::vector<std::string>* out) {
  const nlohmann::json* v = Member(key);
  if (v == nullptr) return false;
  if (!v->is_array()) {
    Error(key, std::string("expected an array of strings, got ") + v->type_name());
    return false;
  }
  std::vector<std::string> list;
  bool ok = true;
  for (size_t i = 0; i < v->size(); ++i) {
    if (!(*v)[i].is_string()) {
      errors_->push_back(
          {FieldIndex(Path(key), i), std::string("expected a string, got ") + (*v)[i].type_name()});
      ok = false;
      continue;
    }
    list.push_back((*v)[i].get<std::string>());
  }
  if (ok) *out = std::move(list);
  return ok;
}

void JsonObjectReader::Finish() {
  if (object_ == nullptr) return;
  for (auto it = object_->begin(); it != object_->end(); ++it) {
    if (read_.count(it.key()) == 0) errors_->push_back({Path(it.key().c_str()), "unknown field"});
  }
}

}  // namespace xcr::jobs
