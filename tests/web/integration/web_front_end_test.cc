// The HTTPS front end over real sockets on 127.0.0.1: the certificate, the login, and every
// refusal (no cookie, missing or wrong CSRF token, expired session, wrong password, revoked
// token), path traversal and oversized requests — none of which reaches the daemon's API.
#include "web/web_front_end.h"

#include <gtest/gtest.h>

#include <atomic>
#include <nlohmann/json.hpp>

#include "jobs/sqlite_store.h"
#include "net/tls_cert.h"
#include "tests/testutil/fake_clock_env.h"
#include "tests/testutil/status_matchers.h"
#include "tests/testutil/temp_dir.h"
#include "tests/web/integration/https_client.h"
#include "web/api_tokens.h"
#include "web/password_hash.h"

namespace xcr::web {
namespace {

using nlohmann::json;
using testing::HttpsClient;
using testing::Reply;

// Stands in for the daemon's API: answers everything with the path it saw, counting calls.
class FakeDaemonApi : public net::HttpHandler {
 public:
  bool IsStreaming(const net::HttpRequest& req) override {
    return req.path.size() > 7 && req.path.substr(req.path.size() - 7) == "/events";
  }
  net::HttpResponse Handle(const net::HttpRequest& req) override {
    ++calls;
    json body{{"path", req.path}, {"user", req.Header("x-xcr-user")}};
    return net::HttpResponse{200, {{"Content-Type", "application/json"}}, body.dump(), false};
  }
  void Stream(const net::HttpRequest&, net::HttpConnection& conn) override {
    ++calls;
    std::string out =
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\nevent: end\ndata: {}\n\n";
    (void)conn.WriteAll(
        std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(out.data()), out.size()));
  }
  std::atomic<int> calls{0};
};

constexpr uint64_t kMinute = 60ull * 1000000;

class WebFrontEndTest : public ::testing::Test {
 protected:
  void SetUp() override {
    jobs::SqliteStoreOptions so;
    so.state_dir = dir_.path();
    auto opened = jobs::SqliteStore::Open(so);
    ASSERT_OK(opened);
    store_ = std::move(*opened);
    ASSERT_OK_AND_ASSIGN(std::string hash, HashPassword("pw-right", ScryptParams{10, 8, 1}));
    ASSERT_OK(store_->PutUser(jobs::UserRecord{"admin", hash, 1}));
    WebFrontEndOptions o;
    o.listen = "127.0.0.1:0";
    o.state_dir = dir_.path();
    o.gate.login_limits.max_per_address_name = 3;
    auto fe = WebFrontEnd::Start(store_.get(), &api_, &env_, o);
    ASSERT_OK(fe);
    fe_ = std::move(*fe);
    ASSERT_OK_AND_ASSIGN(std::string pem, env_.ReadFileToString(dir_.File("tls/cert.pem")));
    cert_pem_ = pem;
    client_ = std::make_unique<HttpsClient>(fe_->url(), cert_pem_);
  }
  void TearDown() override {
    if (fe_) fe_->Stop();
  }
  Reply Login(const std::string& user, const std::string& password) {
    return client_->Send("POST", "/api/login", json{{"user", user}, {"password", password}}.dump(),
                         {"Content-Type: application/json"});
  }
  // Logs in; returns "Cookie: ..." and fills csrf_.
  std::string Session() {
    Reply r = Login("admin", "pw-right");
    EXPECT_EQ(r.status, 200) << r.body << r.error;
    csrf_ = json::parse(r.body)["csrf"];
    std::string set = r.Header("set-cookie");
    return "Cookie: " + set.substr(0, set.find(';'));
  }

