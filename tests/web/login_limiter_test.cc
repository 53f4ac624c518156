#include "web/login_limiter.h"

#include <gtest/gtest.h>

#include "tests/testutil/fake_clock_env.h"

namespace xcr::web {
namespace {

constexpr uint64_t kSecond = 1000000;

LoginLimitOptions Options() {
  LoginLimitOptions o;
  o.max_per_name = 3;
  o.max_total = 5;
  o.window_us = 600 * kSecond;
  return o;
}

TEST(LoginLimiter, ANameIsLockedAfterItsFailuresUntilTheOldestLeavesTheWindow) {
  ::xcr::testing::FakeClockEnv env;
  LoginLimiter limiter(&env, Options());
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(limiter.RetryAfterSeconds("admin"), 0u) << i;
    limiter.RecordFailure("admin");
    env.Advance(10 * kSecond);
  }
  // Failures at 0, 10, 20 s; now 30 s: the first leaves the window at 600 s.
  EXPECT_EQ(limiter.RetryAfterSeconds("admin"), 570u);
  EXPECT_EQ(limiter.RetryAfterSeconds("someone-else"), 0u);
  env.Advance(569 * kSecond);
  EXPECT_EQ(limiter.RetryAfterSeconds("admin"), 1u);
  env.Advance(1 * kSecond);
  EXPECT_EQ(limiter.RetryAfterSeconds("admin"), 0u);
}

TEST(LoginLimiter, ASuccessClearsTheNamesFailures) {
  ::xcr::testing::FakeClockEnv env;
  LoginLimiter limiter(&env, Options());
  limiter.RecordFailure("admin");
  limiter.RecordFailure("admin");
  limiter.RecordSuccess("admin");
  limiter.RecordFailure("admin");
  limiter.RecordFailure("admin");
  EXPECT_EQ(limiter.RetryAfterSeconds("admin"), 0u);
  limiter.RecordFailure("admin");
  EXPECT_GT(limiter.RetryAfterSeconds("admin"), 0u);
}

TEST(LoginLimiter, FailuresOverManyNamesLockEveryLogin) {
  ::xcr::testing::FakeClockEnv env;
  LoginLimiter limiter(&env, Options());
  for (int i = 0; i < 5; ++i) limiter.RecordFailure("guess-" + std::to_string(i));
  EXPECT_EQ(limiter.RetryAfterSeconds("admin"), 600u);
  env.Advance(600 * kSecond);
  EXPECT_EQ(limiter.RetryAfterSeconds("admin"), 0u);
}

}  // namespace
}  // namespace xcr::web
