#include "web/session_table.h"

#include <gtest/gtest.h>

#include "tests/testutil/fake_clock_env.h"

namespace xcr::web {
namespace {

constexpr uint64_t kMinute = 60ull * 1000000;

class SessionTableTest : public ::testing::Test {
 protected:
  SessionOptions Options() {
    SessionOptions o;
    o.idle_timeout_us = 30 * kMinute;
    o.max_age_us = 120 * kMinute;
    o.max_sessions = 3;
    return o;
  }
  ::xcr::testing::FakeClockEnv env_;
  SessionTable table_{&env_, Options()};
};

TEST_F(SessionTableTest, ANewSessionIsFoundByItsIdWithItsCsrfToken) {
  NewSession s = table_.Create("alice");
  EXPECT_EQ(s.id.size(), 43u);
  EXPECT_EQ(s.session.csrf.size(), 43u);
  EXPECT_NE(s.id, s.session.csrf);
  std::optional<Session> got = table_.Lookup(s.id);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->user, "alice");
  EXPECT_EQ(got->csrf, s.session.csrf);
  EXPECT_FALSE(table_.Lookup(s.id + "x").has_value());
  EXPECT_FALSE(table_.Lookup("").has_value());
}

TEST_F(SessionTableTest, IdleSessionsExpireAndUseKeepsThemAlive) {
  NewSession used = table_.Create("alice");
  NewSession idle = table_.Create("bob");
  env_.Advance(20 * kMinute);
  ASSERT_TRUE(table_.Lookup(used.id).has_value());
  env_.Advance(20 * kMinute);  // 40 min: bob idle too long, alice used 20 min ago
  EXPECT_FALSE(table_.Lookup(idle.id).has_value());
  EXPECT_TRUE(table_.Lookup(used.id).has_value());
}

TEST_F(SessionTableTest, SessionsEndAtTheirMaximumAgeEvenWhenUsed) {
  NewSession s = table_.Create("alice");
  for (int i = 0; i < 5; ++i) {
    env_.Advance(20 * kMinute);
    ASSERT_TRUE(table_.Lookup(s.id).has_value()) << i;
  }
  env_.Advance(21 * kMinute);  // 121 min after login
  EXPECT_FALSE(table_.Lookup(s.id).has_value());
}

TEST_F(SessionTableTest, RemoveAndRemoveUserEndSessions) {
  NewSession a1 = table_.Create("alice");
  NewSession a2 = table_.Create("alice");
  NewSession b = table_.Create("bob");
  EXPECT_TRUE(table_.Remove(b.id));
  EXPECT_FALSE(table_.Remove(b.id));
  EXPECT_FALSE(table_.Lookup(b.id).has_value());
  EXPECT_EQ(table_.RemoveUser("alice"), 2u);
  EXPECT_FALSE(table_.Lookup(a1.id).has_value());
  EXPECT_FALSE(table_.Lookup(a2.id).has_value());
}

TEST_F(SessionTableTest, WhenFullTheLeastRecentlyUsedSessionGoes) {
  NewSession a = table_.Create("a");
  env_.Advance(kMinute);
  NewSession b = table_.Create("b");
  env_.Advance(kMinute);
  NewSession c = table_.Create("c");
  env_.Advance(kMinute);
  ASSERT_TRUE(table_.Lookup(a.id).has_value());  // b is now the least recently used
  NewSession d = table_.Create("d");
  EXPECT_EQ(table_.size(), 3u);
  EXPECT_FALSE(table_.Lookup(b.id).has_value());
  EXPECT_TRUE(table_.Lookup(a.id).has_value());
  EXPECT_TRUE(table_.Lookup(c.id).has_value());
  EXPECT_TRUE(table_.Lookup(d.id).has_value());
}

}  // namespace
}  // namespace xcr::web
