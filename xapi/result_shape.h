// The shape of a XAPI method's result, and the check every answer passes before a caller sees
// it: Connection::Call (and so every typed call, the engine's raw calls and xcr-xapi's `call`
// and `records`) refuses an answer of the wrong shape with kCorruption naming the method, what
// was expected and what came:
//
//   VM.get_all_records: expected a struct of records, got an int (42)
//
// The shape is found from the method's name by XAPI's naming conventions, which the datamodel
// follows without exception (tests/xapi/result_shape_test.cc checks every method of
// xenapi-datamodel.json against this table):
//
//   Async.*                                           a ref (the task)
//   get_all_records                                   a struct of records (ref -> struct)
//   get_record                                        a record (struct)
//   get_by_uuid, create, clone, snapshot, copy,
//   login_with_password                               a ref (a non-empty string)
//   get_all, get_by_name_label                        an array of refs
//   destroy, set_*, add_to_*, remove_from_*,
//   add_tags, remove_tags, start, logout, cancel      void (nil, or "": an empty <value/>)
//   anything else (field getters, sim.*, event.from)  not checked here; typed decoders
//                                                     (records.h) check what they read
//
// Thread-safety: pure functions.
#ifndef XCR_XAPI_RESULT_SHAPE_H_
#define XCR_XAPI_RESULT_SHAPE_H_

#include <string_view>

#include "base/status.h"
#include "xapi/value.h"

namespace xcr::xapi {

enum class ResultShape {
  kUnchecked,  // any value
  kVoid,       // nil or ""
  kRef,        // a non-empty string (the null ref is "OpaqueRef:NULL", never "")
  kRefSet,     // an array of strings
  kRecord,     // a struct
  kRecordSet,  // a struct whose every member is a struct
};

// The shape `method` ("VM.get_all_records", "Async.VM.snapshot") answers with.
ResultShape ResultShapeOf(std::string_view method);

// "a struct of records", "a ref (a non-empty string)", ... ("any value" for kUnchecked).
std::string_view DescribeShape(ResultShape shape);

// OK if `v` has `shape`; else kCorruption "<method>: expected <shape>, got <v.Describe()>". A
// record set with one member of the wrong type names that member's ref.
Status CheckResultShape(std::string_view method, ResultShape shape, const Value& v);

// CheckResultShape(method, ResultShapeOf(method), v).
inline Status CheckResultShape(std::string_view method, const Value& v) {
  return CheckResultShape(method, ResultShapeOf(method), v);
}

}  // namespace xcr::xapi

#endif  // XCR_XAPI_RESULT_SHAPE_H_
