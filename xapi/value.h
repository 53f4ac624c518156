// Value: one XML-RPC value as XAPI exchanges it — string, int, double, bool, dateTime, array,
// struct, or nil (XAPI's "void", an empty <value/>).
//
// XAPI sends 64-bit ints as untyped strings; AsInt() accepts both forms. Refs, UUIDs and enums
// are strings. Struct members keep XAPI's names; maps with non-string keys arrive stringified.
// Thread-safety: a Value is a plain value type.
#ifndef XCR_XAPI_VALUE_H_
#define XCR_XAPI_VALUE_H_

#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "base/result.h"

namespace xcr::xapi {

class Value;
using Array = std::vector<Value>;
using Struct = std::map<std::string, Value>;

// An XML-RPC dateTime.iso8601, kept as the text received/sent (e.g. "20240101T00:00:00Z").
struct DateTime {
  std::string iso8601;
  bool operator==(const DateTime&) const = default;
};

class Value {
 public:
  enum class Type { kNil, kString, kInt, kDouble, kBool, kDateTime, kArray, kStruct };

  Value() = default;                                               // nil
  Value(std::string s) : v_(std::move(s)) {}                       // NOLINT
  Value(const char* s) : v_(std::string(s)) {}                     // NOLINT
  Value(std::string_view s) : v_(std::string(s)) {}                // NOLINT
  Value(int64_t i) : v_(i) {}                                      // NOLINT
  Value(int i) : v_(static_cast<int64_t>(i)) {}                    // NOLINT
  Value(double d) : v_(d) {}                                       // NOLINT
  Value(bool b) : v_(b) {}                                         // NOLINT
  Value(DateTime d) : v_(std::move(d)) {}                          // NOLINT
  Value(Array a) : v_(std::make_shared<Array>(std::move(a))) {}    // NOLINT
  Value(Struct s) : v_(std::make_shared<Struct>(std::move(s))) {}  // NOLINT

  Type type() const { return static_cast<Type>(v_.index()); }
  bool is_nil() const { return type() == Type::kNil; }
  bool is_string() const { return type() == Type::kString; }
  bool is_int() const { return type() == Type::kInt; }
  bool is_double() const { return type() == Type::kDouble; }
  bool is_bool() const { return type() == Type::kBool; }
  bool is_datetime() const { return type() == Type::kDateTime; }
  bool is_array() const { return type() == Type::kArray; }
  bool is_struct() const { return type() == Type::kStruct; }

  // Unchecked accessors: the caller has checked type(). (Checked forms below.)
  const std::string& string() const { return std::get<std::string>(v_); }
  int64_t int_value() const { return std::get<int64_t>(v_); }
  double double_value() const { return std::get<double>(v_); }
  bool bool_value() const { return std::get<bool>(v_); }
  const DateTime& datetime() const { return std::get<DateTime>(v_); }
  const Array& array() const { return *std::get<std::shared_ptr<Array>>(v_); }
  const Struct& structure() const { return *std::get<std::shared_ptr<Struct>>(v_); }
  // Mutable access copies a shared array/struct first (copy-on-write).
  Array& mutable_array();
  Struct& mutable_structure();

  // Checked conversions with XAPI's leniency; otherwise kCorruption "expected an int, got a
  // struct ({...})" (see WrongType).
  Result<std::string> AsString() const;  // string; also int/double/bool/dateTime rendered
  Result<int64_t> AsInt() const;         // int, or a string of decimal digits (XAPI's 64-bit ints)
  Result<double> AsDouble() const;       // double, int, or numeric string
  Result<bool> AsBool() const;           // bool, or "true"/"false"/"1"/"0"

  // Struct member lookup: nullptr if this is not a struct or the member is absent.
  const Value* Find(std::string_view key) const;

  // A compact human-readable rendering for logs and test failures (not XML).
  std::string DebugString() const;
  // The type with an article and a short excerpt of the value, for error messages: "an int
  // (42)", "a string (\"OpaqueRef:1\")", "a struct ({uuid: \"u\", ...})", "nil (void)". At most
  // about 80 characters of the value are shown.
  std::string Describe() const;

  bool operator==(const Value& o) const;

 private:
  std::variant<std::monostate, std::string, int64_t, double, bool, DateTime, std::shared_ptr<Array>,
               std::shared_ptr<Struct>>
      v_;
};

// kCorruption "<what>: expected <expected>, got <got.Describe()>" — the one wording for a value
// of the wrong type, wherever it is found (an answer, a record field, a map entry). `what` names
// the method or field; empty leaves the prefix out. `expected` carries its article ("a string").
Status WrongType(std::string_view what, std::string_view expected, const Value& got);

// The null ref XAPI uses for "no object".
inline constexpr std::string_view kNullRef = "OpaqueRef:NULL";

}  // namespace xcr::xapi

#endif  // XCR_XAPI_VALUE_H_
