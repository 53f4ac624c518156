#include "xapi/tls.h"

#include <openssl/sha.h>

#include "base/text.h"

namespace xcr::xapi {

namespace {}  // namespace

Result<Fingerprint> ParseFingerprint(std::string_view text) {
  std::string_view rest = text;
  for (std::string_view prefix : {"SHA256:", "sha256:", "SHA-256:", "sha-256:"}) {
    if (rest.substr(0, prefix.size()) == prefix) {
      rest.remove_prefix(prefix.size());
      break;
    }
  }
  Fingerprint fp{};
  size_t nibbles = 0;
  for (char c : rest) {
    if (c == ':') continue;
    int d = HexDigitValue(c);
    if (d < 0) {
      return Status::InvalidArgument("fingerprint '" + std::string(text) +
                                     "': unexpected character '" + std::string(1, c) +
                                     "' (want SHA256:AA:BB:... with 32 hex bytes)");
    }
    if (nibbles >= 64) break;
    fp[nibbles / 2] = static_cast<uint8_t>(fp[nibbles / 2] | (nibbles % 2 == 0 ? d << 4 : d));
    ++nibbles;
  }
  size_t digits = 0;
  for (char c : rest) digits += (c != ':');
  if (digits != 64) {
    return Status::InvalidArgument("fingerprint '" + std::string(text) + "' has " +
                                   std::to_string(digits) +
                                   " hex digits; a SHA-256 fingerprint has 64");
  }
  return fp;
}

std::string FormatFingerprint(const Fingerprint& fp) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out = "SHA256:";
  for (size_t i = 0; i < fp.size(); ++i) {
    if (i > 0) out += ':';
    out += kHex[fp[i] >> 4];
    out += kHex[fp[i] & 15];
  }
  return out;
}

Fingerprint FingerprintOfDer(std::string_view der) {
  Fingerprint fp{};
  SHA256(reinterpret_cast<const unsigned char*>(der.data()), der.size(), fp.data());
  return fp;
}

bool TlsTrust::Accepts(const Fingerprint& fp) const {
  if (fp == pin) return true;
  for (const Fingerprint& p : extra_pins) {
    if (fp == p) return true;
  }
  return false;
}

std::string TlsTrust::Describe() const {
  switch (mode) {
    case Mode::kSystemCa:
      return "system-ca";
    case Mode::kPinned: {
      std::string out = "pinned " + FormatFingerprint(pin);
      for (const Fingerprint& fp : extra_pins) out += ", " + FormatFingerprint(fp);
      return out;
    }
    case Mode::kInsecure:
      return "insecure";
  }
  return "?";
}

}  // namespace xcr::xapi
