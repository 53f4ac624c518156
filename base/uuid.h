// Uuid: 16 bytes, formatted as the 36-character lower-case text XAPI and VHD tools use.
#ifndef XCR_BASE_UUID_H_
#define XCR_BASE_UUID_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"

namespace xcr {

struct Uuid {
  std::array<uint8_t, 16> bytes{};

  // A random (version 4) UUID from the kernel's CSPRNG.
  static Uuid Random();
  // Parses "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" (either case).
  static Result<Uuid> Parse(std::string_view text);

  bool IsNil() const;
  std::string ToString() const;
  bool operator==(const Uuid&) const = default;
  auto operator<=>(const Uuid&) const = default;
};

// True if text has the 8-4-4-4-12 hex form.
bool LooksLikeUuid(std::string_view text);

}  // namespace xcr

#endif  // XCR_BASE_UUID_H_
