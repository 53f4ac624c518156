// Password hashes for the web UI's users: scrypt (OpenSSL EVP_PBE_scrypt) with a random 16-byte
// salt and a 32-byte output, encoded as
//
//   $scrypt$ln=15,r=8,p=1$<salt, base64>$<hash, base64>
//
// (ln = log2 of N). The defaults (N = 2^15, r = 8, p = 1: 32 MiB and about 0.1 s per hash on
// one core) follow OWASP's recommendation; the parameters travel in the encoding, so raising
// them later still verifies the old hashes. docs/web.md states them.
// Thread-safety: free functions, safe from any thread.
#ifndef XCR_WEB_PASSWORD_HASH_H_
#define XCR_WEB_PASSWORD_HASH_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"

namespace xcr::web {

struct ScryptParams {
  uint32_t log2_n = 15;  // N = 2^log2_n; 10..20 accepted
  uint32_t r = 8;        // 1..32
  uint32_t p = 1;        // 1..16
};

// Longest password accepted (bytes); longer ones are refused, not truncated.
inline constexpr size_t kMaxPasswordBytes = 1024;

// The encoded hash of `password`. kInvalidArgument for an empty or too long password or
// parameters out of range; kInternal if OpenSSL fails.
Result<std::string> HashPassword(std::string_view password, const ScryptParams& params = {});

// Whether `password` matches `encoded` (compared in constant time). kInvalidArgument if
// `encoded` is not a hash HashPassword writes (a corrupted store), with parameters in range.
Result<bool> VerifyPassword(std::string_view password, std::string_view encoded);

}  // namespace xcr::web

#endif  // XCR_WEB_PASSWORD_HASH_H_