  ::xcr::testing::TempDir dir_;
  ::xcr::testing::FakeClockEnv env_;
  std::unique_ptr<jobs::SqliteStore> store_;
  FakeDaemonApi api_;
  std::unique_ptr<WebFrontEnd> fe_;
  std::string cert_pem_;
  std::unique_ptr<HttpsClient> client_;
  std::string csrf_;
};

TEST_F(WebFrontEndTest, ServesHttpsWithTheCertificateItCreatedAndPrintsItsFingerprint) {
  EXPECT_EQ(fe_->url(), "https://127.0.0.1:" + std::to_string(fe_->port()) + "/");
  ASSERT_OK_AND_ASSIGN(std::string fp, net::CertificateFingerprint(cert_pem_));
  EXPECT_EQ(fe_->fingerprint(), "SHA256:" + fp);
  // The client verifies the server against exactly that certificate.
  Reply r = client_->Send("GET", "/healthz");
  EXPECT_EQ(r.status, 200) << r.error;
  EXPECT_NE(r.Header("strict-transport-security"), "");
  HttpsClient wrong_ca(fe_->url(), "");  // the system CAs: a self-signed certificate fails
  EXPECT_NE(wrong_ca.Send("GET", "/healthz").error, "");
}

TEST_F(WebFrontEndTest, TheUiIsServedAndTraversalFindsNothing) {
  Reply index = client_->Send("GET", "/");
  EXPECT_EQ(index.status, 200);
  EXPECT_EQ(index.Header("content-type"), "text/html; charset=utf-8");
  EXPECT_NE(index.Header("content-security-policy").find("default-src 'self'"), std::string::npos);
  for (const char* path : {"/../../../../etc/passwd", "/js/../../etc/passwd",
                           "/%2e%2e/%2e%2e/etc/passwd", "/..%2f..%2fetc%2fpasswd", "//etc/passwd",
                           "/js/%2e%2e/%2e%2e/tls/key.pem", "/tls/key.pem", "/xcr.db"}) {
    Reply r = client_->Send("GET", path);
    EXPECT_EQ(r.status, 404) << path;
    EXPECT_EQ(r.body.find("PRIVATE KEY"), std::string::npos) << path;
    EXPECT_EQ(r.body.find("root:"), std::string::npos) << path;
  }
  EXPECT_EQ(api_.calls, 0);
}

TEST_F(WebFrontEndTest, EveryRefusalKeepsTheRequestFromTheDaemonsApi) {
  // No cookie.
  EXPECT_EQ(client_->Send("GET", "/api/status").status, 401);
  EXPECT_EQ(client_->Send("POST", "/api/jobs", "{}", {"Content-Type: application/json"}).status,
            401);
  EXPECT_EQ(client_->Send("GET", "/metrics").status, 401);
  EXPECT_EQ(client_->Send("GET", "/api/runs/x/events").status, 401);
  // Wrong password, unknown user.
  EXPECT_EQ(Login("admin", "pw-wrong").status, 401);
  EXPECT_EQ(Login("mallory", "pw-right").status, 401);
  // A session without, or with a wrong, CSRF token.
  std::string cookie = Session();
  EXPECT_EQ(client_->Send("POST", "/api/jobs", "{}", {cookie}).status, 403);
  EXPECT_EQ(client_->Send("POST", "/api/jobs", "{}", {cookie, "X-CSRF-Token: nope"}).status, 403);
  EXPECT_EQ(client_->Send("DELETE", "/api/pools/1", "", {cookie}).status, 403);
  // Users and tokens are not managed over HTTPS even with a valid session.
  EXPECT_EQ(
      client_->Send("POST", "/api/tokens", "{\"name\":\"x\"}", {cookie, "X-CSRF-Token: " + csrf_})
          .status,
      403);
  EXPECT_EQ(api_.calls, 0);
  // The same session with its token gets through.
  Reply ok = client_->Send("POST", "/api/jobs", "{}", {cookie, "X-CSRF-Token: " + csrf_});
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(json::parse(ok.body)["user"], "admin");
  EXPECT_EQ(api_.calls, 1);
  // Expired.
  env_.Advance(31 * kMinute);
  EXPECT_EQ(client_->Send("GET", "/api/status", "", {cookie}).status, 401);
  EXPECT_EQ(api_.calls, 1);
}

TEST_F(WebFrontEndTest, LoginsAreRateLimited) {
  for (int i = 0; i < 3; ++i) EXPECT_EQ(Login("admin", "guess").status, 401);
  Reply r = Login("admin", "pw-right");
  EXPECT_EQ(r.status, 429);
  EXPECT_NE(r.Header("retry-after"), "");
}

TEST_F(WebFrontEndTest, ApiTokensUntilRevoked) {
  ASSERT_OK_AND_ASSIGN(IssuedToken t, IssueApiToken(store_.get(), &env_, "prometheus"));
  Reply metrics = client_->Send("GET", "/metrics", "", {"Authorization: Bearer " + t.token});
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("xcr_transfer_bytes_total 0"), std::string::npos);
  EXPECT_EQ(metrics.Header("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  Reply api = client_->Send("POST", "/api/jobs/1/run", "{}", {"Authorization: Bearer " + t.token});
  EXPECT_EQ(api.status, 200);
  EXPECT_EQ(json::parse(api.body)["user"], "token:prometheus");
  ASSERT_OK(store_->RevokeApiTokens("prometheus", 1));
  EXPECT_EQ(client_->Send("GET", "/metrics", "", {"Authorization: Bearer " + t.token}).status, 401);
  EXPECT_EQ(api_.calls, 1);
}

TEST_F(WebFrontEndTest, OversizedRequestsAre413) {
  std::string cookie = Session();
  std::string big(2 << 20, 'x');
  // Refused from the head: the client, waiting for 100 Continue, never sends the body.
  Reply r = client_->Send("POST", "/api/jobs", big,
                          {cookie, "X-CSRF-Token: " + csrf_, "Expect: 100-continue"});
  EXPECT_EQ(r.status, 413) << r.error;
  Reply login = client_->Send("POST", "/api/login", big,
                              {"Content-Type: application/json", "Expect: 100-continue"});
  EXPECT_EQ(login.status, 413) << login.error;
  // A chunked body (no length in the head) is refused once it grows past the limit.
  Reply chunked = client_->Send("POST", "/api/jobs", big,
                                {cookie, "X-CSRF-Token: " + csrf_, "Transfer-Encoding: chunked"});
  EXPECT_EQ(chunked.status, 413) << chunked.error;
  EXPECT_EQ(api_.calls, 0);
  // The server still answers afterwards.
  EXPECT_EQ(client_->Send("GET", "/healthz").status, 200);
}

TEST_F(WebFrontEndTest, StreamsNeedASessionToo) {
  std::string cookie = Session();
  Reply r = client_->Send("GET", "/api/runs/abc/events", "", {cookie});
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("event: end"), std::string::npos);
  EXPECT_EQ(api_.calls, 1);
}

TEST(ParseListenAddress, AcceptsHostPortAndBracketedV6) {
  std::string host;
  uint16_t port = 0;
  ASSERT_OK(ParseListenAddress("0.0.0.0:8443", &host, &port));
  EXPECT_EQ(host, "0.0.0.0");
  EXPECT_EQ(port, 8443);
  ASSERT_OK(ParseListenAddress("[::1]:9", &host, &port));
  EXPECT_EQ(host, "::1");
  EXPECT_EQ(port, 9);
  for (const char* bad : {"8443", ":8443", "host:", "host:99999", "::1:80", "h:8x"}) {
    EXPECT_EQ(ParseListenAddress(bad, &host, &port).code(), StatusCode::kInvalidArgument) << bad;
  }
}

}  // namespace
}  // namespace xcr::web
