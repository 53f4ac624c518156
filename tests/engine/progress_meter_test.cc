#include "engine/progress_meter.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "tests/testutil/fake_clock_env.h"

namespace xcr::engine {
namespace {

TEST(ProgressMeterTest, PercentRateEta) {
  testing::FakeClockEnv env;
  ProgressMeter m(&env, "web xvda -> sr-a", 1000 << 20);
  for (int i = 0; i < 4; ++i) {
    env.Advance(1000000);
    m.Add(100 << 20);
  }
  EXPECT_DOUBLE_EQ(m.Percent(), 40.0);
  EXPECT_DOUBLE_EQ(m.Rate(), 100.0 * (1 << 20));
  EXPECT_EQ(m.EtaSeconds(), 6);
  EXPECT_EQ(m.Render(), "web xvda -> sr-a   40.0%  400.00 MiB / 1000.00 MiB  100.00 MiB/s  ETA 6s");
}

TEST(ProgressMeterTest, RateFollowsTheWindow) {
  testing::FakeClockEnv env;
  ProgressMeter m(&env, "x", 0, /*window_us=*/2000000);
  for (int i = 0; i < 10; ++i) {
    env.Advance(1000000);
    m.Add(100);
  }
  for (int i = 0; i < 3; ++i) {
    env.Advance(1000000);
    m.Add(1000);
  }
  EXPECT_DOUBLE_EQ(m.Rate(), 1000.0);
  EXPECT_EQ(m.Percent(), -1);
  EXPECT_EQ(m.EtaSeconds(), -1);
}

TEST(ProgressMeterTest, DoneAndFailedRows) {
  testing::FakeClockEnv env;
  ProgressMeter m(&env, "web disk 0 -> sr-b (dr2)", 1000 << 20);
  env.Advance(1000000);
  m.Add(120 << 20);
  m.SetState(ProgressMeter::State::kFailed);
  EXPECT_EQ(m.Render(), "web disk 0 -> sr-b (dr2)  FAILED at 12.0%  120.00 MiB / 1000.00 MiB");
  ProgressMeter d(&env, "x", 2048);
  d.Add(2048);
  d.SetState(ProgressMeter::State::kDone);
  EXPECT_EQ(d.Render(), "x  100.0%  2.00 KiB / 2.00 KiB  done");
}

TEST(FormatDurationTest, Forms) {
  EXPECT_EQ(FormatDuration(3), "3s");
  EXPECT_EQ(FormatDuration(125), "2m05s");
  EXPECT_EQ(FormatDuration(3720), "1h02m");
}

}  // namespace
}  // namespace xcr::engine
