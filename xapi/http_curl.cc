#include "xapi/http_curl.h"

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cstdlib>
#include <mutex>

namespace xcr::xapi {

namespace {

int PinIndex() {
  static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

// OpenSSL verify callback: at depth 0 (the leaf), record its SHA-256 and, when pinned, accept
// exactly the pinned certificate whatever the chain says. Chain errors above the leaf are
// ignored (a pin trusts the leaf alone). In insecure/probe mode everything is accepted.
int VerifyCallback(int preverify_ok, X509_STORE_CTX* store) {
  (void)preverify_ok;
  SSL* ssl =
      static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
  if (ssl == nullptr) return 0;
  auto* pin = static_cast<PinState*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), PinIndex()));
  if (pin == nullptr) return 0;
  if (X509_STORE_CTX_get_error_depth(store) != 0) return 1;
  X509* cert = X509_STORE_CTX_get_current_cert(store);
  if (cert == nullptr) return 0;
  Fingerprint fp{};
  unsigned int len = 0;
  if (X509_digest(cert, EVP_sha256(), fp.data(), &len) != 1 || len != fp.size()) return 0;
  pin->seen = true;
  pin->observed = fp;
  if (pin->trust.mode != TlsTrust::Mode::kPinned) return 1;
  if (!pin->trust.Accepts(fp)) {
    pin->mismatch = true;
    return 0;
  }
  pin->mismatch = false;
  X509_STORE_CTX_set_error(store, X509_V_OK);
  return 1;
}

CURLcode SslCtxFunction(CURL*, void* ssl_ctx, void* userptr) {
  auto* ctx = static_cast<SSL_CTX*>(ssl_ctx);
  SSL_CTX_set_ex_data(ctx, PinIndex(), userptr);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, VerifyCallback);
  return CURLE_OK;
}

}  // namespace

void EnsureCurlGlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

CurlEasy::CurlEasy(const TlsTrust& trust, const HttpLimits& limits)
    : limits_(limits), pin_(std::make_unique<PinState>()) {
  EnsureCurlGlobalInit();
  pin_->trust = trust;
  curl_ = curl_easy_init();
  Reset();
}

CurlEasy::~CurlEasy() {
  if (curl_ != nullptr) curl_easy_cleanup(curl_);
}

void CurlEasy::Reset() {
  curl_easy_reset(curl_);
  error_[0] = '\0';
  pin_->seen = false;
  pin_->mismatch = false;
  curl_easy_setopt(curl_, CURLOPT_ERRORBUFFER, error_);
  curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
  // XCR_CURL_VERBOSE=1 traces requests on stderr (URLs carry session refs: debugging only).
  static const bool verbose = std::getenv("XCR_CURL_VERBOSE") != nullptr;
  if (verbose) curl_easy_setopt(curl_, CURLOPT_VERBOSE, 1L);
  curl_easy_setopt(curl_, CURLOPT_TCP_NODELAY, 1L);
  // XAPI speaks HTTP/1.1; disk transfers rely on its framing (Content-Length, close-delimited).
  curl_easy_setopt(curl_, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1));
  curl_easy_setopt(curl_, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(curl_, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl_, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl_, CURLOPT_CONNECTTIMEOUT_MS, limits_.connect_timeout_ms);
  curl_easy_setopt(curl_, CURLOPT_LOW_SPEED_TIME, limits_.low_speed_time_s);
  curl_easy_setopt(curl_, CURLOPT_LOW_SPEED_LIMIT, limits_.low_speed_limit);
  if (limits_.total_timeout_ms > 0) {
    curl_easy_setopt(curl_, CURLOPT_TIMEOUT_MS, limits_.total_timeout_ms);
  }
  switch (pin_->trust.mode) {
    case TlsTrust::Mode::kSystemCa:
      curl_easy_setopt(curl_, CURLOPT_SSL_VERIFYPEER, 1L);
      curl_easy_setopt(curl_, CURLOPT_SSL_VERIFYHOST, 2L);
      break;
    case TlsTrust::Mode::kPinned:
    case TlsTrust::Mode::kInsecure:
      // Pinned: the verify callback decides; curl's own chain and name checks are off. Session
      // resumption skips certificate verification, so it is turned off.
      curl_easy_setopt(curl_, CURLOPT_SSL_VERIFYPEER, 0L);
      curl_easy_setopt(curl_, CURLOPT_SSL_VERIFYHOST, 0L);
      curl_easy_setopt(curl_, CURLOPT_SSL_SESSIONID_CACHE, 0L);
      curl_easy_setopt(curl_, CURLOPT_SSL_CTX_FUNCTION, &SslCtxFunction);
      curl_easy_setopt(curl_, CURLOPT_SSL_CTX_DATA, pin_.get());
      break;
  }
}

std::optional<Fingerprint> CurlEasy::observed_fingerprint() const {
  if (!pin_->seen) return std::nullopt;
  return pin_->observed;
}

Status CurlEasy::ToStatus(CURLcode code, const std::string& what) const {
  if (code == CURLE_OK) return Status::OK();
  std::string detail = error_[0] != '\0' ? std::string(error_) : curl_easy_strerror(code);
  std::string msg = what + ": " + detail;
  if (pin_->mismatch) {
    return Status::PermissionDenied(
        what + ": the host's TLS certificate does not match the pinned fingerprint: expected " +
        pin_->trust.Describe().substr(7) + "; host presented " + FormatFingerprint(pin_->observed) +
        ". If the host's certificate was renewed on purpose, check the new fingerprint out of "
        "band and pass it with --fingerprint");
  }
  curl_off_t connect_time = 0;
  curl_easy_getinfo(curl_, CURLINFO_CONNECT_TIME_T, &connect_time);
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
      return Status::Unavailable(msg);
    case CURLE_OPERATION_TIMEDOUT:
      if (connect_time == 0) return Status::Unavailable(msg + " (while connecting)");
      return Status::Timeout(msg);
    case CURLE_PEER_FAILED_VERIFICATION:
      return Status::PermissionDenied(msg + " (use --fingerprint to pin a self-signed host)");
    case CURLE_SSL_CONNECT_ERROR:
      return connect_time == 0 ? Status::Unavailable(msg) : Status::IOError(msg);
    case CURLE_ABORTED_BY_CALLBACK:
      return Status::Cancelled(msg);
    case CURLE_FILESIZE_EXCEEDED:
      return Status::ResourceExhausted(msg);
    default:
      return Status::IOError(msg);
  }
}

Result<Fingerprint> ProbeFingerprint(const std::string& base_url, long connect_timeout_ms) {
  HttpLimits limits;
  limits.connect_timeout_ms = connect_timeout_ms;
  limits.total_timeout_ms = connect_timeout_ms;
  CurlEasy easy(TlsTrust::Insecure(), limits);
  curl_easy_setopt(easy.get(), CURLOPT_URL, (base_url + "/").c_str());
  curl_easy_setopt(easy.get(), CURLOPT_CONNECT_ONLY, 1L);
  CURLcode rc = curl_easy_perform(easy.get());
  XCR_RETURN_IF_ERROR(easy.ToStatus(rc, "probing " + base_url));
  auto fp = easy.observed_fingerprint();
  if (!fp) return Status::FailedPrecondition(base_url + " did not present a TLS certificate");
  return *fp;
}

}  // namespace xcr::xapi
