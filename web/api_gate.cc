#include "web/api_gate.h"

#include <nlohmann/json.hpp>

#include "base/logging.h"
#include "web/api_tokens.h"
#include "web/http_util.h"
#include "web/password_hash.h"
#include "web/secret_token.h"

namespace xcr::web {
namespace {

using nlohmann::json;

bool StartsWith(const std::string& s, std::string_view prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

// "/api/users" and "/api/users/..." (not "/api/usersx").
bool UnderPath(const std::string& path, std::string_view base) {
  return path == base || StartsWith(path, std::string(base) + "/");
}

bool IsSafeMethod(const std::string& method) {
  return method == "GET" || method == "HEAD" || method == "OPTIONS";
}

bool IsProtected(const std::string& path) {
  return StartsWith(path, "/api/") || path == "/api" || UnderPath(path, "/metrics");
}

}  // namespace

ApiGate::ApiGate(jobs::Store* store, net::HttpHandler* inner, Env* env, ApiGateOptions options)
    : store_(store),
      inner_(inner),
      env_(env != nullptr ? env : Env::Default()),
      options_(options),
      sessions_(env_, options.sessions),
      limiter_(env_, options.login_limits) {}

bool ApiGate::TooLarge(const net::HttpRequest& req) const {
  return (req.content_length.has_value() && *req.content_length > options_.max_body_bytes) ||
         req.body.size() > options_.max_body_bytes;
}

std::string ApiGate::SessionCookieHeader(const std::string& value, uint64_t max_age_s) const {
  return std::string(kSessionCookie) + "=" + value +
         "; Path=/; Max-Age=" + std::to_string(max_age_s) + "; HttpOnly; Secure; SameSite=Strict";
}

bool ApiGate::CheckPassword(const std::string& password, const std::string& encoded) {
  {
    std::unique_lock<std::mutex> lock(hash_mu_);
    hash_cv_.wait(lock, [&] { return hashing_ < options_.max_concurrent_hashes; });
    ++hashing_;
  }
  Result<bool> ok = VerifyPassword(password, encoded);
  {
    std::lock_guard<std::mutex> lock(hash_mu_);
    --hashing_;
  }
  hash_cv_.notify_one();
  if (!ok.ok()) {
    XCR_LOG(WARN) << "web: " << ok.status().ToString();
    return false;
  }
  return *ok;
}

net::HttpResponse ApiGate::Login(const net::HttpRequest& req) {
  if (req.method != "POST") return ErrorResponse(405, "log in with POST /api/login");
  // A JSON content type cannot be sent cross-site without a CORS preflight (refused here), so
  // no other site can log a browser in under its own account.
  if (!StartsWith(req.Header("content-type"), "application/json")) {
    return ErrorResponse(415, "POST /api/login takes a JSON body (Content-Type: application/json)");
  }
  json body = json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  if (!body.is_object() || !body.contains("user") || !body["user"].is_string() ||
      !body.contains("password") || !body["password"].is_string()) {
    return ErrorResponse(400, "POST /api/login takes {\"user\": NAME, \"password\": PASSWORD}");
  }
  std::string user = body["user"].get<std::string>();
  std::string password = body["password"].get<std::string>();
  if (uint64_t wait = limiter_.RetryAfterSeconds(req.remote_address, user); wait > 0) {
    net::HttpResponse r =
        ErrorResponse(429, "too many failed logins: try again in " + std::to_string(wait) + " s");
    r.headers.emplace_back("Retry-After", std::to_string(wait));
    return r;
  }
  Result<jobs::UserRecord> record = store_->GetUser(user);
  bool ok = false;
  if (record.ok()) {
    ok = CheckPassword(password, record->password_hash);
  } else if (record.status().code() == StatusCode::kNotFound) {
    // The same work as for a known user, so timing does not tell which names exist.
    std::call_once(dummy_once_, [&] {
      Result<std::string> h = HashPassword("xcr-no-such-user");
      if (h.ok()) dummy_hash_ = *h;
    });
    CheckPassword(password, dummy_hash_);
  } else {
    XCR_LOG(ERROR) << "web: login: " << record.status().ToString();
    return ErrorResponse(500, "the daemon could not read its store: see its log");
  }
  if (!ok) {
    limiter_.RecordFailure(req.remote_address, user);
    XCR_LOG(WARN) << "web: failed login for user '" << user << "' from "
                  << (req.remote_address.empty() ? "?" : req.remote_address);
    return ErrorResponse(401, "wrong user name or password");
  }
  limiter_.RecordSuccess(req.remote_address, user);
  NewSession s = sessions_.Create(user);
  XCR_LOG(INFO) << "web: user '" << user << "' logged in";
  net::HttpResponse r = JsonResponse(200, json{{"csrf", s.session.csrf}, {"user", user}});
  r.headers.emplace_back("Set-Cookie",
                         SessionCookieHeader(s.id, options_.sessions.max_age_us / 1000000));
  return r;
}

net::HttpResponse ApiGate::Logout(const net::HttpRequest& req) {
  if (req.method != "POST") return ErrorResponse(405, "log out with POST /api/logout");
  std::string id = FindCookie(req.Header("cookie"), kSessionCookie).value_or("");
  std::optional<Session> s = sessions_.Lookup(id);
  if (!s) return ErrorResponse(401, "not logged in (or the session expired)");
  if (!SecretEquals(req.Header(kCsrfHeader), s->csrf)) {
    return ErrorResponse(403, "missing or wrong X-CSRF-Token header: reload the page");
  }
  sessions_.Remove(id);
  net::HttpResponse r;
  r.status = 204;
  r.headers.emplace_back("Set-Cookie", SessionCookieHeader("", 0));
  return r;
}

net::HttpResponse ApiGate::CurrentSession(const net::HttpRequest& req) {
  if (req.method != "GET") return ErrorResponse(405, "GET /api/session");
  std::optional<Session> s =
      sessions_.Lookup(FindCookie(req.Header("cookie"), kSessionCookie).value_or(""));
  // Not logged in is an answer here, not a refusal: the page asks before showing its login.
  if (!s) return JsonResponse(200, json{{"user", nullptr}, {"csrf", nullptr}});
  return JsonResponse(200, json{{"user", s->user}, {"csrf", s->csrf}});
}

Result<ApiGate::Caller> ApiGate::Authenticate(const net::HttpRequest& req, bool* csrf_failed) {
  *csrf_failed = false;
  std::string auth = req.Header("authorization");
  if (!auth.empty()) {
    if (!StartsWith(auth, "Bearer ")) {
      return Status::PermissionDenied("use `Authorization: Bearer TOKEN` with an API token");
    }
    XCR_ASSIGN_OR_RETURN(jobs::ApiTokenRecord token, AuthenticateApiToken(store_, auth.substr(7)));
    return Caller{"token:" + token.name};
  }
  std::optional<std::string> id = FindCookie(req.Header("cookie"), kSessionCookie);
  if (!id) return Status::PermissionDenied("not logged in: log in first (POST /api/login)");
  std::optional<Session> s = sessions_.Lookup(*id);
  if (!s) return Status::PermissionDenied("the session expired or was closed: log in again");
  if (!IsSafeMethod(req.method) && !SecretEquals(req.Header(kCsrfHeader), s->csrf)) {
    *csrf_failed = true;
    return Status::PermissionDenied(
        "missing or wrong X-CSRF-Token header: state changes need the token /api/login or "
        "/api/session returned");
  }
  return Caller{s->user};
}

ApiGate::Decision ApiGate::Decide(const net::HttpRequest& req) {
  Decision d;
  if (TooLarge(req)) {
    d.refusal = ErrorResponse(
        413, "request body larger than " + std::to_string(options_.max_body_bytes) + " bytes");
    d.refusal->close = true;
    return d;
  }
  const std::string& path = req.path;
  if (path == "/api/login") {
    d.refusal = Login(req);
    return d;
  }
  if (path == "/api/logout") {
    d.refusal = Logout(req);
    return d;
  }
  if (path == "/api/session") {
    d.refusal = CurrentSession(req);
    return d;
  }
  if (UnderPath(path, "/api/users") || UnderPath(path, "/api/tokens")) {
    d.refusal = ErrorResponse(403,
                              "users and API tokens are managed on the daemon's Unix socket "
                              "only: use `xcr user add` and `xcr token create`");
    return d;
  }
  d.forward = req;
  d.forward.headers.erase("cookie");
  d.forward.headers.erase("authorization");
  d.forward.headers.erase(kUserHeader);
  if (IsProtected(path)) {
    bool csrf_failed = false;
    Result<Caller> caller = Authenticate(req, &csrf_failed);
    if (!caller.ok()) {
      if (caller.status().code() != StatusCode::kPermissionDenied) {
        XCR_LOG(ERROR) << "web: authenticating: " << caller.status().ToString();
        d.refusal = ErrorResponse(500, "the daemon could not read its store: see its log");
      } else {
        d.refusal = ErrorResponse(csrf_failed ? 403 : 401, caller.status().message());
        if (!csrf_failed)
          d.refusal->headers.emplace_back("WWW-Authenticate", "Bearer realm=\"xcr\"");
      }
      return d;
    }
    d.forward.headers[kUserHeader] = caller->name;
  }
  return d;
}

bool ApiGate::IsStreaming(const net::HttpRequest& req) {
  return TooLarge(req) || inner_->IsStreaming(req);
}

net::HttpResponse ApiGate::Handle(const net::HttpRequest& req) {
  Decision d = Decide(req);
  net::HttpResponse r = d.refusal ? std::move(*d.refusal) : inner_->Handle(d.forward);
  AddSecurityHeaders(&r, options_.https);
  return r;
}

void ApiGate::Stream(const net::HttpRequest& req, net::HttpConnection& conn) {
  Decision d = Decide(req);
  if (d.refusal) {
    AddSecurityHeaders(&*d.refusal, options_.https);
    std::string out = SerializeResponse(*d.refusal);
    (void)conn.WriteAll(
        std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(out.data()), out.size()));
    return;
  }
  inner_->Stream(d.forward, conn);
}

}  // namespace xcr::web
