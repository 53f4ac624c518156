// ApiGate: the HTTPS listener's front door. An HttpHandler wrapping the inner handler (the
// router over the daemon's API, /metrics and the static UI) that lets a request through only
// when it is allowed:
//
//   path                      who may
//   /healthz                  anyone
//   /api/login   POST         anyone (rate-limited): {"user","password"} ->
//                             200 {"csrf","user"} + Set-Cookie xcr_session (HttpOnly, Secure,
//                             SameSite=Strict, Path=/); 401 wrong user or password; 429 with
//                             Retry-After when too many failures (LoginLimiter)
//   /api/session GET          anyone: {"user","csrf"} of the caller's session (a reloaded page
//                             gets its token back), both null without one
//   /api/logout  POST         a session with its CSRF token: forgets the session, clears the
//                             cookie; 204
//   /api/users*, /api/tokens* nobody here: 403 (the daemon's Unix socket only)
//   /api/*, /metrics          a session (state changes: header X-CSRF-Token equal to the
//                             session's token, else 403), or `Authorization: Bearer TOKEN` with
//                             a valid API token (no CSRF: not sent by browsers on their own)
//   anything else             anyone: the static UI (it holds no data)
//
// Refusals: 401 no or expired session, unknown or revoked token; 403 CSRF; 413 a body over
// max_body_bytes (refused from the head when Content-Length says so, the body never read);
// answers in the API's error shape {"error": "..."}. Every answer carries the security headers
// (http_util.h: CSP, nosniff, no framing; HSTS on HTTPS). Forwarded requests lose their Cookie
// and Authorization headers and gain `X-Xcr-User` (the user, or "token:NAME").
//
// Password checks (scrypt, ~0.1 s, 32 MiB) run at most max_concurrent_hashes at a time; an
// unknown user name costs the same check as a known one.
// Thread-safety: Handle/Stream may run concurrently on connection threads.
#ifndef XCR_WEB_API_GATE_H_
#define XCR_WEB_API_GATE_H_

#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>

#include "base/env.h"
#include "jobs/store.h"
#include "net/http_types.h"
#include "web/login_limiter.h"
#include "web/session_table.h"

namespace xcr::web {

inline constexpr char kSessionCookie[] = "xcr_session";
inline constexpr char kCsrfHeader[] = "x-csrf-token";  // X-CSRF-Token
inline constexpr char kUserHeader[] = "x-xcr-user";

struct ApiGateOptions {
  size_t max_body_bytes = 1 << 20;  // 1 MiB, as docs/api.md says
  bool https = true;                // adds HSTS; cookies are Secure either way
  SessionOptions sessions;
  LoginLimitOptions login_limits;
  size_t max_concurrent_hashes = 2;
};

class ApiGate : public net::HttpHandler {
 public:
  // store, inner and env are not owned and must outlive the gate. env: null = Env::Default().
  ApiGate(jobs::Store* store, net::HttpHandler* inner, Env* env, ApiGateOptions options);

  bool IsStreaming(const net::HttpRequest& req) override;
  net::HttpResponse Handle(const net::HttpRequest& req) override;
  void Stream(const net::HttpRequest& req, net::HttpConnection& conn) override;

  SessionTable& sessions() { return sessions_; }

 private:
  // Who made a protected request.
  struct Caller {
    std::string name;  // user, or "token:NAME"
  };
  struct Decision {
    std::optional<net::HttpResponse> refusal;  // set: answer this
    net::HttpRequest forward;                  // else: pass this on
  };

  bool TooLarge(const net::HttpRequest& req) const;
  // The gate's own answer, or the request to forward.
  Decision Decide(const net::HttpRequest& req);
  Result<Caller> Authenticate(const net::HttpRequest& req, bool* csrf_failed);
  net::HttpResponse Login(const net::HttpRequest& req);
  net::HttpResponse Logout(const net::HttpRequest& req);
  net::HttpResponse CurrentSession(const net::HttpRequest& req);
  // VerifyPassword under the concurrency limit; false for a hash that does not verify.
  bool CheckPassword(const std::string& password, const std::string& encoded);
  std::string SessionCookieHeader(const std::string& value, uint64_t max_age_s) const;

  jobs::Store* store_;
  net::HttpHandler* inner_;
  Env* env_;
  ApiGateOptions options_;
  SessionTable sessions_;
  LoginLimiter limiter_;
  std::mutex hash_mu_;
  std::condition_variable hash_cv_;
  size_t hashing_ = 0;
  std::once_flag dummy_once_;
  std::string dummy_hash_;  // checked for unknown users
};

}  // namespace xcr::web

#endif  // XCR_WEB_API_GATE_H_
