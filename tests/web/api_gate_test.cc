// The auth gate without sockets: requests in, responses out, an inner handler that records what
// reached it, a real store in a temporary directory and a fake clock.
#include "web/api_gate.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "jobs/sqlite_store.h"
#include "tests/testutil/fake_clock_env.h"
#include "tests/testutil/status_matchers.h"
#include "tests/testutil/temp_dir.h"
#include "web/api_tokens.h"
#include "web/password_hash.h"

namespace xcr::web {
namespace {

using nlohmann::json;

class RecordingHandler : public net::HttpHandler {
 public:
  bool IsStreaming(const net::HttpRequest& req) override { return req.path == "/api/stream"; }
  net::HttpResponse Handle(const net::HttpRequest& req) override {
    seen.push_back(req);
    net::HttpResponse r;
    r.body = "inner";
    return r;
  }
  void Stream(const net::HttpRequest& req, net::HttpConnection& conn) override {
    seen.push_back(req);
    std::string out = "HTTP/1.1 200 OK\r\n\r\nstreamed";
    (void)conn.WriteAll(
        std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(out.data()), out.size()));
  }
  std::vector<net::HttpRequest> seen;
};

class StringConnection : public net::HttpConnection {
 public:
  Result<size_t> ReadSome(std::span<uint8_t>) override { return size_t{0}; }
  Status WriteAll(std::span<const uint8_t> data) override {
    written.append(reinterpret_cast<const char*>(data.data()), data.size());
    return Status::OK();
  }
  std::string written;
};

std::string HeaderOf(const net::HttpResponse& r, const std::string& name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "";
}

net::HttpRequest Request(const std::string& method, const std::string& path,
                         std::string body = "") {
  net::HttpRequest req;
  req.method = method;
  req.target = path;
  net::ParseTarget(path, &req.path, &req.query);
  req.body = std::move(body);
  if (!req.body.empty()) {
    req.content_length = req.body.size();
    req.headers["content-type"] = "application/json";
  }
  return req;
}

constexpr uint64_t kMinute = 60ull * 1000000;

class ApiGateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    jobs::SqliteStoreOptions o;
    o.state_dir = dir_.path();
    auto opened = jobs::SqliteStore::Open(o);
    ASSERT_OK(opened);
    store_ = std::move(*opened);
    ASSERT_OK_AND_ASSIGN(std::string hash, HashPassword("right-password", ScryptParams{10, 8, 1}));
    ASSERT_OK(store_->PutUser(jobs::UserRecord{"admin", hash, 1}));
    ApiGateOptions options;
    options.sessions.idle_timeout_us = 30 * kMinute;
    options.login_limits.max_per_address_name = 3;
    gate_ = std::make_unique<ApiGate>(store_.get(), &inner_, &env_, options);
  }

  net::HttpResponse LoginAs(const std::string& user, const std::string& password,
                            const std::string& from = "192.0.2.10") {
    net::HttpRequest req =
        Request("POST", "/api/login", json{{"user", user}, {"password", password}}.dump());
    req.remote_address = from;
    return gate_->Handle(req);
  }
  // Logs in as admin; fills cookie_ and csrf_.
  void LogIn() {
    net::HttpResponse r = LoginAs("admin", "right-password");
    ASSERT_EQ(r.status, 200) << r.body;
    csrf_ = json::parse(r.body)["csrf"].get<std::string>();
    std::string set = HeaderOf(r, "Set-Cookie");
    cookie_ = set.substr(0, set.find(';'));
  }
  net::HttpRequest WithSession(net::HttpRequest req, bool csrf = true) {
    req.headers["cookie"] = "theme=dark; " + cookie_;
    if (csrf) req.headers["x-csrf-token"] = csrf_;
    return req;
  }

  ::xcr::testing::TempDir dir_;
  ::xcr::testing::FakeClockEnv env_;
  std::unique_ptr<jobs::SqliteStore> store_;
  RecordingHandler inner_;
  std::unique_ptr<ApiGate> gate_;
  std::string cookie_, csrf_;
};

TEST_F(ApiGateTest, HealthzAndTheStaticUiNeedNoLogin) {
  EXPECT_EQ(gate_->Handle(Request("GET", "/healthz")).body, "inner");
  EXPECT_EQ(gate_->Handle(Request("GET", "/")).body, "inner");
  EXPECT_EQ(gate_->Handle(Request("GET", "/app.js")).body, "inner");
  EXPECT_EQ(inner_.seen.size(), 3u);
}

TEST_F(ApiGateTest, ApiAndMetricsWithoutLoginAreRefusedAndNeverReachTheApi) {
  for (const char* path : {"/api/status", "/api/jobs", "/metrics", "/api/runs/x/events"}) {
    net::HttpResponse r = gate_->Handle(Request("GET", path));
    EXPECT_EQ(r.status, 401) << path;
    EXPECT_NE(json::parse(r.body)["error"].get<std::string>().find("log in"), std::string::npos);
  }
  net::HttpRequest forged = Request("GET", "/api/status");
  forged.headers["cookie"] = "xcr_session=made-up";
  EXPECT_EQ(gate_->Handle(forged).status, 401);
  EXPECT_TRUE(inner_.seen.empty());
}

