// Lossless conversion between XML-RPC Values and JSON, for anything that stores XAPI records in
// a JSON file (the simulator's state, cr-seed's manifest, the xcr-xapi tool's output).
//
//   nil <-> null        string <-> string      int <-> integer     double <-> float
//   bool <-> bool       array <-> array        struct <-> object
//   dateTime <-> {"$dt": "<the XML-RPC text>"}
//
// A struct whose only member is a string "$dt" reads back as a dateTime: XAPI has no such
// struct. ValueFromJson is meant for untrusted input: nesting deeper than `max_depth` and
// integers outside int64 are kInvalidArgument, never a crash.
// Thread-safety: pure functions.
#ifndef XCR_XAPI_VALUE_JSON_H_
#define XCR_XAPI_VALUE_JSON_H_

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "xapi/value.h"

namespace xcr::xapi {

// The member name marking a dateTime.
inline constexpr const char* kJsonDateTimeMarker = "$dt";

// How ValueToJson writes a dateTime: tagged (lossless, reads back as a dateTime) or as its plain
// XML-RPC text (for people reading a tool's output; reads back as a string).
enum class JsonDateTimes { kTagged, kPlainText };

nlohmann::json ValueToJson(const Value& v, JsonDateTimes datetimes = JsonDateTimes::kTagged);
Result<Value> ValueFromJson(const nlohmann::json& j, int max_depth = 64);

}  // namespace xcr::xapi

#endif  // XCR_XAPI_VALUE_JSON_H_
