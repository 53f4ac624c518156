// Conversion between XML-RPC Values and JSON, for the simulator's state file.
//
// The mapping is lossless: nil <-> null, string <-> string, int <-> integer, double <-> float,
// bool <-> bool, array <-> array, struct <-> object, dateTime <-> {"$dt": "<iso8601>"}.
#ifndef XCR_XAPI_SIM_VALUE_JSON_H_
#define XCR_XAPI_SIM_VALUE_JSON_H_

#include <nlohmann/json.hpp>

#include "xapi/value.h"

namespace xcr::xapi::sim {

nlohmann::json ValueToJson(const Value& v);
Value ValueFromJson(const nlohmann::json& j);

}  // namespace xcr::xapi::sim

#endif  // XCR_XAPI_SIM_VALUE_JSON_H_
