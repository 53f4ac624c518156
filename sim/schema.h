// Schema: the classes the simulator serves and every field XAPI's datamodel defines for them, with
// defaults, so each object carries a complete record as a real host returns it.
//
// The field table (schema_table.cc) is generated from the datamodel JSON by gen_schema.py.
// Thread-safety: immutable static data.
#ifndef XCR_SIM_SCHEMA_H_
#define XCR_SIM_SCHEMA_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "sim/xapi_names.h"
#include "xapi/value.h"

namespace xcr::sim {

enum class FieldKind { kString, kInt, kFloat, kBool, kDateTime, kEnum, kRef, kSet, kMap };

struct FieldSpec {
  const char* name;
  FieldKind kind;
  const char* default_text;  // scalar default as text; unused for kSet and kMap (empty)
  const char* ref_class;     // for kRef and sets of refs: the class pointed at; else nullptr
  bool rw;                   // RW in the datamodel: the class has set_<name>
};

struct ClassSpec {
  const char* name;  // as XAPI spells it: "VM", "pool", "SR"
  const FieldSpec* fields;
  size_t field_count;
  const char* const* messages;  // every message the datamodel defines for the class
  size_t message_count;

  const FieldSpec* FindField(std::string_view field) const;
};

// The served classes in a fixed order (pool, host, SR, PBD, network, VM, VBD, VDI, VIF, task,
// session).
const std::vector<ClassSpec>& AllClassSpecs();

// The class named `name` (exact, or case-insensitively, e.g. "vm" from event classes); nullptr if
// not served.
const ClassSpec* FindClass(std::string_view name);

// The default value of one field.
Value DefaultValue(const FieldSpec& field);

// A record with every field of the class at its default.
Struct DefaultRecord(const ClassSpec& cls);

// Whether `v` has the wire shape of `field` (used by setters): string for string/enum/ref,
// int (or decimal string), double, bool, dateTime, array, struct.
bool ValueFits(const FieldSpec& field, const Value& v);

// Normalizes an accepted value to the form XAPI sends back (ints as int, strings as string).
Value Normalize(const FieldSpec& field, const Value& v);

}  // namespace xcr::sim

#endif  // XCR_SIM_SCHEMA_H_
