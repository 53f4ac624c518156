// SecretBox: encrypts the secrets the store keeps (pool passwords) with AES-256-GCM under a
// 32-byte key held in a key file next to the database, so the database file alone never
// reveals a password.
//
// A sealed value is: version byte 0x01 | 12-byte random nonce | ciphertext | 16-byte tag.
// `context` is authenticated with it (the store passes "pool-password:<pool id>"), so a sealed
// value copied into another row does not open there.
//
// The key file holds the key as 64 hex digits and a newline. It is created on first use with
// mode 0600; a key file any group or other user may access is refused, with the fix in the
// message.
// Thread-safety: a SecretBox is immutable after creation; Seal/Open may run concurrently.
#ifndef XCR_JOBS_SECRET_BOX_H_
#define XCR_JOBS_SECRET_BOX_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/env.h"
#include "base/result.h"

namespace xcr::jobs {

class SecretBox {
 public:
  using Key = std::array<uint8_t, 32>;

  explicit SecretBox(const Key& key) : key_(key) {}

  // Reads the key file at path. If it does not exist and `create` is true, writes a new random
  // key there first (mode 0600, atomically); if `create` is false that is kFailedPrecondition.
  // kPermissionDenied if the file's mode gives group or others any access; kCorruption if it
  // does not hold a key.
  static Result<SecretBox> FromKeyFile(Env* env, const std::string& path, bool create);

  // A fresh random key (the kernel's CSPRNG through OpenSSL).
  static Key RandomKey();

  Result<std::string> Seal(std::string_view plaintext, std::string_view context) const;
  // kPermissionDenied if the value was not sealed under this key and context (wrong key file,
  // tampering); kCorruption if it is not a sealed value at all.
  Result<std::string> Open(std::string_view sealed, std::string_view context) const;

 private:
  Key key_;
};

}  // namespace xcr::jobs

#endif  // XCR_JOBS_SECRET_BOX_H_
