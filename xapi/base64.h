// Base64 decoding as XML-RPC's <base64> and HTTP Basic credentials need it, on OpenSSL's decoder
// (EVP_DecodeBlock). The one decoder of the project: the XML-RPC codec, the simulator's HTTP
// authentication and the web layer's stored password hashes (web/secret_token.h, strict) call it.
//
// Accepted on top of what EVP_DecodeBlock takes (RFC 4648 text in groups of four):
//   - whitespace anywhere (XML-RPC writers wrap lines and indent; XML allows any blanks);
//   - missing padding ("aGVsbG8" for "aGVsbG8=");
//   - the URL-safe alphabet ('-' and '_' for '+' and '/'), which some XML-RPC writers use.
// Refused (kCorruption): any other character, '=' anywhere but in the last one or two places,
// a lone trailing character (6 bits cannot make a byte).
// Thread-safety: pure function.
#ifndef XCR_XAPI_BASE64_H_
#define XCR_XAPI_BASE64_H_

#include <string>
#include <string_view>

#include "base/result.h"

namespace xcr::xapi {

// The bytes `text` encodes, or kCorruption saying what was wrong with it.
Result<std::string> DecodeBase64(std::string_view text);

}  // namespace xcr::xapi

#endif  // XCR_XAPI_BASE64_H_
