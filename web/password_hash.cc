#include "web/password_hash.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <charconv>
#include <vector>

#include "web/secret_token.h"

namespace xcr::web {
namespace {

constexpr size_t kSaltBytes = 16;
constexpr size_t kHashBytes = 32;

bool ParamsInRange(const ScryptParams& p) {
  return p.log2_n >= 10 && p.log2_n <= 20 && p.r >= 1 && p.r <= 32 && p.p >= 1 && p.p <= 16;
}

Result<std::string> Derive(std::string_view password, std::string_view salt,
                           const ScryptParams& p) {
  uint64_t n = uint64_t{1} << p.log2_n;
  // scrypt needs 128 * N * r bytes (+ 128 * r * p); allow that with room to spare.
  uint64_t maxmem = 128 * n * p.r + 128 * uint64_t{p.r} * p.p + (uint64_t{1} << 20);
  std::string out(kHashBytes, '\0');
  if (EVP_PBE_scrypt(password.data(), password.size(),
                     reinterpret_cast<const unsigned char*>(salt.data()), salt.size(), n, p.r, p.p,
                     maxmem, reinterpret_cast<unsigned char*>(out.data()), out.size()) != 1) {
    return Status::Internal("OpenSSL could not compute an scrypt hash (out of memory?)");
  }
  return out;
}

bool ParseUint(std::string_view text, uint32_t* out) {
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && ptr == text.data() + text.size() && !text.empty();
}

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t at = s.find(sep, start);
    if (at == std::string_view::npos) {
      parts.push_back(s.substr(start));
      return parts;
    }
    parts.push_back(s.substr(start, at - start));
    start = at + 1;
  }
}

}  // namespace

Result<std::string> HashPassword(std::string_view password, const ScryptParams& params) {
  if (password.empty()) return Status::InvalidArgument("the password is empty");
  if (password.size() > kMaxPasswordBytes) {
    return Status::InvalidArgument("the password is longer than " +
                                   std::to_string(kMaxPasswordBytes) + " bytes");
  }
  if (!ParamsInRange(params)) return Status::InvalidArgument("scrypt parameters out of range");
  std::string salt(kSaltBytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(salt.data()), kSaltBytes) != 1) {
    return Status::Internal("the system's random number generator failed");
  }
  XCR_ASSIGN_OR_RETURN(std::string hash, Derive(password, salt, params));
  return "$scrypt$ln=" + std::to_string(params.log2_n) + ",r=" + std::to_string(params.r) +
         ",p=" + std::to_string(params.p) + "$" + Base64Encode(salt) + "$" + Base64Encode(hash);
}

Result<bool> VerifyPassword(std::string_view password, std::string_view encoded) {
  const Status bad = Status::InvalidArgument("stored password hash is not an xcr scrypt hash");
  // "", "scrypt", "ln=..,r=..,p=..", salt, hash
  std::vector<std::string_view> parts = Split(encoded, '$');
  if (parts.size() != 5 || !parts[0].empty() || parts[1] != "scrypt") return bad;
  std::vector<std::string_view> kv = Split(parts[2], ',');
  if (kv.size() != 3 || kv[0].substr(0, 3) != "ln=" || kv[1].substr(0, 2) != "r=" ||
      kv[2].substr(0, 2) != "p=") {
    return bad;
  }
  ScryptParams params;
  if (!ParseUint(kv[0].substr(3), &params.log2_n) || !ParseUint(kv[1].substr(2), &params.r) ||
      !ParseUint(kv[2].substr(2), &params.p) || !ParamsInRange(params)) {
    return bad;
  }
  std::string salt, want;
  if (!Base64Decode(parts[3], &salt) || !Base64Decode(parts[4], &want) || salt.empty() ||
      want.size() != kHashBytes) {
    return bad;
  }
  if (password.empty() || password.size() > kMaxPasswordBytes) return false;
  XCR_ASSIGN_OR_RETURN(std::string got, Derive(password, salt, params));
  return SecretEquals(got, want);
}

}  // namespace xcr::web
