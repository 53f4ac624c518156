// XML-RPC codec: XAPI's wire format <-> Value (see xapi/value.h), on libxml2.
//
// Encoding writes exactly what XAPI's own server writes:
//   string            <value>text</value>            (untyped, XML-escaped)
//   int (64-bit)      <value>123</value>             (untyped decimal text, as XAPI sends ints;
//                                                     XAPI accepts it for int parameters too)
//                     <value><i4>123</i4></value>    with EncodeOptions::ints_as_i4 (only values
//                                                     in the int32 range; event.from's
//                                                     valid_ref_counts)
//   double            <value><double>%.16g</double></value>
//   bool              <value><boolean>1|0</boolean></value>
//   dateTime          <value><dateTime.iso8601>20240101T00:00:00Z</dateTime.iso8601></value>
//   array             <value><array><data>...</data></array></value>
//   struct            <value><struct><member><name>k</name><value>..</value></member>..</struct>
//   nil               <value></value>                (XAPI's "void")
// Characters XML 1.0 cannot carry (C0 controls other than tab/newline, invalid UTF-8, U+FFFE/F)
// are written as U+FFFD; a carriage return is written as &#13; so it survives.
//
// Decoding accepts every form XAPI and other clients produce: untyped text and <string>, <i4>,
// <int>, <i8>, <double>, <boolean> (1/0/true/false), <dateTime.iso8601> (kept as the text
// received, trimmed; parse it with ParseXapiDateTime), <base64> (decoded to a string), <nil/>,
// whitespace between elements, CDATA, comments, character and predefined entity references.
// An empty untyped <value></value> decodes as the empty string "" (XAPI cannot tell "" from
// void apart on the wire, and string fields are far more common than void results).
//
// Safety: documents larger than DecodeLimits::max_bytes are refused before parsing; any
// DOCTYPE is refused (XML-RPC has none; this stops entity-expansion attacks such as "billion
// laughs"); nesting is bounded by a pre-scan before libxml2 sees the document; no entity
// expansion, no DTD loading, no network access. Limit violations give kResourceExhausted;
// malformed XML or XML-RPC gives kCorruption with what was wrong and the line.
//
// Thread-safety: all functions are thread-safe (libxml2 is initialised once, on first use).
#ifndef XCR_XAPI_XMLRPC_H_
#define XCR_XAPI_XMLRPC_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "xapi/value.h"

namespace xcr::xapi {

// Bounds on what a decoder accepts from an untrusted peer.
struct DecodeLimits {
  size_t max_bytes = 64 << 20;      // document size in bytes (default 64 MiB)
  int max_depth = 64;               // nesting of arrays/structs (a scalar at top level is 0)
  size_t max_elements = 4'000'000;  // total number of values in the document
};

struct EncodeOptions {
  // Write ints in the int32 range as <i4> instead of untyped decimal text (XAPI does so for
  // event.from's valid_ref_counts). Other ints stay untyped.
  bool ints_as_i4 = false;
};

struct MethodCall {
  std::string method;
  Array params;
};

// A <methodCall> of `method` with `params` (a leading session ref is just the first param).
std::string EncodeMethodCall(std::string_view method, const Array& params,
                             const EncodeOptions& options = {});
// Parses a <methodCall>. A missing <params> means no parameters.
Result<MethodCall> DecodeMethodCall(std::string_view xml, const DecodeLimits& limits = {});

// A raw methodResponse around one value (what system.listMethods returns: a bare array).
std::string EncodeResponse(const Value& v, const EncodeOptions& options = {});
// XAPI's envelope: {Status:"Success", Value:v} / {Status:"Failure", ErrorDescription:[code,p...]}
std::string EncodeSuccess(const Value& v, const EncodeOptions& options = {});
std::string EncodeFailure(const std::vector<std::string>& error_description);
// A plain XML-RPC <fault> response {faultCode:int, faultString:string}.
std::string EncodeFault(int fault_code, std::string_view fault_string);

// Decodes a methodResponse to its value (exactly one <param>); an XML-RPC <fault> becomes a
// Status (kRemoteError, error_name "XMLRPC_FAULT", params {faultCode, faultString}).
Result<Value> DecodeResponse(std::string_view xml, const DecodeLimits& limits = {});

// Success -> Value; Failure -> Status::Remote(code, params) (see base/status.h); anything else
// -> kCorruption naming what was wrong.
Result<Value> UnwrapXapiResult(const Value& response);

// A lone <value>...</value> fragment, as XAPI stores in task.result ("<value>OpaqueRef:..
// </value>"). Decoding needs the root element to be <value>; "" is refused (kCorruption).
std::string EncodeValue(const Value& v, const EncodeOptions& options = {});
Result<Value> DecodeValue(std::string_view xml, const DecodeLimits& limits = {});

// Parses an ISO 8601 date-time as XAPI and its clients write them into Unix seconds (fraction
// dropped, rounding down). Accepted: "20240101T00:00:00Z", "20240101T00:00:00" (no zone = UTC),
// "2024-01-01T00:00:00Z", "20240101T000000Z", with fractional seconds ("...00.123Z") or an
// offset ("+01:00", "+0100", "-05"); 't'/' ' for 'T' and 'z' for 'Z'. kInvalidArgument naming
// the text otherwise.
Result<int64_t> ParseXapiDateTime(std::string_view text);
// Formats Unix seconds the way XAPI writes them: "20240101T00:00:00Z".
std::string FormatXapiDateTime(int64_t unix_seconds);

}  // namespace xcr::xapi

#endif  // XCR_XAPI_XMLRPC_H_
