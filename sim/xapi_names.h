// The XAPI vocabulary the simulator speaks in, from the client library (xapi/): values, the
// XML-RPC and JSON codecs, and the null reference. The simulator answers the same wire protocol
// the client decodes, so it shares these types rather than mirroring them.
#ifndef XCR_SIM_XAPI_NAMES_H_
#define XCR_SIM_XAPI_NAMES_H_

#include "xapi/api.h"
#include "xapi/value.h"
#include "xapi/value_json.h"
#include "xapi/xmlrpc.h"

namespace xcr::sim {

using xapi::Array;
using xapi::DateTime;
using xapi::DecodeMethodCall;
using xapi::DecodeResponse;
using xapi::DecodeValue;
using xapi::EncodeFailure;
using xapi::EncodeMethodCall;
using xapi::EncodeOptions;
using xapi::EncodeResponse;
using xapi::EncodeSuccess;
using xapi::EncodeValue;
using xapi::FormatXapiDateTime;
using xapi::kNullRef;
using xapi::MethodCall;
using xapi::Struct;
using xapi::UnwrapXapiResult;
using xapi::Value;
using xapi::ValueFromJson;
using xapi::ValueToJson;

}  // namespace xcr::sim

#endif  // XCR_SIM_XAPI_NAMES_H_
