#include "xapi/value.h"

#include <charconv>
#include <cstdio>

namespace xcr::xapi {
namespace {

// The type's name with its article.
const char* TypeName(Value::Type t) {
  switch (t) {
    case Value::Type::kNil:
      return "nil";
    case Value::Type::kString:
      return "a string";
    case Value::Type::kInt:
      return "an int";
    case Value::Type::kDouble:
      return "a double";
    case Value::Type::kBool:
      return "a boolean";
    case Value::Type::kDateTime:
      return "a dateTime";
    case Value::Type::kArray:
      return "an array";
    case Value::Type::kStruct:
      return "a struct";
  }
  return "?";
}

constexpr size_t kExcerptChars = 80;

// DebugString's rendering, stopped once `out` holds `limit` characters (a hostile answer may be
// a struct of millions of members: it is not rendered whole to be cut).
void AppendExcerpt(const Value& v, size_t limit, std::string* out) {
  if (out->size() >= limit) return;
  if (v.is_array()) {
    *out += "[";
    for (size_t i = 0; i < v.array().size() && out->size() < limit; ++i) {
      if (i) *out += ", ";
      AppendExcerpt(v.array()[i], limit, out);
    }
    *out += "]";
  } else if (v.is_struct()) {
    *out += "{";
    bool first = true;
    for (const auto& [k, m] : v.structure()) {
      if (out->size() >= limit) break;
      if (!first) *out += ", ";
      first = false;
      *out += k + ": ";
      AppendExcerpt(m, limit, out);
    }
    *out += "}";
  } else {
    *out += v.DebugString().substr(0, limit + 1 - out->size());  // one more: shows the cut
  }
}

}  // namespace

Array& Value::mutable_array() {
  auto& p = std::get<std::shared_ptr<Array>>(v_);
  if (p.use_count() > 1) p = std::make_shared<Array>(*p);
  return *p;
}

Struct& Value::mutable_structure() {
  auto& p = std::get<std::shared_ptr<Struct>>(v_);
  if (p.use_count() > 1) p = std::make_shared<Struct>(*p);
  return *p;
}

Result<std::string> Value::AsString() const {
  switch (type()) {
    case Type::kString:
      return string();
    case Type::kInt:
      return std::to_string(int_value());
    case Type::kBool:
      return std::string(bool_value() ? "true" : "false");
    case Type::kDateTime:
      return datetime().iso8601;
    case Type::kDouble: {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.16g", double_value());
      return std::string(buf);
    }
    default:
      return WrongType("", "a string", *this);
  }
}

Result<int64_t> Value::AsInt() const {
  if (is_int()) return int_value();
  if (is_string()) {
    const std::string& s = string();
    int64_t out = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    if (ec == std::errc() && p == s.data() + s.size() && !s.empty()) return out;
  }
  return WrongType("", "an int", *this);
}

Result<double> Value::AsDouble() const {
  if (is_double()) return double_value();
  if (is_int()) return static_cast<double>(int_value());
  if (is_string()) {
    const std::string& s = string();
    char* end = nullptr;
    double d = std::strtod(s.c_str(), &end);
    if (!s.empty() && end == s.c_str() + s.size()) return d;
  }
  return WrongType("", "a double", *this);
}

Result<bool> Value::AsBool() const {
  if (is_bool()) return bool_value();
  if (is_string()) {
    if (string() == "true" || string() == "1") return true;
    if (string() == "false" || string() == "0") return false;
  }
  return WrongType("", "a boolean", *this);
}

const Value* Value::Find(std::string_view key) const {
  if (!is_struct()) return nullptr;
  const Struct& s = structure();
  auto it = s.find(std::string(key));
  return it == s.end() ? nullptr : &it->second;
}

std::string Value::DebugString() const {
  switch (type()) {
    case Type::kNil:
      return "nil";
    case Type::kString:
      return "\"" + string() + "\"";
    case Type::kInt:
      return std::to_string(int_value());
    case Type::kBool:
      return bool_value() ? "true" : "false";
    case Type::kDateTime:
      return "dateTime(" + datetime().iso8601 + ")";
    case Type::kDouble:
      return *AsString();
    case Type::kArray: {
      std::string out = "[";
      for (size_t i = 0; i < array().size(); ++i) {
        if (i) out += ", ";
        out += array()[i].DebugString();
      }
      return out + "]";
    }
    case Type::kStruct: {
      std::string out = "{";
      bool first = true;
      for (const auto& [k, v] : structure()) {
        if (!first) out += ", ";
        first = false;
        out += k + ": " + v.DebugString();
      }
      return out + "}";
    }
  }
  return "?";
}

std::string Value::Describe() const {
  if (is_nil()) return "nil (void)";
  std::string excerpt;
  AppendExcerpt(*this, kExcerptChars, &excerpt);
  if (excerpt.size() > kExcerptChars) excerpt = excerpt.substr(0, kExcerptChars - 3) + "...";
  return std::string(TypeName(type())) + " (" + excerpt + ")";
}

Status WrongType(std::string_view what, std::string_view expected, const Value& got) {
  std::string msg = "expected " + std::string(expected) + ", got " + got.Describe();
  if (what.empty()) return Status::Corruption(std::move(msg));
  return Status::Corruption(std::string(what) + ": " + msg);
}

bool Value::operator==(const Value& o) const {
  if (type() != o.type()) return false;
  switch (type()) {
    case Type::kNil:
      return true;
    case Type::kString:
      return string() == o.string();
    case Type::kInt:
      return int_value() == o.int_value();
    case Type::kDouble:
      return double_value() == o.double_value();
    case Type::kBool:
      return bool_value() == o.bool_value();
    case Type::kDateTime:
      return datetime() == o.datetime();
    case Type::kArray:
      return array() == o.array();
    case Type::kStruct:
      return structure() == o.structure();
  }
  return false;
}

}  // namespace xcr::xapi
