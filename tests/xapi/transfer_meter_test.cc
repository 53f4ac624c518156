// TransferMeter on a fake clock: pacing sleeps exactly until the average rate is back under the
// cap (in steps of at most 100 ms), never without a cap or once cancelled; progress is reported
// at most every 500 ms and once at the end.
#include "xapi/transfer_meter.h"

#include <gtest/gtest.h>

#include <atomic>
#include <vector>

#include "tests/testutil/fake_clock_env.h"

namespace xcr::xapi {
namespace {

class SleepLog : public xcr::testing::FakeClockEnv {
 public:
  void SleepForMicros(uint64_t m) override {
    sleeps.push_back(m);
    FakeClockEnv::SleepForMicros(m);
  }
  std::vector<uint64_t> sleeps;
};

TEST(TransferMeterTest, PaceWaitsOnTheEnvUntilTheRateIsUnderTheCap) {
  SleepLog env;
  TransferOptions o;
  o.env = &env;
  o.max_bytes_per_sec = 1'000'000;  // 1 MB/s
  TransferMeter meter(o);
  uint64_t start = env.NowMicros();
  meter.Add(250'000);  // a quarter of a second's worth
  meter.Pace();
  EXPECT_EQ(env.NowMicros() - start, 250'000u);
  EXPECT_EQ(env.sleeps, (std::vector<uint64_t>{100'000, 100'000, 50'000}));
  // Already under the cap: no sleep.
  env.Advance(1'000'000);
  env.sleeps.clear();
  meter.Add(500'000);
  meter.Pace();
  EXPECT_TRUE(env.sleeps.empty());
}

TEST(TransferMeterTest, NoCapOrCancelledNeverSleeps) {
  SleepLog env;
  TransferOptions o;
  o.env = &env;
  TransferMeter free(o);
  free.Add(1ull << 40);
  free.Pace();
  EXPECT_TRUE(env.sleeps.empty());

  std::atomic<bool> cancel{true};
  o.max_bytes_per_sec = 1;
  o.cancel = &cancel;
  TransferMeter cancelled(o);
  cancelled.Add(1'000'000);
  cancelled.Pace();
  EXPECT_TRUE(env.sleeps.empty());
}

TEST(TransferMeterTest, ProgressAtMostEveryHalfSecondAndAtTheEnd) {
  xcr::testing::FakeClockEnv env;
  std::vector<TransferProgress> seen;
  TransferOptions o;
  o.env = &env;
  o.progress = [&](const TransferProgress& p) { seen.push_back(p); };
  TransferMeter meter(o);
  meter.total = 4000;
  meter.Add(1000);  // the first report comes at once
  ASSERT_EQ(seen.size(), 1u);
  env.Advance(200'000);
  meter.Add(1000);
  EXPECT_EQ(seen.size(), 1u);
  env.Advance(300'000);
  meter.Add(1000);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[1].bytes, 3000u);
  EXPECT_EQ(seen[1].total, 4000u);
  EXPECT_DOUBLE_EQ(seen[1].bytes_per_sec, 6000.0);  // 3000 bytes in 0.5 s of the fake clock
  meter.Final();
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[2].bytes, 3000u);
}

}  // namespace
}  // namespace xcr::xapi
