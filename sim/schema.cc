#include "sim/schema.h"
#include "sim/xapi_names.h"

#include <strings.h>

#include <cstdlib>

namespace xcr::sim {

const FieldSpec* ClassSpec::FindField(std::string_view field) const {
  for (size_t i = 0; i < field_count; ++i) {
    if (field == fields[i].name) return &fields[i];
  }
  return nullptr;
}

const ClassSpec* FindClass(std::string_view name) {
  for (const ClassSpec& c : AllClassSpecs()) {
    if (name == c.name) return &c;
  }
  for (const ClassSpec& c : AllClassSpecs()) {
    std::string_view n(c.name);
    if (n.size() == name.size() && strncasecmp(n.data(), name.data(), n.size()) == 0) return &c;
  }
  return nullptr;
}

Value DefaultValue(const FieldSpec& f) {
  switch (f.kind) {
    case FieldKind::kInt:
      return Value(static_cast<int64_t>(std::strtoll(f.default_text, nullptr, 10)));
    case FieldKind::kFloat:
      return Value(std::strtod(f.default_text, nullptr));
    case FieldKind::kBool:
      return Value(std::string_view(f.default_text) == "true");
    case FieldKind::kDateTime:
      return Value(DateTime{f.default_text});
    case FieldKind::kSet:
      return Value(Array{});
    case FieldKind::kMap:
      return Value(Struct{});
    default:
      return Value(std::string(f.default_text));
  }
}

Struct DefaultRecord(const ClassSpec& cls) {
  Struct s;
  for (size_t i = 0; i < cls.field_count; ++i) s[cls.fields[i].name] = DefaultValue(cls.fields[i]);
  return s;
}

bool ValueFits(const FieldSpec& f, const Value& v) {
  switch (f.kind) {
    case FieldKind::kInt:
      return v.AsInt().ok();
    case FieldKind::kFloat:
      return v.AsDouble().ok();
    case FieldKind::kBool:
      return v.is_bool();
    case FieldKind::kDateTime:
      return v.is_datetime() || v.is_string();
    case FieldKind::kSet:
      return v.is_array();
    case FieldKind::kMap:
      return v.is_struct();
    default:
      return v.is_string();
  }
}

Value Normalize(const FieldSpec& f, const Value& v) {
  switch (f.kind) {
    case FieldKind::kInt:
      return Value(*v.AsInt());
    case FieldKind::kFloat:
      return Value(*v.AsDouble());
    case FieldKind::kDateTime:
      return v.is_datetime() ? v : Value(DateTime{v.string()});
    default:
      return v;
  }
}

}  // namespace xcr::sim
