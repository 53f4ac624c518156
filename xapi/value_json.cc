#include "xapi/value_json.h"

#include <limits>

namespace xcr::xapi {

nlohmann::json ValueToJson(const Value& v, JsonDateTimes datetimes) {
  switch (v.type()) {
    case Value::Type::kNil:
      return nullptr;
    case Value::Type::kString:
      return v.string();
    case Value::Type::kInt:
      return v.int_value();
    case Value::Type::kDouble:
      return v.double_value();
    case Value::Type::kBool:
      return v.bool_value();
    case Value::Type::kDateTime:
      if (datetimes == JsonDateTimes::kPlainText) return v.datetime().iso8601;
      return nlohmann::json{{kJsonDateTimeMarker, v.datetime().iso8601}};
    case Value::Type::kArray: {
      nlohmann::json a = nlohmann::json::array();
      for (const Value& e : v.array()) a.push_back(ValueToJson(e, datetimes));
      return a;
    }
    case Value::Type::kStruct: {
      nlohmann::json o = nlohmann::json::object();
      for (const auto& [k, e] : v.structure()) o[k] = ValueToJson(e, datetimes);
      return o;
    }
  }
  return nullptr;
}

Result<Value> ValueFromJson(const nlohmann::json& j, int max_depth) {
  if (max_depth < 0) return Status::InvalidArgument("JSON value nested too deeply");
  if (j.is_null()) return Value();
  if (j.is_string()) return Value(j.get<std::string>());
  if (j.is_boolean()) return Value(j.get<bool>());
  if (j.is_number_unsigned()) {
    uint64_t u = j.get<uint64_t>();
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return Status::InvalidArgument("JSON integer " + std::to_string(u) + " exceeds 64 bits");
    }
    return Value(static_cast<int64_t>(u));
  }
  if (j.is_number_integer()) return Value(j.get<int64_t>());
  if (j.is_number_float()) return Value(j.get<double>());
  if (j.is_array()) {
    Array a;
    a.reserve(j.size());
    for (const auto& e : j) {
      XCR_ASSIGN_OR_RETURN(Value v, ValueFromJson(e, max_depth - 1));
      a.push_back(std::move(v));
    }
    return Value(std::move(a));
  }
  if (j.is_object()) {
    if (j.size() == 1 && j.contains(kJsonDateTimeMarker) && j[kJsonDateTimeMarker].is_string()) {
      return Value(DateTime{j[kJsonDateTimeMarker].get<std::string>()});
    }
    Struct s;
    for (auto it = j.begin(); it != j.end(); ++it) {
      XCR_ASSIGN_OR_RETURN(Value v, ValueFromJson(it.value(), max_depth - 1));
      s.emplace(it.key(), std::move(v));
    }
    return Value(std::move(s));
  }
  return Status::InvalidArgument("JSON value of an unsupported kind (binary)");
}

}  // namespace xcr::xapi
