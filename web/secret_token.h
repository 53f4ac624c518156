// The small cryptographic helpers the security layer shares, on OpenSSL: random secrets encoded
// for URLs and headers, SHA-256 in hex, and a comparison whose time does not depend on where two
// secrets differ.
// Thread-safety: free functions, safe from any thread.
#ifndef XCR_WEB_SECRET_TOKEN_H_
#define XCR_WEB_SECRET_TOKEN_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace xcr::web {

// `bytes` bytes from the kernel's CSPRNG (OpenSSL RAND_bytes), base64url without padding
// (43 characters for 32 bytes). Aborts if the CSPRNG fails: nothing secure can go on then.
std::string RandomToken(size_t bytes);

// Lower-case hex of `bytes` random bytes.
std::string RandomHex(size_t bytes);

// base64url without padding, and standard base64 with padding.
std::string Base64UrlEncode(std::string_view data);
std::string Base64Encode(std::string_view data);
// Decodes standard base64 (with padding); false if `text` is not base64.
bool Base64Decode(std::string_view text, std::string* out);

// Lower-case hex SHA-256 of data (64 characters).
std::string Sha256Hex(std::string_view data);

// a == b in time that depends only on the lengths.
bool SecretEquals(std::string_view a, std::string_view b);

}  // namespace xcr::web

#endif  // XCR_WEB_SECRET_TOKEN_H_