TEST_F(ApiGateTest, LoginSetsAStrictHttpOnlySecureCookieAndReturnsTheCsrfToken) {
  net::HttpResponse r = LoginAs("admin", "right-password");
  ASSERT_EQ(r.status, 200);
  json body = json::parse(r.body);
  EXPECT_EQ(body["user"], "admin");
  EXPECT_EQ(body["csrf"].get<std::string>().size(), 43u);
  std::string cookie = HeaderOf(r, "Set-Cookie");
  EXPECT_EQ(cookie.rfind("xcr_session=", 0), 0u);
  EXPECT_NE(cookie.find("; HttpOnly"), std::string::npos);
  EXPECT_NE(cookie.find("; Secure"), std::string::npos);
  EXPECT_NE(cookie.find("; SameSite=Strict"), std::string::npos);
  EXPECT_NE(cookie.find("; Path=/"), std::string::npos);
  EXPECT_EQ(cookie.find(body["csrf"].get<std::string>()), std::string::npos);
}

TEST_F(ApiGateTest, WrongPasswordUnknownUserAndBadBodiesAreRefused) {
  EXPECT_EQ(LoginAs("admin", "wrong").status, 401);
  EXPECT_EQ(LoginAs("nobody", "right-password").status, 401);
  EXPECT_EQ(gate_->Handle(Request("POST", "/api/login", "{\"user\": \"admin\"}")).status, 400);
  EXPECT_EQ(gate_->Handle(Request("POST", "/api/login", "not json")).status, 400);
  net::HttpRequest form = Request("POST", "/api/login", "user=admin&password=right-password");
  form.headers["content-type"] = "application/x-www-form-urlencoded";
  EXPECT_EQ(gate_->Handle(form).status, 415);
  EXPECT_EQ(gate_->Handle(Request("GET", "/api/login")).status, 405);
  EXPECT_TRUE(inner_.seen.empty());
}

TEST_F(ApiGateTest, RepeatedFailuresLockTheNameFromThatAddressEvenForTheRightPassword) {
  for (int i = 0; i < 3; ++i) EXPECT_EQ(LoginAs("admin", "guess", "198.51.100.7").status, 401);
  net::HttpResponse r = LoginAs("admin", "right-password", "198.51.100.7");
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(HeaderOf(r, "Retry-After"), "900");
  // The guesses from there do not lock the user out from its own address.
  EXPECT_EQ(LoginAs("admin", "right-password", "192.0.2.10").status, 200);
  env_.Advance(15 * kMinute);
  EXPECT_EQ(LoginAs("admin", "right-password", "198.51.100.7").status, 200);
}

TEST_F(ApiGateTest, ASessionReadsWithoutCsrfAndTheApiSeesTheUserButNotTheCookie) {
  LogIn();
  net::HttpRequest req = WithSession(Request("GET", "/api/status"), /*csrf=*/false);
  req.headers["x-xcr-user"] = "forged";
  net::HttpResponse r = gate_->Handle(req);
  EXPECT_EQ(r.status, 200);
  ASSERT_EQ(inner_.seen.size(), 1u);
  EXPECT_EQ(inner_.seen[0].Header("x-xcr-user"), "admin");
  EXPECT_EQ(inner_.seen[0].Header("cookie"), "");
}

TEST_F(ApiGateTest, StateChangesNeedTheSessionsCsrfToken) {
  LogIn();
  net::HttpResponse missing =
      gate_->Handle(WithSession(Request("POST", "/api/jobs", "{}"), /*csrf=*/false));
  EXPECT_EQ(missing.status, 403);
  net::HttpRequest wrong = WithSession(Request("DELETE", "/api/jobs/1"));
  wrong.headers["x-csrf-token"] = csrf_.substr(1) + "A";
  EXPECT_EQ(gate_->Handle(wrong).status, 403);
  EXPECT_TRUE(inner_.seen.empty());
  EXPECT_EQ(gate_->Handle(WithSession(Request("POST", "/api/jobs", "{}"))).status, 200);
  EXPECT_EQ(inner_.seen.size(), 1u);
}

TEST_F(ApiGateTest, ExpiredSessionsAreRefused) {
  LogIn();
  env_.Advance(31 * kMinute);
  EXPECT_EQ(gate_->Handle(WithSession(Request("GET", "/api/status"))).status, 401);
  EXPECT_TRUE(inner_.seen.empty());
}

