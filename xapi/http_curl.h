// CurlEasy: one libcurl easy handle configured with xcr's TLS trust policy and timeouts, and the
// mapping of curl errors to Status. Shared by CurlTransport (XML-RPC) and disk transfers.
//
// Pinning: for TlsTrust::kPinned, an OpenSSL verify callback installed through
// CURLOPT_SSL_CTX_FUNCTION compares the SHA-256 of the leaf certificate of every new TLS
// connection (including ones opened by redirects) with the pin; TLS session resumption is
// turned off so every connection goes through a full handshake and the callback. Connections
// kept alive by this handle were all verified by the same policy, so reusing them is safe.
// Thread-safety: one CurlEasy is used by one thread at a time.
#ifndef XCR_XAPI_HTTP_CURL_H_
#define XCR_XAPI_HTTP_CURL_H_

#include <curl/curl.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "base/status.h"
#include "xapi/tls.h"

namespace xcr::xapi {

struct HttpLimits {
  long connect_timeout_ms = 15000;       // TCP + TLS connect deadline
  long low_speed_time_s = 120;           // abort when under low_speed_limit bytes/s for this long
  long low_speed_limit = 1;              // (i.e. a connection idle for 120 s is dropped)
  long total_timeout_ms = 0;             // 0 = none (disk transfers); XML-RPC sets one per call
  size_t max_request_body = 300 << 10;   // XAPI refuses larger XML-RPC bodies
  size_t max_response_body = 256 << 20;  // cap on a buffered (XML-RPC) response
};

// Fingerprint seen on the last handshake and whether it matched; filled by the verify callback.
struct PinState {
  TlsTrust trust;
  bool seen = false;
  bool mismatch = false;
  Fingerprint observed{};
};

class CurlEasy {
 public:
  CurlEasy(const TlsTrust& trust, const HttpLimits& limits);
  ~CurlEasy();
  CurlEasy(const CurlEasy&) = delete;
  CurlEasy& operator=(const CurlEasy&) = delete;

  CURL* get() const { return curl_; }
  // Restores the handle's options (curl_easy_reset keeps live connections) and applies trust and
  // limits again. Call before each request.
  void Reset();
  // Turns a curl result into a Status; `what` names the request (no secrets) for the message.
  Status ToStatus(CURLcode code, const std::string& what) const;
  // The fingerprint of the leaf certificate of the last TLS handshake, if any.
  std::optional<Fingerprint> observed_fingerprint() const;

 private:
  CURL* curl_;
  HttpLimits limits_;
  std::unique_ptr<PinState> pin_;  // stable address: the verify callback points at it
  char error_[CURL_ERROR_SIZE];
};

// Connects to `base_url` without verification and returns the SHA-256 fingerprint of the
// certificate the host presents (for trust-on-first-use prompts). kUnavailable if unreachable.
Result<Fingerprint> ProbeFingerprint(const std::string& base_url, long connect_timeout_ms = 15000);

// Calls curl_global_init once per process.
void EnsureCurlGlobalInit();

}  // namespace xcr::xapi

#endif  // XCR_XAPI_HTTP_CURL_H_
