// libFuzzer target for the XML-RPC decoder (xapi/xmlrpc.h).
//
// Each input goes to all three decoders and to ParseXapiDateTime. Beyond "no crash, no leak, no
// sanitizer report", it checks properties that must hold for any input:
//  - a refusal is a non-OK Status with a message; the only remote error is XMLRPC_FAULT;
//  - whatever decodes, re-encodes into XML that decodes again, and the encoding is then stable
//    (encode(decode(encode(v))) == encode(v));
//  - a parsed date-time formats back to a text that parses to the same second.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "xapi/xmlrpc.h"

namespace xcr::xapi {
namespace {

[[noreturn]] void Fail(const char* what, std::string_view detail) {
  std::fprintf(stderr, "xmlrpc_fuzz: %s: %.*s\n", what, static_cast<int>(detail.size()),
               detail.data());
  std::abort();
}

void CheckRefusal(const Status& s) {
  if (s.ok()) Fail("OK status from a failed decode", "");
  if (s.message().empty()) Fail("refusal without a message", s.ToString());
  if (s.code() == StatusCode::kRemoteError && s.error_name() != "XMLRPC_FAULT") {
    Fail("unexpected remote error", s.ToString());
  }
}

// The limits the fuzzer decodes with: small enough to keep each run fast.
DecodeLimits FuzzLimits() {
  DecodeLimits limits;
  limits.max_bytes = 1 << 20;
  limits.max_elements = 200'000;
  return limits;
}

void CheckValue(const Value& v) {
  const std::string once = EncodeResponse(v);
  Result<Value> again = DecodeResponse(once);
  if (!again.ok()) Fail("re-decoding an encoded value failed", again.status().ToString());
  const std::string twice = EncodeResponse(*again);
  if (once != twice) Fail("encoding is not stable", once + "\n---\n" + twice);
}

void FuzzOne(std::string_view input) {
  const DecodeLimits limits = FuzzLimits();

  Result<Value> response = DecodeResponse(input, limits);
  if (response.ok()) {
    CheckValue(*response);
    Result<Value> unwrapped = UnwrapXapiResult(*response);
    if (!unwrapped.ok() && unwrapped.status().message().empty()) {
      Fail("UnwrapXapiResult refusal without a message", "");
    }
  } else {
    CheckRefusal(response.status());
  }

  Result<MethodCall> call = DecodeMethodCall(input, limits);
  if (call.ok()) {
    const std::string once = EncodeMethodCall(call->method, call->params);
    Result<MethodCall> again = DecodeMethodCall(once);
    if (!again.ok()) Fail("re-decoding an encoded call failed", again.status().ToString());
    if (again->method != call->method) Fail("method name changed", once);
    if (EncodeMethodCall(again->method, again->params) != once) Fail("call not stable", once);
  } else {
    CheckRefusal(call.status());
  }

  Result<Value> fragment = DecodeValue(input, limits);
  if (fragment.ok()) {
    CheckValue(*fragment);
  } else {
    CheckRefusal(fragment.status());
  }

  if (input.size() <= 64) {
    Result<int64_t> t = ParseXapiDateTime(input);
    if (t.ok()) {
      const std::string text = FormatXapiDateTime(*t);
      Result<int64_t> back = ParseXapiDateTime(text);
      // Year 1 with a positive offset formats as year 0, which is refused; nothing else may be.
      if (back.ok() ? *back != *t : text.rfind("0000", 0) != 0) {
        Fail("date-time does not round-trip", text);
      }
    }
  }
}

}  // namespace
}  // namespace xcr::xapi

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  xcr::xapi::FuzzOne(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
