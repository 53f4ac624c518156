#include "web/login_limiter.h"

#include <gtest/gtest.h>

#include "tests/testutil/fake_clock_env.h"

namespace xcr::web {
namespace {

constexpr uint64_t kSecond = 1000000;
constexpr char kHome[] = "192.0.2.10";
constexpr char kAttacker[] = "198.51.100.7";

LoginLimitOptions Options() {
  LoginLimitOptions o;
  o.max_per_address_name = 3;
  o.max_per_address = 5;
  o.max_total = 8;
  o.window_us = 600 * kSecond;
  return o;
}

TEST(LoginLimiter, ANameFromOneAddressIsLockedUntilTheOldestFailureLeavesTheWindow) {
  ::xcr::testing::FakeClockEnv env;
  LoginLimiter limiter(&env, Options());
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(limiter.RetryAfterSeconds(kAttacker, "admin"), 0u) << i;
    limiter.RecordFailure(kAttacker, "admin");
    env.Advance(10 * kSecond);
  }
  // Failures at 0, 10, 20 s; now 30 s: the first leaves the window at 600 s.
  EXPECT_EQ(limiter.RetryAfterSeconds(kAttacker, "admin"), 570u);
  EXPECT_EQ(limiter.RetryAfterSeconds(kAttacker, "someone-else"), 0u);
  env.Advance(569 * kSecond);
  EXPECT_EQ(limiter.RetryAfterSeconds(kAttacker, "admin"), 1u);
  env.Advance(1 * kSecond);
  EXPECT_EQ(limiter.RetryAfterSeconds(kAttacker, "admin"), 0u);
}

TEST(LoginLimiter, SomeoneElsesFailuresDoNotLockTheUserOut) {
  ::xcr::testing::FakeClockEnv env;
  LoginLimiter limiter(&env, Options());
  for (int i = 0; i < 5; ++i) limiter.RecordFailure(kAttacker, "admin");
  EXPECT_GT(limiter.RetryAfterSeconds(kAttacker, "admin"), 0u);
  // The real admin, from its own address, is not held up by the attacker's guesses.
  EXPECT_EQ(limiter.RetryAfterSeconds(kHome, "admin"), 0u);
}

TEST(LoginLimiter, OneAddressTryingManyNamesIsLocked) {
  ::xcr::testing::FakeClockEnv env;
  LoginLimiter limiter(&env, Options());
  for (int i = 0; i < 5; ++i) limiter.RecordFailure(kAttacker, "guess-" + std::to_string(i));
  EXPECT_EQ(limiter.RetryAfterSeconds(kAttacker, "a-new-name"), 600u);
  EXPECT_EQ(limiter.RetryAfterSeconds(kHome, "admin"), 0u);
}

TEST(LoginLimiter, AnIpv6ClientIsCountedByItsSlash64) {
  ::xcr::testing::FakeClockEnv env;
  LoginLimiter limiter(&env, Options());
  // Five addresses of one /64 count as one client.
  for (int i = 1; i <= 5; ++i) {
    limiter.RecordFailure("2001:db8:1:2::" + std::to_string(i), "guess-" + std::to_string(i));
  }
  EXPECT_GT(limiter.RetryAfterSeconds("2001:db8:1:2:ffff::9", "admin"), 0u);
  EXPECT_EQ(limiter.RetryAfterSeconds("2001:db8:1:3::1", "admin"), 0u);
  EXPECT_EQ(ClientAddressKey("2001:db8:1:2:aaaa:bbbb:cccc:dddd"), "2001:db8:1:2::/64");
  EXPECT_EQ(ClientAddressKey("::ffff:192.0.2.10"), "192.0.2.10");
  EXPECT_EQ(ClientAddressKey("192.0.2.10"), "192.0.2.10");
}

TEST(LoginLimiter, ASuccessClearsOnlyItsAddressAndName) {
  ::xcr::testing::FakeClockEnv env;
  LoginLimiter limiter(&env, Options());
  limiter.RecordFailure(kHome, "admin");
  limiter.RecordFailure(kHome, "admin");
  limiter.RecordSuccess(kHome, "admin");
  limiter.RecordFailure(kHome, "admin");
  limiter.RecordFailure(kHome, "admin");
  EXPECT_EQ(limiter.RetryAfterSeconds(kHome, "admin"), 0u);
  limiter.RecordFailure(kHome, "admin");
  EXPECT_GT(limiter.RetryAfterSeconds(kHome, "admin"), 0u);
  // A guesser's success with an account of its own does not reset its address's count.
  for (int i = 0; i < 5; ++i) limiter.RecordFailure(kAttacker, "victim-" + std::to_string(i));
  limiter.RecordSuccess(kAttacker, "own-account");
  EXPECT_GT(limiter.RetryAfterSeconds(kAttacker, "victim-9"), 0u);
}

TEST(LoginLimiter, FailuresFromManyAddressesTripTheBackstopForEveryone) {
  ::xcr::testing::FakeClockEnv env;
  LoginLimiter limiter(&env, Options());
  for (int i = 0; i < 8; ++i) {
    limiter.RecordFailure("203.0.113." + std::to_string(i), "admin");
  }
  EXPECT_EQ(limiter.RetryAfterSeconds(kHome, "admin"), 600u);
  env.Advance(600 * kSecond);
  EXPECT_EQ(limiter.RetryAfterSeconds(kHome, "admin"), 0u);
}

TEST(LoginLimiter, TrackedKeysAreBounded) {
  ::xcr::testing::FakeClockEnv env;
  LoginLimitOptions o = Options();
  o.max_keys = 2;
  o.max_total = 1000;
  LoginLimiter limiter(&env, o);
  for (int i = 0; i < 3; ++i) limiter.RecordFailure(kAttacker, "admin");
  env.Advance(kSecond);
  // Two more keys of each kind push the attacker's (the stalest) out.
  limiter.RecordFailure("203.0.113.1", "a");
  env.Advance(kSecond);
  limiter.RecordFailure("203.0.113.2", "b");
  EXPECT_EQ(limiter.RetryAfterSeconds(kAttacker, "admin"), 0u);
}

}  // namespace
}  // namespace xcr::web
