// The store's users and API tokens (migration 4): round trips, refusals, revocation.
#include <gtest/gtest.h>

#include "tests/jobs/store_test_util.h"
#include "tests/testutil/status_matchers.h"
#include "tests/testutil/temp_dir.h"

namespace xcr::jobs {
namespace {

const std::string kHashA(64, 'a');
const std::string kHashB(64, 'b');

class SqliteStoreAuthTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }
  void Reopen() {
    store_.reset();
    auto opened = testing::OpenStore(dir_.path());
    ASSERT_OK(opened);
    store_ = std::move(*opened);
  }
  ::xcr::testing::TempDir dir_;
  std::unique_ptr<SqliteStore> store_;
};

TEST_F(SqliteStoreAuthTest, UsersRoundTripAndAPasswordChangeKeepsCreation) {
  ASSERT_OK(store_->PutUser(UserRecord{"zoe", "hash-1", 100}));
  ASSERT_OK(store_->PutUser(UserRecord{"admin", "hash-2", 200}));
  ASSERT_OK(store_->PutUser(UserRecord{"zoe", "hash-3", 300}));
  Reopen();
  ASSERT_OK_AND_ASSIGN(UserRecord zoe, store_->GetUser("zoe"));
  EXPECT_EQ(zoe, (UserRecord{"zoe", "hash-3", 100}));
  ASSERT_OK_AND_ASSIGN(std::vector<UserRecord> all, store_->ListUsers());
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].name, "admin");
  EXPECT_EQ(all[1].name, "zoe");
  ASSERT_OK(store_->DeleteUser("zoe"));
  EXPECT_EQ(store_->GetUser("zoe").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->DeleteUser("zoe").code(), StatusCode::kNotFound);
}

TEST_F(SqliteStoreAuthTest, BadUsersAreRefusedAndNothingIsStored) {
  EXPECT_EQ(store_->PutUser(UserRecord{"", "h", 1}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->PutUser(UserRecord{"a b", "h", 1}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->PutUser(UserRecord{std::string(65, 'a'), "h", 1}).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->PutUser(UserRecord{"ok", "", 1}).code(), StatusCode::kInvalidArgument);
  ASSERT_OK_AND_ASSIGN(std::vector<UserRecord> all, store_->ListUsers());
  EXPECT_TRUE(all.empty());
}

TEST_F(SqliteStoreAuthTest, TokensAreFoundByHashAndRevokedByIdOrName) {
  ApiTokenRecord a{"t1", "prometheus", kHashA, 10, 0};
  ApiTokenRecord b{"t2", "backup-script", kHashB, 20, 0};
  ASSERT_OK(store_->AddApiToken(a));
  ASSERT_OK(store_->AddApiToken(b));
  Reopen();
  ASSERT_OK_AND_ASSIGN(ApiTokenRecord got, store_->FindApiToken(kHashA));
  EXPECT_EQ(got, a);
  EXPECT_EQ(store_->FindApiToken(std::string(64, 'c')).status().code(), StatusCode::kNotFound);

  ASSERT_OK_AND_ASSIGN(size_t n, store_->RevokeApiTokens("prometheus", 99));
  EXPECT_EQ(n, 1u);
  ASSERT_OK_AND_ASSIGN(got, store_->FindApiToken(kHashA));
  EXPECT_EQ(got.revoked_us, 99);
  // Already revoked: nothing valid left by that name.
  EXPECT_EQ(store_->RevokeApiTokens("prometheus", 100).status().code(), StatusCode::kNotFound);
  ASSERT_OK_AND_ASSIGN(n, store_->RevokeApiTokens("t2", 101));
  EXPECT_EQ(n, 1u);
  ASSERT_OK_AND_ASSIGN(std::vector<ApiTokenRecord> all, store_->ListApiTokens());
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].id, "t1");
  EXPECT_EQ(all[1].revoked_us, 101);
}

TEST_F(SqliteStoreAuthTest, DuplicateOrMalformedTokensAreRefused) {
  ASSERT_OK(store_->AddApiToken(ApiTokenRecord{"t1", "a", kHashA, 1, 0}));
  EXPECT_EQ(store_->AddApiToken(ApiTokenRecord{"t1", "b", kHashB, 1, 0}).code(),
            StatusCode::kAlreadyExists);
  EXPECT_EQ(store_->AddApiToken(ApiTokenRecord{"t2", "b", kHashA, 1, 0}).code(),
            StatusCode::kAlreadyExists);
  EXPECT_EQ(store_->AddApiToken(ApiTokenRecord{"t3", "b", "ABC", 1, 0}).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->AddApiToken(ApiTokenRecord{"t4", "bad name", kHashB, 1, 0}).code(),
            StatusCode::kInvalidArgument);
  ASSERT_OK_AND_ASSIGN(std::vector<ApiTokenRecord> all, store_->ListApiTokens());
  EXPECT_EQ(all.size(), 1u);
}

}  // namespace
}  // namespace xcr::jobs
