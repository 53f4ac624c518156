// TLS trust policy for connections to XAPI hosts, and SHA-256 certificate fingerprints.
//
// A pool's hosts usually carry self-signed certificates, so besides the system CA store a user
// can pin the SHA-256 fingerprint of the host's leaf certificate (given out of band or trusted on
// first use), or explicitly turn verification off. The pin is checked after every handshake,
// including connections opened to other pool members after a redirect.
//
// Fingerprints are written as XAPI shows them: "SHA256:" then upper-case colon-separated hex
// ("SHA256:AB:CD:..."). Parsing also accepts lower case, no colons, and no "SHA256:" prefix.
// Thread-safety: plain values.
#ifndef XCR_XAPI_TLS_H_
#define XCR_XAPI_TLS_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace xcr::xapi {

using Fingerprint = std::array<uint8_t, 32>;

// Parses "SHA256:AA:BB:..." (64 hex digits, colons optional, any case, prefix optional).
// kInvalidArgument naming the problem otherwise.
Result<Fingerprint> ParseFingerprint(std::string_view text);
// "SHA256:AA:BB:...:FF".
std::string FormatFingerprint(const Fingerprint& fp);
// SHA-256 of a DER-encoded certificate.
Fingerprint FingerprintOfDer(std::string_view der);

struct TlsTrust {
  enum class Mode {
    kSystemCa,  // verify the chain against the system CA store and the host name (default)
    kPinned,    // accept exactly the leaf certificate whose SHA-256 is `pin`; no CA or name check
    kInsecure,  // no verification at all (explicit user choice: --insecure)
  };
  Mode mode = Mode::kSystemCa;
  Fingerprint pin{};
  // Further accepted leaf fingerprints in kPinned mode: a pool's hosts each have their own
  // certificate, so following HOST_IS_SLAVE or failing over needs the members' pins too.
  std::vector<Fingerprint> extra_pins;

  // kPinned: whether `fp` is `pin` or one of `extra_pins`.
  bool Accepts(const Fingerprint& fp) const;

  static TlsTrust SystemCa() { return {}; }
  static TlsTrust Pinned(const Fingerprint& fp) { return {Mode::kPinned, fp, {}}; }
  static TlsTrust Insecure() { return {Mode::kInsecure, {}, {}}; }
  // "system-ca", "pinned SHA256:...[, SHA256:...]", "insecure".
  std::string Describe() const;
};

}  // namespace xcr::xapi

#endif  // XCR_XAPI_TLS_H_
