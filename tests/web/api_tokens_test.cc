#include "web/api_tokens.h"

#include <gtest/gtest.h>

#include "jobs/sqlite_store.h"
#include "tests/testutil/fake_clock_env.h"
#include "tests/testutil/status_matchers.h"
#include "tests/testutil/temp_dir.h"
#include "web/secret_token.h"

namespace xcr::web {
namespace {

class ApiTokensTest : public ::testing::Test {
 protected:
  void SetUp() override {
    jobs::SqliteStoreOptions o;
    o.state_dir = dir_.path();
    auto opened = jobs::SqliteStore::Open(o);
    ASSERT_OK(opened);
    store_ = std::move(*opened);
  }
  ::xcr::testing::TempDir dir_;
  ::xcr::testing::FakeClockEnv env_;
  std::unique_ptr<jobs::SqliteStore> store_;
};

TEST_F(ApiTokensTest, AnIssuedTokenAuthenticatesAndOnlyItsHashIsStored) {
  ASSERT_OK_AND_ASSIGN(IssuedToken t, IssueApiToken(store_.get(), &env_, "prometheus"));
  EXPECT_EQ(t.token.rfind("xcr_" + t.record.id + "_", 0), 0u);
  EXPECT_EQ(t.token.size(), 56u);
  ASSERT_OK_AND_ASSIGN(std::vector<jobs::ApiTokenRecord> all, store_->ListApiTokens());
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].token_hash, Sha256Hex(t.token));
  EXPECT_EQ(all[0].created_us, env_.NowUnixMicros());
  ASSERT_OK_AND_ASSIGN(jobs::ApiTokenRecord got, AuthenticateApiToken(store_.get(), t.token));
  EXPECT_EQ(got.name, "prometheus");
}

TEST_F(ApiTokensTest, MalformedUnknownAndRevokedTokensAreRefused) {
  ASSERT_OK_AND_ASSIGN(IssuedToken t, IssueApiToken(store_.get(), &env_, "ci"));
  std::string altered = t.token;
  altered.back() = altered.back() == 'A' ? 'B' : 'A';
  for (const std::string& bad : {std::string(""), std::string("xcr_"), t.token + "x", altered}) {
    EXPECT_EQ(AuthenticateApiToken(store_.get(), bad).status().code(),
              StatusCode::kPermissionDenied)
        << bad;
  }
  ASSERT_OK(store_->RevokeApiTokens(t.record.id, 7));
  Result<jobs::ApiTokenRecord> revoked = AuthenticateApiToken(store_.get(), t.token);
  EXPECT_EQ(revoked.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(revoked.status().message().find("revoked"), std::string::npos);
  EXPECT_EQ(IssueApiToken(store_.get(), &env_, "bad name").status().code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace xcr::web