TEST_F(ApiGateTest, SessionGivesTheTokenBackAndLogoutEndsTheSession) {
  LogIn();
  net::HttpResponse s = gate_->Handle(WithSession(Request("GET", "/api/session"), false));
  ASSERT_EQ(s.status, 200);
  EXPECT_EQ(json::parse(s.body)["csrf"], csrf_);
  // Logout needs the token too.
  EXPECT_EQ(gate_->Handle(WithSession(Request("POST", "/api/logout"), false)).status, 403);
  net::HttpResponse out = gate_->Handle(WithSession(Request("POST", "/api/logout")));
  EXPECT_EQ(out.status, 204);
  EXPECT_NE(HeaderOf(out, "Set-Cookie").find("Max-Age=0"), std::string::npos);
  EXPECT_EQ(gate_->Handle(WithSession(Request("GET", "/api/status"))).status, 401);
  net::HttpResponse none = gate_->Handle(WithSession(Request("GET", "/api/session")));
  EXPECT_EQ(none.status, 200);
  EXPECT_TRUE(json::parse(none.body)["user"].is_null());
  EXPECT_TRUE(json::parse(none.body)["csrf"].is_null());
}

TEST_F(ApiGateTest, ApiTokensWorkWithoutCsrfUntilRevoked) {
  ASSERT_OK_AND_ASSIGN(IssuedToken t, IssueApiToken(store_.get(), &env_, "prometheus"));
  net::HttpRequest req = Request("POST", "/api/jobs/1/run", "{}");
  req.headers["authorization"] = "Bearer " + t.token;
  EXPECT_EQ(gate_->Handle(req).status, 200);
  ASSERT_EQ(inner_.seen.size(), 1u);
  EXPECT_EQ(inner_.seen[0].Header("x-xcr-user"), "token:prometheus");
  EXPECT_EQ(inner_.seen[0].Header("authorization"), "");

  ASSERT_OK(store_->RevokeApiTokens("prometheus", 5));
  net::HttpResponse revoked = gate_->Handle(req);
  EXPECT_EQ(revoked.status, 401);
  EXPECT_NE(revoked.body.find("revoked"), std::string::npos);

  net::HttpRequest other = Request("GET", "/metrics");
  other.headers["authorization"] = "Bearer xcr_00000000_" + std::string(43, 'A');
  EXPECT_EQ(gate_->Handle(other).status, 401);
  other.headers["authorization"] = "Basic YWRtaW46cGFzcw==";
  EXPECT_EQ(gate_->Handle(other).status, 401);
  EXPECT_EQ(inner_.seen.size(), 1u);
}

TEST_F(ApiGateTest, UsersAndTokensAreNeverManagedOverTheWeb) {
  LogIn();
  for (const char* path : {"/api/users", "/api/tokens", "/api/tokens/abc"}) {
    EXPECT_EQ(gate_->Handle(WithSession(Request("POST", path, "{}"))).status, 403) << path;
  }
  EXPECT_TRUE(inner_.seen.empty());
}

TEST_F(ApiGateTest, OversizedBodiesAreRefusedFromTheHead) {
  LogIn();
  net::HttpRequest big = WithSession(Request("POST", "/api/jobs"));
  big.content_length = (1 << 20) + 1;
  EXPECT_TRUE(gate_->IsStreaming(big));  // so the server never reads the body
  StringConnection conn;
  gate_->Stream(big, conn);
  EXPECT_EQ(conn.written.rfind("HTTP/1.1 413", 0), 0u) << conn.written;
  // A chunked body that turned out too large.
  net::HttpRequest chunked = WithSession(Request("POST", "/api/jobs", std::string(2 << 20, 'x')));
  chunked.content_length.reset();
  EXPECT_EQ(gate_->Handle(chunked).status, 413);
  EXPECT_TRUE(inner_.seen.empty());
}

TEST_F(ApiGateTest, StreamsAreAuthenticatedLikeEverythingElse) {
  net::HttpRequest events = Request("GET", "/api/stream");
  ASSERT_TRUE(gate_->IsStreaming(events));
  StringConnection refused;
  gate_->Stream(events, refused);
  EXPECT_EQ(refused.written.rfind("HTTP/1.1 401", 0), 0u) << refused.written;
  EXPECT_TRUE(inner_.seen.empty());
  LogIn();
  StringConnection ok;
  gate_->Stream(WithSession(events, false), ok);
  EXPECT_NE(ok.written.find("streamed"), std::string::npos);
}

TEST_F(ApiGateTest, EveryAnswerCarriesTheSecurityHeaders) {
  for (net::HttpResponse r :
       {gate_->Handle(Request("GET", "/")), gate_->Handle(Request("GET", "/api/status")),
        LoginAs("admin", "wrong")}) {
    EXPECT_NE(HeaderOf(r, "Content-Security-Policy").find("default-src 'self'"), std::string::npos);
    EXPECT_EQ(HeaderOf(r, "X-Content-Type-Options"), "nosniff");
    EXPECT_EQ(HeaderOf(r, "X-Frame-Options"), "DENY");
    EXPECT_EQ(HeaderOf(r, "Strict-Transport-Security"), "max-age=31536000");
  }
}

}  // namespace
}  // namespace xcr::web
