// The HTTPS front end over real sockets on 127.0.0.1, in front of the real daemon API
// (web_stack.h): the certificate, the login, and every refusal — no cookie, missing or wrong
// CSRF token, expired session, wrong password, revoked token, rate limit, path traversal and
// oversized requests — each checked to have changed nothing in the store.
#include "web/web_front_end.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "net/tls_cert.h"
#include "tests/web/integration/web_stack.h"

namespace xcr::web::testing {
namespace {

using nlohmann::json;

constexpr uint64_t kMinute = 60ull * 1000000;

class WebFrontEndTest : public ::testing::Test {
 protected:
  void SetUp() override {
    WebFrontEndOptions o;
    o.gate.login_limits.max_per_address_name = 3;
    stack_.Start(o);
    ASSERT_FALSE(HasFatalFailure());
    // A pool and a job stored through the API, then the session used to store them dropped.
    stack_.Authenticate(AuthMode::kSession);
    stack_.AddPoolAndJob();
    ASSERT_FALSE(HasFatalFailure());
    client_ = stack_.client_.get();
    job_path_ = "/api/jobs/" + stack_.job_id_;
  }
  // The stored job's state, as the store holds it.
  jobs::Job StoredJob() {
    auto job = stack_.store_->GetJob(stack_.job_id_);
    EXPECT_OK(job);
    return job.ok() ? *job : jobs::Job{};
  }
  size_t StoredJobs() {
    auto jobs = stack_.store_->ListJobs();
    EXPECT_OK(jobs);
    return jobs.ok() ? jobs->size() : 0;
  }
  // A new session's cookie header (fills csrf_).
  std::string Session() {
    Reply r = stack_.Login(kUser, kPassword);
    EXPECT_EQ(r.status, 200) << r.body << r.error;
    csrf_ = Body(r)["csrf"];
    std::string set = r.Header("set-cookie");
    EXPECT_NE(set.find("HttpOnly"), std::string::npos);
    EXPECT_NE(set.find("Secure"), std::string::npos);
    EXPECT_NE(set.find("SameSite=Strict"), std::string::npos);
    return "Cookie: " + set.substr(0, set.find(';'));
  }
  // A new job body that would be valid.
  std::string NewJob() {
    jobs::Job stored = StoredJob();
    return json{{"name", "second"},
                {"vms", {{"ids", stored.vms.ids}}},
                {"srs", {{{"pool", stack_.pool_id_}, {"sr", stored.srs.at(0).sr}}}},
                {"schedules", {{{"cron", "0 4 * * *"}}}}}
        .dump();
  }

