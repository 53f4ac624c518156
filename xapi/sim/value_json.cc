#include "xapi/sim/value_json.h"

namespace xcr::xapi::sim {

nlohmann::json ValueToJson(const Value& v) {
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
      return nlohmann::json{{"$dt", v.datetime().iso8601}};
    case Value::Type::kArray: {
      nlohmann::json a = nlohmann::json::array();
      for (const Value& e : v.array()) a.push_back(ValueToJson(e));
      return a;
    }
    case Value::Type::kStruct: {
      nlohmann::json o = nlohmann::json::object();
      for (const auto& [k, e] : v.structure()) o[k] = ValueToJson(e);
      return o;
    }
  }
  return nullptr;
}

Value ValueFromJson(const nlohmann::json& j) {
  if (j.is_null()) return Value();
  if (j.is_string()) return Value(j.get<std::string>());
  if (j.is_boolean()) return Value(j.get<bool>());
  if (j.is_number_integer()) return Value(j.get<int64_t>());
  if (j.is_number()) return Value(j.get<double>());
  if (j.is_array()) {
    Array a;
    for (const auto& e : j) a.push_back(ValueFromJson(e));
    return Value(std::move(a));
  }
  if (j.size() == 1 && j.contains("$dt") && j["$dt"].is_string()) {
    return Value(DateTime{j["$dt"].get<std::string>()});
  }
  Struct s;
  for (auto it = j.begin(); it != j.end(); ++it) s[it.key()] = ValueFromJson(it.value());
  return Value(std::move(s));
}

}  // namespace xcr::xapi::sim
