// FakeClockEnv: an Env whose clocks only move when the test says so (files go to the real Env).
#ifndef XCR_TESTS_TESTUTIL_FAKE_CLOCK_ENV_H_
#define XCR_TESTS_TESTUTIL_FAKE_CLOCK_ENV_H_

#include <atomic>

#include "base/env.h"

namespace xcr::testing {

class FakeClockEnv : public EnvWrapper {
 public:
  FakeClockEnv() : EnvWrapper(Env::Default()) {}
  uint64_t NowMicros() override { return mono_us_.load(); }
  int64_t NowUnixMicros() override { return unix_us_.load(); }
  void SleepForMicros(uint64_t m) override { Advance(m); }

  void Advance(uint64_t micros) {
    mono_us_ += micros;
    unix_us_ += static_cast<int64_t>(micros);
  }
  void SetUnixSeconds(int64_t s) { unix_us_ = s * 1000000; }

 private:
  std::atomic<uint64_t> mono_us_{1000000};
  std::atomic<int64_t> unix_us_{int64_t{1795426867} * 1000000};  // 2026-11-23T09:41:07Z
};

}  // namespace xcr::testing

#endif  // XCR_TESTS_TESTUTIL_FAKE_CLOCK_ENV_H_