  WebStack stack_;
  HttpsClient* client_ = nullptr;
  std::string job_path_;
  std::string csrf_;
};

TEST_F(WebFrontEndTest, ServesHttpsWithTheCertificateItCreatedAndPrintsItsFingerprint) {
  EXPECT_EQ(stack_.web_->url(), "https://127.0.0.1:" + std::to_string(stack_.web_->port()) + "/");
  ASSERT_OK_AND_ASSIGN(std::string fp, net::CertificateFingerprint(stack_.cert_pem_));
  EXPECT_EQ(stack_.web_->fingerprint(), "SHA256:" + fp);
  // The client verifies the server against exactly that certificate.
  Reply r = client_->Send("GET", "/healthz");
  EXPECT_EQ(r.status, 200) << r.error;
  EXPECT_EQ(Body(r)["status"], "ok");
  EXPECT_NE(r.Header("strict-transport-security"), "");
  HttpsClient wrong_ca(stack_.web_->url(), "");  // the system CAs: a self-signed one fails
  EXPECT_NE(wrong_ca.Send("GET", "/healthz").error, "");
}

TEST_F(WebFrontEndTest, TheUiIsServedAndTraversalFindsNothing) {
  Reply index = client_->Send("GET", "/");
  EXPECT_EQ(index.status, 200);
  EXPECT_EQ(index.Header("content-type"), "text/html; charset=utf-8");
  EXPECT_NE(index.Header("content-security-policy").find("default-src 'self'"), std::string::npos);
  std::string cookie = Session();
  for (const char* path :
       {"/../../../../etc/passwd", "/js/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd",
        "/..%2f..%2fetc%2fpasswd", "//etc/passwd", "/js/%2e%2e/%2e%2e/tls/key.pem", "/tls/key.pem",
        "/xcr.db", "/api/../tls/key.pem", "/api/runs/..%2f..%2ftls%2fkey.pem",
        "/api/pools/%2e%2e%2f%2e%2e%2fxcr.db", "/api/jobs/../../../etc/passwd"}) {
    Reply r = client_->Send("GET", path, "", {cookie});
    EXPECT_EQ(r.status, 404) << path << ": " << r.body;
    EXPECT_EQ(r.body.find("PRIVATE KEY"), std::string::npos) << path;
    EXPECT_EQ(r.body.find("root:"), std::string::npos) << path;
    EXPECT_EQ(r.body.find("SQLite"), std::string::npos) << path;
  }
}

TEST_F(WebFrontEndTest, EveryRefusalLeavesTheStoreAsItWas) {
  const std::string new_job = NewJob();
  const std::string json_type = "Content-Type: application/json";
  // No cookie.
  EXPECT_EQ(client_->Send("GET", "/api/status").status, 401);
  EXPECT_EQ(client_->Send("POST", "/api/jobs", new_job, {json_type}).status, 401);
  EXPECT_EQ(client_->Send("PATCH", job_path_, "{\"enabled\": false}", {json_type}).status, 401);
  EXPECT_EQ(client_->Send("GET", "/metrics").status, 401);
  EXPECT_EQ(client_->Send("GET", "/api/runs/x/events").status, 401);
  // Wrong password, unknown user.
  EXPECT_EQ(stack_.Login(kUser, "pw-wrong").status, 401);
  EXPECT_EQ(stack_.Login("mallory", kPassword).status, 401);
  // A session without, or with a wrong, CSRF token.
  std::string cookie = Session();
  EXPECT_EQ(client_->Send("POST", "/api/jobs", new_job, {cookie, json_type}).status, 403);
  EXPECT_EQ(
      client_->Send("POST", "/api/jobs", new_job, {cookie, json_type, "X-CSRF-Token: nope"}).status,
      403);
  EXPECT_EQ(client_->Send("PATCH", job_path_, "{\"enabled\": false}", {cookie, json_type}).status,
            403);
  EXPECT_EQ(client_->Send("DELETE", job_path_, "", {cookie}).status, 403);
  EXPECT_EQ(client_->Send("DELETE", "/api/pools/" + stack_.pool_id_, "", {cookie}).status, 403);
  // Users and tokens are not managed over HTTPS even with a valid session and its token.
  EXPECT_EQ(client_
                ->Send("POST", "/api/tokens", "{\"name\":\"x\"}",
                       {cookie, json_type, "X-CSRF-Token: " + csrf_})
                .status,
            403);
  EXPECT_EQ(client_
                ->Send("POST", "/api/users", "{\"name\":\"eve\",\"password\":\"p\"}",
                       {cookie, json_type, "X-CSRF-Token: " + csrf_})
                .status,
            403);
  EXPECT_EQ(stack_.store_->GetUser("eve").status().code(), StatusCode::kNotFound);
  ASSERT_OK_AND_ASSIGN(auto tokens, stack_.store_->ListApiTokens());
  EXPECT_TRUE(tokens.empty());
  EXPECT_EQ(StoredJobs(), 1u);
  EXPECT_TRUE(StoredJob().enabled);
  ASSERT_OK_AND_ASSIGN(auto pools, stack_.store_->ListPools());
  EXPECT_EQ(pools.size(), 1u);
  // The same session with its token gets through to the daemon's API.
  Reply ok = client_->Send("PATCH", job_path_, "{\"enabled\": false}",
                           {cookie, json_type, "X-CSRF-Token: " + csrf_});
  EXPECT_EQ(ok.status, 200) << ok.body;
  EXPECT_FALSE(StoredJob().enabled);
  // Expired: 31 minutes without a request.
  stack_.clock_.Advance(31 * kMinute);
  EXPECT_EQ(client_
                ->Send("PATCH", job_path_, "{\"enabled\": true}",
                       {cookie, json_type, "X-CSRF-Token: " + csrf_})
                .status,
            401);
  EXPECT_EQ(client_->Send("GET", "/api/status", "", {cookie}).status, 401);
  EXPECT_FALSE(StoredJob().enabled);
}

TEST_F(WebFrontEndTest, LoginsAreRateLimited) {
  for (int i = 0; i < 3; ++i) EXPECT_EQ(stack_.Login(kUser, "guess").status, 401);
  Reply r = stack_.Login(kUser, kPassword);
  EXPECT_EQ(r.status, 429);
  EXPECT_NE(r.Header("retry-after"), "");
  stack_.clock_.Advance(15 * kMinute);
  EXPECT_EQ(stack_.Login(kUser, kPassword).status, 200);
}

TEST_F(WebFrontEndTest, ApiTokensUntilRevoked) {
  ASSERT_OK_AND_ASSIGN(IssuedToken t,
                       IssueApiToken(stack_.store_.get(), &stack_.clock_, "prometheus"));
  const std::string bearer = "Authorization: Bearer " + t.token;
  Reply metrics = client_->Send("GET", "/metrics", "", {bearer});
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("xcr_transfer_bytes_total 0"), std::string::npos);
  EXPECT_EQ(metrics.Header("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  // No CSRF token with a Bearer token: browsers never send one on their own.
  Reply patched = client_->Send("PATCH", job_path_, "{\"enabled\": false}",
                                {bearer, "Content-Type: application/json"});
  EXPECT_EQ(patched.status, 200) << patched.body;
  EXPECT_FALSE(StoredJob().enabled);
  ASSERT_OK(stack_.store_->RevokeApiTokens("prometheus", 1));
  EXPECT_EQ(client_->Send("GET", "/metrics", "", {bearer}).status, 401);
  EXPECT_EQ(client_
                ->Send("PATCH", job_path_, "{\"enabled\": true}",
                       {bearer, "Content-Type: application/json"})
                .status,
            401);
  EXPECT_EQ(client_->Send("DELETE", job_path_, "", {bearer}).status, 401);
  EXPECT_EQ(client_->Send("GET", "/api/status", "", {"Authorization: Bearer xcr_forged"}).status,
            401);
  EXPECT_EQ(StoredJobs(), 1u);
  EXPECT_FALSE(StoredJob().enabled);
}

TEST_F(WebFrontEndTest, OversizedRequestsAre413AndStoreNothing) {
  std::string cookie = Session();
  const std::string csrf = "X-CSRF-Token: " + csrf_;
  // A valid job padded past 1 MiB with a long name.
  json big_job = json::parse(NewJob());
  big_job["name"] = std::string(2 << 20, 'x');
  std::string big = big_job.dump();
  // Refused from the head: the client, waiting for 100 Continue, never sends the body.
  Reply r = client_->Send("POST", "/api/jobs", big,
                          {cookie, csrf, "Content-Type: application/json", "Expect: 100-continue"});
  EXPECT_EQ(r.status, 413) << r.error;
  Reply login = client_->Send("POST", "/api/login", big,
                              {"Content-Type: application/json", "Expect: 100-continue"});
  EXPECT_EQ(login.status, 413) << login.error;
  // A chunked body (no length in the head) is refused once it grows past the limit.
  Reply chunked =
      client_->Send("POST", "/api/jobs", big,
                    {cookie, csrf, "Content-Type: application/json", "Transfer-Encoding: chunked"});
  EXPECT_EQ(chunked.status, 413) << chunked.error;
  EXPECT_EQ(StoredJobs(), 1u);
  // The server still answers afterwards, and the same body under the limit is taken.
  EXPECT_EQ(client_->Send("GET", "/healthz").status, 200);
  Reply fine = client_->Send("POST", "/api/jobs", NewJob(),
                             {cookie, csrf, "Content-Type: application/json"});
  EXPECT_EQ(fine.status, 201) << fine.body;
  EXPECT_EQ(StoredJobs(), 2u);
}

TEST_F(WebFrontEndTest, StreamsNeedASessionToo) {
  EXPECT_EQ(client_->Send("GET", "/api/runs/no-such-run/events").status, 401);
  std::string cookie = Session();
  // Past the gate, the daemon's API answers: no such run.
  Reply r = client_->Send("GET", "/api/runs/no-such-run/events", "", {cookie});
  EXPECT_EQ(r.status, 404) << r.body;
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
}  // namespace xcr::web::testing
