#include "web/first_admin.h"

#include <gtest/gtest.h>

#include "jobs/sqlite_store.h"
#include "tests/testutil/fake_clock_env.h"
#include "tests/testutil/status_matchers.h"
#include "tests/testutil/temp_dir.h"

namespace xcr::web {
namespace {

constexpr ScryptParams kCheap{10, 8, 1};

class FirstAdminTest : public ::testing::Test {
 protected:
  void SetUp() override {
    jobs::SqliteStoreOptions o;
    o.state_dir = dir_.path();
    ASSERT_OK_AND_ASSIGN(store_, jobs::SqliteStore::Open(o));
  }
  ::xcr::testing::TempDir dir_;
  ::xcr::testing::FakeClockEnv env_;
  std::unique_ptr<jobs::SqliteStore> store_;
};

TEST_F(FirstAdminTest, AnEmptyStoreGetsAdminWithARandomPasswordStoredOnlyAsItsHash) {
  ASSERT_OK_AND_ASSIGN(std::optional<FirstAdmin> admin,
                       CreateFirstAdminIfNoUser(store_.get(), &env_, kCheap));
  ASSERT_TRUE(admin.has_value());
  EXPECT_EQ(admin->name, "admin");
  EXPECT_GE(admin->password.size(), 22u);
  ASSERT_OK_AND_ASSIGN(jobs::UserRecord stored, store_->GetUser("admin"));
  EXPECT_EQ(stored.password_hash.find(admin->password), std::string::npos);
  ASSERT_OK_AND_ASSIGN(bool ok, VerifyPassword(admin->password, stored.password_hash));
  EXPECT_TRUE(ok);
  EXPECT_EQ(stored.created_us, env_.NowUnixMicros());
  // Another empty store gets another password.
  ::xcr::testing::TempDir other_dir;
  jobs::SqliteStoreOptions o;
  o.state_dir = other_dir.path();
  ASSERT_OK_AND_ASSIGN(auto other, jobs::SqliteStore::Open(o));
  ASSERT_OK_AND_ASSIGN(std::optional<FirstAdmin> second,
                       CreateFirstAdminIfNoUser(other.get(), &env_, kCheap));
  ASSERT_TRUE(second.has_value());
  EXPECT_NE(second->password, admin->password);
}

TEST_F(FirstAdminTest, AStoreWithAnyUserIsLeftAlone) {
  ASSERT_OK_AND_ASSIGN(std::string hash, HashPassword("theirs", kCheap));
  ASSERT_OK(store_->PutUser(jobs::UserRecord{"alice", hash, 1}));
  ASSERT_OK_AND_ASSIGN(std::optional<FirstAdmin> admin,
                       CreateFirstAdminIfNoUser(store_.get(), &env_, kCheap));
  EXPECT_FALSE(admin.has_value());
  EXPECT_EQ(store_->GetUser("admin").status().code(), StatusCode::kNotFound);
  // And a second start after the first admin was made creates nothing either.
  ASSERT_OK(store_->DeleteUser("alice"));
  ASSERT_OK_AND_ASSIGN(admin, CreateFirstAdminIfNoUser(store_.get(), &env_, kCheap));
  ASSERT_TRUE(admin.has_value());
  ASSERT_OK_AND_ASSIGN(std::optional<FirstAdmin> again,
                       CreateFirstAdminIfNoUser(store_.get(), &env_, kCheap));
  EXPECT_FALSE(again.has_value());
}

}  // namespace
}  // namespace xcr::web
