#include "base/uuid.h"

#include <sys/random.h>

#include <cerrno>
#include <cstdlib>

#include "base/text.h"

namespace xcr {
namespace {}  // namespace

Uuid Uuid::Random() {
  Uuid u;
  size_t got = 0;
  while (got < u.bytes.size()) {
    ssize_t n = ::getrandom(u.bytes.data() + got, u.bytes.size() - got, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      std::abort();  // no entropy source: nothing sensible to do
    }
    got += static_cast<size_t>(n);
  }
  u.bytes[6] = (u.bytes[6] & 0x0f) | 0x40;
  u.bytes[8] = (u.bytes[8] & 0x3f) | 0x80;
  return u;
}

bool LooksLikeUuid(std::string_view t) {
  if (t.size() != 36) return false;
  for (size_t i = 0; i < t.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? t[i] != '-' : HexDigitValue(t[i]) < 0) return false;
  }
  return true;
}

Result<Uuid> Uuid::Parse(std::string_view text) {
  if (!LooksLikeUuid(text)) {
    return Status::InvalidArgument("not a UUID: '" + std::string(text.substr(0, 64)) + "'");
  }
  Uuid u;
  size_t j = 0;
  for (size_t i = 0; i < text.size(); i += (text[i] == '-') ? 1 : 2) {
    if (text[i] == '-') continue;
    u.bytes[j++] = static_cast<uint8_t>(HexDigitValue(text[i]) * 16 + HexDigitValue(text[i + 1]));
  }
  return u;
}

bool Uuid::IsNil() const {
  for (uint8_t b : bytes) {
    if (b) return false;
  }
  return true;
}

std::string Uuid::ToString() const {
  static const char* kHex = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (size_t i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += kHex[bytes[i] >> 4];
    out += kHex[bytes[i] & 15];
  }
  return out;
}

}  // namespace xcr
