// VmWatchdog on a clock that moves only when the test says so: it fires at the deadline and not
// before, on the caller's cancel flag without a deadline, and never without either.
#include "engine/vm_watchdog.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>

#include "tests/testutil/fake_clock_env.h"

namespace xcr::engine {
namespace {

// A monotonic clock moved by Advance(); SleepForMicros blocks until the clock reaches its end,
// and counts the sleeps begun so the test knows when the watchdog is waiting again.
class SteppedClockEnv : public xcr::testing::FakeClockEnv {
 public:
  uint64_t NowMicros() override {
    std::lock_guard<std::mutex> l(mu_);
    return now_;
  }
  void SleepForMicros(uint64_t m) override {
    std::unique_lock<std::mutex> l(mu_);
    uint64_t until = now_ + m;
    ++sleeps_;
    cv_.notify_all();
    cv_.wait(l, [&] { return now_ >= until; });
  }
  void Step(uint64_t m) {
    std::lock_guard<std::mutex> l(mu_);
    now_ += m;
    cv_.notify_all();
  }
  // Waits until `n` sleeps have begun.
  void AwaitSleeps(int n) {
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait(l, [&] { return sleeps_ >= n; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  uint64_t now_ = 1'000'000;
  int sleeps_ = 0;
};

TEST(VmWatchdogTest, FiresAtTheDeadlineAndNotBefore) {
  SteppedClockEnv env;
  std::atomic<bool> flag{false};
  {
    VmWatchdog dog(&env, nullptr, /*timeout=*/10'000'000, &flag, /*poll=*/1'000'000);
    env.AwaitSleeps(1);
    env.Step(9'000'000);  // one poll step passes, 9 s of the 10 s
    env.AwaitSleeps(2);   // checked and waiting again
    EXPECT_FALSE(flag.load());
    EXPECT_FALSE(dog.fired());
    env.Step(1'000'000);                      // the deadline
    while (!dog.fired()) env.AwaitSleeps(0);  // the thread returns after firing
    EXPECT_TRUE(dog.timed_out());
  }
  EXPECT_TRUE(flag.load());
}

TEST(VmWatchdogTest, ExternalFlagFiresWithoutATimeout) {
  xcr::testing::FakeClockEnv env;  // sleeps move this clock at once: no real waiting
  std::atomic<bool> external{false};
  std::atomic<bool> flag{false};
  VmWatchdog dog(&env, &external, 0, &flag);
  EXPECT_FALSE(flag.load());
  external.store(true);
  while (!dog.fired()) {
  }
  EXPECT_TRUE(flag.load());
  EXPECT_FALSE(dog.timed_out());
}

TEST(VmWatchdogTest, TimeoutOnAFakeClockFiresWithoutSleeping) {
  xcr::testing::FakeClockEnv env;
  std::atomic<bool> flag{false};
  uint64_t start = env.NowMicros();
  VmWatchdog dog(&env, nullptr, 3'600'000'000, &flag);  // an hour of the fake clock
  while (!dog.fired()) {
  }
  EXPECT_TRUE(dog.timed_out());
  EXPECT_TRUE(flag.load());
  EXPECT_GE(env.NowMicros() - start, 3'600'000'000u);
}

TEST(VmWatchdogTest, NothingToWatchNeverFires) {
  SteppedClockEnv env;  // a sleep would block forever: there must be none
  std::atomic<bool> flag{false};
  {
    VmWatchdog dog(&env, nullptr, 0, &flag);
    EXPECT_FALSE(dog.fired());
  }
  EXPECT_FALSE(flag.load());
}

}  // namespace
}  // namespace xcr::engine
