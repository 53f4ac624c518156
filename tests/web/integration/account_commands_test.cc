// `xcr user ...` and `xcr token ...` as users run them, against the real AccountApi on a Unix
// socket over a real store: what is stored, what is printed (the token as the last line), the
// refusals.
#include <sys/stat.h>

#include <fstream>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "jobs/sqlite_store.h"
#include "net/http_server.h"
#include "tests/testutil/run_command.h"
#include "tests/testutil/status_matchers.h"
#include "tests/testutil/temp_dir.h"
#include "web/account_api.h"
#include "web/api_tokens.h"
#include "web/password_hash.h"

#ifndef XCR_BINARY
#error "XCR_BINARY (the xcr binary under test) must be defined"
#endif

namespace xcr::web {
namespace {

using ::xcr::testing::RunCommand;

class NotFound : public net::HttpHandler {
 public:
  bool IsStreaming(const net::HttpRequest&) override { return false; }
  net::HttpResponse Handle(const net::HttpRequest&) override {
    return net::HttpResponse{404, {}, "{\"error\": \"no such path\"}", false};
  }
  void Stream(const net::HttpRequest&, net::HttpConnection&) override {}
};

class AccountCommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    jobs::SqliteStoreOptions so;
    so.state_dir = dir_.File("state");
    auto opened = jobs::SqliteStore::Open(so);
    ASSERT_OK(opened);
    store_ = std::move(*opened);
    AccountApiOptions o;
    o.daemon_uid = ::getuid();
    o.kdf = ScryptParams{10, 8, 1};
    api_ = std::make_unique<AccountApi>(store_.get(), &inner_, &sessions_, nullptr, o);
    socket_ = dir_.File("xcr.sock");
    net::ListenerOptions lo;
    lo.unix_path = socket_;
    lo.handler = api_.get();
    ASSERT_OK(server_.Listen(lo));
    server_.Start();
  }
  void TearDown() override { server_.Stop(); }
  std::string Xcr(const std::string& args) {
    return std::string(XCR_BINARY) + " " + args + " --socket " + socket_;
  }
  std::string PasswordFile(const std::string& text, mode_t mode) {
    std::string path = dir_.File("pw");
    std::ofstream(path) << text << "\n";
    ::chmod(path.c_str(), mode);
    return path;
  }

  ::xcr::testing::TempDir dir_;
  std::unique_ptr<jobs::SqliteStore> store_;
  NotFound inner_;
  SessionTable sessions_{Env::Default(), SessionOptions{}};
  std::unique_ptr<AccountApi> api_;
  net::HttpServer server_{net::TlsIdentity{}};
  std::string socket_;
};

TEST_F(AccountCommandsTest, UserAddStoresAHashOfThePasswordFile) {
  std::string pw = PasswordFile("s3cret-pw", 0600);
  auto r = RunCommand(Xcr("user add admin --password-file " + pw));
  ASSERT_EQ(r.rc, 0) << r.out;
  EXPECT_NE(r.out.find("user admin can log in"), std::string::npos) << r.out;
  ASSERT_OK_AND_ASSIGN(jobs::UserRecord u, store_->GetUser("admin"));
  ASSERT_OK_AND_ASSIGN(bool ok, VerifyPassword("s3cret-pw", u.password_hash));
  EXPECT_TRUE(ok);
  auto list = RunCommand(Xcr("user list --json"));
  ASSERT_EQ(list.rc, 0) << list.out;
  nlohmann::json users = nlohmann::json::parse(list.out);
  ASSERT_EQ(users.size(), 1u);
  EXPECT_EQ(users[0]["name"], "admin");
  EXPECT_EQ(RunCommand(Xcr("user remove admin")).rc, 0);
  EXPECT_FALSE(store_->GetUser("admin").ok());
}

TEST_F(AccountCommandsTest, UserAddRefusesAReadableFileAndMissingFlags) {
  std::string pw = PasswordFile("x", 0644);
  auto r = RunCommand(Xcr("user add admin --password-file " + pw));
  EXPECT_EQ(r.rc, 1) << r.out;
  EXPECT_NE(r.out.find("chmod 600"), std::string::npos) << r.out;
  EXPECT_EQ(RunCommand(Xcr("user add admin")).rc, 2);
  EXPECT_EQ(RunCommand(Xcr("user add --password-file " + pw)).rc, 2);
  auto bad = RunCommand(Xcr("user add 'a b' --password-file " + PasswordFile("x", 0600)));
  EXPECT_EQ(bad.rc, 1) << bad.out;
  EXPECT_NE(bad.out.find("not valid"), std::string::npos) << bad.out;
  ASSERT_OK_AND_ASSIGN(std::vector<jobs::UserRecord> users, store_->ListUsers());
  EXPECT_TRUE(users.empty());
}

TEST_F(AccountCommandsTest, TokenCreatePrintsTheTokenAsItsLastLineAndRevokeEndsIt) {
  auto r = RunCommand(Xcr("token create prometheus"));
  ASSERT_EQ(r.rc, 0) << r.out;
  std::string out = r.out;
  while (!out.empty() && out.back() == '\n') out.pop_back();
  std::string token = out.substr(out.rfind('\n') + 1);
  ASSERT_OK_AND_ASSIGN(jobs::ApiTokenRecord t, AuthenticateApiToken(store_.get(), token));
  EXPECT_EQ(t.name, "prometheus");
  auto list = RunCommand(Xcr("token list"));
  EXPECT_EQ(list.rc, 0);
  EXPECT_EQ(list.out.find(token), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("prometheus"), std::string::npos) << list.out;
  EXPECT_EQ(RunCommand(Xcr("token revoke prometheus")).rc, 0);
  EXPECT_FALSE(AuthenticateApiToken(store_.get(), token).ok());
  auto again = RunCommand(Xcr("token revoke prometheus"));
  EXPECT_EQ(again.rc, 1) << again.out;
}

}  // namespace
}  // namespace xcr::web
