#include "xapi/result_shape.h"

#include <array>
#include <string>

namespace xcr::xapi {

namespace {

struct NameRule {
  std::string_view name;
  bool prefix;  // name is a prefix ("set_") rather than the whole message name
  ResultShape shape;
};

constexpr std::array kRules = {
    NameRule{"get_all_records", false, ResultShape::kRecordSet},
    NameRule{"get_record", false, ResultShape::kRecord},
    NameRule{"get_by_uuid", false, ResultShape::kRef},
    NameRule{"create", false, ResultShape::kRef},
    NameRule{"clone", false, ResultShape::kRef},
    NameRule{"snapshot", false, ResultShape::kRef},
    NameRule{"copy", false, ResultShape::kRef},
    NameRule{"login_with_password", false, ResultShape::kRef},
    NameRule{"get_all", false, ResultShape::kRefSet},
    NameRule{"get_by_name_label", false, ResultShape::kRefSet},
    NameRule{"destroy", false, ResultShape::kVoid},
    NameRule{"add_tags", false, ResultShape::kVoid},
    NameRule{"remove_tags", false, ResultShape::kVoid},
    NameRule{"start", false, ResultShape::kVoid},
    NameRule{"logout", false, ResultShape::kVoid},
    NameRule{"cancel", false, ResultShape::kVoid},
    NameRule{"set_", true, ResultShape::kVoid},
    NameRule{"add_to_", true, ResultShape::kVoid},
    NameRule{"remove_from_", true, ResultShape::kVoid},
};

bool IsVoid(const Value& v) { return v.is_nil() || (v.is_string() && v.string().empty()); }

}  // namespace

ResultShape ResultShapeOf(std::string_view method) {
  if (method.starts_with("Async.")) return ResultShape::kRef;
  size_t dot = method.find('.');
  if (dot == std::string_view::npos) return ResultShape::kUnchecked;
  std::string_view message = method.substr(dot + 1);
  for (const NameRule& r : kRules) {
    if (r.prefix ? message.starts_with(r.name) : message == r.name) return r.shape;
  }
  return ResultShape::kUnchecked;
}

std::string_view DescribeShape(ResultShape shape) {
  switch (shape) {
    case ResultShape::kUnchecked:
      return "any value";
    case ResultShape::kVoid:
      return "nothing (void)";
    case ResultShape::kRef:
      return "a ref (a non-empty string)";
    case ResultShape::kRefSet:
      return "an array of refs";
    case ResultShape::kRecord:
      return "a record (struct)";
    case ResultShape::kRecordSet:
      return "a struct of records";
  }
  return "?";
}

Status CheckResultShape(std::string_view method, ResultShape shape, const Value& v) {
  auto wrong = [&](const Value& got) { return WrongType(method, DescribeShape(shape), got); };
  switch (shape) {
    case ResultShape::kUnchecked:
      return Status::OK();
    case ResultShape::kVoid:
      return IsVoid(v) ? Status::OK() : wrong(v);
    case ResultShape::kRef:
      return v.is_string() && !v.string().empty() ? Status::OK() : wrong(v);
    case ResultShape::kRecord:
      return v.is_struct() ? Status::OK() : wrong(v);
    case ResultShape::kRefSet:
      if (!v.is_array()) return wrong(v);
      for (size_t i = 0; i < v.array().size(); ++i) {
        const Value& e = v.array()[i];
        if (!e.is_string()) {
          return WrongType(std::string(method) + " [" + std::to_string(i) + "]", "a string", e);
        }
      }
      return Status::OK();
    case ResultShape::kRecordSet:
      if (!v.is_struct()) return wrong(v);
      for (const auto& [ref, rec] : v.structure()) {
        if (!rec.is_struct()) {
          return WrongType(std::string(method) + " " + ref, "a record (struct)", rec);
        }
      }
      return Status::OK();
  }
  return Status::OK();
}

}  // namespace xcr::xapi
