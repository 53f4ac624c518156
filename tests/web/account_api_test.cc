// Users and API tokens on the Unix socket: who may manage them, what is stored, and that the
// HTTPS side then accepts them.
#include "web/account_api.h"

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

class Inner : public net::HttpHandler {
 public:
  bool IsStreaming(const net::HttpRequest&) override { return false; }
  net::HttpResponse Handle(const net::HttpRequest&) override {
    ++calls;
    return net::HttpResponse{200, {}, "inner", false};
  }
  void Stream(const net::HttpRequest&, net::HttpConnection&) override {}
  int calls = 0;
};

class AccountApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    jobs::SqliteStoreOptions o;
    o.state_dir = dir_.path();
    auto opened = jobs::SqliteStore::Open(o);
    ASSERT_OK(opened);
    store_ = std::move(*opened);
    AccountApiOptions options;
    options.daemon_uid = 1234;
    options.kdf = ScryptParams{10, 8, 1};
    api_ = std::make_unique<AccountApi>(store_.get(), &inner_, &sessions_, &env_, options);
  }
  net::HttpResponse Call(const std::string& method, const std::string& path, json body = nullptr,
                         std::optional<uint32_t> uid = 0) {
    net::HttpRequest req;
    req.method = method;
    req.target = path;
    net::ParseTarget(path, &req.path, &req.query);
    if (!body.is_null()) req.body = body.dump();
    if (uid) req.peer = net::PeerCredentials{*uid, *uid, 1};
    return api_->Handle(req);
  }

  ::xcr::testing::TempDir dir_;
  ::xcr::testing::FakeClockEnv env_;
  std::unique_ptr<jobs::SqliteStore> store_;
  Inner inner_;
  SessionTable sessions_{&env_, SessionOptions{}};
  std::unique_ptr<AccountApi> api_;
};

TEST_F(AccountApiTest, AddingAUserStoresOnlyAHashThatVerifies) {
  net::HttpResponse r = Call("POST", "/api/users", json{{"name", "admin"}, {"password", "pw-1"}});
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(json::parse(r.body)["name"], "admin");
  ASSERT_OK_AND_ASSIGN(jobs::UserRecord u, store_->GetUser("admin"));
  EXPECT_EQ(u.password_hash.find("pw-1"), std::string::npos);
  ASSERT_OK_AND_ASSIGN(bool ok, VerifyPassword("pw-1", u.password_hash));
  EXPECT_TRUE(ok);
  json list = json::parse(Call("GET", "/api/users").body);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["name"], "admin");
  EXPECT_FALSE(list[0].contains("password_hash"));
}

TEST_F(AccountApiTest, ANewPasswordOrRemovalEndsTheUsersSessions) {
  ASSERT_EQ(Call("POST", "/api/users", json{{"name", "ann"}, {"password", "a"}}).status, 201);
  NewSession s = sessions_.Create("ann");
  ASSERT_EQ(Call("POST", "/api/users", json{{"name", "ann"}, {"password", "b"}}).status, 200);
  EXPECT_FALSE(sessions_.Lookup(s.id).has_value());
  NewSession again = sessions_.Create("ann");
  EXPECT_EQ(Call("DELETE", "/api/users/ann").status, 204);
  EXPECT_FALSE(sessions_.Lookup(again.id).has_value());
  EXPECT_EQ(Call("DELETE", "/api/users/ann").status, 404);
}

TEST_F(AccountApiTest, BadUsersAreRefusedAndNothingIsStored) {
  EXPECT_EQ(Call("POST", "/api/users", json{{"name", "a b"}, {"password", "x"}}).status, 400);
  EXPECT_EQ(Call("POST", "/api/users", json{{"name", "ok"}, {"password", ""}}).status, 400);
  EXPECT_EQ(Call("POST", "/api/users", json{{"name", "ok"}}).status, 400);
  EXPECT_EQ(Call("POST", "/api/users", "not an object").status, 400);
  ASSERT_OK_AND_ASSIGN(std::vector<jobs::UserRecord> users, store_->ListUsers());
  EXPECT_TRUE(users.empty());
}

TEST_F(AccountApiTest, TokensAreShownOnceAndRevocable) {
  net::HttpResponse r = Call("POST", "/api/tokens", json{{"name", "prometheus"}});
  ASSERT_EQ(r.status, 201) << r.body;
  std::string token = json::parse(r.body)["token"];
  ASSERT_OK(AuthenticateApiToken(store_.get(), token));
  json list = json::parse(Call("GET", "/api/tokens").body);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_FALSE(list[0].contains("token"));
  EXPECT_TRUE(list[0]["revoked"].is_null());
  net::HttpResponse revoked = Call("DELETE", "/api/tokens/prometheus");
  EXPECT_EQ(json::parse(revoked.body)["revoked"], 1);
  EXPECT_FALSE(AuthenticateApiToken(store_.get(), token).ok());
  EXPECT_EQ(Call("DELETE", "/api/tokens/prometheus").status, 404);
}

TEST_F(AccountApiTest, OnlyRootOrTheDaemonsUserOnTheSocket) {
  json add{{"name", "x"}, {"password", "y"}};
  EXPECT_EQ(Call("POST", "/api/users", add, 1000).status, 403);
  EXPECT_EQ(Call("POST", "/api/tokens", json{{"name", "t"}}, std::nullopt).status, 403);
  EXPECT_EQ(Call("GET", "/api/users", nullptr, 1000).status, 403);
  EXPECT_EQ(Call("POST", "/api/users", add, 1234).status, 201);
}

TEST_F(AccountApiTest, EverythingElseGoesToTheDaemonsApi) {
  EXPECT_EQ(Call("GET", "/api/status").body, "inner");
  EXPECT_EQ(Call("GET", "/api/usersx").body, "inner");
  EXPECT_EQ(inner_.calls, 2);
}

}  // namespace
}  // namespace xcr::web
